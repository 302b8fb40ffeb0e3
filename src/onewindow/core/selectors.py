"""Reads of the core app: the working-day calendar and deadlines computed with it.

Other apps compute deadlines with ``deadline_add`` / ``working_days_between`` (one small
query each), or, for many rows at once, take ``work_calendar()`` once and call the pure
functions of ``onewindow.core.workdays`` with it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.utils import timezone

from . import workdays
from .errors import ValidationFailed
from .models import CalendarDay, CalendarYear
from .workdays import DayCount, Deadline, WorkCalendar

# Years the calendar pages and API accept (the lunar tables cover them).
MIN_YEAR = 1950
MAX_YEAR = 2099


def calendar_missing_year_warning(*, today=None) -> str | None:  # type: ignore[no-untyped-def]
    """From 1 December, warn when next year's official holiday schedule is not imported."""
    today = today or timezone.localdate()
    if today.month != 12:
        return None
    next_year = today.year + 1
    if CalendarYear.objects.filter(year=next_year, status=CalendarYear.Status.OFFICIAL).exists():
        return None
    return (
        f"{next_year} 年法定节假日安排尚未导入：该年的办理时限暂按周末和固定节日计算（标注为“暂定”）。"
        "请在国务院办公厅公布后于“工作日历”中导入。"
    )


# --- The cached calendar ----------------------------------------------------------------------
_cache_lock = threading.Lock()
_cache: tuple[Any, WorkCalendar] | None = None
_checked_at = 0.0


def _calendar_version() -> tuple[Any, ...]:
    """One small query: row counts and latest change of both tables.

    Any insert, delete or ``save()`` of a row changes it, in this process or another one.
    (A bulk ``QuerySet.update()`` does not touch ``updated_at``: services never use one.)
    """
    day_table = connection.ops.quote_name(CalendarDay._meta.db_table)
    year_table = connection.ops.quote_name(CalendarYear._meta.db_table)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {day_table}), (SELECT MAX(updated_at) FROM {day_table}), "  # noqa: S608
        f"(SELECT COUNT(*) FROM {year_table}), (SELECT MAX(updated_at) FROM {year_table})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return (connection.alias, *row)


def _calendar_load() -> WorkCalendar:
    holidays: list[date] = []
    extra_workdays: list[date] = []
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else extra_workdays).append(day)
    official = CalendarYear.objects.filter(
        status=CalendarYear.Status.OFFICIAL).values_list("year", flat=True)
    return WorkCalendar.build(holidays=holidays, workdays=extra_workdays, official_years=official)


def work_calendar() -> WorkCalendar:
    """The working-day calendar from the tables, cached per process.

    Costs one tiny version query; the tables are read again only when they changed.
    The version is checked at most once every ``ONEWINDOW_CALENDAR_CHECK_SECONDS`` (5 s by
    default, 0 in the test suite): it was one query on every case detail and every intake,
    ≈ 0.5 ms of CPU at 1,000,000 cases (issue 18). An import in this process is seen at once
    (the services invalidate on commit); one in the admin or another process within that time.
    """
    global _cache, _checked_at
    cached = _cache
    now = time.monotonic()
    ttl = float(getattr(settings, "ONEWINDOW_CALENDAR_CHECK_SECONDS", 5.0))
    if cached is not None and cached[0][0] == connection.alias and now - _checked_at < ttl:
        return cached[1]
    version = _calendar_version()
    if cached is not None and cached[0] == version:
        _checked_at = now
        return cached[1]
    with _cache_lock:
        calendar = _calendar_load()
        _cache = (version, calendar)
        _checked_at = now
    return calendar


def work_calendar_invalidate() -> None:
    global _cache
    _cache = None


#: Years a deadline may start in: Asia/Shanghai has whole-hour offsets from 1901, and 3,660
#: working days (twice that in calendar days) must fit before the end of year 9999.
DEADLINE_FIRST_YEAR = 1901
DEADLINE_LAST_YEAR = 9989


