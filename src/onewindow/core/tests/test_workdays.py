"""Working-day arithmetic without the database: real schedules and properties."""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.core.workdays import (
    SHANGHAI,
    DayCount,
    Deadline,
    WorkCalendar,
    add_days,
    add_natural_days,
    add_working_days,
    count_working_days,
    end_of_day,
    is_working_day,
    local_date,
    statutory_holidays,
)


@cache
def library() -> WorkCalendar:
    """The official schedules 2004–2026 as the chinese_calendar package has them."""
    return WorkCalendar.build(
        holidays=chinese_calendar.holidays,
        workdays=chinese_calendar.workdays,
        official_years={d.year for d in chinese_calendar.holidays},
    )


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def due(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SHANGHAI)


EMPTY_OFFICIAL = WorkCalendar.build(official_years=range(1990, 2110))


# --- The acceptance-day convention ------------------------------------------------------------
def test_monday_plus_one_working_day_is_end_of_tuesday():
    result = add_working_days(EMPTY_OFFICIAL, at(2024, 3, 4), 1)  # Monday
    assert result == Deadline(due(2024, 3, 5), provisional=False)
    assert result.at.tzinfo is not None and result.at.utcoffset() == timedelta(hours=8)
    assert result.at.time() == time(23, 59, 59, 999999)


def test_friday_plus_one_working_day_is_end_of_monday():
    assert add_working_days(EMPTY_OFFICIAL, at(2024, 3, 8, 16), 1).at == due(2024, 3, 11)


def test_accepted_on_a_saturday_the_next_working_days_count():
    assert add_working_days(EMPTY_OFFICIAL, at(2024, 3, 9), 1).at == due(2024, 3, 11)
    assert add_working_days(EMPTY_OFFICIAL, at(2024, 3, 9), 5).at == due(2024, 3, 15)


def test_accepted_on_a_holiday_the_next_working_days_count():
    # 2026-10-03 is inside the National Day holiday; the first working day after it is Oct 8.
    assert add_working_days(library(), at(2026, 10, 3), 1).at == due(2026, 10, 8)


def test_the_local_day_of_the_instant_counts_not_the_utc_day():
    # 2026-09-29 17:30 UTC is 2026-09-30 01:30 in Shanghai: accepted on Sep 30.
    start = datetime(2026, 9, 29, 17, 30, tzinfo=UTC)
    assert local_date(start) == date(2026, 9, 30)
    assert add_working_days(library(), start, 1).at == due(2026, 10, 8)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        add_working_days(library(), datetime(2026, 9, 30, 10, 0), 1)


@pytest.mark.parametrize("days", [-1, 10_000])
def test_out_of_range_day_counts_are_refused(days):
    with pytest.raises(ValueError):
        add_working_days(library(), at(2026, 1, 5), days)


