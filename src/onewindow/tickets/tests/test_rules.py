"""The pure rules: status machine, time limits, numbers (no database)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.errors import Conflict
from onewindow.core.workdays import WorkCalendar
from onewindow.tickets import rules
from onewindow.tickets.constants import Action, LimitClass, LimitUnit, Status, Urgency

SH = ZoneInfo("Asia/Shanghai")
# 2026 is treated as an official year with no listed holidays: weekends only.
PLAIN = WorkCalendar.build(official_years=[2026])


def test_happy_path_through_the_status_machine():
    status = Status.RECEIVED
    for action in (Action.DISPATCH, Action.ACCEPT, Action.REPLY, Action.CALLBACK, Action.CLOSE):
        status = rules.transition_check(status, action)
    assert status == Status.CLOSED


def test_return_and_redispatch_and_triage():
    assert rules.transition_check(Status.DISPATCHED, Action.RETURN) == Status.RETURNED
    assert rules.transition_check(Status.ACCEPTED, Action.RETURN) == Status.RETURNED
    assert rules.transition_check(Status.RETURNED, Action.DISPATCH) == Status.DISPATCHED
    assert rules.transition_check(Status.RECEIVED, Action.TRIAGE) == Status.TRIAGE
    assert rules.transition_check(Status.TRIAGE, Action.DISPATCH) == Status.DISPATCHED


def test_forbidden_steps_raise_a_conflict_naming_both_in_chinese():
    with pytest.raises(Conflict) as info:
        rules.transition_check(Status.CLOSED, Action.REPLY)
    assert info.value.code == "ticket_bad_transition"
    assert "已办结" in info.value.message and "答复" in info.value.message
    assert rules.transition_target(Status.REPLIED, Action.RETURN) is None
    assert rules.transition_target(Status.MERGED, Action.DISPATCH) is None
    assert rules.transition_target(Status.REPLIED, Action.MERGE) is None


def test_reopen_only_after_callback_and_goes_back_to_the_department():
    assert rules.transition_check(Status.CALLBACK_DONE, Action.REOPEN) == Status.REOPENED
    assert rules.transition_check(Status.REOPENED, Action.ACCEPT) == Status.ACCEPTED
    assert rules.transition_target(Status.ACCEPTED, Action.REOPEN) is None
    assert rules.reopen_allowed(reopen_count=0, satisfaction="unsatisfied")
    assert not rules.reopen_allowed(reopen_count=1, satisfaction="unsatisfied")
    assert not rules.reopen_allowed(reopen_count=0, satisfaction="satisfied")


def test_consultations_can_be_answered_on_the_call():
    assert rules.transition_check(Status.RECEIVED, Action.ANSWER_ON_CALL) == Status.CLOSED
    assert rules.actions_available(Status.RECEIVED) == [Action.TRIAGE, Action.DISPATCH, Action.ANSWER_ON_CALL,
                                                        Action.MERGE]


def test_limit_class_urgent_first_then_requested_then_category():
    assert rules.limit_class_for(urgency=Urgency.URGENT, category_class=LimitClass.UTILITY) == LimitClass.URGENT
    assert rules.limit_class_for(urgency=Urgency.NORMAL, category_class=LimitClass.UTILITY) == LimitClass.UTILITY
    assert rules.limit_class_for(urgency=Urgency.NORMAL, category_class="", requested="complex") == "complex"
    assert rules.limit_class_for(urgency=Urgency.NORMAL, category_class=None) == LimitClass.GENERAL


def test_default_limits_follow_beijing():
    assert rules.DEFAULT_LIMITS["urgent"] == rules.TimeLimit(2, LimitUnit.HOURS)
    assert rules.DEFAULT_LIMITS["utility"] == rules.TimeLimit(24, LimitUnit.HOURS)
    assert rules.DEFAULT_LIMITS["general"].amount == 7
    assert rules.DEFAULT_LIMITS["complex"].amount == 15
    assert rules.DEFAULT_LIMITS["urgent"].label == "2小时"


def test_hour_limits_are_natural_time_and_warn_at_the_ratio():
    start = datetime(2026, 11, 21, 22, 0, tzinfo=SH)  # a Saturday night
    due = rules.deadline_compute(start=start, limit=rules.TimeLimit(2, LimitUnit.HOURS), calendar=PLAIN,
                                 warning_ratio=0.75)
    assert due.due_at == datetime(2026, 11, 22, 0, 0, tzinfo=SH)
    assert due.warning_at == datetime(2026, 11, 21, 23, 30, tzinfo=SH)
    assert not due.provisional


def test_working_day_limits_skip_the_weekend_and_end_at_end_of_day():
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=SH)
    due = rules.deadline_compute(start=friday, limit=rules.TimeLimit(2, LimitUnit.WORKING_DAYS), calendar=PLAIN)
    assert due.due_at.astimezone(SH).date() == date(2026, 11, 24)  # Mon, Tue
    assert due.due_at.astimezone(SH).hour == 23


def test_working_days_in_an_unpublished_year_are_provisional():
    start = datetime(2030, 9, 28, 10, 0, tzinfo=SH)
    due = rules.deadline_compute(start=start, limit=rules.TimeLimit(5, LimitUnit.WORKING_DAYS),
                                 calendar=WorkCalendar.build())
    assert due.provisional
    # Saturday 28 Sep: Mon 30 Sep, (1–3 Oct assumed statutory holidays), Fri 4, Mon 7, Tue 8, Wed 9
    assert due.due_at.astimezone(SH).date() == date(2030, 10, 9)


def test_natural_day_limit():
    start = datetime(2026, 11, 22, 9, 0, tzinfo=SH)
    due = rules.deadline_compute(start=start, limit=rules.TimeLimit(7, LimitUnit.NATURAL_DAYS), calendar=PLAIN)
    assert due.due_at.astimezone(SH).date() == date(2026, 11, 29)


def test_deadline_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        rules.deadline_compute(start=datetime(2026, 1, 1), limit=rules.TimeLimit(1, LimitUnit.HOURS), calendar=PLAIN)


def test_return_window_counts_working_days_after_dispatch():
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=SH)
    tuesday_night = datetime(2026, 11, 24, 22, 0, tzinfo=SH)
    wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=SH)
    assert rules.return_allowed(dispatched_at=friday, now=tuesday_night, limit_working_days=2, calendar=PLAIN)
    assert not rules.return_allowed(dispatched_at=friday, now=wednesday, limit_working_days=2, calendar=PLAIN)


def test_ticket_numbers_are_readable_and_sort_as_text():
    a = rules.ticket_number(date(2026, 11, 22), 123)
    assert a == "12345-20261122-000123"
    b = rules.ticket_number(date(2026, 11, 22), 1000)
    c = rules.ticket_number(date(2026, 11, 23), 1)
    assert sorted([c, b, a]) == [a, b, c]
    assert rules.ticket_number_parse(a) == (date(2026, 11, 22), 123)
    assert rules.ticket_number_parse("12345-20261341-000001") is None
    assert rules.ticket_number_parse("bogus") is None
    with pytest.raises(ValueError):
        rules.ticket_number(date(2026, 1, 1), 0)


@given(st.integers(min_value=1, max_value=999_999), st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)))
def test_number_round_trip(seq, day):
    assert rules.ticket_number_parse(rules.ticket_number(day, seq)) == (day, seq)


@given(st.integers(min_value=0, max_value=400), st.floats(min_value=0, max_value=1))
def test_warning_is_never_after_the_deadline(hours, ratio):
    start = datetime(2026, 3, 2, 8, 0, tzinfo=SH)
    due = rules.deadline_compute(start=start, limit=rules.TimeLimit(hours, LimitUnit.HOURS), calendar=PLAIN,
                                 warning_ratio=ratio)
    assert start <= due.warning_at <= due.due_at
    assert due.due_at - start == timedelta(hours=hours)


def test_callback_closes_unless_unsatisfied():
    assert rules.callback_closes("satisfied") and rules.callback_closes("basic")
    assert not rules.callback_closes("unsatisfied")


# --- Edges the mutation run found untested (make mutation) ------------------------------------
def test_overdue_exactly_at_the_deadline_is_not_late():
    due = datetime(2026, 3, 2, 18, 0, tzinfo=SH)
    assert not rules.is_overdue(due_at=due, now=due)
    assert rules.is_overdue(due_at=due, now=due + timedelta(microseconds=1))
    assert not rules.is_overdue(due_at=None, now=due + timedelta(days=9))
    # a finished ticket is judged by when it finished, not by now
    assert not rules.is_overdue(due_at=due, now=due + timedelta(days=3), finished_at=due)
    assert rules.is_overdue(due_at=due, now=due, finished_at=due + timedelta(seconds=1))


def test_warning_moment_clamps_the_ratio_and_the_span():
    start = datetime(2026, 3, 2, 8, 0, tzinfo=SH)
    due = start + timedelta(hours=10)
    assert rules.warning_at_for(start=start, due_at=due, ratio=0.8) == start + timedelta(hours=8)
    assert rules.warning_at_for(start=start, due_at=due, ratio=1.5) == due
    assert rules.warning_at_for(start=start, due_at=due, ratio=-1) == start
    assert rules.warning_at_for(start=start, due_at=start - timedelta(hours=1), ratio=0.5) == start


def test_return_window_edges():
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    assert rules.return_allowed(dispatched_at=monday, now=monday - timedelta(minutes=1), limit_working_days=1,
                                calendar=PLAIN)
    assert rules.return_allowed(dispatched_at=monday, now=monday + timedelta(days=1), limit_working_days=1,
                                calendar=PLAIN)  # exactly the limit
    assert not rules.return_allowed(dispatched_at=monday, now=monday + timedelta(days=2), limit_working_days=1,
                                    calendar=PLAIN)


def test_ticket_number_edges():
    day = date(2026, 11, 22)
    assert rules.ticket_number(day, 1) == "12345-20261122-000001"
    assert rules.ticket_number(day, 999_999) == "12345-20261122-999999"
    for bad in (0, 1_000_000):
        with pytest.raises(ValueError, match="sequence out of range"):
            rules.ticket_number(day, bad)
    assert rules.ticket_number_parse(" 12345-20261122-000007 ") == (day, 7)
    for wrong in ("", "12346-20261122-000007", "12345-2026112-000007", "12345-20261122-00a007",
                  "12345-20261322-000007", "12345-20261122", "12345-20261122-1-2"):
        assert rules.ticket_number_parse(wrong) is None


def test_callbacks_site_checks_and_reopening():
    assert rules.callback_closes("satisfied") and rules.callback_closes("basic")
    assert not rules.callback_closes("unsatisfied")
    assert rules.site_check_outcome(solved=True, satisfaction="basic") == "basic"
    assert rules.site_check_outcome(solved=False, satisfaction="satisfied") == "unsatisfied"
    assert rules.reopen_allowed(reopen_count=0, satisfaction="unsatisfied")
    assert not rules.reopen_allowed(reopen_count=1, satisfaction="unsatisfied")
    assert rules.reopen_allowed(reopen_count=1, satisfaction="unsatisfied", limit=2)
    assert not rules.reopen_allowed(reopen_count=0, satisfaction="basic")


def test_confidence_levels_at_their_edges():
    assert rules.confidence_level(None, 0.5) == "low"
    assert rules.confidence_level(0.49, 0.5) == "low"
    assert rules.confidence_level(0.5, 0.5) == "medium"
    assert rules.confidence_level(0.74, 0.5) == "medium"
    assert rules.confidence_level(0.75, 0.5) == "high"
    assert rules.confidence_level(1.0, 0.5) == "high"


def test_category_refine_counts_distinct_longest_keywords_and_refuses_ties():
    cands = [rules.KeywordCategory("01", ("垃圾",)),  # the path itself is never a refinement
             rules.KeywordCategory("0101", ("垃圾", "清运")),
             rules.KeywordCategory("0102", ("建筑垃圾",)),
             rules.KeywordCategory("02", ("垃圾", "清运", "噪音"))]  # not below the path
    assert rules.category_refine(path="01", text="小区垃圾没人清运", candidates=cands) == ("0101", "垃圾")
    # "建筑垃圾" is counted once, not also as "垃圾": one keyword each → a tie → nothing
    assert rules.category_refine(path="01", text="路边堆了建筑垃圾", candidates=cands) is None
    assert rules.category_refine(path="01", text="路灯坏了", candidates=cands) is None
    assert rules.category_refine(path="01", text="建筑垃圾", candidates=cands[2:3]) == ("0102", "建筑垃圾")
    empty = [rules.KeywordCategory("0103", ("", "x"))]
    assert rules.category_refine(path="01", text="abc", candidates=empty) is None


# --- Mutation testing (issue 9, second round) -------------------------------------------------
def test_unknown_steps_and_states_are_refused_with_both_named():
    assert rules.transition_target(Status.TRIAGE, "teleport") is None
    with pytest.raises(Conflict) as caught:
        rules.transition_check("lost", "teleport")
    assert caught.value.code == "ticket_bad_transition"
    assert caught.value.detail == {"status": "lost", "action": "teleport"}
    assert "“lost”" in caught.value.message and "“teleport”" in caught.value.message


def test_deadline_errors_say_what_is_wrong():
    start = datetime(2026, 12, 7, 9, 0, tzinfo=SH)
    with pytest.raises(ValueError, match="naive"):
        rules.deadline_compute(start=start.replace(tzinfo=None), limit=rules.TimeLimit(1, LimitUnit.HOURS),
                               calendar=PLAIN)
    with pytest.raises(ValueError, match="negative"):
        rules.deadline_compute(start=start, limit=rules.TimeLimit(-1, LimitUnit.HOURS), calendar=PLAIN)
    with pytest.raises(ValueError, match="unknown unit 'weeks'"):
        rules.deadline_compute(start=start, limit=rules.TimeLimit(1, "weeks"), calendar=PLAIN)


def test_an_extension_moves_the_old_deadline_on():
    due = datetime(2026, 12, 4, 23, 59, 59, tzinfo=SH)  # Friday, end of day
    moved = rules.deadline_extend(due_at=due, limit=rules.TimeLimit(2, LimitUnit.WORKING_DAYS), calendar=PLAIN)
    assert moved.due_at.date() == date(2026, 12, 8)  # Monday and Tuesday
    hours = rules.deadline_extend(due_at=due, limit=rules.TimeLimit(5, LimitUnit.HOURS), calendar=PLAIN)
    assert hours.due_at == due + timedelta(hours=5) and due < hours.warning_at < hours.due_at


def test_only_consultations_are_answered_on_the_call_and_parse_of_nothing():
    assert rules.kind_answerable_on_call("consult") and not rules.kind_answerable_on_call("help")
    assert rules.ticket_number_parse(None) is None  # type: ignore[arg-type]


def test_refining_prefers_more_keywords_counts_long_words_first_and_refuses_ties():
    cats = [rules.KeywordCategory("city/garbage", ("垃圾", "垃圾桶")),
            rules.KeywordCategory("city/debris", ("建筑垃圾", "渣土")),
            rules.KeywordCategory("city/noise", ("噪音",))]
    # "建筑垃圾" counts once for debris and leaves no "垃圾" for garbage
    assert rules.category_refine(path="city", text="路边堆了建筑垃圾和渣土", candidates=cats) == (
        "city/debris", "建筑垃圾")
    assert rules.category_refine(path="city", text="垃圾桶满了，垃圾没人收", candidates=cats) == (
        "city/garbage", "垃圾桶")  # the longer keyword is the one named
    assert rules.category_refine(path="city", text="工地噪音大，还乱倒建筑垃圾，渣土满地", candidates=cats) == (
        "city/debris", "建筑垃圾")  # two keywords beat one, whatever the order of the candidates
    assert rules.category_refine(path="city", text="噪音和渣土", candidates=cats) is None  # a tie