def deadline_add(*, start: datetime | date, days: int,
                 unit: str = workdays.UNIT_WORKING) -> Deadline:
    """When something accepted at ``start`` with a limit of ``days`` (working or natural) is due.

    The day of ``start`` is not counted; the result is the end of the last day (Asia/Shanghai)
    and says whether it rests on a year without an official schedule. A start before 1901 (when
    Asia/Shanghai was still on local mean time, +08:05:43) or after 9989 (no room for the
    arithmetic before year 9999) is refused: ``400 deadline_start_out_of_range``.
    """
    day = start.date() if isinstance(start, datetime) else start
    if not DEADLINE_FIRST_YEAR <= day.year <= DEADLINE_LAST_YEAR:
        message = f"受理时间应在 {DEADLINE_FIRST_YEAR} 年至 {DEADLINE_LAST_YEAR} 年之间"
        raise ValidationFailed(message, code="deadline_start_out_of_range", fields={"start": message})
    return workdays.add_days(work_calendar(), start, days, unit)


def working_days_between(*, start: datetime | date, end: datetime | date) -> DayCount:
    """Working days after the day of ``start`` up to the day of ``end`` (negative if reversed)."""
    return workdays.count_working_days(work_calendar(), start, end)


# --- A year's calendar for pages and the API --------------------------------------------------
@dataclass(frozen=True)
class CalendarDayRow:
    date: date
    kind: str
    kind_label: str
    name: str
    assumed: bool  # a statutory date assumed for a year without an official schedule

    @property
    def weekday(self) -> int:
        return self.date.isoweekday()


@dataclass(frozen=True)
class CalendarYearView:
    year: int
    status: str
    status_label: str
    source: str
    imported_at: datetime | None
    days: list[CalendarDayRow]

    @property
    def is_official(self) -> bool:
        return self.status == CalendarYear.Status.OFFICIAL

    @property
    def holiday_count(self) -> int:
        return sum(1 for d in self.days if d.kind == CalendarDay.Kind.HOLIDAY)

    @property
    def workday_count(self) -> int:
        return sum(1 for d in self.days if d.kind == CalendarDay.Kind.WORKDAY)


def calendar_year_check(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(f"年份应在 {MIN_YEAR}—{MAX_YEAR} 之间", code="year_out_of_range",
                               fields={"year": f"年份应在 {MIN_YEAR}—{MAX_YEAR} 之间"})
    return year


def calendar_year_get(*, year: int) -> CalendarYearView:
    """A year's listed holidays and make-up workdays, with its status.

    For a year without an official schedule the statutory dates assumed by the arithmetic are
    included too, marked ``assumed``.
    """
    calendar_year_check(year)
    record = CalendarYear.objects.filter(year=year).first()
    status = record.status if record else CalendarYear.Status.PROVISIONAL
    labels = dict(CalendarDay.Kind.choices)
    rows = {
        d.date: CalendarDayRow(d.date, d.kind, labels[d.kind], d.name, False)
        for d in CalendarDay.objects.filter(date__year=year)
    }
    if status != CalendarYear.Status.OFFICIAL:
        for day, name in workdays.statutory_holidays(year).items():
            if day not in rows:
                rows[day] = CalendarDayRow(day, CalendarDay.Kind.HOLIDAY,
                                           labels[CalendarDay.Kind.HOLIDAY], name, True)
    return CalendarYearView(
        year=year,
        status=str(status),
        status_label=str(CalendarYear.Status(status).label),
        source=record.source if record else "",
        imported_at=record.imported_at if record else None,
        days=[rows[d] for d in sorted(rows)],
    )


def calendar_year_list() -> list[CalendarYear]:
    return list(CalendarYear.objects.order_by("year"))


def calendar_tables_ready() -> bool:
    """Whether the calendar tables can be queried (false before ``migrate``), without creating
    an empty SQLite file as a side effect."""
    from django.db import DatabaseError

    if connection.vendor == "sqlite":
        name = str(connection.settings_dict.get("NAME") or "")
        if name and name != ":memory:" and "mode=memory" not in name and not Path(name).exists():
            return False
    try:
        tables = set(connection.introspection.table_names())
    except DatabaseError:
        return False
    return {CalendarYear._meta.db_table, CalendarDay._meta.db_table} <= tables


# --- Lookups by public id ------------------------------------------------------------------------
def by_public_id(rows: Any, public_id: Any) -> Any:
    """The row of ``rows`` (a queryset or related manager) with this public id, or None — also
    for a missing or malformed id (not a UUID), so that a lookup never answers a 500."""
    if not public_id:
        return None
    try:
        return rows.filter(public_id=public_id).first()
    except (ValueError, TypeError, DjangoValidationError):
        return None
