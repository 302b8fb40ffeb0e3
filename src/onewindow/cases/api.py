"""/api/v1: applications (办件) — drafts and submission, window intake, every transition of the
state machine, the staff workbench, progress query without sign-in, my applications,
bundles (一件事), ratings, notifications and figures."""

import json
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from onewindow.accounts import selectors as accounts_selectors
from onewindow.accounts.auth import API_AUTH
from onewindow.accounts.models import Enterprise, Person
from onewindow.accounts.scope import scope_for
from onewindow.catalog import selectors as catalog_selectors
from onewindow.catalog.models import ServiceItem
from onewindow.core import pagination
from onewindow.core.api import api_json
from onewindow.core.concurrency import GET_EXTRA, WRITE_EXTRA, not_modified, require_if_match, version_tag
from onewindow.core.errors import DomainError, NotFound, ValidationFailed
from onewindow.core.inputs import url_lookup_check
from onewindow.core.masking import mask_name
from onewindow.core.pagination import (
    COUNT_DESCRIPTION,
    COUNT_EXACT_DESCRIPTION,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    NEXT_CURSOR_DESCRIPTION,
    CursorParams,
    UpdatedSinceFilter,
    bounded_count,
    keyset_page,
    page_count,
    page_links,
)
from onewindow.core.planning import joins_in_written_order
from onewindow.integrations.idempotency import idempotent

from . import constants as c
from . import rules, selectors, services
from .models import Case, CaseBundle, CaseEvent, CaseMaterial, CaseStep, Rating, RatingFollowUp

router = Router(tags=["办件 cases"])


# --- Schemas ----------------------------------------------------------------------------------
class DepartmentRef(Schema):
    code: str
    name: str


class CaseMaterialOut(Schema):
    id: UUID
    name: str
    is_required: bool
    state: str
    state_label: str
    free: bool = Field(..., description="免提交（电子证照、部门共享或材料库已核验材料）")
    original_name: str
    content_type: str
    size: int
    licence_number: str
    note: str
    catalogue_material_id: UUID | None
    trust_level: str = Field(..., description="材料等级：A 政府签发 B 已核验 C 申请人上传 D 申请人承诺；未提供时为空",
                             examples=["B"])
    trust_source: str = Field(..., description="材料来源", examples=["材料库 · 综合窗口小李于2026年12月1日核验原件"])
    accepted_levels: str = Field(..., description="该材料可采信的等级", examples=["ABCD"])
    watermark: str = Field(..., description="办件中副本所加的水印内容")
    commitment_text: str = Field(..., description="告知承诺内容（D级）")


class CaseMaterialCommitIn(Schema):
    commit: bool = Field(True, description="true 作出承诺，false 撤回承诺")


class CaseMaterialVerifyIn(Schema):
    valid_until: date | None = Field(None, description="核验件有效期至（空：默认期限）")
    to_library: bool = Field(True, description="存入申请人材料库（B级，可复用）")
    method: str = Field("window", description="window 窗口核验原件 / post 邮寄原件 / data 数据比对")


class CaseMaterialLevelsOut(Schema):
    a: int
    b: int
    d: int
    fresh: int
    missing: int
    share_a: float = Field(..., description="A级满足比例（0–1）")
    share_b: float
    share_d: float
    share_fresh: float
    uploads_saved: int = Field(..., description="免提交材料数（A+B+D）")


class CasePostcheckCountsOut(Schema):
    commitments: int
    drawn: int
    passed: int
    failed: int
    open: int


class CaseMaterialFiguresRowOut(Schema):
    department: str
    department_name: str
    item_name: str
    cases: int
    levels: CaseMaterialLevelsOut
    stored_in_library: int = Field(..., description="本时段核验原件并存入材料库的材料数（C→B）")
    visits_saved: int = Field(..., description="无需核验任何原件的办件数")
    postchecks: CasePostcheckCountsOut


class CaseMaterialFiguresOut(Schema):
    start: date
    end: date
    rows: list[CaseMaterialFiguresRowOut]
    total: CaseMaterialFiguresRowOut


class StepOut(Schema):
    id: UUID
    order: int
    kind: str
    name: str
    status: str
    handler: str
    started_at: datetime | None
    finished_at: datetime | None
    opinion: str
    record: dict[str, Any]


class CaseEventOut(Schema):
    at: datetime
    action: str
    title: str
    actor: str
    from_status: str
    to_status: str
    note: str


class ResultOut(Schema):
    licence_id: UUID
    pdf_url: str


class RatingOut(Schema):
    id: UUID
    level: int
    level_label: str
    comment: str
    step: str
    created_at: datetime
    follow_up_status: str | None
    follow_up_due_at: datetime | None
    follow_up_answer: str | None


class CaseSummary(Schema):
    id: UUID
    number: str | None
    status: str
    status_label: str
    channel: str
    item_name: str
    department: DepartmentRef
    applicant_name: str
    step_name: str
    submitted_at: datetime | None
    due_at: datetime | None
    warning_level: str
    provisional: bool
    paused: bool
    assignee: str | None
    bundle_id: UUID | None


class CaseOut(CaseSummary):
    item_version: int
    accepted_at: datetime | None
    decided_at: datetime | None
    delivered_at: datetime | None
    legal_due_at: datetime | None
    promised_due_at: datetime | None
    remaining_working_days: int | None
    paused_days: int
    completed_early: bool
    overdue: bool
    working_days_used: int | None
    decision_reason: str
    supplement_items: list[dict[str, str]]
    delivery_method: str
    form_data: dict[str, str]
    materials: list[CaseMaterialOut]
    steps: list[StepOut]
    timeline: list[CaseEventOut]
    allowed_actions: list[str]
    result: ResultOut | None
    ratings: list[RatingOut]


class ProgressOut(Schema):
    number: str
    item_name: str
    department: str
    applicant_name: str = Field(..., description="脱敏")
    status: str
    status_label: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    due_at: datetime | None
    decided_at: datetime | None
    supplement_items: list[dict[str, str]]
    timeline: list[CaseEventOut]


