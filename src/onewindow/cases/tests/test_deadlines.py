"""Deadlines with time frozen across the National Day holiday of 2026 (1–7 October, make-up
working days Sunday 20 September… and Saturday 10 October), using the official calendar the
calendar helper seeds from chinese_calendar."""

from __future__ import annotations

import pytest

from onewindow.cases import selectors, services
from onewindow.cases.constants import CaseStatus, WarningLevel
from onewindow.cases.models import Case, CaseEvent, Notification
from onewindow.cases.tests.conftest import at
from onewindow.cases.tests.helpers import online_accepted, review_to_decision
from onewindow.core.events import outbox_process
from onewindow.core.models import AuditEntry
from onewindow.core.timer import periodic_jobs

pytestmark = pytest.mark.django_db


def warnings_for(user) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(recipient=user, kind="warning").order_by("id"))


def test_yellow_then_red_across_national_day(world, citizen, item_simple, calendar_official):
    # accepted Tuesday 29 Sep; promised 3 working days: 30 Sep, 8 Oct, 9 Oct
    case = online_accepted(citizen.user, item_simple, world.clerk.user, now=at(2026, 9, 29))
    assert case.due_at.date().isoformat() == "2026-10-09" and not case.deadline_provisional
    assert case.warn_at == at(2026, 10, 9, 0)  # under 25 % of 3 days left: the due day itself
    assert selectors.case_clock(case, now=at(2026, 10, 1)).remaining == 2
    # the whole holiday passes quietly
    for day in range(1, 8):
        assert services.deadline_warnings_raise(now=at(2026, 10, day, 12)) == {"yellow": 0, "red": 0}
    assert services.deadline_warnings_raise(now=at(2026, 10, 9, 8)) == {"yellow": 1, "red": 0}
    case.refresh_from_db()
    assert case.warning_level == WarningLevel.YELLOW
    # nobody is assigned: the department's reviewers are told, and the reviewer's supervisor
    assert len(warnings_for(world.reviewer_a.user)) == 1
    assert len(warnings_for(world.reviewer_a2.user)) == 1
    assert "黄色预警" in warnings_for(world.leader_a.user)[0].title
    assert warnings_for(world.reviewer_b.user) == []
    # once per level
    assert services.deadline_warnings_raise(now=at(2026, 10, 9, 16)) == {"yellow": 0, "red": 0}
    assert services.deadline_warnings_raise(now=at(2026, 10, 10, 0, 5)) == {"yellow": 0, "red": 1}
    case.refresh_from_db()
    assert case.warning_level == WarningLevel.RED
    assert "红色预警" in warnings_for(world.leader_a.user)[-1].title
    clock = selectors.case_clock(case, now=at(2026, 10, 12))
    assert (clock.remaining, clock.overdue_days, clock.level) == (-2, 2, WarningLevel.RED)
    overdue = selectors.case_list(actor=world.reviewer_a.user, now=at(2026, 10, 12),
                                  filters=selectors.CaseFilters(tab="overdue"))
    assert list(overdue) == [case]
    warned = selectors.case_list(actor=world.leader_a.user, filters=selectors.CaseFilters(tab="warned"))
    assert list(warned) == [case]
    assert AuditEntry.objects.filter(action="case.warning", object_id=str(case.public_id)).count() == 2
    assert not CaseEvent.objects.get(case=case, action="warning", data__level="red").public
    # decided late: recorded as overdue, not early
    case = review_to_decision(case, world.reviewer_a.user, now=at(2026, 10, 12))
    case = services.case_decide(actor=world.reviewer_a.user, case=case, approve=True, now=at(2026, 10, 12, 11))
    assert (case.overdue, case.completed_early, case.working_days_used) == (True, False, 5)


def test_early_completion_before_the_holiday(world, citizen, item_a, calendar_official):
    case = online_accepted(citizen.user, item_a, world.clerk.user, now=at(2026, 9, 28))
    assert case.due_at.date().isoformat() == "2026-10-10"  # the make-up Saturday
    assert case.warn_at == at(2026, 10, 9, 0)
    case = review_to_decision(case, world.reviewer_a.user, now=at(2026, 9, 30))
    case = services.case_decide(actor=world.reviewer_a.user, case=case, approve=True, now=at(2026, 10, 8, 9))
    assert (case.completed_early, case.overdue, case.working_days_used) == (True, False, 3)
    assert services.deadline_warnings_raise(now=at(2026, 10, 12)) == {"yellow": 0, "red": 0}


