"""The *returns* and *same person* rules read from their pre-aggregates (``DispatcherDailyReturns``,
``SamePersonApproval``) plus the live edges give exactly what the rules' first queries gave.

Random returns and acceptance/approval events around day boundaries (Shanghai days) and the
window's edge, for the district, a street, a community and the region-less scope, with no
pre-aggregate, a partial one, a full one and a stale one (events written after the refresh,
among them acceptances after the refresh of cases approved before it); then the whole anomaly
list through the refresh job's entry point.
"""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make
from onewindow.cases.models import CaseEvent
from onewindow.cases.tests.factories import case_make, service_item_make
from onewindow.regions.models import Region
from onewindow.supervision import monitor
from onewindow.supervision.models import ClerkDecisionsCoverage, DispatcherDailyReturns, SamePersonApproval
from onewindow.supervision.services.figures import clerk_decisions_rebuild, figures_refresh, today_local
from onewindow.tickets.models import Ticket, TicketReturn

pytestmark = pytest.mark.django_db

HOURS = [0, 0.1, 5, 15.9, 16, 16.1, 23.9]  # many events near (Shanghai) midnight and the window's edge


@pytest.fixture
def mix(district):
    rnd = random.Random(1415)
    now = timezone.now()
    paths = [r.path for r in Region.objects.all()] + [""]
    people = [staff_make(username=f"rclerk{i}", region=district.district, roles=[Role.WINDOW_CLERK]).user
              for i in range(4)]
    dept = DepartmentFactory(code="R1", name="退回部门", region=district.district)
    for i in range(60):
        ticket = Ticket.objects.create(number=f"R{i:06d}", kind="help", title="诉求", text="内容", channel="hotline",
                                       urgency="normal", limit_class="general", received_at=now - timedelta(days=40),
                                       region_path=rnd.choice(paths), department=dept, status="dispatched",
                                       due_at=now)
        for _ in range(rnd.randint(1, 4)):
            at = now - timedelta(days=rnd.randint(0, 33), hours=rnd.choice(HOURS))
            TicketReturn.objects.create(ticket=ticket, department=dept, reason="非本单位职责", returned_at=at,
                                        dispatched_by=rnd.choice([*people, None]))
    item = service_item_make()
    for _ in range(70):
        case = case_make(item=item, status="accepted", region_path=rnd.choice(paths))
        for _ in range(rnd.randint(1, 4)):
            at = now - timedelta(days=rnd.randint(0, 33), hours=rnd.choice(HOURS))
            actor = rnd.choice([*people[:2], None])
            CaseEvent.objects.create(case=case, at=at, action=rnd.choice(["accept", "approve", "approve", "refuse"]),
                                     actor=actor, actor_label="甲" if actor else "", title="事件")
    return now, people


def scopes(district):
    return ["", district.district.path, district.street_a.path, district.street_b.path, district.community_a1.path]


def assert_same(district, now):
    since = now - timedelta(days=30)
    assert monitor.same_person(since=since, now=now) == monitor.same_person_live(since=since)
    for path in scopes(district):
        assert monitor.dispatcher_returns(path=path, since=since, now=now) == \
            monitor.dispatcher_returns_live(path=path, start=since), path


def test_pre_aggregates_match_the_live_queries_whatever_they_cover(mix, district):
    now, people = mix
    today = today_local(now)
    assert monitor.same_person_live(since=now - timedelta(days=30))  # the mix has matches …
    assert len(monitor.dispatcher_returns_live(path="", start=now - timedelta(days=30))) >= 3  # … and returns
    assert_same(district, now)  # nothing pre-aggregated: all live
    clerk_decisions_rebuild(first=today - timedelta(days=2), last=today, now=now)
    assert_same(district, now)  # the last two whole days (same person: its own 35 days)
    clerk_decisions_rebuild(first=today - timedelta(days=35), last=today, now=now)
    assert DispatcherDailyReturns.objects.exists() and SamePersonApproval.objects.exists()
    for hours in range(0, 24, 3):  # the first day's start read live, added or taken off its whole day
        assert_same(district, now + timedelta(hours=hours))
    # stale: events since the refresh read live — a return, a new approval of a case accepted
    # earlier by the same person, and an acceptance of a case its acceptor approved earlier
    approval = CaseEvent.objects.filter(action="approve", actor=people[0], at__gte=now - timedelta(days=20)).first()
    acceptance = CaseEvent.objects.filter(action="accept", actor=people[1], at__gte=now - timedelta(days=20)).first()
    ticket = Ticket.objects.first()
    for later in (timedelta(hours=7), timedelta(days=3, hours=1)):
        at = now + later - timedelta(minutes=1)
        TicketReturn.objects.create(ticket=ticket, department=ticket.department, reason="退回", returned_at=at,
                                    dispatched_by=people[2])
        CaseEvent.objects.create(case=approval.case, at=at, action="accept", actor=people[0], actor_label="甲",
                                 title="受理")
        CaseEvent.objects.create(case=acceptance.case, at=at, action="approve", actor=people[1], actor_label="乙",
                                 title="准予许可")
        assert_same(district, now + later)
    assert approval.id in monitor.same_person(since=now - timedelta(days=30), now=now + timedelta(days=3))
    # refreshed again, the late events are in the tables
    clerk_decisions_rebuild(first=today, last=today + timedelta(days=3), now=now + timedelta(days=3, hours=2))
    assert_same(district, now + timedelta(days=3, hours=2))
    assert SamePersonApproval.objects.filter(event=approval).exists()


def test_returns_and_same_person_anomalies_are_unchanged_by_the_refresh(mix, district, supervisor):
    now, _people = mix
    street = staff_make(username="street_sup", region=district.street_a, roles=[Role.SUPERVISOR])

    def records():
        out = []
        for actor in (supervisor.user, street.user):
            rules = {a.code: a for a in monitor.anomalies(scope=monitor.monitor_scope(actor), now=now)}
            out.append([(r.label, r.detail, r.url) for code in ("same_person", "returns") for r in rules[code].records])
        return out

    before = records()
    assert before[0]  # the district sees both rules fire
    assert {"returns", "same_person"} <= {a.code for a in monitor.anomalies(scope=monitor.monitor_scope(
        supervisor.user), now=now) if a.records}
    figures_refresh(now=now, only=["decisions"])  # the timer's 3 days: the first run fills 5 weeks
    assert ClerkDecisionsCoverage.objects.get().first_day == today_local(now) - timedelta(days=35)
    assert DispatcherDailyReturns.objects.exists() and SamePersonApproval.objects.exists()
    assert records() == before