class CasePage(Schema):
    count: int = Field(..., description=COUNT_DESCRIPTION)
    count_exact: bool = Field(..., description=COUNT_EXACT_DESCRIPTION)
    page: int
    page_size: int
    next: str | None = Field(None, description="下一页的完整地址；最后一页为 null")
    previous: str | None = Field(None, description="上一页的完整地址；第一页为 null")
    has_next: bool
    next_cursor: str | None = Field(None, description=NEXT_CURSOR_DESCRIPTION)
    items: list[CaseSummary]


class DraftIn(Schema):
    item_id: UUID = Field(..., description="事项（ServiceItem）的公开编号；按现行版本申请")
    enterprise_id: UUID | None = Field(None, description="以企业身份申请时的企业编号")
    channel: str = Field("online", description="online 或 kiosk")
    hall_id: UUID | None = Field(None, description="自助终端所在大厅（kiosk）")
    form_data: dict[str, str] = {}


class DraftPatch(Schema):
    form_data: dict[str, str] | None = None
    contact_phone: str | None = None
    delivery_method: str | None = None
    delivery_address: str | None = None


class IntakeIn(Schema):
    item_id: UUID
    person_id: UUID | None = None
    enterprise_id: UUID | None = None
    agent_id: UUID | None = None
    form_data: dict[str, str] = {}
    paper: list[UUID] = Field([], description="已核验纸质原件的目录材料编号")
    delivery_method: str = "pickup"
    delivery_address: str = ""
    accept: bool = Field(False, description="当场受理")


class NoteIn(Schema):
    note: str = ""


class CaseReasonIn(Schema):
    reason: str = ""


class SupplementItemIn(Schema):
    name: str
    reason: str = ""
    material_id: str = ""


class SupplementIn(Schema):
    items: list[SupplementItemIn]
    reason: str = ""


class StepCompleteIn(Schema):
    opinion: str = ""
    record: dict[str, str] | None = Field(None, description="现场勘察记录：date, place, inspectors, findings")


class SpecialStartIn(Schema):
    kind: str = Field(..., description="expert_review / hearing / testing / public_notice / other")
    reason: str


class SpecialEndIn(Schema):
    outcome: str = ""


class DeliverIn(Schema):
    method: str = ""
    tracking_no: str = ""


class AssignIn(Schema):
    case_ids: list[UUID]
    assignee_id: UUID | None = Field(None, description="承办人（工作人员编号）；空表示取消分派")


class RatingIn(Schema):
    level: int = Field(..., description="5 非常满意 … 1 非常不满意")
    comment: str = ""
    step_id: UUID | None = Field(None, description="评价窗口服务环节（受理、出件）时填写")


class FollowUpAnswerIn(Schema):
    answer: str


class FollowUpOut(Schema):
    id: UUID
    case_number: str | None
    level: int
    comment: str
    department: str
    due_at: datetime
    status: str
    answer: str


class BundleIn(Schema):
    item_ids: list[UUID]
    name: str = ""
    theme_code: str = ""
    enterprise_id: UUID | None = None


class BundleLineOut(Schema):
    key: str
    name: str
    is_required: bool
    state: str
    items: list[str]


class BundleOut(Schema):
    id: UUID
    number: str | None
    name: str
    status: str
    submitted_at: datetime | None
    completed_at: datetime | None
    cases: list[CaseSummary]
    checklist: list[BundleLineOut]


class BundleSubmitIn(Schema):
    delivery_method: str = "online"
    delivery_address: str = ""


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


class ReadIn(Schema):
    ids: list[int] | None = None


class FiguresOut(Schema):
    department: str | None
    start: date
    end: date
    cases: int
    online: int
    online_share: float | None = Field(..., description="网办率 %")
    finished: int
    early: int
    early_rate: float | None = Field(..., description="提前办结率 %")
    average_working_days: float | None
    overdue: int
    licence_materials: int = Field(..., description="因电子证照免提交的材料数")
    visits_saved: int
    ratings: int
    satisfaction: float | None = Field(..., description="满意率 %（基本满意及以上）")
    average_rating: float | None


CaseStatusQuery = Literal[("", *c.CaseStatus.values)]  # type: ignore[valid-type]
CaseChannelQuery = Literal[("", *c.Channel.values)]  # type: ignore[valid-type]


class WorkbenchFilters(UpdatedSinceFilter, CursorParams):
    tab: Literal["mine", "department", "warned", "overdue", "open", "all"] = Field(
        "department", description="mine / department / warned / overdue / open / all")
    status: CaseStatusQuery = Field("", description="办件状态")
    channel: CaseChannelQuery = Field("", description="受理渠道")
    department: str = ""
    q: str = Field("", max_length=100, description="办件编号、申请人身份证号或申请人名称（精确）")
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，最大 {MAX_PAGE}")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，最大 {MAX_PAGE_SIZE}")


