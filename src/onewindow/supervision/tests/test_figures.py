"""Daily figures: what the timer writes per source, day, department and region."""

from datetime import date, timedelta

import pytest
from django.db.models import Sum

from onewindow.cases.constants import CaseStatus, Channel
from onewindow.cases.models import Rating
from onewindow.supervision import sources
from onewindow.supervision.models import DailyFigure, DailyTop, FigureRefresh
from onewindow.supervision.services.figures import figures_refresh
from onewindow.supervision.tests.helpers import MONDAY, case_at, ticket_done, ticket_overdue

pytestmark = pytest.mark.django_db
DAY = MONDAY.date()


def total(source, field, **filters):
    return DailyFigure.objects.filter(source=source, **filters).aggregate(s=Sum(field))["s"] or 0


def test_cases_counted_on_the_day_they_arrive_and_the_day_they_are_decided(world, item_a, citizen):
    decided = MONDAY + timedelta(days=2)
    case_at(item=item_a, channel=Channel.ONLINE, submitted_at=MONDAY)
    case_at(item=item_a, channel=Channel.WINDOW, submitted_at=MONDAY)
    early = case_at(item=item_a, channel=Channel.ONLINE, submitted_at=MONDAY, status=CaseStatus.APPROVED,
                      decided_at=decided, completed_early=True, legal_limit_days=20, working_days_used=2)
    case_at(item=item_a, channel=Channel.WINDOW, submitted_at=MONDAY, status=CaseStatus.APPROVED,
            decided_at=decided, overdue=True, legal_limit_days=20, working_days_used=22)
    rating = Rating.objects.create(case=early, rater=citizen.user, department=world.dept_a, level=5)
    Rating.objects.filter(pk=rating.pk).update(created_at=decided)

    results = figures_refresh(first=DAY, last=DAY + timedelta(days=3), now=MONDAY + timedelta(days=3))

    assert {r.source for r in results} >= {"cases", "tickets", "hall", "grid"}
    arrived = DailyFigure.objects.get(source="cases", day=DAY)
    assert (arrived.received, arrived.online, arrived.department_id) == (4, 2, world.dept_a.id)
    done = DailyFigure.objects.get(source="cases", day=DAY + timedelta(days=2))
    assert (done.finished, done.early, done.overdue, done.limit_days, done.used_days) == (2, 1, 1, 40, 24)
    assert total("cases", "rated") == 1 and total("cases", "satisfied") == 1
    assert DailyTop.objects.filter(kind="item", label=item_a.current_version.name).aggregate(s=Sum("n"))["s"] == 4
    fresh = FigureRefresh.objects.get(source="cases")
    assert fresh.first_day == DAY and fresh.last_day == DAY + timedelta(days=3) and fresh.rows == 2


def test_tickets_rates_inputs_and_a_second_refresh_adds_nothing(hotline):
    ticket_done(hotline)
    ticket_done(hotline, satisfied=False)
    ticket_overdue(hotline)
    figures_refresh(first=DAY, last=DAY + timedelta(days=2), now=MONDAY + timedelta(days=2))
    rows = DailyFigure.objects.count()
    figures_refresh(first=DAY, last=DAY + timedelta(days=2), now=MONDAY + timedelta(days=2))
    assert DailyFigure.objects.count() == rows
    assert total("tickets", "received") == 3
    assert total("tickets", "dispatched") == 3
    assert total("tickets", "responded") == 2
    assert (total("tickets", "callbacks"), total("tickets", "satisfied"), total("tickets", "solved")) == (2, 1, 1)
    assert total("tickets", "received", department=hotline.water) == 3


def test_an_extension_source_plugs_in_without_supervision_importing_it(db, monkeypatch):
    def care_rows(first, last):
        return {(first, None, "/530103000000/"): {"received": 7, "finished": 5}}

    monkeypatch.setattr(sources, "extension_sources", lambda: {"care": care_rows})
    figures_refresh(first=date(2026, 11, 1), last=date(2026, 11, 2))
    row = DailyFigure.objects.get(source="care")
    assert (row.received, row.finished, row.day) == (7, 5, date(2026, 11, 1))
    assert FigureRefresh.objects.filter(source="care").exists()
