"""The assessment: a month's run with deductions linked to tickets, appeals, bonuses, publishing."""

from datetime import timedelta
from decimal import Decimal

import pytest

from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.supervision.models import AssessmentDeduction, AssessmentRun, AssessmentScore, Indicator
from onewindow.supervision.services import assessment as svc
from onewindow.supervision.services.figures import figures_refresh
from onewindow.supervision.tests.helpers import MONDAY, ticket_done, ticket_overdue

pytestmark = pytest.mark.django_db
DEC_1 = MONDAY + timedelta(days=8)


@pytest.fixture
def assessed(hotline):
    svc.rules_seed()
    overdue = ticket_overdue(hotline)
    ticket_done(hotline)
    figures_refresh(first=MONDAY.date(), last=MONDAY.date() + timedelta(days=2), now=DEC_1)
    run = svc.assessment_run(actor=hotline.supervisor.user, period="2026-11", now=DEC_1)
    return hotline, overdue, run


def water_score(run, hotline):
    return AssessmentScore.objects.get(run=run, department=hotline.water)


def test_the_month_deducts_points_for_an_overdue_ticket_linked_to_it(assessed):
    hotline, ticket, run = assessed
    score = water_score(run, hotline)
    deduction = AssessmentDeduction.objects.get(score=score, event_kind="ticket_overdue")
    assert (deduction.object_type, deduction.object_public_id, deduction.object_number) == (
        "ticket", ticket.public_id, ticket.number)
    assert deduction.points == Decimal("2.00") and score.deducted == Decimal("2.00")
    assert score.total == score.indicator_points - Decimal(2)
    rates = {d["code"]: d["value"] for d in score.details}
    assert rates["ticket-response"] == 0.5 and rates["ticket-solve"] == 1.0  # the overdue one never accepted
    # The street the ticket lies in loses points under its own rule; the other street does not.
    street = AssessmentScore.objects.get(run=run, target_kind="street", region__name="拓东街道")
    assert street.deductions.get().object_number == ticket.number
    assert not AssessmentScore.objects.get(run=run, target_kind="street", region__name="鼓楼街道").deductions.exists()
    ranks = list(AssessmentScore.objects.filter(run=run, target_kind="department").values_list("rank", flat=True))
    assert 1 in ranks and all(r >= 1 for r in ranks)
    assert AuditEntry.objects.filter(action="assessment.run", object_id=str(run.public_id)).exists()


def test_an_appeal_cancelled_by_the_supervisor_gives_the_points_back(assessed):
    hotline, _ticket, run = assessed
    deduction = AssessmentDeduction.objects.get(score__department=hotline.water)
    with pytest.raises(NotFound):
        svc.appeal_file(actor=hotline.env_staff.user, deduction=deduction, reason="不是我们部门的工单")
    with pytest.raises(ValidationFailed) as exc:
        svc.appeal_file(actor=hotline.water_staff.user, deduction=deduction, reason="短")
    assert exc.value.code == "appeal_reason"
    appeal = svc.appeal_file(actor=hotline.water_staff.user, deduction=deduction, reason="停水系市政管网爆管，已报延期")
    with pytest.raises(Conflict) as exc:
        svc.appeal_file(actor=hotline.water_staff.user, deduction=deduction, reason="再次申诉同一扣分")
    assert exc.value.code == "deduction_not_appealable"
    with pytest.raises(PermissionDenied):
        svc.appeal_decide(actor=hotline.water_staff.user, appeal=appeal, cancel=True, note="同意")
    with pytest.raises(Conflict) as exc:
        svc.assessment_run(actor=hotline.supervisor.user, period="2026-11", now=DEC_1)
    assert exc.value.code == "run_has_appeals"
    svc.appeal_decide(actor=hotline.supervisor.user, appeal=appeal, cancel=True, note="情况属实，撤销扣分")
    score = water_score(run, hotline)
    deduction.refresh_from_db()
    assert deduction.status == "cancelled" and score.deducted == 0 and score.total == score.indicator_points
    with pytest.raises(Conflict) as exc:
        svc.appeal_decide(actor=hotline.supervisor.user, appeal=appeal, cancel=False, note="再次处理")
    assert exc.value.code == "appeal_decided"


def test_upheld_appeal_keeps_the_deduction_and_publishing_freezes_the_run(assessed):
    hotline, _ticket, run = assessed
    deduction = AssessmentDeduction.objects.get(score__department=hotline.water)
    appeal = svc.appeal_file(actor=hotline.water_staff.user, deduction=deduction, reason="我们已经尽力处理")
    svc.appeal_decide(actor=hotline.supervisor.user, appeal=appeal, cancel=False, note="超期事实清楚，维持扣分")
    assert water_score(run, hotline).deducted == Decimal("2.00")
    svc.assessment_publish(actor=hotline.supervisor.user, run=run)
    with pytest.raises(Conflict) as exc:
        svc.assessment_run(actor=hotline.supervisor.user, period="2026-11", now=DEC_1)
    assert exc.value.code == "run_published"
    with raises_code(Conflict, "run_published"):
        svc.assessment_publish(actor=hotline.supervisor.user, run=AssessmentRun.objects.get(pk=run.pk))


def test_bonus_and_caps_and_rerun_of_a_draft(hotline):
    svc.rules_seed()
    for _ in range(12):  # 12 overdue tickets × 2 points, capped at 20
        ticket_overdue(hotline)
    svc.bonus_grant(actor=hotline.supervisor.user, period="2026-11", points=Decimal(3), reason="抢修工作受表扬",
                    department=hotline.water)
    run = svc.assessment_run(actor=hotline.supervisor.user, period="2026-11", now=DEC_1)
    score = water_score(run, hotline)
    assert score.deducted == Decimal(20) and score.bonus == Decimal(3)
    assert score.deductions.count() == 10  # events beyond the cap earn no deduction row
    again = svc.assessment_run(actor=hotline.supervisor.user, period="2026-11", now=DEC_1)
    assert AssessmentRun.objects.count() == 1 and again.pk != run.pk


def test_bad_input_is_refused_with_codes(hotline):
    with pytest.raises(Conflict) as exc:
        svc.assessment_run(actor=hotline.supervisor.user, period="2026-11", now=DEC_1)
    assert exc.value.code == "rules_missing"
    svc.rules_seed()
    assert Indicator.objects.count() == 12 and svc.rules_seed() == 0
    with pytest.raises(ValidationFailed) as exc:
        svc.assessment_run(actor=hotline.supervisor.user, period="2027-05", now=DEC_1)
    assert exc.value.code == "period_future"
    with pytest.raises(PermissionDenied) as exc:
        svc.assessment_run(actor=hotline.water_staff.user, period="2026-11", now=DEC_1)
    assert exc.value.code == "not_assessor"
    with pytest.raises(ValidationFailed) as exc:
        svc.bonus_grant(actor=hotline.supervisor.user, period="2026-11", points=Decimal(50), reason="x")
    assert exc.value.code == "bonus_invalid" and set(exc.value.fields) == {"target", "points", "reason"}