class MyCasesPage(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，最大 {MAX_PAGE}")
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，最大 {MAX_PAGE_SIZE}")


def _case_count(qs: Any, memo_key: Any) -> tuple[int, bool]:
    # Counting a department's whole history (460,000 of 1,000,000 cases) took 250–550 ms of
    # a 15 ms list; counting stops at COUNT_CAP instead, and a list found over the cap is not
    # counted again for a few seconds (core.pagination.bounded_count, ADR 0024).
    return bounded_count(qs, cap=COUNT_CAP, memo_key=memo_key)


def _case_cursor_page(request: HttpRequest, qs: Any, *, cursor: str, page_size: int,
                      memo_key: Any = None) -> dict[str, Any]:
    counted: dict[str, Any] = {}

    def count(rows: Any) -> tuple[int, bool]:
        counted["count"], counted["exact"] = _case_count(qs, memo_key)
        return counted["count"], counted["exact"]

    body = keyset_page(request, (selectors.keyset_rows(qs), lambda rows: [_summary_row(r) for r in rows]),
                       cursor=cursor, page_size=page_size, keys=("updated_at", "id"), count=count)
    # in ``CasePage``'s order, as ``_case_page`` answers (fast_json renders the dict as it is)
    return {"count": body["count"], "count_exact": counted["exact"], "page": body["page"],
            "page_size": body["page_size"], "next": body["next"], "previous": body["previous"],
            "has_next": body["next_cursor"] is not None, "next_cursor": body["next_cursor"], "items": body["items"]}


def _case_page(request: HttpRequest, qs: Any, *, page: int, page_size: int, memo_key: Any = None) -> dict[str, Any]:
    rows, has_next = selectors.page_rows(qs, page=page, size=page_size)
    count, exact = page_count(page=page, page_size=page_size, rows=len(rows), has_next=has_next,
                              count=lambda: _case_count(qs, memo_key))
    next_link, previous = page_links(request, page=page, page_size=page_size, count=count, has_next=has_next)
    return {"count": count, "count_exact": exact, "page": page, "page_size": page_size, "next": next_link,
            "previous": previous, "has_next": has_next, "next_cursor": None, "items": [_summary_row(x) for x in rows]}


COUNT_CAP = pagination.COUNT_CAP


# --- Serialisation ----------------------------------------------------------------------------
class _Encoder(json.JSONEncoder):
    """The same text as the API's renderer gives (ISO datetimes in +08:00), without validating again."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):  # the API's one convention: +08:00 (core.api.LocalTimeJSONEncoder)
            return timezone.localtime(o).isoformat() if o.tzinfo else o.isoformat()
        if isinstance(o, date | UUID):
            return str(o)
        return super().default(o)


def fast_json(data: Any) -> HttpResponse:
    """Hot lists (workbench, my applications) are built from trusted dicts: skip re-validation
    (documented by the ``response=`` schema all the same)."""
    return HttpResponse(json.dumps(data, cls=_Encoder, ensure_ascii=False),
                        content_type="application/json; charset=utf-8")


def _summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.public_id, "number": case.number, "status": case.status,
        "status_label": rules.status_label(case.status), "channel": case.channel,
        "item_name": case.item_name,
        "department": {"code": case.department.code, "name": case.department.name},
        "applicant_name": case.applicant_name, "step_name": case.step_name,
        "submitted_at": case.submitted_at, "due_at": case.due_at,
        "warning_level": case.warning_level, "provisional": case.deadline_provisional,
        "paused": case.paused_since is not None,
        "assignee": case.assignee.name if case.assignee_id and case.assignee else None,
        "bundle_id": case.bundle.public_id if case.bundle_id and case.bundle else None,
    }


def _summary_row(r: dict[str, Any]) -> dict[str, Any]:
    """The same shape as ``_summary`` from a ``selectors.page_rows`` dict."""
    return {
        "id": r["public_id"], "number": r["number"], "status": r["status"],
        "status_label": rules.status_label(r["status"]), "channel": r["channel"],
        "item_name": r["item_name"],
        "department": {"code": r["department__code"], "name": r["department__name"]},
        "applicant_name": r["applicant_name"], "step_name": r["step_name"],
        "submitted_at": r["submitted_at"], "due_at": r["due_at"], "warning_level": r["warning_level"],
        "provisional": r["deadline_provisional"], "paused": r["paused_since"] is not None,
        "assignee": r["assignee__name"], "bundle_id": r["bundle__public_id"],
    }


def _material(m: CaseMaterial) -> dict[str, Any]:
    return {
        "id": m.public_id, "name": m.name, "is_required": m.is_required, "state": m.state,
        "state_label": str(c.MaterialState(m.state).label),
        "free": m.state in c.MATERIAL_FREE,
        "original_name": m.original_name, "content_type": m.content_type, "size": m.size,
        "licence_number": m.licence_number, "note": m.note,
        "catalogue_material_id": m.material.public_id if m.material_id and m.material else None,
        "trust_level": m.trust_level, "trust_source": m.trust_source, "accepted_levels": m.accepted_levels,
        "watermark": m.watermark, "commitment_text": m.commitment_text,
    }


def _step(s: CaseStep) -> dict[str, Any]:
    return {"id": s.public_id, "order": s.order, "kind": s.kind, "name": s.name, "status": s.status,
            "handler": s.handler_name, "started_at": s.started_at, "finished_at": s.finished_at,
            "opinion": s.opinion, "record": s.record or {}}


def _event_actor(label: str, role: str, *, public: bool) -> str:
    """Who did it, as the timeline shows it: staff by role only in the applicant's view."""
    if public and role not in (c.APPLICANT, ""):
        return {c.SYSTEM: "系统"}.get(role, c.ROLE_LABELS.get(role, "工作人员"))
    return label


def _event(e: CaseEvent, *, public: bool) -> dict[str, Any]:
    return {"at": e.at, "action": e.action, "title": e.title,
            "actor": _event_actor(e.actor_label, e.role, public=public),
            "from_status": e.from_status, "to_status": e.to_status, "note": e.note}


def _rating(r: Rating) -> dict[str, Any]:
    try:
        follow: RatingFollowUp | None = r.follow_up
    except RatingFollowUp.DoesNotExist:
        follow = None
    return {"id": r.public_id, "level": r.level, "level_label": str(c.RatingLevel(r.level).label),
            "comment": r.comment, "step": r.step.name if r.step_id and r.step else "",
            "created_at": r.created_at, "follow_up_status": follow.status if follow else None,
            "follow_up_due_at": follow.due_at if follow else None,
            "follow_up_answer": follow.answer if follow else None}


def _detail_head(case: Case, clock: Any) -> dict[str, Any]:
    """The summary and the case's own fields of ``CaseOut``, in its order."""
    return {
        **_summary(case),
        "item_version": case.item_version.number, "accepted_at": case.accepted_at,
        "decided_at": case.decided_at, "delivered_at": case.delivered_at,
        "legal_due_at": case.legal_due_at, "promised_due_at": case.promised_due_at,
        "remaining_working_days": clock.remaining, "paused_days": case.paused_days,
        "completed_early": case.completed_early, "overdue": case.overdue,
        "working_days_used": case.working_days_used, "decision_reason": case.decision_reason,
        "supplement_items": case.supplement_items or [], "delivery_method": case.delivery_method,
        "form_data": case.form_data or {},
    }


def _result(case: Case) -> dict[str, Any] | None:
    if not case.result_licence_ref:
        return None
    return {"licence_id": case.result_licence_ref, "pdf_url": f"/api/v1/cases/{case.public_id}/result.pdf"}


def case_detail(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    public = not selectors.staff_sees(scope_for(user), case)  # the applicant's view
    fresh = selectors.case_parts_fresh(case)  # a new case: its rows as just written
    clock = selectors.case_clock(case, calendar=fresh.calendar if fresh else None)
    if fresh is not None:
        materials, steps, ratings = fresh.materials, fresh.steps, fresh.ratings
        timeline = [e for e in fresh.events if e.public or not public]
    else:
        materials = selectors.case_materials(case=case, with_material=True)
        steps = selectors.case_steps(case=case)
        timeline = selectors.case_timeline(case=case, public_only=public)
        ratings = selectors.case_ratings(case=case)
    return {
        **_detail_head(case, clock),
        "materials": [_material(m) for m in materials],
        "steps": [_step(s) for s in steps],
        "timeline": [_event(e, public=public) for e in timeline],
        "allowed_actions": selectors.case_allowed_actions(actor=user, case=case, steps=steps),
        "result": _result(case),
        "ratings": [_rating(r) for r in ratings],
    }


_MATERIAL_STATE_LABELS = dict(c.MaterialState.choices)  # lazy: translated per request
_RATING_LEVEL_LABELS = dict(c.RatingLevel.choices)


def case_detail_response(request: HttpRequest, case: Case) -> HttpResponse:
    """``case_detail`` answered as the API's renderer would answer the validated ``CaseOut``
    (the same bytes, tested in test_api_detail.py) from ``selectors.case_detail_rows``: plain
    rows for materials, timeline and ratings, no second validation."""
    user = request.user
    public = not selectors.staff_sees(scope_for(user), case)  # the applicant's view
    clock = selectors.case_clock(case)
    rows = selectors.case_detail_rows(case=case, public_only=public)
    body = {
        **_detail_head(case, clock),
        "materials": [{
            "id": m["public_id"], "name": m["name"], "is_required": m["is_required"], "state": m["state"],
            "state_label": str(_MATERIAL_STATE_LABELS[m["state"]]), "free": m["state"] in c.MATERIAL_FREE,
            "original_name": m["original_name"], "content_type": m["content_type"], "size": m["size"],
            "licence_number": m["licence_number"], "note": m["note"],
            "catalogue_material_id": m["material__public_id"], "trust_level": m["trust_level"],
            "trust_source": m["trust_source"], "accepted_levels": m["accepted_levels"],
            "watermark": m["watermark"], "commitment_text": m["commitment_text"],
        } for m in rows.materials],
        "steps": [_step(s) for s in rows.steps],
        "timeline": [{
            "at": e["at"], "action": e["action"], "title": e["title"],
            "actor": _event_actor(e["actor_label"], e["role"], public=public),
            "from_status": e["from_status"], "to_status": e["to_status"], "note": e["note"],
        } for e in rows.events],
        "allowed_actions": selectors.case_allowed_actions(actor=user, case=case, steps=rows.steps),
        "result": _result(case),
        "ratings": [{
            "id": r["public_id"], "level": r["level"], "level_label": str(_RATING_LEVEL_LABELS[r["level"]]),
            "comment": r["comment"], "step": r["step__name"] or "", "created_at": r["created_at"],
            "follow_up_status": r["follow_up__status"], "follow_up_due_at": r["follow_up__due_at"],
            "follow_up_answer": r["follow_up__answer"],
        } for r in rows.ratings],
    }
    return api_json(body)


def _detail(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The case a service just returned (its row was locked and read inside the transaction)."""
    return case_detail(request, case)


def _created_response(request: HttpRequest, case: Case) -> HttpResponse:
    """The 201 answer of a window intake: ``case_detail``'s dict rendered as it is. It is
    already what validating it into ``CaseOut`` and dumping it gives (same keys, order and
    values: test_api_detail.py compares the bytes over intake outcomes), so the second
    validation is skipped (≈ 0.5 ms of an intake's CPU, issue 18). ``Location`` as the API's
    ``create_response`` sets it for this operation: the case's detail address."""
    response = api_json(_detail(request, case), status=201)
    response["Location"] = request.build_absolute_uri(f"/api/v1/cases/{case.public_id}")
    return response


def _get(request: HttpRequest, case_id: UUID) -> Case:
    with joins_in_written_order(Case):  # the case row and its 7 joined relations: planned in order
        return selectors.case_get(actor=request.user, public_id=case_id)


def _get_material(request: HttpRequest, case_id: UUID, material_id: UUID) -> CaseMaterial:
    return selectors.case_material_of(case=_get(request, case_id), public_id=material_id)


def progress_throttle(request: HttpRequest, number: str) -> None:
    """10 queries a minute per client address, 20 an hour per case number (settings)."""
    if not services.progress_query_allowed(client_ip=str(request.META.get("REMOTE_ADDR", "")), number=number):
        raise DomainError("查询过于频繁，请稍后再试", code="too_many_requests", status=429)


def progress_payload(case: Case) -> dict[str, Any]:
    return {
        "number": case.number, "item_name": case.item_name, "department": case.department.name,
        "applicant_name": (mask_name(case.applicant_name) if case.applicant_person_id
                           else case.applicant_name),
        "status": case.status, "status_label": rules.status_label(case.status),
        "submitted_at": case.submitted_at, "accepted_at": case.accepted_at, "due_at": case.due_at,
        "decided_at": case.decided_at, "supplement_items": case.supplement_items or [],
        "timeline": [_event(e, public=True) for e in selectors.case_timeline(case=case, public_only=True)],
    }


# --- Public -----------------------------------------------------------------------------------
@router.get("/cases/progress", response=ProgressOut, auth=None, summary="办件进度查询（免登录）",
            description="办件编号 + 申请人证件号码后4至6位。编号或证件号不符时统一返回“未查询到”。限流。")
def progress(request: HttpRequest, number: str, id_tail: str) -> dict[str, Any]:
    progress_throttle(request, number)
    return progress_payload(selectors.case_progress(number=number, id_tail=id_tail))


# --- My applications --------------------------------------------------------------------------
@router.get("/me/cases", response=CasePage, auth=API_AUTH, summary="我的办件")
def my_cases(request: HttpRequest, paging: Query[MyCasesPage]) -> HttpResponse:
    qs = selectors.case_list_for_applicant(user=request.user)
    return fast_json(_case_page(request, qs, page=paging.page, page_size=paging.page_size))


@router.get("/me/notifications", response=list[NotificationOut], auth=API_AUTH, summary="我的消息")
def my_notifications(request: HttpRequest, unread: bool = False) -> list[dict[str, Any]]:
    return [{"id": n.id, "kind": n.kind, "title": n.title, "body": n.body, "link": n.link,
             "created_at": n.created_at, "read": n.read_at is not None}
            for n in selectors.notification_list(user=request.user, unread_only=unread)[:100]]


@router.post("/me/notifications/read", response=dict[str, int], auth=API_AUTH, summary="标记已读")
def my_notifications_read(request: HttpRequest, payload: ReadIn) -> dict[str, int]:
    return {"marked": services.notifications_mark_read(actor=request.user, ids=payload.ids)}


# --- Drafts and submission --------------------------------------------------------------------
def _item(item_id: UUID) -> ServiceItem:
    return catalog_selectors.item_for_application(public_id=item_id)  # cached per process


def _enterprise(request: HttpRequest, enterprise_id: UUID | None) -> Enterprise | None:
    if enterprise_id is None:
        return None
    return accounts_selectors.enterprise_get(public_id=enterprise_id)


@router.post("/cases/drafts", response={201: CaseOut}, auth=API_AUTH, summary="新建申请草稿（网上/自助终端）")
@idempotent
def draft_create(request: HttpRequest, payload: DraftIn) -> Status:
    hall = None
    if payload.hall_id:
        hall = accounts_selectors.service_hall_get(public_id=payload.hall_id)
    case = services.case_draft_create(actor=request.user, item=_item(payload.item_id),
                                      enterprise=_enterprise(request, payload.enterprise_id),
                                      channel=payload.channel, hall=hall, form_data=payload.form_data)
    return Status(201, _detail(request, case))


@router.get("/cases/{uuid:case_id}", response=CaseOut, auth=API_AUTH, summary="办件详情（含时间线）",
            openapi_extra=GET_EXTRA)
def case_get(request: HttpRequest, case_id: UUID, response: HttpResponse) -> Any:
    case = _get(request, case_id)
    tag = version_tag(case)
    unchanged = not_modified(request, tag)
    if unchanged:
        return unchanged
    answer = case_detail_response(request, case)
    answer["ETag"] = tag
    return answer


@router.patch("/cases/{uuid:case_id}", response=CaseOut, auth=API_AUTH, summary="修改草稿",
              description="需在 If-Match 中提供读取时的 ETag（缺少 428，过期 412）。", openapi_extra=WRITE_EXTRA)
def draft_update(request: HttpRequest, case_id: UUID, payload: DraftPatch, response: HttpResponse) -> dict[str, Any]:
    case = _get(request, case_id)
    require_if_match(request, version_tag(case))
    case = services.case_draft_update(actor=request.user, case=case,
                                      form_data=payload.form_data, contact_phone=payload.contact_phone,
                                      delivery_method=payload.delivery_method,
                                      delivery_address=payload.delivery_address)
    response["ETag"] = version_tag(case)
    return _detail(request, case)


@router.delete("/cases/{uuid:case_id}", response={204: None}, auth=API_AUTH, summary="删除草稿")
def draft_delete(request: HttpRequest, case_id: UUID) -> Status:
    services.case_draft_discard(actor=request.user, case=_get(request, case_id))
    return Status(204, None)


@router.post("/cases/{uuid:case_id}/materials/{uuid:material_id}/file", response=CaseMaterialOut, auth=API_AUTH,
             summary="上传材料（PDF/JPG/PNG，按内容识别）")
@idempotent
def material_upload(request: HttpRequest, case_id: UUID, material_id: UUID,
                    file: File[UploadedFile]) -> dict[str, Any]:
    material = services.case_material_upload(actor=request.user, material=_get_material(request, case_id, material_id),
                                             upload=file)
    return _material(material)


@router.post("/cases/{uuid:case_id}/materials/{uuid:material_id}/paper", response=CaseMaterialOut, auth=API_AUTH,
             summary="窗口核验纸质原件")
def material_paper(request: HttpRequest, case_id: UUID, material_id: UUID) -> dict[str, Any]:
    return _material(services.case_material_paper(actor=request.user,
                                                  material=_get_material(request, case_id, material_id)))


@router.post("/cases/{uuid:case_id}/materials/{uuid:material_id}/verify", response=CaseMaterialOut, auth=API_AUTH,
             summary="核验原件（B级），并存入申请人材料库")
def material_verify(request: HttpRequest, case_id: UUID, material_id: UUID,
                    payload: CaseMaterialVerifyIn) -> dict[str, Any]:
    return _material(services.case_material_paper(
        actor=request.user, material=_get_material(request, case_id, material_id), valid_until=payload.valid_until,
        to_library=payload.to_library, method=payload.method))


@router.post("/cases/{uuid:case_id}/materials/{uuid:material_id}/commitment", response=CaseMaterialOut,
             auth=API_AUTH, summary="告知承诺（D级）：以书面承诺代替材料，或撤回承诺")
def material_commit(request: HttpRequest, case_id: UUID, material_id: UUID,
                    payload: CaseMaterialCommitIn) -> dict[str, Any]:
    material = _get_material(request, case_id, material_id)
    return _material(services.case_material_commit(actor=request.user, material=material, commit=payload.commit))


@router.get("/cases/{uuid:case_id}/materials/{uuid:material_id}/file", auth=API_AUTH, summary="下载材料",
            response={200: None})
def material_download(request: HttpRequest, case_id: UUID, material_id: UUID) -> FileResponse:
    material = services.case_material_open(actor=request.user, material=_get_material(request, case_id, material_id))
    response = FileResponse(material.file.open("rb"), content_type=material.content_type,
                            as_attachment=True, filename=material.original_name or "material")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/cases/{uuid:case_id}/result.pdf", auth=API_AUTH, summary="下载办理结果 PDF", response={200: None})
def result_pdf(request: HttpRequest, case_id: UUID) -> HttpResponse:
    from onewindow.licences.selectors import licence_of_case_result, licence_pdf_bytes

    case = _get(request, case_id)
    licence = licence_of_case_result(public_id=case.result_licence_ref)
    if licence is None:
        raise NotFound("办理结果尚未出具", code="case_result_not_issued")
    response = HttpResponse(licence_pdf_bytes(licence=licence), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.number}.pdf"'
    return response


# --- Transitions ------------------------------------------------------------------------------
@router.post("/cases/{uuid:case_id}/submit", response=CaseOut, auth=API_AUTH, summary="提交申请（申请人）")
def submit(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return _detail(request, services.case_submit(actor=request.user, case=_get(request, case_id)))


@router.post("/cases/{uuid:case_id}/prereview", response=CaseOut, auth=API_AUTH,
             summary="预审通过（窗口受理人员、部门审批人员；网上/自助申请）")
def prereview(request: HttpRequest, case_id: UUID, payload: NoteIn) -> dict[str, Any]:
    return _detail(request, services.case_prereview(actor=request.user, case=_get(request, case_id),
                                                    note=payload.note))


@router.post("/cases/{uuid:case_id}/accept", response=CaseOut, auth=API_AUTH,
             summary="受理（窗口受理人员、部门审批人员）")
def accept(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return _detail(request, services.case_accept(actor=request.user, case=_get(request, case_id)))


@router.post("/cases/{uuid:case_id}/not-accept", response=CaseOut, auth=API_AUTH,
             summary="不予受理（须写明理由）")
def not_accept(request: HttpRequest, case_id: UUID, payload: CaseReasonIn) -> dict[str, Any]:
    return _detail(request, services.case_not_accept(actor=request.user, case=_get(request, case_id),
                                                     reason=payload.reason))


@router.post("/cases/{uuid:case_id}/supplement", response=CaseOut, auth=API_AUTH,
             summary="一次性告知补正（停止计时）")
def supplement(request: HttpRequest, case_id: UUID, payload: SupplementIn) -> dict[str, Any]:
    case = services.case_request_supplement(actor=request.user, case=_get(request, case_id),
                                            items=[i.dict() for i in payload.items], reason=payload.reason)
    return _detail(request, case)


@router.post("/cases/{uuid:case_id}/resubmit", response=CaseOut, auth=API_AUTH,
             summary="补正后重新提交（申请人、窗口受理人员；恢复计时）")
def resubmit(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return _detail(request, services.case_resubmit(actor=request.user, case=_get(request, case_id)))


@router.post("/cases/{uuid:case_id}/steps/complete", response=CaseOut, auth=API_AUTH,
             summary="完成当前审查环节（现场勘察须附记录）")
def step_complete(request: HttpRequest, case_id: UUID, payload: StepCompleteIn) -> dict[str, Any]:
    case = services.case_step_complete(actor=request.user, case=_get(request, case_id),
                                       opinion=payload.opinion, record=payload.record)
    return _detail(request, case)


@router.post("/cases/{uuid:case_id}/special/start", response=CaseOut, auth=API_AUTH,
             summary="启动特别程序（专家评审、听证等；停止计时）")
def special_start(request: HttpRequest, case_id: UUID, payload: SpecialStartIn) -> dict[str, Any]:
    case = services.case_special_start(actor=request.user, case=_get(request, case_id), kind=payload.kind,
                                       reason=payload.reason)
    return _detail(request, case)


@router.post("/cases/{uuid:case_id}/special/end", response=CaseOut, auth=API_AUTH, summary="结束特别程序（恢复计时）")
def special_end(request: HttpRequest, case_id: UUID, payload: SpecialEndIn) -> dict[str, Any]:
    case = services.case_special_end(actor=request.user, case=_get(request, case_id), outcome=payload.outcome)
    return _detail(request, case)


@router.post("/cases/{uuid:case_id}/approve", response=CaseOut, auth=API_AUTH, summary="准予许可（决定环节）")
def approve(request: HttpRequest, case_id: UUID, payload: CaseReasonIn) -> dict[str, Any]:
    case = services.case_decide(actor=request.user, case=_get(request, case_id), approve=True,
                                reason=payload.reason)
    return _detail(request, case)


@router.post("/cases/{uuid:case_id}/refuse", response=CaseOut, auth=API_AUTH, summary="不予许可（须写明理由）")
def refuse(request: HttpRequest, case_id: UUID, payload: CaseReasonIn) -> dict[str, Any]:
    case = services.case_decide(actor=request.user, case=_get(request, case_id), approve=False,
                                reason=payload.reason)
    return _detail(request, case)


@router.post("/cases/{uuid:case_id}/result", response=CaseOut, auth=API_AUTH,
             summary="出具办理结果（电子证照或批准文书；通常在准予后自动完成）")
def result_issue(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return _detail(request, services.case_result_issue(actor=request.user, case=_get(request, case_id)))


@router.post("/cases/{uuid:case_id}/deliver", response=CaseOut, auth=API_AUTH, summary="送达结果")
def deliver(request: HttpRequest, case_id: UUID, payload: DeliverIn) -> dict[str, Any]:
    case = services.case_deliver(actor=request.user, case=_get(request, case_id), method=payload.method,
                                 tracking_no=payload.tracking_no)
    return _detail(request, case)


@router.post("/cases/{uuid:case_id}/close", response=CaseOut, auth=API_AUTH, summary="办结归档")
def close(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return _detail(request, services.case_close(actor=request.user, case=_get(request, case_id)))


@router.post("/cases/{uuid:case_id}/withdraw", response=CaseOut, auth=API_AUTH, summary="撤回申请")
def withdraw(request: HttpRequest, case_id: UUID, payload: CaseReasonIn) -> dict[str, Any]:
    return _detail(request, services.case_withdraw(actor=request.user, case=_get(request, case_id),
                                                   reason=payload.reason))


@router.post("/cases/{uuid:case_id}/ratings", response={201: RatingOut}, auth=API_AUTH, summary="好差评")
@idempotent
def rate(request: HttpRequest, case_id: UUID, payload: RatingIn) -> Status:
    case = _get(request, case_id)
    step = None
    if payload.step_id:
        step = selectors.case_step_of(case=case, public_id=payload.step_id)
    rating = services.rating_create(actor=request.user, case=case, level=payload.level,
                                    comment=payload.comment, step=step)
    return Status(201, _rating(rating))


# --- Staff ------------------------------------------------------------------------------------
def _person(person_id: UUID | None) -> Person | None:
    if person_id is None:
        return None
    return accounts_selectors.person_get_for_intake(public_id=person_id)


@router.post("/cases/intake", response={201: CaseOut}, auth=API_AUTH,
             summary="窗口收件（综合受理，可当场受理）",
             description="multipart/form-data：字段 data 为 JSON（IntakeIn）；材料文件的字段名为"
                         " file_<目录材料编号>。")
@idempotent
def intake(request: HttpRequest, data: Form[str]) -> HttpResponse:
    try:
        payload = IntakeIn(**json.loads(data))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("data 不是有效的收件信息 JSON", code="validation_failed",
                               fields={"data": "格式不正确"}) from exc
    uploads = {key.removeprefix("file_"): f for key, f in request.FILES.items() if key.startswith("file_")}
    case = services.case_window_intake(
        actor=request.user, item=_item(payload.item_id), person=_person(payload.person_id),
        enterprise=_enterprise(request, payload.enterprise_id), agent=_person(payload.agent_id),
        form_data=payload.form_data, paper=[str(p) for p in payload.paper], uploads=uploads,
        delivery_method=payload.delivery_method, delivery_address=payload.delivery_address,
        accept=payload.accept)
    return _created_response(request, case)


@router.get("/cases", response=CasePage, auth=API_AUTH, summary="工作台办件列表（按权限范围，每页50件）",
            description="q 在网址中只用于办件编号或申请人名称；按身份证号查询请用 POST /cases/search"
                        "（号码出现在网址中返回 400 personal_lookup_in_url）。")
def workbench(request: HttpRequest, filters: Query[WorkbenchFilters]) -> HttpResponse:
    url_lookup_check(filters.q, field="q")
    return _workbench(request, filters)


@router.post("/cases/search", response=CasePage, auth=API_AUTH,
             summary="查询工作台办件（条件在请求体中，可按申请人身份证号）")
def workbench_search(request: HttpRequest, payload: WorkbenchFilters) -> HttpResponse:
    return _workbench(request, payload)


def _workbench(request: HttpRequest, filters: WorkbenchFilters) -> HttpResponse:
    wanted = selectors.CaseFilters(
        tab=filters.tab, status=filters.status, channel=filters.channel,
        department_code=filters.department, q=filters.q, updated_since=filters.updated_since)
    qs = selectors.case_list(actor=request.user, filters=wanted)
    # what makes two lists the same rows: the caller (their scope, "mine") and the filters
    memo_key = ("cases", request.user.pk, scope_for(request.user), wanted)
    if filters.cursor:
        return fast_json(_case_cursor_page(request, qs, cursor=filters.cursor, page_size=filters.page_size,
                                           memo_key=memo_key))
    return fast_json(_case_page(request, qs, page=filters.page, page_size=filters.page_size, memo_key=memo_key))


@router.post("/cases/assign", response=list[CaseSummary], auth=API_AUTH, summary="批量分派承办人")
def assign(request: HttpRequest, payload: AssignIn) -> list[dict[str, Any]]:
    cases = [selectors.case_get(actor=request.user, public_id=i) for i in dict.fromkeys(payload.case_ids)]
    assignee = None
    if payload.assignee_id:
        assignee = accounts_selectors.staff_get(public_id=payload.assignee_id)
    done = services.case_assign(actor=request.user, cases=cases, assignee=assignee)
    return [_summary(x) for x in done]


@router.get("/cases-figures", response=FiguresOut, auth=API_AUTH, summary="办件统计（部门、时段）")
def figures(request: HttpRequest, start: date, end: date, department: str = "") -> dict[str, Any]:
    dept = None
    if department:
        dept = selectors.figure_departments(actor=request.user).filter(code=department).first()
        if dept is None:
            raise NotFound("找不到该部门", code="department_not_found")
    if end < start or (end - start).days > 366:
        raise ValidationFailed("统计时段无效（不超过一年）", code="period_invalid", fields={"end": "时段无效"})
    f = selectors.case_figures(actor=request.user, start=start, end=end, department=dept)
    return {"department": dept.code if dept else None, "start": start, "end": end, "cases": f.cases,
            "online": f.online, "online_share": f.online_share, "finished": f.finished, "early": f.early,
            "early_rate": f.early_rate, "average_working_days": f.average_working_days,
            "overdue": f.overdue, "licence_materials": f.licence_materials,
            "visits_saved": f.visits_saved, "ratings": f.ratings, "satisfaction": f.satisfaction,
            "average_rating": f.average_rating}


def _material_figures_row(r: selectors.MaterialFigures) -> dict[str, Any]:
    lv = r.levels
    return {"department": r.department_code, "department_name": r.department_name, "item_name": r.item_name,
            "cases": r.cases, "levels": {
                "a": lv.a, "b": lv.b, "d": lv.d, "fresh": lv.fresh, "missing": lv.missing,
                "share_a": lv.share(lv.a), "share_b": lv.share(lv.b), "share_d": lv.share(lv.d),
                "share_fresh": lv.share(lv.fresh), "uploads_saved": lv.saved},
            "stored_in_library": r.stored, "visits_saved": r.visits_saved,
            "postchecks": {"commitments": r.postcheck.commitments, "drawn": r.postcheck.drawn,
                           "passed": r.postcheck.passed, "failed": r.postcheck.failed, "open": r.postcheck.open}}


@router.get("/cases-figures/materials", response=CaseMaterialFiguresOut, auth=API_AUTH,
            summary="材料分级统计：按事项和部门，A/B/D/现场核验占比、免提交与少跑、事后核查")
def material_figures(request: HttpRequest, start: date, end: date, department: str = "") -> dict[str, Any]:
    dept = None
    if department:
        dept = selectors.figure_departments(actor=request.user).filter(code=department).first()
        if dept is None:
            raise NotFound("找不到该部门", code="department_not_found")
    if end < start or (end - start).days > 366:
        raise ValidationFailed("统计时段无效（不超过一年）", code="period_invalid", fields={"end": "时段无效"})
    rows, total = selectors.material_figures(actor=request.user, start=start, end=end, department=dept)
    return {"start": start, "end": end, "rows": [_material_figures_row(r) for r in rows],
            "total": _material_figures_row(total)}


def _follow_up(f: RatingFollowUp) -> dict[str, Any]:
    return {"id": f.public_id, "case_number": f.rating.case.number, "level": f.rating.level,
            "comment": f.rating.comment, "department": f.department.name, "due_at": f.due_at,
            "status": f.status, "answer": f.answer}


@router.get("/follow-ups", response=list[FollowUpOut], auth=API_AUTH, summary="差评整改任务")
def follow_ups(request: HttpRequest, open_only: bool = True) -> list[dict[str, Any]]:
    return [_follow_up(f) for f in selectors.follow_up_list(actor=request.user, open_only=open_only)[:200]]


@router.post("/follow-ups/{uuid:follow_up_id}/answer", response=FollowUpOut, auth=API_AUTH, summary="整改回复")
def follow_up_answer(request: HttpRequest, follow_up_id: UUID, payload: FollowUpAnswerIn) -> dict[str, Any]:
    follow = selectors.follow_up_get(actor=request.user, public_id=follow_up_id)
    return _follow_up(services.follow_up_answer(actor=request.user, follow_up=follow, answer=payload.answer))


# --- Bundles ----------------------------------------------------------------------------------
def _bundle(bundle: CaseBundle) -> dict[str, Any]:
    return {
        "id": bundle.public_id, "number": bundle.number, "name": bundle.name, "status": bundle.status,
        "submitted_at": bundle.submitted_at, "completed_at": bundle.completed_at,
        "cases": [_summary(x) for x in selectors.bundle_cases(bundle=bundle)],
        "checklist": [{"key": line.key, "name": line.name, "is_required": line.is_required,
                       "state": line.state, "items": list(line.items)}
                      for line in services.bundle_checklist(bundle=bundle)],
    }


@router.post("/bundles", response={201: BundleOut}, auth=API_AUTH, summary="新建“一件事”申请（多部门并联）")
@idempotent
def bundle_create(request: HttpRequest, payload: BundleIn) -> Status:
    theme = catalog_selectors.theme_find(code=payload.theme_code) if payload.theme_code else None
    bundle = services.bundle_draft_create(
        actor=request.user, items=[_item(i) for i in payload.item_ids], name=payload.name, theme=theme,
        enterprise=_enterprise(request, payload.enterprise_id))
    return Status(201, _bundle(bundle))


@router.get("/bundles/{uuid:bundle_id}", response=BundleOut, auth=API_AUTH, summary="“一件事”详情")
def bundle_get(request: HttpRequest, bundle_id: UUID) -> dict[str, Any]:
    return _bundle(selectors.bundle_get(actor=request.user, public_id=bundle_id))


@router.post("/bundles/{uuid:bundle_id}/materials/file", response=BundleOut, auth=API_AUTH,
             summary="上传“一件事”共用材料（key 见 checklist）")
@idempotent
def bundle_upload(request: HttpRequest, bundle_id: UUID, key: Form[str], file: File[UploadedFile]) -> dict[str, Any]:
    bundle = selectors.bundle_get(actor=request.user, public_id=bundle_id)
    services.bundle_material_upload(actor=request.user, bundle=bundle, key=key, upload=file)
    return _bundle(bundle)


@router.post("/bundles/{uuid:bundle_id}/submit", response=BundleOut, auth=API_AUTH, summary="提交“一件事”申请")
def bundle_submit(request: HttpRequest, bundle_id: UUID, payload: BundleSubmitIn) -> dict[str, Any]:
    bundle = selectors.bundle_get(actor=request.user, public_id=bundle_id)
    bundle = services.bundle_submit(actor=request.user, bundle=bundle, delivery_method=payload.delivery_method,
                                    delivery_address=payload.delivery_address)
    return _bundle(bundle)



# --- National 办件信息 exchange: bulk export ------------------------------------------------------
class CaseExchangeQuery(Schema):
    period_from: datetime = Field(..., alias="from", description="时间段开始（含），ISO 8601，建议带 +08:00")
    period_to: datetime = Field(..., alias="to", description="时间段结束（不含）")
    by: Literal["updated", "closed"] = Field(
        "updated", description="updated：时间段内有变化的办件；closed：时间段内办结的办件")
    format: Literal["jsonl", "csv"] = Field("jsonl", description="jsonl：每行一个 JSON 对象；csv：带 BOM 的 CSV")


@router.get("/cases/exchange", response={200: None}, auth=API_AUTH,
            summary="导出办件信息（全国一体化平台数据交换字段，流式 JSON Lines / CSV）",
            description="按时间段导出权限范围内办件的交换字段（事项编码、办件类型、申请人类型、证件类型和号码"
                        "（自然人脱敏）、受理时间、办结时间、部门编码、办件状态及对应的全国代码），逐行流式输出，"
                        "最长 366 天，记入审计。字段对照见 docs/api.md。",
            openapi_extra={"responses": {200: {"description": "JSON Lines 或 CSV", "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}}}}}})
def exchange_export(request: HttpRequest, query: Query[CaseExchangeQuery]) -> Any:
    from onewindow.core.exports import export_response

    from .exchange import EXCHANGE_COLUMNS, case_exchange_record

    aware = lambda v: v if timezone.is_aware(v) else timezone.make_aware(v)  # noqa: E731
    start, end = aware(query.period_from), aware(query.period_to)
    if not all(2000 <= v.year <= 2100 for v in (start, end)):
        raise ValidationFailed("导出时间应在 2000 年到 2100 年之间", code="export_period_invalid",
                               fields={"from": "导出时间应在 2000 年到 2100 年之间"})
    if end <= start or (end - start).days > 366:
        raise ValidationFailed("导出时间段应在 1 天到 366 天之间", code="export_period_invalid",
                               fields={"to": "导出时间段应在 1 天到 366 天之间"})
    qs = selectors.case_exchange_list(actor=request.user, period_from=start, period_to=end, by=query.by)
    services.case_exchange_export_record(actor=request.user, period_from=start, period_to=end, by=query.by,
                                         fmt=query.format)
    name = f"cases-{query.by}-{timezone.localtime(start):%Y%m%d}-{timezone.localtime(end):%Y%m%d}"
    return export_response(qs.iterator(chunk_size=500), record=case_exchange_record, columns=EXCHANGE_COLUMNS,
                           fmt=query.format, filename=name)
