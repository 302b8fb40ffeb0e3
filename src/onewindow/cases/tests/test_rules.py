"""Pure rules of applications, without a database."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from onewindow.cases import rules
from onewindow.cases.constants import (
    APPLICANT,
    SYSTEM,
    Action,
    CaseStatus,
    Channel,
    StepKind,
    WarningLevel,
)
from onewindow.core.errors import Conflict, PermissionDenied, ValidationFailed
from onewindow.core.tests.helpers import raises_code
from onewindow.core.workdays import SHANGHAI, WorkCalendar

CLERK, REVIEWER, LEADER = rules.CLERK, rules.REVIEWER, rules.LEADER
ALL_ROLES = [APPLICANT, CLERK, REVIEWER, LEADER, SYSTEM, "supervisor", "administrator",
             "hotline_operator"]
REVIEW = rules.StepPlan("审查", StepKind.REVIEW, (REVIEWER,))
DECIDE = rules.StepPlan("决定", StepKind.DECISION, (REVIEWER, LEADER))
LEADER_DECIDES = rules.StepPlan("决定", StepKind.DECISION, (LEADER,))
S, C, A = CaseStatus, Channel, Action

# (action, from, channel, step, resume, expected target, roles that may)
LEGAL = [
    (A.SUBMIT, S.DRAFT, C.ONLINE, None, "", S.SUBMITTED, {APPLICANT, CLERK}),
    (A.PREREVIEW, S.SUBMITTED, C.ONLINE, None, "", S.PREREVIEWED, {CLERK, REVIEWER}),
    (A.PREREVIEW, S.SUBMITTED, C.KIOSK, None, "", S.PREREVIEWED, {CLERK, REVIEWER}),
    (A.ACCEPT, S.PREREVIEWED, C.ONLINE, None, "", S.ACCEPTED, {CLERK, REVIEWER}),
    (A.ACCEPT, S.SUBMITTED, C.WINDOW, None, "", S.ACCEPTED, {CLERK, REVIEWER}),
    (A.NOT_ACCEPT, S.SUBMITTED, C.ONLINE, None, "", S.NOT_ACCEPTED, {CLERK, REVIEWER}),
    (A.NOT_ACCEPT, S.PREREVIEWED, C.ONLINE, None, "", S.NOT_ACCEPTED, {CLERK, REVIEWER}),
    (A.REQUEST_SUPPLEMENT, S.SUBMITTED, C.ONLINE, None, "", S.SUPPLEMENT, {CLERK, REVIEWER}),
    (A.REQUEST_SUPPLEMENT, S.PREREVIEWED, C.ONLINE, None, "", S.SUPPLEMENT, {CLERK, REVIEWER}),
    (A.REQUEST_SUPPLEMENT, S.ACCEPTED, C.WINDOW, None, "", S.SUPPLEMENT, {CLERK, REVIEWER}),
    (A.REQUEST_SUPPLEMENT, S.IN_REVIEW, C.WINDOW, None, "", S.SUPPLEMENT, {CLERK, REVIEWER}),
    (A.RESUBMIT, S.SUPPLEMENT, C.ONLINE, None, S.SUBMITTED, S.SUBMITTED, {APPLICANT, CLERK}),
    (A.RESUBMIT, S.SUPPLEMENT, C.ONLINE, None, S.IN_REVIEW, S.IN_REVIEW, {APPLICANT, CLERK}),
    (A.RESUBMIT, S.SUPPLEMENT, C.WINDOW, None, S.ACCEPTED, S.ACCEPTED, {APPLICANT, CLERK}),
    (A.COMPLETE_STEP, S.ACCEPTED, C.ONLINE, REVIEW, "", S.IN_REVIEW, {REVIEWER}),
    (A.COMPLETE_STEP, S.IN_REVIEW, C.ONLINE, REVIEW, "", S.IN_REVIEW, {REVIEWER}),
    (A.START_SPECIAL, S.ACCEPTED, C.ONLINE, None, "", S.SPECIAL, {REVIEWER, LEADER}),
    (A.START_SPECIAL, S.IN_REVIEW, C.ONLINE, None, "", S.SPECIAL, {REVIEWER, LEADER}),
    (A.END_SPECIAL, S.SPECIAL, C.ONLINE, None, S.IN_REVIEW, S.IN_REVIEW, {REVIEWER, LEADER}),
    (A.APPROVE, S.IN_REVIEW, C.ONLINE, DECIDE, "", S.APPROVED, {REVIEWER, LEADER}),
    (A.APPROVE, S.ACCEPTED, C.WINDOW, None, "", S.APPROVED, {REVIEWER, LEADER}),
    (A.APPROVE, S.IN_REVIEW, C.ONLINE, LEADER_DECIDES, "", S.APPROVED, {LEADER}),
    (A.REFUSE, S.IN_REVIEW, C.ONLINE, DECIDE, "", S.REFUSED, {REVIEWER, LEADER}),
    (A.REFUSE, S.ACCEPTED, C.WINDOW, None, "", S.REFUSED, {REVIEWER, LEADER}),
    (A.DELIVER, S.APPROVED, C.ONLINE, None, "", S.DELIVERED, {CLERK, REVIEWER}),
    (A.DELIVER, S.REFUSED, C.ONLINE, None, "", S.DELIVERED, {CLERK, REVIEWER}),
    (A.CLOSE, S.DELIVERED, C.ONLINE, None, "", S.CLOSED, {CLERK, REVIEWER, SYSTEM}),
    *[(A.WITHDRAW, s, C.ONLINE, None, "", S.WITHDRAWN, {APPLICANT, CLERK})
      for s in (S.SUBMITTED, S.PREREVIEWED, S.SUPPLEMENT,
                S.ACCEPTED, S.IN_REVIEW, S.SPECIAL)],
]


@pytest.mark.parametrize(("action", "status", "channel", "step", "resume", "target", "who"), LEGAL)
def test_every_transition_names_its_roles(action, status, channel, step, resume, target, who):
    for role in ALL_ROLES:
        if role in who:
            assert rules.transition_check(action=action, status=status, roles=[role],
                                          channel=channel, step=step, resume_status=resume) == target
        else:
            with pytest.raises(PermissionDenied) as err:
                rules.transition_check(action=action, status=status, roles=[role],
                                       channel=channel, step=step, resume_status=resume)
            assert err.value.code == "case_role_forbidden"
            assert "只能由" in err.value.message


def test_table_covers_every_action_and_the_legal_list_covers_the_table():
    assert set(rules.TRANSITIONS) == set(Action.values)
    covered = {(a.value, s.value) for a, s, *_ in LEGAL}
    declared = {(t.action, s) for t in rules.TRANSITIONS.values() for s in t.sources}
    assert declared == covered


@pytest.mark.parametrize("action", list(Action))
def test_every_illegal_source_status_is_a_conflict_with_a_clear_message(action):
    transition = rules.TRANSITIONS[action]
    for status in set(CaseStatus.values) - transition.sources:
        with pytest.raises(Conflict) as err:
            rules.transition_check(action=action, status=status, roles=ALL_ROLES,
                                   step=DECIDE if action in ("approve", "refuse") else REVIEW,
                                   resume_status=CaseStatus.IN_REVIEW)
        assert err.value.code == "case_transition_illegal"
        assert rules.status_label(status) in err.value.message
        assert transition.label in err.value.message


def test_final_statuses_allow_nothing():
    for status in (CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED, CaseStatus.WITHDRAWN):
        assert rules.allowed_actions(status=status, roles=ALL_ROLES, step=DECIDE) == []


def test_online_cases_must_be_prereviewed_before_acceptance():
    with pytest.raises(Conflict) as err:
        rules.transition_check(action="accept", status="submitted", roles=[CLERK], channel="online")
    assert err.value.code == "case_prereview_required"
    with pytest.raises(Conflict) as err:
        rules.transition_check(action="prereview", status="submitted", roles=[CLERK], channel="window")
    assert err.value.code == "case_channel_illegal"


def test_steps_gate_completion_and_decision():
    with pytest.raises(Conflict) as err:
        rules.transition_check(action="complete_step", status="in_review", roles=[REVIEWER], step=DECIDE)
    assert err.value.code == "case_step_is_decision"
    with pytest.raises(Conflict) as err:
        rules.transition_check(action="approve", status="in_review", roles=[REVIEWER], step=REVIEW)
    assert err.value.code == "case_decision_not_reached"
    assert "审查" in err.value.message
    with pytest.raises(Conflict) as err:
        rules.transition_check(action="complete_step", status="accepted", roles=[REVIEWER], step=None)
    assert err.value.code == "case_no_step"
    with raises_code(PermissionDenied, "case_role_forbidden"):
        rules.transition_check(action="approve", status="in_review", roles=[REVIEWER], step=LEADER_DECIDES)


def test_resume_needs_a_valid_previous_status():
    with pytest.raises(Conflict) as err:
        rules.transition_check(action="resubmit", status="supplement", roles=[APPLICANT], resume_status="")
    assert err.value.code == "case_resume_invalid"
    with raises_code(Conflict, "case_resume_invalid"):
        rules.transition_check(action="end_special", status="special", roles=[LEADER],
                               resume_status="submitted")


def test_approved_case_cannot_be_delivered_before_its_result_exists():
    with pytest.raises(Conflict) as err:
        rules.transition_check(action="deliver", status="approved", roles=[CLERK], result_ready=False)
    assert err.value.code == "case_result_not_issued"
    assert rules.transition_check(action="deliver", status="refused", roles=[CLERK],
                                  result_ready=False) == "delivered"


def test_unknown_action():
    with pytest.raises(ValidationFailed) as err:
        rules.transition_check(action="teleport", status="draft", roles=ALL_ROLES)
    assert err.value.code == "case_action_unknown"


def test_allowed_actions_for_buttons():
    assert rules.allowed_actions(status="submitted", roles=[CLERK], channel="online") == [
        "prereview", "not_accept", "request_supplement", "withdraw"]
    assert rules.allowed_actions(status="submitted", roles=[CLERK], channel="window") == [
        "accept", "not_accept", "request_supplement", "withdraw"]
    assert rules.allowed_actions(status="in_review", roles=[REVIEWER], step=REVIEW) == [
        "request_supplement", "complete_step", "start_special"]
    assert rules.allowed_actions(status="in_review", roles=[REVIEWER], step=DECIDE) == [
        "request_supplement", "start_special", "approve", "refuse"]
    assert rules.allowed_actions(status="in_review", roles=[APPLICANT], step=DECIDE) == ["withdraw"]


def test_reasons_required_where_the_law_wants_them():
    with raises_code(ValidationFailed, "case_reason_required") as err:
        rules.reason_check("refuse", " ")
    assert err.value.fields == {"reason": "“不予许可”须写明理由"}
    assert rules.reason_check("not_accept", "  不属于本部门职权范围 ") == "不属于本部门职权范围"
    assert rules.reason_check("approve", "") == ""


# --- Review plans -----------------------------------------------------------------------------
def test_review_plan_from_catalogue_steps():
    plan = rules.review_plan([
        {"name": "受理", "handler_role": "窗口人员"},
        {"name": "审查", "handler_role": "审批人员"},
        {"name": "现场勘察", "handler_role": "审批人员"},
        {"name": "审批决定", "handler_role": "分管领导"},
        {"name": "送达", "handler_role": "窗口人员"},
    ])
    assert [(p.name, p.kind, p.roles) for p in plan] == [
        ("审查", "review", (REVIEWER,)),
        ("现场勘察", "inspection", (REVIEWER,)),
        ("审批决定", "decision", (LEADER,)),
    ]
    assert plan[1].needs_record and plan[2].is_decision


def test_review_plan_appends_a_decision_and_defaults():
    plan = rules.review_plan([{"name": "受理"}, {"name": "审查", "handler_role": "审批人员"}])
    assert [p.name for p in plan] == ["审查", "决定"]
    assert rules.review_plan([]) == rules.DEFAULT_PLAN
    assert rules.review_plan(None) == rules.DEFAULT_PLAN
    assert rules.review_plan(["nonsense", {"name": ""}]) == rules.DEFAULT_PLAN
    # an early "decision" that is not last is only a review
    plan = rules.review_plan([{"name": "审批"}, {"name": "复核"}])
    assert [(p.name, p.kind) for p in plan] == [("审批", "review"), ("复核", "review"), ("决定", "decision")]


def test_inspection_record():
    with raises_code(ValidationFailed, "case_inspection_record") as err:
        rules.inspection_record_check({"date": "2026-13-01", "place": "x", "inspectors": "y",
                                       "findings": "z"})
    assert err.value.fields == {"record.date": "勘察日期格式应为 YYYY-MM-DD"}
    with raises_code(ValidationFailed, "case_inspection_record") as err:
        rules.inspection_record_check({})
    assert set(err.value.fields) == {"record.date", "record.place", "record.inspectors", "record.findings"}
    ok = rules.inspection_record_check({"date": "2026-10-09", "place": "经营场所", "inspectors": "张三、李四",
                                        "findings": "符合要求"})
    assert ok["findings"] == "符合要求"


# --- Deadlines across National Day 2026 (official schedule from chinese_calendar) -------------
def official() -> WorkCalendar:
    return WorkCalendar.build(holidays=chinese_calendar.holidays, workdays=chinese_calendar.workdays,
                              official_years={d.year for d in chinese_calendar.holidays})


def at(m: int, d: int, hh: int = 10, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


def test_due_skips_the_national_day_holiday():
    cal = official()
    # Accepted Wednesday 30 September 2026; 5 working days: 8, 9, 10 (Saturday make-up day), 12, 13 Oct.
    due = rules.due_compute(cal, start=at(9, 30), days=5, unit="working_day")
    assert due is not None and due.day == date(2026, 10, 13) and not due.provisional
    # natural days ignore holidays
    natural = rules.due_compute(cal, start=at(9, 30), days=5, unit="natural_day")
    assert natural is not None and natural.day == date(2026, 10, 5)
    assert rules.due_compute(cal, start=at(9, 30), days=None, unit="working_day") is None
    assert rules.due_compute(cal, start=at(9, 30), days=0, unit="working_day").day == date(2026, 9, 30)


def test_a_pause_over_the_holiday_adds_only_working_days():
    cal = official()
    pause = rules.Pause(start=at(9, 29), end=at(10, 9))  # 30 Sep, 8 Oct, 9 Oct are working days
    assert rules.pause_days(cal, pause) == 3
    assert rules.pause_days(cal, rules.Pause(start=at(9, 29), end=at(9, 29, 17))) == 0
    assert rules.pause_days(cal, rules.Pause(start=at(9, 29), end=None), now=at(10, 7)) == 1
    assert rules.pause_days(cal, pause, unit="natural_day") == 10
    due = rules.due_compute(cal, start=at(9, 28), days=5, unit="working_day", paused_days=3)
    # 8 working days after Mon 28 Sep: 29, 30, 8, 9, 10, 12, 13, 14 Oct
    assert due.day == date(2026, 10, 14)


def test_warning_threshold_and_moment():
    assert rules.warning_threshold(5, 0.25) == 1
    assert rules.warning_threshold(20, 0.25) == 4
    assert rules.warning_threshold(1, 0.25) == 0
    assert rules.warning_threshold(0, 0.25) is None
    cal = official()
    due = rules.due_compute(cal, start=at(9, 30), days=5, unit="working_day")
    warn = rules.warn_at_compute(cal, due=due.at, total_days=5, share=0.25)
    # one working day left from Monday 12 October (the Saturday before is a make-up workday)
    assert warn == datetime(2026, 10, 12, tzinfo=SHANGHAI)
    assert rules.warning_level(now=at(10, 10), due_at=due.at, warn_at=warn) == WarningLevel.NONE
    assert rules.warning_level(now=at(10, 12), due_at=due.at, warn_at=warn) == WarningLevel.YELLOW
    assert rules.warning_level(now=at(10, 14), due_at=due.at, warn_at=warn) == WarningLevel.RED
    assert rules.warning_level(now=at(10, 14), due_at=None, warn_at=None) == WarningLevel.NONE
    assert rules.remaining_working_days(cal, now=at(10, 1), due=due.at) == 5
    assert rules.remaining_working_days(cal, now=at(10, 13), due=due.at) == 0
    assert rules.remaining_working_days(cal, now=at(10, 15), due=due.at) == -2


def test_completion_early_on_time_and_overdue():
    cal = official()
    due = rules.due_compute(cal, start=at(9, 30), days=5, unit="working_day").at
    early = rules.completion_compute(cal, accepted_at=at(9, 30), completed_at=at(10, 9),
                                     paused_days=0, due_at=due)
    assert early == rules.Completion(working_days_used=2, early=True, overdue=False)
    on_time = rules.completion_compute(cal, accepted_at=at(9, 30), completed_at=at(10, 13, 16),
                                       paused_days=1, due_at=due)
    assert on_time == rules.Completion(working_days_used=4, early=False, overdue=False)
    late = rules.completion_compute(cal, accepted_at=at(9, 30), completed_at=at(10, 14),
                                    paused_days=0, due_at=due)
    assert late.overdue and not late.early and late.working_days_used == 6


def test_subtract_working_days_crosses_the_holiday_backwards():
    cal = official()
    assert rules.subtract_working_days(cal, date(2026, 10, 8), 1) == date(2026, 9, 30)
    assert rules.subtract_working_days(cal, date(2026, 10, 8), 0) == date(2026, 10, 8)


# --- Numbers, tails, uploads ------------------------------------------------------------------
def test_case_numbers_are_readable_and_sortable():
    key = rules.case_number_key("530103000000", date(2026, 11, 22))
    assert key == "53010320261122"
    numbers = [rules.case_number_format(key, n) for n in (1, 2, 10, 99999)]
    assert numbers[0] == "5301032026112200001"
    assert numbers == sorted(numbers)
    assert rules.case_number_format(rules.case_number_key("530103", date(2026, 11, 23)), 1) > numbers[-1]
    with raises_code(Conflict, "case_number_exhausted"):
        rules.case_number_format(key, 100000)
    with pytest.raises(ValueError):
        rules.case_number_key("53a1", date(2026, 1, 1))
    assert rules.case_number_normalise(" 530103-20261122-00001 ") == "5301032026112200001"
    assert rules.case_number_normalise("5301032026112200001' OR 1=1") == ""


def test_id_tails():
    assert rules.id_tail_normalise(" 12 3x ") == "123X"
    assert rules.id_tail_normalise("123") == ""
    assert rules.id_tail_normalise("1234567") == ""
    assert rules.id_tail_matches("53010319800101001X", "01x") is True
    assert rules.id_tail_matches("53010319800101001X", "001X")
    assert not rules.id_tail_matches("53010319800101001X", "0019")
    assert not rules.id_tail_matches("", "0019")


@pytest.mark.parametrize(("head", "kind"), [
    (b"%PDF-1.7\n", "PDF"), (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPG"),
    (b"\x89PNG\r\n\x1a\n\x00", "PNG"), (b"GIF89a", None), (b"PK\x03\x04", None), (b"", None),
])
def test_file_kinds_are_sniffed_from_content(head, kind):
    found = rules.file_kind_sniff(head)
    assert (found.name if found else None) == kind


def test_upload_check_messages():
    assert rules.upload_check(name="a.png", size=10, head=b"%PDF-1.4", max_bytes=100) is rules.PDF
    with pytest.raises(ValidationFailed) as err:
        rules.upload_check(name="身份证.pdf", size=10, head=b"MZ\x90", max_bytes=100)
    assert err.value.code == "case_file_type" and "身份证.pdf" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        rules.upload_check(name="big.pdf", size=11 * 1024 * 1024, head=b"%PDF", max_bytes=10 * 1024 * 1024)
    assert err.value.code == "case_file_too_large" and "10 MB" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        rules.upload_check(name="empty.pdf", size=0, head=b"", max_bytes=100)
    assert err.value.code == "case_file_empty"
    assert rules.safe_filename("../../etc/passwd") == "passwd"
    assert rules.safe_filename("C:\\x\\申请书<1>.pdf") == "申请书1.pdf"


def test_materials_and_supplement_lists():
    views = [rules.MaterialView("申请书", True, True), rules.MaterialView("营业执照", True, False),
             rules.MaterialView("委托书", False, False)]
    assert rules.materials_missing(views) == ["营业执照"]
    with pytest.raises(ValidationFailed) as err:
        rules.materials_check(views)
    assert err.value.code == "case_materials_missing" and "营业执照" in err.value.message
    with raises_code(ValidationFailed, "case_supplement_items_required"):
        rules.supplement_items_clean([{"name": " "}])
    with raises_code(ValidationFailed, "case_supplement_material"):
        rules.supplement_items_clean([{"name": "x", "material_id": "other"}], known=["m1"])
    assert rules.supplement_items_clean([{"name": "营业执照", "reason": "模糊"}]) == [
        {"name": "营业执照", "reason": "模糊", "material_id": ""}]


def test_ratings():
    for level, bad in zip(range(1, 6), [True, True, False, False, False], strict=True):
        assert rules.rating_level_check(str(level)) == level
        assert rules.rating_is_bad(level) is bad
    for wrong in (0, 6, "x", None):
        with raises_code(ValidationFailed, "rating_level_invalid"):
            rules.rating_level_check(wrong)
    with pytest.raises(ValidationFailed) as err:
        rules.rating_comment_check(1, "")
    assert err.value.code == "rating_comment_required"
    assert rules.rating_comment_check(5, "") == ""


def test_figures_and_visits():
    f = rules.Figures(cases=10, online=7, finished=8, early=6, working_days_total=20,
                      working_days_count=8, ratings=4, satisfied=3, rating_points=17)
    assert (f.online_share, f.early_rate, f.average_working_days, f.satisfaction, f.average_rating) == (
        70.0, 75.0, 2.5, 75.0, 4.25)
    assert rules.Figures().online_share is None
    cases = itertools.product(["online", "window"], ["online", "pickup", "post"])
    assert [rules.visits_saved(channel=c, delivery_method=d) for c, d in cases] == [2, 1, 2, 1, 0, 1]


# --- Edges the mutation run found untested (make mutation) ------------------------------------
def test_a_supplement_may_name_a_known_material_or_none():
    known = ["m1", "m2"]
    assert rules.supplement_items_clean([{"name": "营业执照", "material_id": "m1"}], known=known) == [
        {"name": "营业执照", "reason": "", "material_id": "m1"}]
    # no material named: free text items are fine even when the case has materials
    assert rules.supplement_items_clean([{"material": " 现场照片 ", "reason": " 缺 "}], known=known) == [
        {"name": "现场照片", "reason": "缺", "material_id": ""}]
    # no known materials to compare with: the id is kept as given
    assert rules.supplement_items_clean([{"name": "x", "material_id": "m9"}])[0]["material_id"] == "m9"
    with pytest.raises(ValidationFailed) as err:
        rules.supplement_items_clean([{"name": "x", "material_id": "m9"}], known=known)
    assert err.value.code == "case_supplement_material" and set(err.value.fields) == {"items"}
    with pytest.raises(ValidationFailed) as err:
        rules.supplement_items_clean(None)
    assert err.value.code == "case_supplement_items_required"
    long = rules.supplement_items_clean([{"name": "名" * 300, "reason": "因" * 600}])[0]
    assert len(long["name"]) == 200 and len(long["reason"]) == 500
    # empty names are skipped, the rest kept in order
    rows = rules.supplement_items_clean([{"name": ""}, {"name": "甲"}, {"name": "乙"}])
    assert [r["name"] for r in rows] == ["甲", "乙"]


def test_a_rating_comment_is_kept_trimmed_and_bounded():
    assert rules.rating_comment_check(5, "  办事很快  ") == "办事很快"
    assert rules.rating_comment_check(2, "太慢") == "太慢"  # two characters explain a bad rating
    assert rules.rating_comment_check(3, "") == ""  # 基本满意 needs no reason
    for bad_level in (1, 2):
        with pytest.raises(ValidationFailed) as err:
            rules.rating_comment_check(bad_level, " 慢 ")
        assert err.value.code == "rating_comment_required" and set(err.value.fields) == {"comment"}
    assert len(rules.rating_comment_check(5, "好" * 1000)) == 1000
    with pytest.raises(ValidationFailed) as err:
        rules.rating_comment_check(5, "好" * 1001)
    assert err.value.code == "rating_comment_too_long" and set(err.value.fields) == {"comment"}
    with pytest.raises(ValidationFailed) as err:
        rules.rating_level_check(7)
    assert err.value.code == "rating_level_invalid" and set(err.value.fields) == {"level"}


def test_warning_and_overdue_exactly_at_the_moments():
    cal = official()
    due = rules.due_compute(cal, start=at(9, 30), days=5, unit="working_day").at
    warn = rules.warn_at_compute(cal, due=due, total_days=5, share=0.25)
    assert warn is not None
    assert rules.warning_level(now=due, due_at=due, warn_at=warn) == WarningLevel.YELLOW  # due, not yet late
    assert rules.warning_level(now=warn, due_at=due, warn_at=warn) == WarningLevel.YELLOW
    before = warn - timedelta(microseconds=1)
    assert rules.warning_level(now=before, due_at=due, warn_at=warn) == WarningLevel.NONE
    assert rules.warning_level(now=due, due_at=due, warn_at=None) == WarningLevel.NONE
    on_the_dot = rules.completion_compute(cal, accepted_at=at(9, 30), completed_at=due, paused_days=0, due_at=due)
    assert not on_the_dot.overdue and not on_the_dot.early
    no_limit = rules.completion_compute(cal, accepted_at=at(9, 30), completed_at=at(10, 20), paused_days=0,
                                        due_at=None)
    assert no_limit == rules.Completion(10, False, False)
    more_paused = rules.completion_compute(cal, accepted_at=at(9, 30), completed_at=at(10, 9), paused_days=9,
                                           due_at=due)
    assert more_paused.working_days_used == 0
    assert rules.warn_at_compute(cal, due=due, total_days=0, share=0.25) is None
    assert rules.warning_threshold(4, 0.5) == 1 and rules.warning_threshold(3, 0.34) == 1


def test_open_and_zero_length_pauses():
    cal = official()
    start = at(10, 12)
    assert rules.pause_days(cal, rules.Pause(start=start, end=start)) == 0
    assert rules.pause_days(cal, rules.Pause(start=start, end=None)) == 0  # open, no "now" given
    assert rules.pause_days(cal, rules.Pause(start=start, end=None), now=at(10, 14)) == 2
    assert rules.pause_days(cal, rules.Pause(start=start, end=None), now=at(10, 11)) == 0  # clock skew
    assert rules.pause_days(cal, rules.Pause(start=start, end=at(10, 19)), unit="natural") == 7
    assert rules.pause_days(cal, rules.Pause(start=start, end=at(10, 19)), unit="working") == 5
    assert rules.pause_days(cal, rules.Pause(start=start, end=at(10, 19)), unit="anything") == 5
    assert rules.calendar_unit("natural_day") == "natural" and rules.calendar_unit("") == "working"
    # a negative pause never shortens a limit
    negative = rules.due_compute(cal, start=at(10, 12), days=1, unit="working_day", paused_days=-3)
    assert negative.day == date(2026, 10, 13)
    assert rules.due_compute(cal, start=at(10, 12), days=1, unit="natural", paused_days=2).day == date(2026, 10, 15)


def test_step_roles_are_intersected_with_the_actions_roles():
    odd = rules.StepPlan("审查", StepKind.REVIEW, (REVIEWER, "supervisor"))
    assert rules.transition_check(action=A.COMPLETE_STEP, status=S.IN_REVIEW, roles={REVIEWER}, channel=C.ONLINE,
                                  step=odd) == S.IN_REVIEW
    with pytest.raises(PermissionDenied) as err:
        rules.transition_check(action=A.COMPLETE_STEP, status=S.IN_REVIEW, roles={"supervisor"}, channel=C.ONLINE,
                               step=odd)
    assert err.value.code == "case_role_forbidden" and err.value.detail["roles"] == [REVIEWER]
    odd_decision = rules.StepPlan("决定", StepKind.DECISION, (LEADER, CLERK))
    with pytest.raises(PermissionDenied) as err:
        rules.transition_check(action=A.APPROVE, status=S.IN_REVIEW, roles={CLERK}, channel=C.ONLINE,
                               step=odd_decision)
    assert err.value.code == "case_role_forbidden"
    assert rules.transition_check(action=A.APPROVE, status=S.IN_REVIEW, roles={LEADER}, channel=C.ONLINE,
                                  step=odd_decision) == S.APPROVED
    with pytest.raises(Conflict) as conflict:
        rules.transition_check(action=A.REFUSE, status=S.IN_REVIEW, roles={LEADER}, channel=C.ONLINE, step=REVIEW)
    assert conflict.value.code == "case_decision_not_reached" and "审查" in conflict.value.message


def test_visits_saved_and_figures():
    assert rules.visits_saved(channel=C.ONLINE, delivery_method="post") == 2
    assert rules.visits_saved(channel=C.ONLINE, delivery_method="online") == 2
    assert rules.visits_saved(channel=C.ONLINE, delivery_method="window") == 1
    assert rules.visits_saved(channel=C.WINDOW, delivery_method="post") == 1
    assert rules.visits_saved(channel=C.WINDOW, delivery_method="window") == 0
    empty = rules.Figures()
    assert (empty.online_share, empty.early_rate, empty.average_working_days, empty.satisfaction,
            empty.average_rating) == (None, None, None, None, None)
    figures = rules.Figures(cases=3, online=2, finished=3, early=1, working_days_total=10, working_days_count=3,
                            ratings=3, satisfied=2, rating_points=11)
    assert figures.online_share == 66.7 and figures.early_rate == 33.3 and figures.average_working_days == 3.3
    assert figures.satisfaction == 66.7 and figures.average_rating == 3.67


def test_review_plan_never_puts_issuing_the_result_before_the_decision():
    """个体工商户设立登记: 网上申请 → 审核登记 → 发照; 发照 is the result issue after 决定."""
    plan = rules.review_plan([{"name": "网上申请"}, {"name": "审核登记"}, {"name": "发照"}])
    assert [(p.name, p.kind) for p in plan] == [("审核登记", "review"), ("决定", "decision")]
    plan = rules.review_plan([{"name": "审查"}, {"name": "审批决定"}, {"name": "制证发证"}])
    assert [p.name for p in plan] == ["审查", "审批决定"] and plan[-1].is_decision


# --- Exact words, fields and edges (issue 9, third mutation round) -----------------------------
def test_each_transition_refusal_has_its_exact_words_and_detail():
    with raises_code(Conflict, "case_transition_illegal") as err:
        rules.transition_check(action="accept", status="draft", roles=[CLERK])
    assert err.value.message == "办件当前状态为“草稿”，不能执行“受理”"
    assert err.value.detail == {"action": "accept", "status": "draft"}
    with raises_code(Conflict, "case_channel_illegal") as err:
        rules.transition_check(action="prereview", status="submitted", roles=[CLERK], channel="window")
    assert err.value.message == "窗口受理的办件没有“预审通过”环节"
    assert err.value.detail == {"action": "prereview", "channel": "window"}
    with raises_code(Conflict, "case_prereview_required") as err:
        rules.transition_check(action="accept", status="submitted", roles=[CLERK], channel="kiosk")
    assert err.value.message == "网上申请须先通过预审才能受理"
    with raises_code(Conflict, "case_no_step") as err:
        rules.transition_check(action="complete_step", status="accepted", roles=[REVIEWER])
    assert err.value.message == "该事项没有待完成的审查环节，请直接作出决定"
    with raises_code(Conflict, "case_step_is_decision") as err:
        rules.transition_check(action="complete_step", status="accepted", roles=[REVIEWER], step=DECIDE)
    assert err.value.message == "“决定”是决定环节，请作出准予或不予许可的决定"
    with raises_code(Conflict, "case_decision_not_reached") as err:
        rules.transition_check(action="refuse", status="in_review", roles=[REVIEWER], step=REVIEW)
    assert err.value.message == "尚未到决定环节，当前环节为“审查”"
    with raises_code(Conflict, "case_result_not_issued") as err:
        rules.transition_check(action="deliver", status="approved", roles=[CLERK], result_ready=False)
    assert err.value.message == "办理结果（证照或批准文书）尚未出具，不能送达"
    with raises_code(Conflict, "case_resume_invalid") as err:
        rules.transition_check(action="resubmit", status="supplement", roles=[APPLICANT])
    assert err.value.message == "办件暂停前的状态无效，无法恢复计时"
    with raises_code(PermissionDenied, "case_role_forbidden") as err:
        rules.transition_check(action="close", status="delivered", roles=[APPLICANT])
    assert err.value.message == "“办结归档”只能由窗口受理人员、部门审批人员、系统办理"
    assert err.value.detail == {"action": "close", "roles": sorted({CLERK, REVIEWER, SYSTEM})}
    with raises_code(ValidationFailed, "case_action_unknown") as err:
        rules.transition_get("teleport")
    assert err.value.message == "未知的办理操作：teleport"


def test_status_and_role_labels():
    assert rules.status_label("in_review") == str(CaseStatus.IN_REVIEW.label)
    assert rules.status_label("lost") == "lost"
    labels = rules.ROLE_LABELS
    everyone = ["zeta", SYSTEM, "alpha", LEADER, APPLICANT, REVIEWER, CLERK, CLERK]
    assert rules.roles_label(everyone) == "、".join(
        [labels[APPLICANT], labels[CLERK], labels[REVIEWER], labels[LEADER], labels[SYSTEM], "alpha", "zeta"])
    assert rules.roles_label([]) == ""


def test_allowed_actions_pass_on_the_resume_status_and_result():
    assert rules.allowed_actions(status="supplement", roles=[APPLICANT], resume_status="in_review") == [
        "resubmit", "withdraw"]
    assert rules.allowed_actions(status="supplement", roles=[APPLICANT]) == ["withdraw"]
    assert rules.allowed_actions(status="approved", roles=[CLERK]) == ["deliver"]
    assert rules.allowed_actions(status="approved", roles=[CLERK], result_ready=True) == ["deliver"]
    assert rules.allowed_actions(status="approved", roles=[CLERK], result_ready=False) == []


def test_reason_lengths_and_the_callers_field():
    assert rules.reason_check("refuse", " 违法 ") == "违法"
    with raises_code(ValidationFailed, "case_reason_required", field="opinion") as err:
        rules.reason_check("refuse", " 否 ", field="opinion")
    assert err.value.message == "“不予许可”须写明理由"
    assert len(rules.reason_check("refuse", "因" * 2000)) == 2000
    with raises_code(ValidationFailed, "case_reason_too_long", field="opinion") as err:
        rules.reason_check("approve", "因" * 2001, field="opinion")
    assert err.value.message == "理由过长（不超过2000字）"
    assert err.value.fields == {"opinion": "理由过长（不超过2000字）"}


def test_review_plan_roles_names_and_odd_rows():
    plan = rules.review_plan(["nonsense", {"name": "审查", "handler_role": "科室负责人"}, {"name": "审批"}])
    assert [(p.name, p.kind, p.roles) for p in plan] == [
        ("审查", "review", (LEADER,)), ("审批", "decision", (REVIEWER, LEADER))]
    long = rules.review_plan([{"name": "审" * 45}])
    assert long[0].name == "审" * 40 and long[1] == rules.StepPlan("决定", "decision", (REVIEWER, LEADER))
    early = rules.review_plan([{"name": "审批"}, {"name": "复核"}])
    assert early[0] == rules.StepPlan("审批", "review", (REVIEWER, LEADER))
    assert early[2] == rules.StepPlan("决定", "decision", (REVIEWER, LEADER))


def test_inspection_record_names_each_missing_part_and_caps_lengths():
    with raises_code(ValidationFailed, "case_inspection_record") as err:
        rules.inspection_record_check(None)
    assert err.value.message == "现场勘察记录不完整"
    assert err.value.fields == {"record.date": "请填写勘察日期", "record.place": "请填写勘察地点",
                                "record.inspectors": "请填写勘察人员", "record.findings": "请填写勘察情况"}
    ok = rules.inspection_record_check({"date": " 2026-10-09 ", "place": "场", "inspectors": "张三",
                                        "findings": "况" * 1200})
    assert ok == {"date": "2026-10-09", "place": "场", "inspectors": "张三", "findings": "况" * 1000}


def test_a_natural_pause_within_one_day_adds_nothing_and_working_days_count_back():
    cal = official()
    assert rules.pause_days(cal, rules.Pause(start=at(10, 12, 9), end=at(10, 12, 17)), unit="natural") == 0
    # three working days before Tuesday 13 October 2026: 12 Oct, Saturday 10 Oct (make-up day), 9 Oct
    assert rules.subtract_working_days(cal, date(2026, 10, 13), 3) == date(2026, 10, 9)
    assert rules.subtract_working_days(cal, date(2026, 10, 13), 2) == date(2026, 10, 10)


def test_the_clock_runs_only_before_a_decision_and_outside_pauses():
    assert [s for s in CaseStatus.values if rules.clock_runs(s)] == ["submitted", "prereviewed", "accepted",
                                                                      "in_review"]


def test_case_number_limits():
    for bad in (None, "53010", "53a103"):
        with pytest.raises(ValueError, match=r"^area code must be 6 digits$"):
            rules.case_number_key(bad, date(2026, 1, 1))
    key = rules.case_number_key("530103", date(2026, 1, 2))
    assert key == "53010320260102"
    with raises_code(Conflict, "case_number_exhausted") as err:
        rules.case_number_format(key, 0)
    assert err.value.message == "当日办件编号已用尽，请联系管理员"
    assert rules.case_number_normalise(None) == "" and rules.id_tail_normalise(None) == ""


def test_an_id_tail_may_be_the_whole_number_but_never_empty():
    assert rules.id_tail_matches("001X", "001x")
    assert not rules.id_tail_matches("01X", "001X")
    assert not rules.id_tail_matches("", "")
    assert not rules.id_tail_matches("53010319800101001X", "")


def test_upload_refusals_word_for_word():
    with raises_code(ValidationFailed, "case_file_empty", field="file") as err:
        rules.upload_check(name=None, size=0, head=b"", max_bytes=100)
    assert err.value.message == "文件“文件”是空文件，请重新选择"
    assert err.value.fields == {"file": "文件“文件”是空文件，请重新选择"}
    assert rules.upload_check(name="a.pdf", size=1, head=b"%PDF-", max_bytes=1) is rules.PDF
    limit = 10 * 1024 * 1024
    with raises_code(ValidationFailed, "case_file_too_large", field="material") as err:
        rules.upload_check(name="长" * 70, size=11481908, head=b"%PDF-", max_bytes=limit, field="material")
    expected = f"文件“{'长' * 60}”大小为 11.0 MB，超过 10 MB 的上限，请压缩后重新上传"
    assert err.value.message == expected and err.value.fields == {"material": expected}
    with raises_code(ValidationFailed, "case_file_too_large") as err:
        rules.upload_check(name="a.pdf", size=2 * 1024 * 1024, head=b"%PDF-", max_bytes=1536 * 1024)
    assert err.value.message == "文件“a.pdf”大小为 2.0 MB，超过 1.5 MB 的上限，请压缩后重新上传"
    with raises_code(ValidationFailed, "case_file_type", field="file") as err:
        rules.upload_check(name="a.exe", size=3, head=b"MZ\x90", max_bytes=100)
    expected = "文件“a.exe”不是 PDF、JPG 或 PNG 文件（按文件内容识别，与文件名无关），请转换后重新上传"
    assert err.value.message == expected and err.value.fields == {"file": expected}


def test_file_hashes_and_display_names():
    import hashlib

    assert rules.sha256_hex([b"a", b"bc"]) == hashlib.sha256(b"abc").hexdigest()
    assert rules.sha256_hex([]) == hashlib.sha256(b"").hexdigest()
    assert rules.safe_filename(None) == "file" and rules.safe_filename("a/<>") == "file"
    assert rules.safe_filename("名" * 150 + ".pdf") == "名" * 96 + ".pdf"
    assert rules.safe_filename("a\x1fb\x7fc.pdf") == "abc.pdf"


def test_material_and_supplement_refusals_word_for_word():
    views = [rules.MaterialView("营业执照", True, False), rules.MaterialView("身份证", True, False)]
    with raises_code(ValidationFailed, "case_materials_missing", field="materials") as err:
        rules.materials_check(views)
    assert err.value.message == "以下必要材料尚未提交：营业执照、身份证"
    assert err.value.fields == {"materials": err.value.message}
    assert err.value.detail == {"missing": ["营业执照", "身份证"]}
    assert rules.materials_check([rules.MaterialView("委托书", False, False)]) is None
    with raises_code(ValidationFailed, "case_supplement_material") as err:
        rules.supplement_items_clean([{"name": "x", "material_id": "m9"}], known=["m1"])
    assert err.value.message == "补正清单中的材料不属于该办件"
    assert err.value.fields == {"items": "补正清单中的材料不属于该办件"}
    with raises_code(ValidationFailed, "case_supplement_items_required") as err:
        rules.supplement_items_clean([])
    assert err.value.message == "请列出需要补正的材料或内容（一次性告知）"
    assert err.value.fields == {"items": "请列出需要补正的材料或内容（一次性告知）"}


def test_rating_refusals_word_for_word():
    message = "请选择评价等级（非常满意、满意、基本满意、不满意、非常不满意）"
    with raises_code(ValidationFailed, "rating_level_invalid") as err:
        rules.rating_level_check("x")
    assert err.value.message == message and err.value.fields == {"level": message}
    with raises_code(ValidationFailed, "rating_comment_required") as err:
        rules.rating_comment_check(1, "")
    assert err.value.message == "差评请简要说明原因，以便部门整改"
    assert err.value.fields == {"comment": "差评请简要说明原因，以便部门整改"}
    with raises_code(ValidationFailed, "rating_comment_too_long") as err:
        rules.rating_comment_check(5, "好" * 1001)
    assert err.value.message == "评价内容过长（不超过1000字）"
    assert err.value.fields == {"comment": "评价内容过长（不超过1000字）"}
