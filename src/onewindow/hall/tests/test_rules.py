"""Pure rules of the hall, without a database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from onewindow.core.errors import Conflict
from onewindow.core.tests.helpers import raises_code
from onewindow.core.workdays import SHANGHAI
from onewindow.hall import rules
from onewindow.hall.constants import PriorityReason, Rank, TicketStatus


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


# --- Edges a caller relies on (issue 9: each kills mutants that survived the tests above) -----
@pytest.mark.parametrize("action", sorted(rules.TRANSITIONS))
def test_every_action_is_refused_from_every_other_state_with_its_words(action):
    rule = rules.TRANSITIONS[action]
    for status, label in TicketStatus.choices:
        if status in rule.sources:
            assert rules.transition_check(action, status) == rule.target
            continue
        with raises_code(Conflict, "hall_ticket_state") as caught:
            rules.transition_check(action, status)
        assert caught.value.message == f"该号当前为“{label}”，不能{rule.label}"


def test_transition_targets_and_an_unknown_status():
    assert rules.transition_check("expire", "called") == "expired"
    assert rules.transition_check("transfer", "called") == "waiting"
    with raises_code(Conflict, "hall_ticket_state") as caught:
        rules.transition_check("call", "lost")
    assert caught.value.message == "该号当前为“lost”，不能叫号"
    assert rules.ticket_number("C", 0) == "C000"


def test_priority_defaults_and_each_reason_alone():
    assert rules.PriorityRules() == rules.PriorityRules(prereview=True, guide_check=True, age=70, disabled=True,
                                                        pregnant=True, appointment=True)
    on = rules.PriorityRules()
    assert rules.priority_reasons(on) == []
    assert rules.priority_reasons(on, prereviewed=True) == ["prereview"]
    assert rules.priority_reasons(on, guide_checked=True) == ["guide_check"]
    assert rules.priority_reasons(on, disabled=True) == ["disabled"]
    assert rules.priority_reasons(on, pregnant=True) == ["pregnant"]
    assert rules.priority_reasons(on, birth_date=date(1956, 12, 7), today=date(2026, 12, 7)) == ["elderly"]
    assert rules.priority_reasons(on, birth_date=date(1956, 12, 8), today=date(2026, 12, 7)) == []
    assert rules.priority_reasons(on, birth_date=date(1930, 1, 1)) == []
    assert rules.priority_reasons(on, today=date(2026, 12, 7)) == []
    for flag, rule in [("prereviewed", "prereview"), ("guide_checked", "guide_check"), ("disabled", "disabled"),
                       ("pregnant", "pregnant")]:
        assert rules.priority_reasons(rules.PriorityRules(**{rule: False}), **{flag: True}) == []
    assert all(type(r) is str for r in rules.priority_reasons(on, prereviewed=True, pregnant=True))


def test_rank_reads_any_iterable_of_reasons():
    assert rules.queue_rank(reasons=iter(["elderly"])) == Rank.PRIORITY
    assert rules.queue_rank(reasons=[]) == Rank.NORMAL
    assert rules.queue_rank(reasons=["x"], appointment_on_time=True, transferred=True) == Rank.APPOINTMENT


def test_last_take_defaults_to_thirty_minutes_and_never_before_opening():
    assert rules.Hours(time(9), time(17)).last_take == time(16, 30)
    assert rules.Hours(time(9), time(17), 0).last_take == time(17)
    assert rules.Hours(time(9), time(9, 10)).last_take == time(9)
    # a lead longer than the time since midnight used to wrap to the evening before (23:50)
    assert rules.Hours(time(0, 10), time(0, 20)).last_take == time(0, 10)
    assert rules.Hours(time(9), time(17), 17 * 60 + 20).last_take == time(9)


def test_take_check_messages_and_the_local_clock():
    with raises_code(Conflict, "hall_not_open") as caught:
        rules.take_check(HOURS, now=at(8, 59), working_day=True)
    assert caught.value.message == "大厅尚未开始取号，取号时间为09:00至16:30"
    with raises_code(Conflict, "hall_closed") as caught:
        rules.take_check(HOURS, now=at(16, 30), working_day=True)
    assert caught.value.message == "今日取号已结束（16:30停止取号），请明天再来或在线预约"
    with raises_code(Conflict, "hall_holiday") as caught:
        rules.take_check(HOURS, now=at(10), working_day=False)
    assert caught.value.message == "今天是休息日或法定节假日，大厅不办公，请在工作日前来或在线预约"
    from datetime import UTC

    assert rules.take_check(HOURS, now=datetime(2026, 12, 7, 1, 0, tzinfo=UTC), working_day=True) is None  # 09:00
    with raises_code(Conflict, "hall_not_open"):
        rules.take_check(HOURS, now=datetime(2026, 12, 7, 0, 59, tzinfo=UTC), working_day=True)


def test_every_digit_is_spoken():
    assert rules.spoken("0123456789") == "零一二三四五六七八九"
    assert rules.spoken("A-9") == "A-九" and rules.spoken("") == ""


def test_wait_estimates_round_up_and_count_at_least_a_minute_each():
    assert rules.estimate_wait_minutes(ahead=-1, service_minutes=10, windows=1) == 0
    assert rules.estimate_wait_minutes(ahead=1, service_minutes=10, windows=3) == 4
    assert rules.estimate_wait_minutes(ahead=3, service_minutes=0.5, windows=2) == 2
    assert rules.estimate_wait_minutes(ahead=1, service_minutes=1, windows=1) == 1
    assert rules.estimate_wait_minutes(ahead=2, service_minutes=7, windows=1) == 14


def test_distance_is_the_haversine_of_lat_lon_in_metres():
    import math

    assert rules.distance_m(25.04, 102.72, 25.05, 102.72) == pytest.approx(6371000 * math.pi / 180 * 0.01, rel=1e-9)
    along = 2 * 6371000 * math.asin(math.cos(math.radians(60)) * math.sin(math.radians(0.5)))
    assert rules.distance_m(60, 10, 60, 11) == pytest.approx(along, rel=1e-9)
    assert rules.distance_m(60, 11, 60, 10) == pytest.approx(along, rel=1e-9)
    assert rules.distance_m(-10, 20, 10, 20) == pytest.approx(6371000 * math.pi / 9, rel=1e-9)


def test_slots_are_at_least_five_minutes_and_keep_clear_of_lunch():
    day = date(2026, 12, 7)
    short = rules.slot_times(day, rules.Hours(time(9), time(9, 20)), 1)
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in short] == [
        ("09:00", "09:05"), ("09:05", "09:10"), ("09:10", "09:15"), ("09:15", "09:20")]
    assert all(s.utcoffset() == timedelta(hours=8) and e.tzinfo is SHANGHAI for s, e in short)
    assert [s.strftime("%H:%M") for s, _ in rules.slot_times(day, rules.Hours(time(9), time(9, 20)), "10")] == [
        "09:00", "09:10"]
    three_quarters = rules.slot_times(day, HOURS, 45)
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in three_quarters] == [
        ("09:00", "09:45"), ("09:45", "10:30"), ("10:30", "11:15"), ("11:15", "12:00"), ("13:00", "13:45"),
        ("13:45", "14:30"), ("14:30", "15:15"), ("15:15", "16:00"), ("16:00", "16:45")]
    no_lunch = rules.Hours(time(11), time(14), lunch_from=time(12), lunch_to=None)
    assert len(rules.slot_times(day, no_lunch, 60)) == 3
    assert len(rules.slot_times(day, rules.Hours(time(11), time(14), lunch_from=None, lunch_to=time(13)), 60)) == 3
    empty_lunch = rules.Hours(time(11), time(14), lunch_from=time(12, 30), lunch_to=time(12, 30))
    assert [s.strftime("%H:%M") for s, _ in rules.slot_times(day, empty_lunch, 60)] == ["11:00", "12:00", "13:00"]
    straddled = rules.Hours(time(11), time(15), lunch_from=time(12, 30), lunch_to=time(13))
    assert [s.strftime("%H:%M") for s, _ in rules.slot_times(day, straddled, 60)] == ["11:00", "13:00", "14:00"]
    assert rules.slot_times(day, rules.Hours(time(9), time(9, 4)), 5) == []


def test_checkin_window_edges():
    start = at(10)
    kw = {"starts_at": start, "ends_at": at(10, 10), "early_minutes": 30, "late_minutes": 15}
    assert rules.checkin_timing(now=at(10, 15), **kw) == "on_time"
    assert rules.checkin_timing(now=at(10, 16), **kw) == "late"
    long = {"starts_at": start, "ends_at": at(11), "early_minutes": 0, "late_minutes": 15}
    assert rules.checkin_timing(now=at(11), **long) == "on_time"
    assert rules.checkin_timing(now=at(9, 59), **long) == "early"
    assert rules.checkin_timing(now=at(10), **long) == "on_time"


def test_no_show_limits_at_their_edges():
    now = at(10)
    latest = now - timedelta(days=1)
    at_window_start = latest - timedelta(days=90)
    kw = {"now": now, "period_days": 90, "block_days": 30}
    assert rules.booking_blocked_until([at_window_start, latest], limit=2, **kw) is None
    just_inside = at_window_start + timedelta(seconds=1)
    assert rules.booking_blocked_until([just_inside, latest], limit=2, **kw) == latest + timedelta(days=30)
    assert rules.booking_blocked_until([latest, just_inside], limit=2, **kw) == latest + timedelta(days=30)
    assert rules.booking_blocked_until([latest], limit=1, **kw) == latest + timedelta(days=30)
    assert rules.booking_blocked_until([latest], limit=0, **kw) is None
    assert rules.booking_blocked_until([latest], limit=-1, **kw) is None
    assert rules.booking_blocked_until([], limit=1, **kw) is None
    until = latest + timedelta(days=30)
    assert rules.booking_blocked_until([latest], limit=1, now=until, period_days=90, block_days=30) is None
    assert rules.booking_blocked_until([latest], limit=1, now=until - timedelta(seconds=1), period_days=90,
                                       block_days=30) == until


def test_change_deadline_and_figures():
    assert rules.change_deadline(at(10), 60) == at(9)
    assert rules.percentile([3, 1, 2], 0) == 1.0 and rules.percentile([3, 1, 2], 100) == 3.0
    assert rules.percentile([10, 20], 25) == 12.5 and rules.percentile([4, 1, 3, 2], 50) == 2.5
    assert isinstance(rules.percentile([5], 90), float)
    assert rules.mean([]) is None and rules.mean([1, 2]) == 1.5


def test_hours_are_read_on_the_shanghai_clock_whatever_zone_the_server_runs_in(monkeypatch):
    import time as clock
    from datetime import UTC

    monkeypatch.setenv("TZ", "UTC")
    clock.tzset()
    try:
        # 01:00 UTC is 09:00 in Shanghai: the hall is open
        assert rules.take_check(HOURS, now=datetime(2026, 12, 7, 1, 0, tzinfo=UTC), working_day=True) is None
    finally:
        monkeypatch.undo()
        clock.tzset()
