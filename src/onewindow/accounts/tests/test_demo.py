"""The accounts demo: organisations, halls, staff and residents of the sample district."""

from __future__ import annotations

import pytest
from django.db import connection

from onewindow.accounts.constants import DepartmentKind, Role, UserKind, WindowKind
from onewindow.accounts.demo import (
    DEMO_PASSWORD,
    ENTERPRISES_SMALL,
    NAMED_STAFF,
    PERSONS_SMALL,
    accounts_demo_load,
    demo_accounts,
)
from onewindow.accounts.models import (
    Department,
    Enterprise,
    Person,
    ServiceHall,
    ServiceWindow,
    Staff,
    User,
)
from onewindow.accounts.rules import credit_code_validate, id_number_parse
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import person_list
from onewindow.core.crypto import lookup_hash
from onewindow.core.models import AuditEntry
from onewindow.regions.constants import RegionLevel
from onewindow.regions.demo import regions_demo_load
from onewindow.regions.models import Region


@pytest.fixture
def demo(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    regions_demo_load(small=True)
    return accounts_demo_load(small=True)


def test_departments_halls_and_windows(demo: dict[str, int]) -> None:
    kinds = {k: Department.objects.filter(kind=k).count() for k in DepartmentKind.values}
    assert kinds == {"bureau": 28, "street_office": 12, "community_committee": 15,
                     "service_centre": 1}
    assert Department.objects.get(code="530103-SCJGJ").name == "盘龙区市场监督管理局"
    office = Department.objects.get(code="530103001000-JDB")
    assert office.name == "拓东街道办事处" and office.region.code == "530103001000"
    assert Department.objects.get(code="530103011201-JWH").name == "白邑村村民委员会"
    assert Department.objects.get(code="530103001001-JWH").name == "尚义社区居民委员会"

    assert ServiceHall.objects.count() == 1 + 12 + 12
    centre = ServiceHall.objects.get(name="盘龙区政务服务中心")
    windows = {w.number: w for w in centre.windows.select_related("department")}
    assert sorted(windows) == [*(f"A{n:02d}" for n in range(1, 9)), "B01", "B02", "B03",
                               "C01", "C02"]
    assert windows["B01"].kind == WindowKind.SPECIAL and windows["B01"].department.short_name == "区公安分局"
    assert windows["B02"].name == "不动产登记专窗"
    assert windows["C01"].kind == WindowKind.PICKUP and windows["C02"].kind == WindowKind.HELP
    street_hall = ServiceHall.objects.get(name="拓东街道便民服务中心")
    assert street_hall.windows.count() == 2
    assert ServiceWindow.objects.count() == 13 + 12 * 2 + 12
    assert demo["服务窗口"] == ServiceWindow.objects.count()


def test_named_accounts_cover_every_role_with_a_scope(demo: dict[str, int]) -> None:
    staff = {s.user.username: s for s in Staff.objects.filter(user__username__in=NAMED_STAFF)
             .select_related("user", "region")}
    assert set(staff) == set(NAMED_STAFF)
    roles = {r for s in staff.values() for r in s.roles}
    assert roles == set(Role.values)
    for s in staff.values():
        assert s.user.check_password(DEMO_PASSWORD), s.user.username
        assert s.user.kind == UserKind.STAFF
        assert not scope_for(s.user).is_empty
    assert staff["admin"].user.is_superuser and staff["admin"].user.is_staff
    assert not staff["clerk"].user.is_superuser
    assert staff["clerk"].window.number == "A01"
    assert staff["grid"].region.level == RegionLevel.GRID
    assert staff["reviewer_market"].departments.get().code == "530103-SCJGJ"
    assert staff["reviewer_civil"].departments.get().code == "530103-MZJ"

    citizen = User.objects.get(username="citizen")
    assert citizen.kind == UserKind.CITIZEN and citizen.person.name == "李华"
    assert citizen.check_password(DEMO_PASSWORD)
    agent = User.objects.get(username="enterprise")
    assert agent.kind == UserKind.ENTERPRISE and agent.check_password(DEMO_PASSWORD)
    assert agent.enterprises.get().name == "昆明春城云创科技有限公司"

    table = {a.username: a for a in demo_accounts()}
    assert list(table) == [*NAMED_STAFF, "citizen", "enterprise"]
    assert table["clerk_tuodong"].scope.startswith("拓东街道")
    assert table["leader"].scope == "盘龙区（全区）"


def test_clerk_tuodong_sees_one_street_only(demo: dict[str, int]) -> None:
    clerk = User.objects.get(username="clerk_tuodong")
    street = Region.objects.get(code="530103001000")
    assert clerk.staff.region == street
    assert scope_for(clerk).region_path == street.path
    visible = list(person_list(actor=clerk))
    assert visible and all(p.region_path.startswith(street.path) for p in visible)
    assert len(visible) == Person.objects.filter(region_path__startswith=street.path).count()
    assert len(visible) < Person.objects.count()
    other = User.objects.get(username="clerk_other")
    assert other.staff.region.code == "530103002000"
    assert not set(person_list(actor=other)) & set(visible)


def test_rosters_staff_every_grid_and_street(demo: dict[str, int]) -> None:
    grids = Region.objects.filter(level=RegionLevel.GRID)
    workers = Staff.objects.filter(region__level=RegionLevel.GRID)
    assert workers.count() == grids.count()
    assert set(workers.values_list("region_id", flat=True)) == set(grids.values_list("id", flat=True))
    for street in Region.objects.filter(level=RegionLevel.STREET):
        assert Staff.objects.filter(region=street, window__number="01").count() == 1
    assert Staff.objects.filter(user__username="clerk_gulou", region__code="530103002000").exists()
    assert User.objects.get(username="wg530103001002001").check_password(DEMO_PASSWORD)
    assert Staff.objects.values("employee_no").distinct().count() == Staff.objects.count()


def test_residents_and_enterprises_are_valid_and_encrypted(demo: dict[str, int]) -> None:
    people = list(Person.objects.select_related("region"))
    assert len(people) == PERSONS_SMALL + 2  # plus the citizen and the enterprise agent
    for person in people:
        facts = id_number_parse(person.id_number)
        assert person.id_number_hash == lookup_hash(person.id_number)
        assert (person.gender, person.birth_date) == (facts.gender, facts.birth_date)
        assert person.phone_hash == lookup_hash(person.phone) and len(person.phone) == 11
        assert person.region.level == RegionLevel.GRID and person.region_path == person.region.path
        assert person.region.parent.name in person.address
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, address FROM accounts_person")
        assert all(all(v.startswith("v1:") for v in row) for row in cursor.fetchall())
    assert len({p.region.parent_id for p in people}) >= 8  # spread over communities

    firms = list(Enterprise.objects.all())
    assert len(firms) == ENTERPRISES_SMALL + 1
    for firm in firms:
        assert credit_code_validate(firm.credit_code) == firm.credit_code
        assert firm.credit_code[2:8] == "530103" and firm.region is not None


def test_second_run_writes_nothing(demo: dict[str, int], django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    audit = AuditEntry.objects.count()
    counts = {m.__name__: m.objects.count() for m in (User, Staff, Person, Enterprise, Department,
                                                     ServiceHall, ServiceWindow)}
    with django_assert_max_num_queries(40):
        again = accounts_demo_load(small=True)
    assert again == demo
    assert AuditEntry.objects.count() == audit
    assert {m.__name__: m.objects.count() for m in (User, Staff, Person, Enterprise, Department,
                                                    ServiceHall, ServiceWindow)} == counts


def test_bulk_loads_leave_one_audit_entry_per_batch(demo: dict[str, int]) -> None:
    batch = AuditEntry.objects.get(action="person.create", summary__batch=PERSONS_SMALL)
    assert batch.actor_label == "system" and batch.summary["source"] == "demo_load"
    assert AuditEntry.objects.filter(action="person.create").count() == 3  # batch + 2 accounts
    roster = AuditEntry.objects.get(action="staff.create", summary__source="demo_load")
    assert roster.summary["roles"]["grid_worker"] == Staff.objects.filter(
        region__level=RegionLevel.GRID).count() - 1  # the named grid worker has their own entry