def test_assignee_and_their_supervisor_are_told(world, citizen, item_simple, calendar_official):
    case = online_accepted(citizen.user, item_simple, world.clerk.user, now=at(2026, 9, 29))
    services.case_assign(actor=world.leader_a.user, cases=[case], assignee=world.reviewer_a)
    services.deadline_warnings_raise(now=at(2026, 10, 10, 8))
    assert [n.kind for n in warnings_for(world.reviewer_a.user)] == ["warning"]
    assert len(warnings_for(world.leader_a.user)) == 1  # reviewer_a's supervisor
    assert warnings_for(world.reviewer_a2.user) == []  # not responsible


def test_a_paused_case_raises_no_warning(world, citizen, item_simple, calendar_official):
    case = online_accepted(citizen.user, item_simple, world.clerk.user, now=at(2026, 9, 29))
    services.case_request_supplement(actor=world.reviewer_a.user, case=case, now=at(2026, 9, 30),
                                     items=[{"name": "营业执照", "reason": "已过期"}])
    assert services.deadline_warnings_raise(now=at(2026, 10, 20)) == {"yellow": 0, "red": 0}
    assert selectors.case_clock(Case.objects.get(pk=case.pk), now=at(2026, 10, 20)).paused


def test_acceptance_clock_warns_before_acceptance(world, citizen, item_simple, calendar_official):
    from onewindow.cases.tests.helpers import online_submitted

    case = online_submitted(citizen.user, item_simple, now=at(2026, 9, 30, 16))
    # 2 working days to pre-review and accept: 8 and 9 October
    assert case.due_at.date().isoformat() == "2026-10-09"
    assert services.deadline_warnings_raise(now=at(2026, 10, 10, 9)) == {"yellow": 0, "red": 1}
    case = services.case_prereview(actor=world.clerk.user, case=case, now=at(2026, 10, 10, 10))
    case = services.case_accept(actor=world.clerk.user, case=case, now=at(2026, 10, 10, 10))
    # acceptance starts a fresh clock: the level falls back
    assert case.warning_level == WarningLevel.NONE
    assert case.due_at.date().isoformat() == "2026-10-14"


def test_provisional_deadlines_are_recomputed_when_next_year_is_imported(world, citizen, item_a,
                                                                         calendar_official):
    from onewindow.core.services import calendar_import

    # accepted Monday 28 Dec 2026; 5 working days reach into 2027, whose schedule is unknown:
    # 29, 30, 31 Dec, (1 Jan assumed 元旦), 4, 5 Jan
    case = online_accepted(citizen.user, item_a, world.clerk.user, now=at(2026, 12, 28))
    assert case.due_at.date().isoformat() == "2027-01-05" and case.deadline_provisional
    assert selectors.case_clock(case, now=at(2026, 12, 28)).provisional
    calendar_import(actor=world.supervisor.user, year=2027, rows=[
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-01-04", "kind": "holiday", "name": "元旦"},
    ])
    outbox_process()  # delivers calendar.year_imported to our subscriber
    case.refresh_from_db()
    assert case.due_at.date().isoformat() == "2027-01-06" and not case.deadline_provisional
    event = CaseEvent.objects.get(case=case, action="deadline_recompute")
    assert event.data == {"from": "2027-01-05", "to": "2027-01-06"} and event.public
    # a second delivery changes nothing
    assert services.deadlines_recompute(year=2027) == 0


def test_periodic_jobs_are_registered():
    jobs = periodic_jobs()
    assert {"cases.deadline_warnings", "cases.results_pending", "cases.throttle_cleanup"} <= set(jobs)


def test_timer_job_runs_the_warnings(world, citizen, item_simple, calendar_official, monkeypatch):
    case = online_accepted(citizen.user, item_simple, world.clerk.user, now=at(2026, 9, 29))
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(2026, 10, 12))
    periodic_jobs()["cases.deadline_warnings"]()
    case.refresh_from_db()
    assert case.warning_level == WarningLevel.RED and case.status == CaseStatus.ACCEPTED
