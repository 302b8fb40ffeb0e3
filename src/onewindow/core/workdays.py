"""Working-day arithmetic (工作日计算): pure functions, no database.

A ``WorkCalendar`` is a value: the dates that are holidays, the dates that are make-up working
days (调休上班), and the years whose schedule the State Council has published (official). It is
built from the editable tables by ``onewindow.core.selectors.work_calendar()``; everything here
only computes.

Rules
-----
- A date listed as a make-up workday is a working day; a date listed as a holiday is not; any
  other date is a working day from Monday to Friday.
- In a year that is not official, the statutory holidays of the 2025 rules (国务院令第 798 号)
  are assumed on their statutory dates: 元旦 1 Jan, 春节 除夕 to 正月初三, 清明 (the solar term),
  劳动节 1–2 May, 端午 (五月初五), 中秋 (八月十五), 国庆 1–3 Oct. The bridging days and
  make-up workdays the State Council adds every year cannot be known in advance, so such
  results are marked ``provisional``.
- The day of acceptance is not counted (《行政许可法》第八十二条 style): accepted on Monday with
  one working day → due at the end of Tuesday; on Friday → end of Monday; on a holiday → the
  first working days after it count.
- A deadline is the end of its day, 23:59:59.999999 Asia/Shanghai, as an aware datetime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59, 999999)
# A deadline further out than this is a mistake in the input, not a plan.
MAX_DAYS = 3660

UNIT_WORKING = "working"
UNIT_NATURAL = "natural"
UNITS = (UNIT_WORKING, UNIT_NATURAL)


@dataclass(frozen=True)
class Deadline:
    """When something is due, and whether that rests on a year not yet officially published."""

    at: datetime
    provisional: bool

    @property
    def day(self) -> date:
        """The Asia/Shanghai date on which it falls due."""
        return self.at.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class DayCount:
    """A number of working days, and whether it touches a year not yet officially published."""

    days: int
    provisional: bool


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    official_years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def build(cls, *, holidays: Iterable[date] = (), workdays: Iterable[date] = (),
              official_years: Iterable[int] = ()) -> WorkCalendar:
        return cls(frozenset(holidays), frozenset(workdays), frozenset(official_years))

    def is_official_year(self, year: int) -> bool:
        return year in self.official_years

    def is_working_day(self, day: date) -> bool:
        return is_working_day(self, day)


# --- Provisional statutory holidays -----------------------------------------------------------
LUNAR_YEARS = (1900, 2100)
FIXED_STATUTORY: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"), (5, 2, "劳动节"),
    (10, 1, "国庆节"), (10, 2, "国庆节"), (10, 3, "国庆节"),
)


def _lunar_to_solar(year: int, month: int, day: int) -> date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[date, str]:
    """The statutory holiday dates of ``year`` (no bridging days): the provisional assumption.

    The lunar festivals and 清明 come from lunar-python (offline, MIT); outside 1900–2100 only
    the fixed-date holidays are returned.
    """
    days = {date(year, m, d): name for m, d, name in FIXED_STATUTORY}
    if LUNAR_YEARS[0] <= year <= LUNAR_YEARS[1]:
        # 正月初一 falls between 21 January and 20 February: 除夕 to 初三 stay inside the year.
        new_year = _lunar_to_solar(year, 1, 1)
        for offset in (-1, 0, 1, 2):  # 除夕, 初一, 初二, 初三
            days[new_year + timedelta(days=offset)] = "春节"
        days[_qingming(year)] = "清明"
        days[_lunar_to_solar(year, 5, 5)] = "端午"
        days[_lunar_to_solar(year, 8, 15)] = "中秋"
    return MappingProxyType(days)


# --- Arithmetic -------------------------------------------------------------------------------
def is_working_day(calendar: WorkCalendar, day: date) -> bool:
    """Listed days win; otherwise Monday–Friday, less the assumed holidays of non-official years."""
    if day in calendar.workdays:
        return True
    if day in calendar.holidays:
        return False
    if day.weekday() >= 5:
        return False
    return calendar.is_official_year(day.year) or day not in statutory_holidays(day.year)


def local_date(instant: datetime | date) -> date:
    """The Asia/Shanghai calendar date of an aware instant (a date is taken as is)."""
    if isinstance(instant, datetime):
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("naive datetime: pass an aware datetime (Asia/Shanghai or UTC)")
        return instant.astimezone(SHANGHAI).date()
    return instant


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def _provisional(calendar: WorkCalendar, first: date, last: date) -> bool:
    """Whether any consulted day ``first..last`` (inclusive; empty if last < first) lies in a
    year without an official schedule."""
    if last < first:
        return False
    return any(not calendar.is_official_year(y) for y in range(first.year, last.year + 1))


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError("days must be an int")
    if days < 0 or days > MAX_DAYS:
        raise ValueError(f"days must be between 0 and {MAX_DAYS}")


def add_working_days(calendar: WorkCalendar, start: datetime | date, days: int) -> Deadline:
    """The end of the ``days``-th working day after the day of ``start`` (that day not counted).

    ``days == 0`` is the end of the start day itself.
    """
    _check_days(days)
    first = local_date(start)
    day = first
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(calendar, day):
            counted += 1
    return Deadline(end_of_day(day), _provisional(calendar, first + timedelta(days=1), day))


def add_natural_days(calendar: WorkCalendar, start: datetime | date, days: int, *,
                     roll_to_working_day: bool = False) -> Deadline:
    """The end of the ``days``-th calendar day after the day of ``start``.

    With ``roll_to_working_day`` a last day that is a rest day moves to the next working day
    (《民法典》第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日).
    Without it the calendar plays no part and the result is never provisional.
    """
    _check_days(days)
    first = local_date(start)
    day = due = first + timedelta(days=days)
    if not roll_to_working_day:
        return Deadline(end_of_day(day), False)
    while not is_working_day(calendar, day):
        day += timedelta(days=1)
    return Deadline(end_of_day(day), _provisional(calendar, due, day))


def add_days(calendar: WorkCalendar, start: datetime | date, days: int,
             unit: str = UNIT_WORKING) -> Deadline:
    if unit == UNIT_WORKING:
        return add_working_days(calendar, start, days)
    if unit == UNIT_NATURAL:
        return add_natural_days(calendar, start, days)
    raise ValueError(f"unknown unit {unit!r}")


def count_working_days(calendar: WorkCalendar, start: datetime | date,
                       end: datetime | date) -> DayCount:
    """Working days after the day of ``start`` up to and including the day of ``end``.

    Consistent with ``add_working_days``: ``count(s, add(s, n).at).days == n``. When ``end``
    is before ``start`` the count is negative (e.g. how many working days overdue).
    """
    first, last = local_date(start), local_date(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    if (last - first).days > MAX_DAYS * 2:
        raise ValueError("the interval is too long")
    counted = 0
    day = first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(calendar, day):
            counted += 1
    return DayCount(sign * counted, _provisional(calendar, first + timedelta(days=1), last))