# --- Real schedules ---------------------------------------------------------------------------
def test_national_day_2026_five_working_days_from_sept_30():
    # 2026: Oct 1–7 off; Sat Oct 10 (and Sun Sep 20) are make-up workdays.
    cal = library()
    assert all(not is_working_day(cal, date(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(cal, date(2026, 10, 10)) and is_working_day(cal, date(2026, 9, 20))
    result = add_working_days(cal, at(2026, 9, 30), 5)
    # Oct 8 (Thu), Oct 9 (Fri), Oct 10 (make-up Sat), Oct 12 (Mon), Oct 13 (Tue)
    assert result == Deadline(due(2026, 10, 13), provisional=False)


def test_national_day_2025_with_mid_autumn_and_two_make_up_days():
    # 2025: Oct 1–8 off (国庆 + 中秋); Sun Sep 28 and Sat Oct 11 are make-up workdays.
    cal = library()
    assert add_working_days(cal, at(2025, 9, 26), 1).at == due(2025, 9, 28)  # Fri → make-up Sun
    assert add_working_days(cal, at(2025, 9, 30), 5).at == due(2025, 10, 14)
    assert add_working_days(cal, at(2025, 9, 30), 3).at == due(2025, 10, 11)  # make-up Saturday


def test_spring_festival_2026_make_up_saturday_counts():
    # 2026: Feb 15–23 off; Sat Feb 14 and Sat Feb 28 are make-up workdays.
    cal = library()
    assert add_working_days(cal, at(2026, 2, 13), 1).at == due(2026, 2, 14)
    assert add_working_days(cal, at(2026, 2, 13), 2).at == due(2026, 2, 24)
    assert add_working_days(cal, at(2026, 2, 24), 4).at == due(2026, 2, 28)
    assert count_working_days(cal, at(2026, 2, 13), at(2026, 2, 28)).days == 6


def test_spring_festival_2025():
    # 2025: Jan 28 – Feb 4 off; Sun Jan 26 and Sat Feb 8 are make-up workdays.
    cal = library()
    assert add_working_days(cal, at(2025, 1, 24), 1).at == due(2025, 1, 26)
    assert add_working_days(cal, at(2025, 1, 27), 1).at == due(2025, 2, 5)
    assert add_working_days(cal, at(2025, 2, 7), 1).at == due(2025, 2, 8)


def test_twenty_working_days_across_national_day_2026():
    result = add_working_days(library(), at(2026, 9, 21), 20)
    expected = chinese_calendar.get_workdays(date(2026, 9, 22), date(2026, 11, 30))[19]
    assert result.at == end_of_day(expected)


# --- Provisional years ------------------------------------------------------------------------
def test_2027_statutory_dates_are_assumed():
    days = statutory_holidays(2027)
    assert days[date(2027, 1, 1)] == "元旦"
    assert [d for d, n in days.items() if n == "春节"] == [
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    assert days[date(2027, 4, 5)] == "清明"
    assert days[date(2027, 5, 1)] == days[date(2027, 5, 2)] == "劳动节"
    assert days[date(2027, 6, 9)] == "端午"
    assert days[date(2027, 9, 15)] == "中秋"
    assert [d for d, n in days.items() if n == "国庆节"] == [
        date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)]


@pytest.mark.parametrize("year", range(2008, 2027))
def test_assumed_statutory_dates_are_holidays_in_every_published_year(year):
    # The published schedules always contain the statutory dates. Before the 2025 rules
    # 除夕 (2014–2024) and 2 May (2008–2024) were not statutory, so they may be workdays.
    assumed = dict(statutory_holidays(year))
    if year < 2025:
        assumed.pop(date(year, 5, 2))
        if year >= 2014:
            assumed.pop(min(d for d, n in assumed.items() if n == "春节"))
    for day, name in assumed.items():
        assert chinese_calendar.is_holiday(day), (day, name)


def test_deadline_crossing_into_an_unpublished_year_is_provisional():
    cal = library()
    assert add_working_days(cal, at(2026, 12, 30), 1) == Deadline(due(2026, 12, 31), False)
    # Jan 1 2027 (元旦, assumed) is skipped, then the weekend.
    assert add_working_days(cal, at(2026, 12, 30), 2) == Deadline(due(2027, 1, 4), True)
    # 2027 Spring Festival: 除夕 Fri Feb 5 to 初三 Mon Feb 8 assumed off.
    assert add_working_days(cal, at(2027, 2, 4), 1) == Deadline(due(2027, 2, 9), True)
    assert count_working_days(cal, at(2026, 12, 30), at(2027, 1, 4)).provisional


def test_listed_days_win_in_a_provisional_year():
    cal = WorkCalendar.build(holidays=[date(2027, 1, 4)], workdays=[date(2027, 1, 2)],
                             official_years=[2026])
    assert is_working_day(cal, date(2027, 1, 2))  # listed make-up Saturday
    assert not is_working_day(cal, date(2027, 1, 4))  # listed holiday
    assert not is_working_day(cal, date(2027, 1, 1))  # assumed 元旦
    assert is_working_day(cal, date(2027, 1, 5))


def test_in_an_official_year_only_the_listed_days_differ_from_weekdays():
    cal = WorkCalendar.build(official_years=[2027])
    assert is_working_day(cal, date(2027, 1, 1))  # not listed: the official year says work


# --- Natural days -----------------------------------------------------------------------------
def test_natural_days_ignore_the_calendar():
    result = add_natural_days(library(), at(2026, 9, 30), 3)
    assert result == Deadline(due(2026, 10, 3), provisional=False)
    assert add_days(library(), at(2026, 9, 30), 3, "natural") == result


def test_natural_days_can_roll_past_rest_days():
    result = add_natural_days(library(), at(2026, 9, 30), 3, roll_to_working_day=True)
    assert result == Deadline(due(2026, 10, 8), provisional=False)
    rolled = add_natural_days(library(), at(2026, 12, 29), 3, roll_to_working_day=True)
    assert rolled == Deadline(due(2027, 1, 4), provisional=True)


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        add_days(library(), at(2026, 9, 30), 3, "lunar")


# --- Properties -------------------------------------------------------------------------------
DAY_RANGE = (date(2024, 1, 1), date(2028, 12, 31))
some_dates = st.dates(min_value=DAY_RANGE[0], max_value=DAY_RANGE[1])


@st.composite
def calendars(draw) -> WorkCalendar:  # type: ignore[no-untyped-def]
    holidays = draw(st.frozensets(some_dates, max_size=60))
    weekends = draw(st.frozensets(some_dates.filter(lambda d: d.weekday() >= 5), max_size=15))
    years = draw(st.frozensets(st.integers(2023, 2029)))
    return WorkCalendar(holidays - weekends, weekends, years)


instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 6, 30),
    timezones=st.sampled_from([SHANGHAI, UTC]),
)
day_counts = st.integers(min_value=0, max_value=80)


@settings(max_examples=150, deadline=None)
@given(cal=calendars(), start=instants, n=day_counts)
def test_count_is_the_inverse_of_add(cal, start, n):
    result = add_working_days(cal, start, n)
    count = count_working_days(cal, start, result.at)
    assert count.days == n
    assert count.provisional == result.provisional


@settings(max_examples=150, deadline=None)
@given(cal=calendars(), start=instants, n=day_counts, extra=st.integers(1, 30))
def test_more_days_is_strictly_later(cal, start, n, extra):
    assert add_working_days(cal, start, n).at < add_working_days(cal, start, n + extra).at


@settings(max_examples=100, deadline=None)
@given(cal=calendars(), start=instants, later=instants)
def test_count_grows_with_the_end_and_flips_sign(cal, start, later):
    if later < start:
        start, later = later, start
    forward = count_working_days(cal, start, later).days
    assert forward >= 0
    assert count_working_days(cal, later, start).days == -forward
    assert count_working_days(cal, start, later + timedelta(days=7)).days >= forward


@settings(max_examples=100, deadline=None)
@given(cal=calendars(), start=instants)
def test_adding_zero_days_is_the_end_of_the_start_day(cal, start):
    result = add_working_days(cal, start, 0)
    assert result == Deadline(end_of_day(local_date(start)), provisional=False)
    assert add_natural_days(cal, start, 0).at == result.at


@settings(max_examples=150, deadline=None)
@given(cal=calendars(), start=instants, n=st.integers(1, 80))
def test_the_due_day_is_a_working_day_and_later_than_the_start_day(cal, start, n):
    result = add_working_days(cal, start, n)
    assert is_working_day(cal, result.day)
    assert result.day > local_date(start)
    assert result.at.time() == time(23, 59, 59, 999999)


@settings(max_examples=150, deadline=None)
@given(cal=calendars(), start=instants, n=day_counts)
def test_provisional_exactly_when_a_counted_day_is_in_an_unpublished_year(cal, start, n):
    result = add_working_days(cal, start, n)
    first = local_date(start) + timedelta(days=1)
    years = range(first.year, result.day.year + 1) if n else range(0)
    assert result.provisional == any(y not in cal.official_years for y in years)


@settings(max_examples=100, deadline=None)
@given(start=instants, weeks=st.integers(0, 12), rest=st.integers(0, 4))
def test_without_holidays_only_weekends_are_skipped(start, weeks, rest):
    first = local_date(start)
    result = add_working_days(EMPTY_OFFICIAL, start, weeks * 5 + rest)
    assert not result.provisional
    if weeks * 5 + rest:
        assert result.day.weekday() < 5
    if first.weekday() < 5:  # from a weekday, five working days are one calendar week
        assert add_working_days(EMPTY_OFFICIAL, start, weeks * 5).day == first + timedelta(
            weeks=weeks)
    assert count_working_days(EMPTY_OFFICIAL, start, first + timedelta(weeks=weeks)).days == (
        weeks * 5)


@settings(max_examples=100, deadline=None)
@given(cal=calendars(), start=instants, n=day_counts)
def test_natural_days_are_calendar_days(cal, start, n):
    plain = add_natural_days(cal, start, n)
    assert plain.day == local_date(start) + timedelta(days=n)
    assert not plain.provisional
    rolled = add_natural_days(cal, start, n, roll_to_working_day=True)
    assert rolled.at >= plain.at
    assert is_working_day(cal, rolled.day)


# --- Edges the mutation run found untested (make mutation) ------------------------------------
def test_add_days_counts_working_days_by_default_and_by_name():
    working = add_working_days(library(), at(2026, 9, 30), 5)
    assert add_days(library(), at(2026, 9, 30), 5) == working
    assert add_days(library(), at(2026, 9, 30), 5, "working") == working
    assert working != add_days(library(), at(2026, 9, 30), 5, "natural")


def test_the_3660_day_limit_is_inclusive_for_both_units():
    cal = WorkCalendar.build(official_years=range(2020, 2060))
    start = at(2026, 1, 5)
    assert add_working_days(cal, start, 3660).at > at(2039, 1, 1)
    assert add_natural_days(cal, start, 3660).at == end_of_day(date(2026, 1, 5) + timedelta(days=3660))
    assert add_working_days(cal, start, 0).at == due(2026, 1, 5)
    for bad in (3661, -1):
        with pytest.raises(ValueError, match="between 0 and 3660"):
            add_working_days(cal, start, bad)
        with pytest.raises(ValueError, match="between 0 and 3660"):
            add_natural_days(cal, start, bad)
    for wrong_type in (True, 1.0, "3"):
        with pytest.raises(TypeError, match="days must be an int"):
            add_working_days(cal, start, wrong_type)  # type: ignore[arg-type]


def test_count_refuses_intervals_longer_than_twice_the_limit_and_accepts_exactly_that():
    cal = WorkCalendar.build(official_years=range(2000, 2100))
    start = date(2026, 1, 5)
    assert count_working_days(cal, start, start + timedelta(days=7320)).days > 5000
    assert count_working_days(cal, start + timedelta(days=7320), start).days < -5000
    with pytest.raises(ValueError, match="too long"):
        count_working_days(cal, start, start + timedelta(days=7321))


def test_count_of_the_same_day_is_zero_and_not_provisional():
    assert count_working_days(library(), at(2030, 3, 4), at(2030, 3, 4, 18)) == DayCount(0, False)


def test_provisional_looks_at_every_year_between():
    cal = WorkCalendar.build(official_years=[2026, 2028])
    assert add_working_days(cal, at(2026, 12, 1), 300).provisional  # crosses 2027
    only_2026 = add_working_days(cal, at(2026, 3, 2), 5)
    assert not only_2026.provisional


def test_a_deadline_knows_its_local_day_and_the_end_of_day_is_the_last_microsecond():
    deadline = Deadline(datetime(2026, 10, 8, 15, 59, 59, 999999, tzinfo=UTC), False)
    assert deadline.day == date(2026, 10, 8)
    assert end_of_day(date(2026, 10, 8)) == due(2026, 10, 8)
    assert local_date(datetime(2026, 10, 8, 16, 0, tzinfo=UTC)) == date(2026, 10, 9)
    assert local_date(date(2026, 10, 8)) == date(2026, 10, 8)


def test_statutory_holidays_outside_the_lunar_table_are_the_fixed_ones_only():
    # computed afresh: the per-process cache would hide a wrong lunar or solar-term conversion
    statutory_holidays.cache_clear()
    assert set(statutory_holidays(2101).values()) == {"元旦", "劳动节", "国庆节"}
    assert len(statutory_holidays(2101)) == 6
    assert statutory_holidays(2100)[date(2100, 1, 1)] == "元旦"
    assert "春节" in statutory_holidays(2100).values() and "春节" in statutory_holidays(1900).values()
    assert "春节" not in statutory_holidays(1899).values()
    days_2027 = statutory_holidays(2027)
    assert [d for d, name in days_2027.items() if name == "春节"] == [
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    assert days_2027[date(2027, 4, 5)] == "清明" and days_2027[date(2027, 6, 9)] == "端午"
    assert days_2027[date(2027, 9, 15)] == "中秋"


def test_working_day_rules_in_order():
    saturday, monday = date(2027, 1, 2), date(2027, 1, 4)
    cal = WorkCalendar.build(holidays=[monday], workdays=[saturday], official_years=[2027])
    assert cal.is_working_day(saturday) and not cal.is_working_day(monday)
    assert not cal.is_working_day(date(2027, 1, 3))  # Sunday
    assert cal.is_working_day(date(2027, 1, 1))  # official year: only listed days are holidays
    assert not is_working_day(WorkCalendar.build(), date(2027, 1, 1))  # assumed 元旦
    assert WorkCalendar.build().is_official_year(2027) is False and cal.is_official_year(2027) is True


# --- Exact errors and the server's own zone (issue 9, third mutation round) -------------------
class _NoOffset(tzinfo):
    """A zone that knows no offset: Python treats such datetimes as naive."""

    def utcoffset(self, dt):
        return None

    def dst(self, dt):
        return None


def test_a_zone_without_an_offset_is_naive_too():
    with pytest.raises(ValueError, match=r"^naive datetime: pass an aware datetime \(Asia/Shanghai or UTC\)$"):
        local_date(datetime(2026, 9, 30, 10, tzinfo=_NoOffset()))
    with pytest.raises(ValueError, match=r"^naive datetime: pass an aware datetime \(Asia/Shanghai or UTC\)$"):
        local_date(datetime(2026, 9, 30, 10))


def test_errors_say_exactly_what_is_wrong():
    cal = WorkCalendar.build(official_years=range(2020, 2030))
    with pytest.raises(TypeError, match=r"^days must be an int$"):
        add_working_days(cal, at(2026, 1, 5), 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^unknown unit 'lunar'$"):
        add_days(cal, at(2026, 9, 30), 3, "lunar")
    with pytest.raises(ValueError, match=r"^the interval is too long$"):
        count_working_days(cal, date(2026, 1, 5), date(2026, 1, 5) + timedelta(days=7321))


def test_dates_are_shanghai_dates_whatever_zone_the_server_runs_in(monkeypatch):
    import time as clock

    monkeypatch.setenv("TZ", "UTC")
    clock.tzset()
    try:
        # 20:00 UTC on 1 January is 04:00 on 2 January in Shanghai
        assert local_date(datetime(2026, 1, 1, 20, tzinfo=UTC)) == date(2026, 1, 2)
    finally:
        monkeypatch.undo()
        clock.tzset()
