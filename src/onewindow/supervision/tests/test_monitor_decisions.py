"""The rejection-rate rule read from the clerks' daily decisions (+ the partial days live) gives
exactly what the rule's first query gave over all case events of the window.

Random case events around day boundaries (Shanghai days), for the district, a street, a
community and the region-less scope, with no pre-aggregate, a partial one, a full one and a stale
one; then the whole anomaly through the refresh job's entry point.
"""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make
from onewindow.cases.models import CaseEvent
from onewindow.cases.tests.factories import case_make, service_item_make
from onewindow.regions.models import Region
from onewindow.supervision import monitor
from onewindow.supervision.models import ClerkDailyDecisions, ClerkDecisionsCoverage
from onewindow.supervision.services.figures import clerk_decisions_rebuild, day_start, figures_refresh, today_local

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(district):
    rnd = random.Random(1414)
    now = timezone.now()
    item = service_item_make()
    clerks = [staff_make(username=f"dclerk{i}", region=district.district, roles=[Role.WINDOW_CLERK]).user
              for i in range(6)]
    paths = [r.path for r in Region.objects.all()] + [""]
    actions = ["accept", "accept", "approve", "not_accept", "refuse", "supplement", "submit"]
    for _ in range(70):
        case = case_make(item=item, status="accepted", region_path=rnd.choice(paths))
        for _ in range(rnd.randint(1, 5)):
            actor = rnd.choice([*clerks, None])
            # whole days back and a random hour: many events near midnight and the window's edge
            at = now - timedelta(days=rnd.randint(0, 33), hours=rnd.choice([0, 0.1, 5, 15.9, 16, 16.1, 23.9]))
            CaseEvent.objects.create(case=case, at=at, action=rnd.choice(actions), actor=actor,
                                     actor_label=rnd.choice(["甲", "乙"]) if actor else "", title="事件")
    return now


def scopes(district):
    return ["", district.district.path, district.street_a.path, district.street_b.path, district.community_a1.path,
            district.district.path[:-1]]


def assert_same(district, now):
    since = now - timedelta(days=30)
    for path in scopes(district):
        assert monitor.clerk_decisions(path=path, since=since, now=now) == \
            monitor.clerk_decisions_live(path=path, start=since), path


def test_pre_aggregate_matches_the_live_query_whatever_it_covers(events, district):
    now = events
    today = today_local(now)
    assert_same(district, now)  # nothing pre-aggregated: all live
    clerk_decisions_rebuild(first=today - timedelta(days=2), last=today, now=now)
    assert_same(district, now)  # the last two whole days
    clerk_decisions_rebuild(first=today - timedelta(days=35), last=today, now=now)
    cover = ClerkDecisionsCoverage.objects.get()
    assert (cover.first_day, cover.through) == (today - timedelta(days=35), now - timedelta(minutes=5))
    assert ClerkDailyDecisions.objects.exists()
    for hours in range(0, 24, 3):  # the first day's start read live, added or taken off its whole day
        assert_same(district, now + timedelta(hours=hours))
    for later in (timedelta(hours=7), timedelta(days=3, hours=1)):  # stale: the days since read live
        at = now + later - timedelta(minutes=1)
        CaseEvent.objects.create(case=CaseEvent.objects.first().case, at=at, action="refuse",
                                 actor=CaseEvent.objects.filter(actor__isnull=False).first().actor,
                                 actor_label="甲", title="不予许可")
        assert_same(district, now + later)
    # a refresh of today only keeps the coverage; one far away starts it again
    clerk_decisions_rebuild(first=today, last=today, now=now)
    assert ClerkDecisionsCoverage.objects.get().first_day == today - timedelta(days=35)
    clerk_decisions_rebuild(first=today - timedelta(days=90), last=today - timedelta(days=80), now=now)
    cover = ClerkDecisionsCoverage.objects.get()
    assert (cover.first_day, cover.through) == (today - timedelta(days=90), day_start(today - timedelta(days=79)))
    assert_same(district, now)


def test_rejection_anomaly_is_unchanged_by_the_refresh(events, district, supervisor):
    now = events
    scope = monitor.monitor_scope(supervisor.user)

    def rejections():
        rule = next(a for a in monitor.anomalies(scope=scope, now=now) if a.code == "rejections")
        return [(r.label, r.detail) for r in rule.records]

    case = CaseEvent.objects.filter(case__region_path=district.street_a.path).first().case
    clean = staff_make(username="clean", region=district.district, roles=[Role.WINDOW_CLERK]).user
    for i in range(20):  # (clerk, name) pairs that never reject: the median falls to 0, the mix stands out
        CaseEvent.objects.bulk_create([CaseEvent(case=case, at=now - timedelta(days=d * 5, hours=3), action="accept",
                                                 actor=clean, actor_label=f"清{i}", title="受理") for d in range(5)])
    before = rejections()
    assert before  # the mix has a clerk far above the median
    figures_refresh(now=now, only=["decisions"])  # the timer's 3 days: the first run fills 5 weeks
    assert ClerkDecisionsCoverage.objects.get().first_day == today_local(now) - timedelta(days=35)
    assert ClerkDailyDecisions.objects.exists()
    assert rejections() == before
