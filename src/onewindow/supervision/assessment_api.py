"""/api/v1/assessment: runs, scores and rankings, deductions with their records, appeals."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from onewindow.accounts.auth import API_AUTH
from onewindow.core.api import ErrorOut

from . import selectors
from .models import AssessmentAppeal, AssessmentDeduction, AssessmentRun, AssessmentScore
from .services import assessment as svc

router = Router(tags=["考核 assessment"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class SupRunIn(Schema):
    period: str = Field(..., max_length=10, examples=["2026-11"])


class SupRunOut(Schema):
    period: str
    period_kind: str
    starts_on: date
    ends_on: date
    status: str
    computed_at: datetime
    published_at: datetime | None
    figures_as_of: datetime | None


class SupIndicatorResultOut(Schema):
    code: str
    name: str
    value: float | None
    points: str
    weight: str


class SupScoreOut(Schema):
    target_kind: str
    name: str
    department_code: str | None
    region_code: str | None
    indicator_points: Decimal
    indicator_max: Decimal
    deducted: Decimal
    bonus: Decimal
    total: Decimal
    rank: int
    indicators: list[SupIndicatorResultOut]


class SupDeductionOut(Schema):
    id: UUID
    target: str
    event_kind: str
    event_label: str
    object_type: str
    object_id: UUID
    object_number: str
    url: str
    occurred_at: datetime
    points: Decimal
    status: str
    note: str


class SupAppealIn(Schema):
    reason: str = Field(..., max_length=1000)


class SupAppealDecisionIn(Schema):
    cancel: bool
    note: str = Field(..., max_length=500)


class SupAppealOut(Schema):
    id: UUID
    deduction_id: UUID
    period: str
    object_number: str
    department: str
    reason: str
    status: str
    decision_note: str
    decided_at: datetime | None


def run_out(r: AssessmentRun) -> dict[str, Any]:
    return {f: getattr(r, f) for f in ("period", "period_kind", "starts_on", "ends_on", "status", "computed_at",
                                       "published_at", "figures_as_of")}


def score_out(s: AssessmentScore) -> dict[str, Any]:
    return {"target_kind": s.target_kind, "name": s.name,
            "department_code": s.department.code if s.department else None,
            "region_code": s.region.code if s.region else None, "indicator_points": s.indicator_points,
            "indicator_max": s.indicator_max, "deducted": s.deducted, "bonus": s.bonus, "total": s.total,
            "rank": s.rank, "indicators": s.details}


def deduction_out(d: AssessmentDeduction) -> dict[str, Any]:
    return {"id": d.public_id, "target": d.score.name, "event_kind": d.event_kind,
            "event_label": d.get_event_kind_display(), "object_type": d.object_type,
            "object_id": d.object_public_id, "object_number": d.object_number, "url": selectors.deduction_link(d),
            "occurred_at": d.occurred_at, "points": d.points, "status": d.status, "note": d.note}


def appeal_out(a: AssessmentAppeal) -> dict[str, Any]:
    return {"id": a.public_id, "deduction_id": a.deduction.public_id, "period": a.deduction.run.period,
            "object_number": a.deduction.object_number, "department": a.department.name if a.department else "",
            "reason": a.reason, "status": a.status, "decision_note": a.decision_note, "decided_at": a.decided_at}


@router.get("/assessment/runs", response={200: list[SupRunOut], **ERRORS}, auth=API_AUTH,
            summary="考核批次（监督人员：全部；其他工作人员：已发布）")
def runs(request: HttpRequest) -> list[dict[str, Any]]:
    return [run_out(r) for r in selectors.run_list(actor=request.user)[:120]]


@router.post("/assessment/runs", response={201: SupRunOut, **ERRORS}, auth=API_AUTH,
             summary="计算某考核期（2026-11、2026-Q4、2026）的得分")
def run_create(request: HttpRequest, payload: SupRunIn) -> Status:
    return Status(201, run_out(svc.assessment_run(actor=request.user, period=payload.period)))


@router.post("/assessment/runs/{period}/publish", response={200: SupRunOut, **ERRORS}, auth=API_AUTH,
             summary="发布考核结果")
def run_publish(request: HttpRequest, period: str) -> dict[str, Any]:
    run = selectors.run_get(actor=request.user, period=period)
    return run_out(svc.assessment_publish(actor=request.user, run=run))


@router.get("/assessment/runs/{period}/scores", response={200: list[SupScoreOut], **ERRORS}, auth=API_AUTH,
            summary="得分与排名（target=department|street|grid）")
def run_scores(request: HttpRequest, period: str, target: str = "department") -> list[dict[str, Any]]:
    run = selectors.run_get(actor=request.user, period=period)
    return [score_out(s) for s in selectors.score_list(run=run, target_kind=target)]


@router.get("/assessment/runs/{period}/deductions", response={200: list[SupDeductionOut], **ERRORS},
            auth=API_AUTH, summary="扣分明细（每条链接到对应工单或办件）")
def run_deductions(request: HttpRequest, period: str) -> list[dict[str, Any]]:
    run = selectors.run_get(actor=request.user, period=period)
    return [deduction_out(d) for d in selectors.deduction_list(actor=request.user, run=run)[:2000]]


@router.post("/assessment/deductions/{deduction_id}/appeals", response={201: SupAppealOut, **ERRORS},
             auth=API_AUTH, summary="部门对扣分提出申诉")
def appeal_create(request: HttpRequest, deduction_id: UUID, payload: SupAppealIn) -> Status:
    deduction = selectors.deduction_get(actor=request.user, public_id=deduction_id)
    return Status(201, appeal_out(svc.appeal_file(actor=request.user, deduction=deduction, reason=payload.reason)))


@router.get("/assessment/appeals", response={200: list[SupAppealOut], **ERRORS}, auth=API_AUTH,
            summary="申诉列表（status=pending 待审核）")
def appeals(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [appeal_out(a) for a in selectors.appeal_list(actor=request.user, status=status)[:500]]


@router.post("/assessment/appeals/{appeal_id}/decision", response={200: SupAppealOut, **ERRORS}, auth=API_AUTH,
             summary="监督人员处理申诉：cancel=true 撤销扣分，false 维持扣分")
def appeal_decision(request: HttpRequest, appeal_id: UUID, payload: SupAppealDecisionIn) -> dict[str, Any]:
    appeal = selectors.appeal_get(actor=request.user, public_id=appeal_id)
    return appeal_out(svc.appeal_decide(actor=request.user, appeal=appeal, cancel=payload.cancel, note=payload.note))
