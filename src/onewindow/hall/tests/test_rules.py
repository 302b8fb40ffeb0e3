"""Pure rules of the hall, without a database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from onewindow.core.errors import Conflict
from onewindow.core.workdays import SHANGHAI
from onewindow.hall import rules
from onewindow.hall.constants import PriorityReason, Rank


def at(h: int, m: int = 0, d: date = date(2026, 12, 7)) -> datetime:
    return datetime.combine(d, time(h, m), tzinfo=SHANGHAI)


HOURS = rules.Hours(time(9), time(17), 30, time(12), time(13))


def test_numbers_have_three_digits_then_grow():
    assert rules.ticket_number("A", 1) == "A001"
    assert rules.ticket_number("B", 14) == "B014"
    assert rules.ticket_number("A", 1000) == "A1000"


@pytest.mark.parametrize(("action", "source", "target"), [
    ("call", "waiting", "called"), ("recall", "called", "called"), ("start", "called", "serving"),
    ("no_show", "called", "no_show"), ("no_show_recall", "no_show", "called"),
    ("transfer", "serving", "waiting"), ("finish", "serving", "done"), ("cancel", "waiting", "cancelled"),
])
def test_transitions(action, source, target):
    assert rules.transition_check(action, source) == target


def test_illegal_transition_is_a_conflict_in_chinese():
    with pytest.raises(Conflict) as err:
        rules.transition_check("finish", "waiting")
    assert err.value.code == "hall_ticket_state"
    assert "等候中" in err.value.message and "办结" in err.value.message


def test_age_counts_birthdays():
    assert rules.age_on(date(1956, 12, 8), date(2026, 12, 7)) == 69
    assert rules.age_on(date(1956, 12, 7), date(2026, 12, 7)) == 70


def test_priority_reasons_follow_the_halls_rules():
    everything = {"prereviewed": True, "guide_checked": True, "disabled": True, "pregnant": True,
                  "birth_date": date(1950, 1, 1), "today": date(2026, 12, 7)}
    assert rules.priority_reasons(rules.PriorityRules(), **everything) == [
        PriorityReason.PREREVIEW, PriorityReason.GUIDE_CHECK, PriorityReason.ELDERLY,
        PriorityReason.DISABLED, PriorityReason.PREGNANT]
    off = rules.PriorityRules(prereview=False, guide_check=False, age=0, disabled=False, pregnant=False)
    assert rules.priority_reasons(off, **everything) == []
    assert rules.priority_reasons(rules.PriorityRules(age=80), birth_date=date(1950, 1, 1),
                                  today=date(2026, 12, 7)) == []


def test_rank_orders_appointments_transfers_priority_normal():
    assert rules.queue_rank(appointment_on_time=True) == Rank.APPOINTMENT
    assert rules.queue_rank(transferred=True, reasons=["elderly"]) == Rank.TRANSFERRED
    assert rules.queue_rank(reasons=["elderly"]) == Rank.PRIORITY
    assert rules.queue_rank() == Rank.NORMAL
    assert Rank.APPOINTMENT < Rank.TRANSFERRED < Rank.PRIORITY < Rank.NORMAL


@pytest.mark.parametrize(("now", "working", "code"), [
    (at(8, 59), True, "hall_not_open"), (at(16, 30), True, "hall_closed"), (at(10), False, "hall_holiday"),
])
def test_taking_outside_hours_is_refused_clearly(now, working, code):
    with pytest.raises(Conflict) as err:
        rules.take_check(HOURS, now=now, working_day=working)
    assert err.value.code == code
    assert err.value.status == 409


def test_taking_within_hours_is_fine():
    rules.take_check(HOURS, now=at(9), working_day=True)
    rules.take_check(HOURS, now=at(16, 29), working_day=True)
    assert HOURS.last_take == time(16, 30)


def test_calls_are_spoken_digit_by_digit():
    assert rules.call_speech("A012", "3") == "请A零一二号到三号窗口办理"
    assert rules.call_speech("B001", "A01") == "请B零零一号到A零一号窗口办理"


def test_wait_estimate_shares_the_queue_among_windows():
    assert rules.estimate_wait_minutes(ahead=0, service_minutes=10, windows=2) == 0
    assert rules.estimate_wait_minutes(ahead=5, service_minutes=10, windows=2) == 25
    assert rules.estimate_wait_minutes(ahead=3, service_minutes=10, windows=0) == 30


def test_distance():
    assert rules.distance_m(25.04, 102.72, 25.04, 102.72) == 0
    assert 1100 < rules.distance_m(25.04, 102.72, 25.05, 102.72) < 1120


def test_slots_skip_lunch():
    slots = rules.slot_times(date(2026, 12, 7), HOURS, 60)
    starts = [s.strftime("%H:%M") for s, _ in slots]
    assert starts == ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00"]
    half = rules.slot_times(date(2026, 12, 7), rules.Hours(time(9), time(11, 45)), 30)
    assert [s.strftime("%H:%M") for s, _ in half] == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_checkin_timing():
    start, end = at(10), at(11)
    kw = {"starts_at": start, "ends_at": end, "early_minutes": 30, "late_minutes": 15}
    assert rules.checkin_timing(now=at(9, 29), **kw) == "early"
    assert rules.checkin_timing(now=at(9, 30), **kw) == "on_time"
    assert rules.checkin_timing(now=at(10, 59), **kw) == "on_time"
    assert rules.checkin_timing(now=at(11, 1), **kw) == "late"


def test_repeated_no_shows_block_booking_for_a_while():
    now = at(10)
    twice = [now - timedelta(days=40), now - timedelta(days=5)]
    assert rules.booking_blocked_until(twice, now=now, limit=3, period_days=90, block_days=30) is None
    thrice = [*twice, now - timedelta(days=1)]
    until = rules.booking_blocked_until(thrice, now=now, limit=3, period_days=90, block_days=30)
    assert until == now - timedelta(days=1) + timedelta(days=30)
    assert rules.booking_blocked_until(thrice, now=now + timedelta(days=30), limit=3, period_days=90,
                                       block_days=30) is None
    spread = [now - timedelta(days=200), now - timedelta(days=100), now - timedelta(days=1)]
    assert rules.booking_blocked_until(spread, now=now, limit=3, period_days=90, block_days=30) is None


def test_percentiles():
    assert rules.percentile([], 90) is None
    assert rules.percentile([5], 90) == 5
    assert rules.percentile(list(range(1, 11)), 90) == pytest.approx(9.1)
    assert rules.mean([1, 2, 3]) == 2
