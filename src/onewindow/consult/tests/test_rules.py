"""Service hours and first-answer deadlines in working minutes; message cleaning."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.consult import rules
from onewindow.core.workdays import SHANGHAI

HOURS = rules.hours_parse("09:00-12:00,13:30-17:30")


def weekdays(day: date) -> bool:
    return day.weekday() < 5 and day != date(2026, 12, 25)  # a made-up holiday on Friday 25th


def at(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, d, hh, mm, tzinfo=SHANGHAI)  # 2026-12-07 is a Monday


def test_hours_parse_rejects_bad_specs():
    assert [(time(9), time(12)), (time(13, 30), time(17, 30))] == HOURS
    for bad in ("", "12:00-09:00", "09:00-12:00,11:00-13:00", "9点-12点"):
        with pytest.raises(ValueError):
            rules.hours_parse(bad)


def test_in_hours():
    assert rules.in_hours(at(7, 9), hours=HOURS, is_working_day=weekdays)
    assert not rules.in_hours(at(7, 12, 30), hours=HOURS, is_working_day=weekdays)
    assert not rules.in_hours(at(7, 17, 30), hours=HOURS, is_working_day=weekdays)
    assert not rules.in_hours(at(12, 10), hours=HOURS, is_working_day=weekdays)  # Saturday


def test_deadline_skips_lunch_nights_weekends_and_holidays():
    add = lambda start, m: rules.add_working_minutes(start, m, hours=HOURS, is_working_day=weekdays)  # noqa: E731
    assert add(at(7, 10), 30) == at(7, 10, 30)
    assert add(at(7, 11, 50), 30) == at(7, 13, 50)  # over lunch
    assert add(at(7, 17, 20), 30) == at(8, 9, 20)  # over the night
    assert add(at(11, 17, 20), 30) == at(14, 9, 20)  # Friday evening → Monday
    assert add(at(24, 17, 20), 30) == at(28, 9, 20)  # Thursday evening, holiday Friday, weekend
    assert add(at(12, 22), 30) == at(14, 9, 30)  # asked on Saturday night: counted from Monday's opening


@given(st.integers(min_value=0, max_value=60 * 24 * 5), st.integers(min_value=0, max_value=2000))
def test_minutes_between_inverts_the_deadline(offset, minutes):
    start = at(7, 0) + __import__("datetime").timedelta(minutes=offset)
    due = rules.add_working_minutes(start, minutes, hours=HOURS, is_working_day=weekdays)
    assert rules.working_minutes_between(start, due, hours=HOURS, is_working_day=weekdays) == minutes


def test_message_clean():
    assert rules.message_clean("  你好\r\n\r\n\r\n\r\n请问\u202e材料\x00  ") == "你好\n\n请问材料"
    assert rules.average([]) is None and rules.average([1, 2]) == 1.5


# --- Mutation testing (issue 9) ---------------------------------------------------------------
def test_hours_parse_edges():
    assert rules.hours_parse(" 09:00-12:00, ,13:30-17:30 ,") == HOURS  # blank parts are skipped
    assert rules.hours_parse("09:00-12:00,12:00-13:00") == [(time(9), time(12)), (time(12), time(13))]  # adjacent
    assert rules.hours_parse("09:00 - 12:00") == [(time(9), time(12))]
    with pytest.raises(ValueError, match="bad range '09:00-09:00'"):
        rules.hours_parse("09:00-09:00")  # an empty range
    with pytest.raises(ValueError, match="overlap"):
        rules.hours_parse("13:00-14:00,09:00-12:00")
    with pytest.raises(ValueError, match="no service hours"):
        rules.hours_parse(None)  # type: ignore[arg-type]


def test_times_in_another_zone_are_read_in_shanghai():
    nine_in_kunming = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 09:00 +08:00, Monday
    assert rules.in_hours(nine_in_kunming, hours=HOURS, is_working_day=weekdays)
    assert rules.add_working_minutes(nine_in_kunming, 30, hours=HOURS, is_working_day=weekdays) == at(7, 9, 30)
    assert rules.working_minutes_between(nine_in_kunming, at(7, 10), hours=HOURS, is_working_day=weekdays) == 60
    assert rules.working_minutes_between(at(7, 9), datetime(2026, 12, 7, 2, 0, tzinfo=UTC), hours=HOURS,
                                         is_working_day=weekdays) == 60


def test_deadline_edges():
    add = lambda start, m: rules.add_working_minutes(start, m, hours=HOURS, is_working_day=weekdays)  # noqa: E731
    assert add(at(7, 11, 30), 30) == at(7, 12)  # ends exactly at closing time
    assert add(at(7, 12), 0) == at(7, 13, 30)  # asked at closing time: the clock starts after lunch
    with pytest.raises(ValueError, match="≥ 0"):
        add(at(7, 10), -1)
    start = at(7, 10)
    only_day_60 = lambda d: d == start.date() + timedelta(days=60)  # noqa: E731
    with pytest.raises(ValueError, match="horizon"):
        rules.add_working_minutes(start, 10, hours=HOURS, is_working_day=only_day_60)
    assert rules.add_working_minutes(start, 10, hours=HOURS, is_working_day=only_day_60, max_days=61) == (
        datetime.combine(start.date() + timedelta(days=60), time(9, 10), tzinfo=SHANGHAI))


def test_message_clean_line_ends_and_average_rounding():
    assert rules.message_clean(None) == ""  # type: ignore[arg-type]
    assert rules.message_clean("甲\r\n乙\r丙") == "甲\n乙\n丙"
    assert rules.average([1, 2, 2]) == 1.7
