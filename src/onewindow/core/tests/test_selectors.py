"""Calendar reads: the per-process cache, a year's view, the December warning."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.core.errors import ValidationFailed
from onewindow.core.models import CalendarDay, CalendarYear
from onewindow.core.selectors import (
    calendar_missing_year_warning,
    calendar_year_get,
    deadline_add,
    work_calendar,
    working_days_between,
)
from onewindow.core.services import calendar_import
from onewindow.core.workdays import SHANGHAI

pytestmark = pytest.mark.django_db


def test_the_cached_calendar_costs_one_small_query_until_the_tables_change():
    CalendarYear.objects.create(year=2027, status=CalendarYear.Status.OFFICIAL)
    first = work_calendar()
    with CaptureQueriesContext(connection) as queries:
        again = work_calendar()
    assert again is first
    assert len(queries) == 1

    CalendarDay.objects.create(date=date(2027, 3, 1), kind=CalendarDay.Kind.HOLIDAY, name="x")
    with CaptureQueriesContext(connection) as queries:
        changed = work_calendar()
    assert changed is not first and len(queries) == 3  # version, days, years
    assert not changed.is_working_day(date(2027, 3, 1))


def test_with_a_check_interval_the_version_is_read_once_per_interval(
        settings, monkeypatch, django_capture_on_commit_callbacks):
    """Production checks the version every few seconds, not on every call (issue 18); an import
    through the services is seen at once in the importing process."""
    from onewindow.core import selectors

    settings.ONEWINDOW_CALENDAR_CHECK_SECONDS = 60
    selectors.work_calendar_invalidate()
    first = work_calendar()
    CalendarDay.objects.create(date=date(2027, 3, 1), kind=CalendarDay.Kind.HOLIDAY, name="x")
    with CaptureQueriesContext(connection) as queries:
        assert work_calendar() is first  # within the interval: no query, the old calendar
    assert len(queries) == 0
    monkeypatch.setattr(selectors, "_checked_at", -1e9)  # the interval has passed
    assert not work_calendar().is_working_day(date(2027, 3, 1))
    with django_capture_on_commit_callbacks(execute=True):
        calendar_import(actor=None, year=2027, rows=[{"date": "2027-03-02", "kind": "holiday", "name": "清明"}])
    assert not work_calendar().is_working_day(date(2027, 3, 2))  # seen at once, no waiting


def test_an_edited_row_invalidates_the_cache():
    day = CalendarDay.objects.create(date=date(2027, 3, 1), kind=CalendarDay.Kind.HOLIDAY)
    assert not work_calendar().is_working_day(date(2027, 3, 1))
    day.kind = CalendarDay.Kind.WORKDAY
    day.save(update_fields=["kind", "updated_at"])
    assert work_calendar().is_working_day(date(2027, 3, 1))
    year = CalendarYear.objects.create(year=2028)
    assert not work_calendar().is_official_year(2028)
    year.status = CalendarYear.Status.OFFICIAL
    year.save()
    assert work_calendar().is_official_year(2028)


def test_deadline_and_count_helpers_use_the_tables():
    start = datetime(2027, 9, 30, 9, 0, tzinfo=SHANGHAI)
    provisional = deadline_add(start=start, days=1)
    assert provisional.provisional and provisional.day == date(2027, 10, 4)  # Oct 1–3 assumed
    calendar_import(actor=None, year=2027, rows=[
        {"date": f"2027-10-0{d}", "kind": "holiday", "name": "国庆节"} for d in range(1, 8)
    ] + [{"date": "2027-10-09", "kind": "workday", "name": "国庆节"}])
    official = deadline_add(start=start, days=1)
    assert official.day == date(2027, 10, 8) and not official.provisional
    assert working_days_between(start=start, end=official.at).days == 1
    assert deadline_add(start=start, days=3, unit="natural").day == date(2027, 10, 3)


def test_a_provisional_year_lists_the_assumed_dates():
    view = calendar_year_get(year=2027)
    assert view.status == "provisional" and not view.is_official
    assert view.status_label == "暂定（未公布）"
    assert all(d.assumed for d in view.days)
    assert (date(2027, 2, 6), "春节") in [(d.date, d.name) for d in view.days]
    assert view.holiday_count == 13 and view.workday_count == 0


def test_an_official_year_lists_only_its_rows():
    calendar_import(actor=None, year=2027, rows=[
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-20", "kind": "workday", "name": "春节"}])
    view = calendar_year_get(year=2027)
    assert view.is_official and view.source == "导入" and view.imported_at is not None
    assert [(d.date, d.kind, d.assumed) for d in view.days] == [
        (date(2027, 1, 1), "holiday", False), (date(2027, 2, 20), "workday", False)]
    assert view.days[1].weekday == 6


def test_year_out_of_range_is_refused():
    with pytest.raises(ValidationFailed) as info:
        calendar_year_get(year=3000)
    assert info.value.code == "year_out_of_range"


@pytest.mark.parametrize("today", [date(2026, 11, 30), date(2027, 1, 5), date(2026, 6, 1)])
def test_no_warning_before_december(today):
    assert calendar_missing_year_warning(today=today) is None


def test_warning_from_december_until_next_year_is_official():
    today = date(2026, 12, 1)
    assert "2027 年法定节假日安排尚未导入" in calendar_missing_year_warning(today=today)
    CalendarYear.objects.create(year=2027, status=CalendarYear.Status.PROVISIONAL)
    assert calendar_missing_year_warning(today=today) is not None
    calendar_import(actor=None, year=2027, rows=[{"date": "2027-01-01", "kind": "holiday"}])
    assert calendar_missing_year_warning(today=date(2026, 12, 31)) is None
