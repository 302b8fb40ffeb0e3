"""Case fixtures: two district bureaus with reviewers and a leader, a district hall with an
integrated window and its clerk, a citizen, an enterprise agent and published items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from onewindow.accounts.constants import Role, WindowKind
from onewindow.accounts.models import Department, ServiceHall, ServiceWindow, Staff
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make
from onewindow.cases.notify import ConsoleSender
from onewindow.cases.tests.factories import (
    STEPS_WITH_INSPECTION,
    citizen_make,
    enterprise_make,
    service_item_make,
)
from onewindow.core.workdays import SHANGHAI


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class World:
    dept_a: Department
    dept_b: Department
    reviewer_a: Staff
    reviewer_a2: Staff
    leader_a: Staff
    reviewer_b: Staff
    clerk: Staff
    street_clerk: Staff
    supervisor: Staff
    hall: ServiceHall
    window: ServiceWindow


@pytest.fixture(autouse=True)
def _console_sender_reset():
    ConsoleSender.sent = []
    yield


@pytest.fixture
def world(district) -> World:  # type: ignore[no-untyped-def]
    d = district.district
    dept_a = DepartmentFactory(code="530103-SCJG", name="盘龙区市场监督管理局", short_name="市场监管局",
                               region=d)
    dept_b = DepartmentFactory(code="530103-CG", name="盘龙区城市管理局", short_name="城管局", region=d)
    centre = DepartmentFactory(code="530103-ZWFW", name="盘龙区政务服务中心", region=d,
                               kind="service_centre")
    hall = ServiceHall.objects.create(name="盘龙区政务服务中心", region=d, address="盘龙区白塔路1号")
    window = ServiceWindow.objects.create(hall=hall, number="01", name="综合受理一号窗",
                                          kind=WindowKind.COMPREHENSIVE, department=centre)
    leader_a = staff_make(username="leader_a", region=d, roles=[Role.LEADER], departments=[dept_a],
                          name="市监局王局长")
    reviewer_a = staff_make(username="reviewer_a", region=d, roles=[Role.DEPT_REVIEWER],
                            departments=[dept_a], name="市监局审批员甲")
    reviewer_a.supervisor = leader_a
    reviewer_a.save(update_fields=["supervisor"])
    reviewer_a2 = staff_make(username="reviewer_a2", region=d, roles=[Role.DEPT_REVIEWER],
                             departments=[dept_a], name="市监局审批员乙")
    reviewer_b = staff_make(username="reviewer_b", region=d, roles=[Role.DEPT_REVIEWER],
                            departments=[dept_b], name="城管局审批员")
    clerk = staff_make(username="clerk", region=d, roles=[Role.WINDOW_CLERK], departments=[centre],
                       name="综合窗口小李")
    clerk.window = window
    clerk.save(update_fields=["window"])
    street_clerk = staff_make(username="street_clerk", region=district.street_b,
                              roles=[Role.WINDOW_CLERK], name="鼓楼街道窗口")
    supervisor = staff_make(username="supervisor_d", region=d, roles=[Role.SUPERVISOR], name="区监督员")
    return World(dept_a, dept_b, reviewer_a, reviewer_a2, leader_a, reviewer_b, clerk, street_clerk,
                 supervisor, hall, window)


@pytest.fixture
def citizen(world, district):  # type: ignore[no-untyped-def]
    return citizen_make(username="citizen", name="张三", region=district.community_a1)


@pytest.fixture
def other_citizen(world, district):  # type: ignore[no-untyped-def]
    return citizen_make(username="other", name="李四", region=district.community_b1)


@pytest.fixture
def agent(world):  # type: ignore[no-untyped-def]
    person = citizen_make(username="agent", name="王经办")
    enterprise = enterprise_make(name="盘龙小馆餐饮有限公司", user=person.user)
    return person, enterprise


@pytest.fixture
def item_a(world):  # type: ignore[no-untyped-def]
    """A permit of dept A: 3 materials (2 required; the first satisfiable by the ID card
    e-licence), 5 working days promised, 20 legal, review → inspection → decision."""
    return service_item_make(department=world.dept_a, materials=3, licence_codes={0: "ID_CARD"},
                             name="个体工商户名称变更", service_object="natural",
                             steps=STEPS_WITH_INSPECTION, promised_limit_value=5, legal_limit_value=20,
                             result_type="approval", result_name="准予变更登记通知书")


@pytest.fixture
def item_simple(world):  # type: ignore[no-untyped-def]
    """An item of dept A with the default plan (审查 → 审核 → 决定), two required materials."""
    return service_item_make(department=world.dept_a, materials=2, name="食品经营许可（仅销售预包装食品）备案",
                             service_object="both", promised_limit_value=3, legal_limit_value=20)


@pytest.fixture
def item_b(world):  # type: ignore[no-untyped-def]
    return service_item_make(department=world.dept_b, materials=2, name="户外招牌设置审批",
                             service_object="both", promised_limit_value=5, legal_limit_value=20,
                             steps=[{"name": "审查"}, {"name": "决定"}], result_type="licence",
                             result_licence_type_code="OUTDOOR_SIGN_PERMIT")


@pytest.fixture
def calendar_official(db):  # type: ignore[no-untyped-def]
    """The official holiday schedules (2004–2026) from chinese_calendar, as 工作日历 seeds them."""
    from onewindow.core.selectors import work_calendar_invalidate
    from onewindow.core.services import calendar_seed_from_library

    calendar_seed_from_library()
    work_calendar_invalidate()
    yield
    work_calendar_invalidate()
