"""The monitor's index-friendly queries give the figures of the straightforward ones.

The reference functions are the monitor's queries as first written (one OR over all open rows,
the accepted case ids sent back as a list); a random mix of cases, tickets and case events is
read through both, for the whole district and for one street.
"""

import random
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make
from onewindow.cases.constants import OPEN_STATUSES as CASE_OPEN
from onewindow.cases.models import Case, CaseEvent
from onewindow.cases.tests.factories import case_make, service_item_make
from onewindow.regions.models import Region
from onewindow.supervision import monitor
from onewindow.tickets.constants import OPEN_STATUSES as TICKET_OPEN
from onewindow.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def ref_lights(path):
    cases = Case.objects.filter(status__in=CASE_OPEN, region_path__startswith=path)
    c = cases.aggregate(y=Count("id", filter=Q(warning_level="yellow")), r=Count("id", filter=Q(warning_level="red")))
    tickets = Ticket.objects.filter(status__in=TICKET_OPEN, region_path__startswith=path)
    t = tickets.aggregate(y=Count("id", filter=Q(warned=True, overdue=False)), r=Count("id", filter=Q(overdue=True)))
    return (c["y"], c["r"]), (t["y"], t["r"])


def ref_rising(path, now):
    week, fortnight = now - timedelta(days=7), now - timedelta(days=14)
    counts = defaultdict(lambda: [0, 0])
    t = (Ticket.objects.filter(overdue=True, due_at__gte=fortnight, due_at__lt=now, region_path__startswith=path,
                               department__isnull=False)
         .values("department_id").annotate(now_=Count("id", filter=Q(due_at__gte=week)),
                                             before=Count("id", filter=Q(due_at__lt=week))))
    late_case = Q(overdue=True) | Q(status__in=CASE_OPEN, decided_at__isnull=True)
    k = (Case.objects.filter(late_case, due_at__gte=fortnight, due_at__lt=now, region_path__startswith=path)
         .values("department_id").annotate(now_=Count("id", filter=Q(due_at__gte=week)),
                                             before=Count("id", filter=Q(due_at__lt=week))))
    for row in [*t, *k]:
        counts[row["department_id"]][0] += row["now_"]
        counts[row["department_id"]][1] += row["before"]
    return {d: tuple(v) for d, v in counts.items() if v[0] > v[1]}


def ref_same_person(path, since):
    accepted = dict(CaseEvent.objects.filter(action="accept", at__gte=since, actor__isnull=False,
                                             case__region_path__startswith=path).values_list("case_id", "actor_id"))
    same = CaseEvent.objects.filter(action="approve", case_id__in=list(accepted), actor__isnull=False).values(
        "case_id", "actor_id", "case__number")
    return sorted(e["case__number"] for e in same if accepted.get(e["case_id"]) == e["actor_id"])


@pytest.fixture
def mix(district, supervisor):
    rnd = random.Random(14)
    now = timezone.now()
    depts = [DepartmentFactory(code=f"M{i}", name=f"部门{i}", region=district.district) for i in range(3)]
    paths = [r.path for r in Region.objects.all()]
    item = service_item_make(department=depts[0])
    clerks = [staff_make(username=f"mclerk{i}", region=district.district, roles=[Role.WINDOW_CLERK]).user
              for i in range(3)]
    statuses = ["submitted", "accepted", "in_review", "supplement", "approved", "closed", "delivered"]
    for _ in range(60):
        status = rnd.choice(statuses)
        due = now + timedelta(days=rnd.uniform(-20, 5))
        case = case_make(item=item, status=status, region_path=rnd.choice(paths), due_at=due,
                         warning_level=rnd.choice(["none", "yellow", "red"]), overdue=rnd.random() < 0.3,
                         decided_at=None if rnd.random() < 0.5 else due - timedelta(days=1))
        Case.objects.filter(pk=case.pk).update(department=rnd.choice(depts))
        if rnd.random() < 0.7:
            at = now - timedelta(days=rnd.uniform(0, 40))
            first, second = rnd.choice(clerks), rnd.choice(clerks)
            CaseEvent.objects.create(case=case, at=at, action="accept", actor=first, actor_label="甲", title="受理")
            CaseEvent.objects.create(case=case, at=at + timedelta(hours=5), action="approve", actor=second,
                                     actor_label="乙", title="准予许可")
    for i in range(80):
        status = rnd.choice([*TICKET_OPEN, "closed", "closed", "replied"])
        due = now + timedelta(days=rnd.uniform(-20, 3))
        Ticket.objects.create(number=f"T{i:06d}", kind="help", title="诉求", text="内容", channel="hotline",
                              urgency="normal", limit_class="general", received_at=due - timedelta(days=5),
                              region_path=rnd.choice(paths), department=rnd.choice([*depts, None]), status=status,
                              due_at=due, warned=rnd.random() < 0.4, overdue=due < now and rnd.random() < 0.8)
    return now


def test_lights_rising_and_same_person_match_the_straightforward_queries(mix, district, supervisor):
    now = mix
    street = staff_make(username="street_sup", region=district.street_a, roles=[Role.SUPERVISOR])
    for actor, path in ((supervisor.user, district.district.path), (street.user, district.street_a.path)):
        scope = monitor.monitor_scope(actor)
        lights = {x.source: (x.yellow, x.red) for x in monitor.lights(scope=scope, now=now)}
        cases, tickets = ref_lights(path)
        assert (lights["cases"], lights["tickets"]) == (cases, tickets)
        names = dict(Department.objects.values_list("id", "name"))
        expected = {names.get(d, ""): v for d, v in ref_rising(path, now).items()}
        got = {r.department: (r.this_week, r.last_week) for r in monitor.rising_departments(scope=scope, now=now)}
        assert got == expected
        same = next(a for a in monitor.anomalies(scope=scope, now=now) if a.code == "same_person")
        assert sorted(r.label.split()[0] for r in same.records) == ref_same_person(path, now - timedelta(days=30))
    # the mix exercises every branch
    assert any(ref_lights(district.district.path)[1]) and ref_rising(district.district.path, now)
    assert ref_same_person(district.district.path, now - timedelta(days=30))
