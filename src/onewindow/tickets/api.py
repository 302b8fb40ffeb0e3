"""/api/v1/tickets: 12345 intake and every step after it, scoped lists, queues, knowledge base.

Who may call what is decided by the services (roles) and selectors (scope): hotline operators
register calls and call back; dispatchers (operators or supervisors) dispatch and merge;
reviewers of the owner department accept, return, reply and ask for more time; supervisors
issue supervision orders, decide extensions, reopen and close. A ticket outside the caller's
scope is a 404.
"""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import field_validator

from onewindow.accounts.auth import API_AUTH
from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import department_get
from onewindow.core.api import api_json
from onewindow.core.concurrency import GET_EXTRA, WRITE_EXTRA, not_modified, require_if_match, version_tag
from onewindow.core.errors import NotFound, PermissionDenied, ValidationFailed
from onewindow.core.inputs import url_lookup_check
from onewindow.core.pagination import (
    CursorPageParams,
    OneWindowPagination,
    PageParams,
    UpdatedSinceFilter,
    bounded_count,
    keyset_page,
    page_body,
    page_count,
    since_utc,
)
from onewindow.integrations.idempotency import idempotent
from onewindow.regions.selectors import region_get

from . import constants as c
from . import selectors, services
from .models import Category, ExtensionRequest, SupervisionOrder, Ticket, TicketEvent

router = Router(tags=["12345 接诉即办 tickets"])


# --- Schemas ----------------------------------------------------------------------------------
class Ref(Schema):
    code: str
    name: str


class CategoryOut(Schema):
    code: str
    name: str
    full_name: str
    level: int
    parent_code: str | None
    limit_class: str


class ClassifierOut(Schema):
    label: str
    confidence: float | None
    model_version: str
    alternatives: list[dict[str, Any]]


class RequesterOut(Schema):
    name: str
    phone: str
    confidential: bool
    hidden: bool = Field(..., description="诉求人要求保密且您无权查看")


class TicketListOut(Schema):
    id: UUID
    number: str = Field(..., examples=["12345-20261123-000001"])
    kind: str
    title: str
    channel: str
    urgency: str
    status: str
    status_label: str
    category: Ref | None
    department: Ref | None
    region: Ref | None
    address: str
    received_at: datetime
    due_at: datetime | None
    due_provisional: bool
    warned: bool
    overdue: bool
    duplicate_of: str | None


# A page of tickets: the shape ``@paginate(OneWindowPagination)`` documents for
# ``list[TicketListOut]``, declared here because the lists answer pre-rendered JSON (no
# docstring: it would become the schema's description).
class PagedTicketListOut(OneWindowPagination.Output):
    items: list[TicketListOut]  # type: ignore[assignment]


class TicketEventOut(Schema):
    at: datetime
    action: str
    action_label: str
    actor: str
    from_status: str
    to_status: str
    department: str | None
    note: str
    data: dict[str, Any]


class TicketOut(TicketListOut):
    text: str
    lng: float | None
    lat: float | None
    limit_class: str
    warning_at: datetime | None
    dispatched_at: datetime | None
    accepted_at: datetime | None
    replied_at: datetime | None
    callback_at: datetime | None
    closed_at: datetime | None
    dispatch_via: str
    dispatch_note: str
    classifier: ClassifierOut
    reply_text: str
    satisfaction: str
    solved: bool | None
    return_count: int
    reopen_count: int
    merged_into: str | None
    supporters: int
    site_check: bool = Field(False, description="网格上报事件：由网格员现场核实代替电话回访")
    requester: RequesterOut
    cohandlers: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    events: list[TicketEventOut]


TicketKindIn = Literal[tuple(c.TicketKind.values)]  # type: ignore[valid-type]


class IntakeIn(Schema):
    kind: str = Field(..., description="consult 咨询 / help 求助 / complaint 投诉 / report 举报 / "
                                       "suggestion 建议 / praise 表扬", examples=["help"])
    text: str = Field(..., examples=["拓东路12号小区从今天早上开始停水，至今没有来水。"])
    title: str = ""
    channel: str = Field("api", description="hotline（话务员）/ web / mobile / api / grid")
    urgency: str = "normal"
    address: str = ""
    lng: float | None = None
    lat: float | None = None
    region_code: str | None = None
    requester_name: str = ""
    requester_phone: str = ""
    confidential: bool = False
    category_code: str | None = Field(None, description="话务员确定的分类（不填则由模型建议）")
    answer_article_id: UUID | None = Field(None, description="咨询类：用知识库条目直接答复并办结")
    answer_text: str = ""


class TicketCallIn(Schema):
    """A call registered by the 12345 telephony system (or its CTI middleware)."""

    call_id: str = Field(..., min_length=1, max_length=64, description="话务系统的来电编号：同一来电只建一张工单",
                         examples=["CTI-20261207-000123"])
    caller_number: str = Field("", description="来电号码（与诉求人联系电话分开保存，加密）", examples=["13812345678"])
    received_at: datetime | None = Field(None, description="来电接入时间（ISO 8601），默认当前时间")
    recording_ref: str = Field("", max_length=200, description="录音编号或录音系统中的地址",
                               examples=["rec/2026/12/07/000123.wav"])
    kind: TicketKindIn = Field(..., description="诉求类型")  # type: ignore[valid-type]
    text: str = Field(..., examples=["拓东路12号小区从今天早上开始停水，至今没有来水。"])
    title: str = ""
    urgency: Literal["normal", "urgent"] = "normal"
    address: str = ""
    lng: float | None = None
    lat: float | None = None
    requester_name: str = ""
    requester_phone: str = ""
    confidential: bool = False
    category_code: str | None = None


class TicketExportQuery(Schema):
    received_from: datetime = Field(..., description="受理时间起（含，ISO 8601）")
    received_to: datetime = Field(..., description="受理时间止（不含，ISO 8601），跨度不超过 366 天")
    format: Literal["csv", "jsonl"] = Field(
        "csv", description="csv（UTF-8 带 BOM，Excel 可直接打开）或 jsonl（每行一个 JSON）")

    @field_validator("received_from", "received_to")
    @classmethod
    def _in_range(cls, value: datetime) -> datetime | None:
        # an offset the database cannot store (+23:59): a 422 here, not a failed query in a
        # stream already answered 200 and audited
        return since_utc(value)


_STATUS_RE = "|".join(c.Status.values)
TicketKindQuery = Literal[("", *c.TicketKind.values)]  # type: ignore[valid-type]
TicketChannelQuery = Literal[("", *c.Channel.values)]  # type: ignore[valid-type]


class TicketFilterSchema(UpdatedSinceFilter):
    status: str = Field("", description="逗号分隔的状态，如 dispatched,accepted；取值：" + "、".join(c.Status.values),
                        pattern=f"^(({_STATUS_RE})(,({_STATUS_RE}))*)?$")
    department: str = Field("", description="部门代码")
    category: str = Field("", description="分类代码（含下级）")
    region: str = Field("", description="区划代码（含下级）")
    kind: TicketKindQuery = ""
    channel: TicketChannelQuery = ""
    overdue: bool | None = None
    warned: bool | None = None
    q: str = Field("", max_length=100, description="工单编号开头、标题/地址中的文字，或诉求人的完整电话号码"
                   "（电话号码只能用 POST /tickets/search 查询）")
    received_from: datetime | None = None
    received_to: datetime | None = None
    order: Literal["due", "newest", "updated"] = Field(
        "due", description="due（时限最近在前）/ newest（最新在前）/ updated（按最后变化时间）")

    @field_validator("received_from", "received_to")
    @classmethod
    def _received_in_range(cls, value: datetime | None) -> datetime | None:
        return since_utc(value)  # as updated_since: 422, not a database error


class DispatchIn(Schema):
    department_code: str
    category_code: str | None = None
    limit_class: str | None = Field(None, description="urgent / utility / general / complex")
    note: str = ""


class TicketReasonIn(Schema):
    reason: str


class TextIn(Schema):
    text: str


class NoteIn(Schema):
    note: str = ""


class CallbackIn(Schema):
    satisfaction: str = Field(..., description="satisfied 满意 / basic 基本满意 / unsatisfied 不满意")
    solved: bool
    note: str = ""


class MergeIn(Schema):
    into: str = Field(..., description="主工单的 id 或编号")


class AnswerIn(Schema):
    article_id: UUID | None = None
    text: str = ""


class CoHandlerIn(Schema):
    department_code: str
    request: str = ""


class OrderIn(Schema):
    reason: str
    due_at: datetime | None = None


class OrderOut(Schema):
    id: UUID
    ticket: str
    department: str | None
    reason: str
    due_at: datetime
    status: str
    response: str


class OrderAnswerIn(Schema):
    response: str


class ExtensionIn(Schema):
    reason: str
    amount: int
    unit: str = "working_days"


class ExtensionOut(Schema):
    id: UUID
    ticket: str
    reason: str
    amount: int
    unit: str
    status: str
    old_due_at: datetime | None
    new_due_at: datetime | None


class DecideIn(Schema):
    approve: bool
    note: str = ""


class TicketRevealOut(Schema):
    name: str
    phone: str


class ClassifyIn(Schema):
    text: str
    address: str = Field("", max_length=300, description="地址（用于按属地规则预估承办部门）")
    lng: float | None = None
    lat: float | None = None


class SuggestionOut(Schema):
    state: str = Field(..., description="ok；too_short 内容过短；unavailable 尚无分类模型；unknown 无法分类")
    label: str | None
    confidence: float | None
    confidence_level: str = Field(..., description="high 高 / medium 中 / low 低（低于阈值时转人工派单）")
    confidence_label: str
    model_version: str
    category: CategoryOut | None = Field(None, description="建议的分类（已按关键词细化）")
    predicted: CategoryOut | None = Field(None, description="模型给出的分类")
    keyword: str = Field("", description="细化分类所依据的关键词")
    alternatives: list[dict[str, Any]]
    department: Ref | None = Field(None, description="按派单规则将承办的部门（不含兜底）")
    to_triage: bool


class KbOut(Schema):
    id: UUID
    title: str
    question: str
    answer: str
    keywords: str
    category_code: str | None
    uses: int
    score: float | None = None


class KbIn(Schema):
    title: str
    answer: str
    question: str = ""
    keywords: str = ""
    category_code: str | None = None


# --- Rendering --------------------------------------------------------------------------------
def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _category_out(cat: Category) -> dict[str, Any]:
    parent_code = cat.code[:-3] if cat.level == 3 else (cat.code[:-2] if cat.level == 2 else None)
    return {"code": cat.code, "name": cat.name, "full_name": cat.full_name, "level": cat.level,
            "parent_code": parent_code, "limit_class": cat.limit_class}


def _list_out(t: Ticket, duplicates: dict[int, str] | None = None) -> dict[str, Any]:
    return {
        "id": t.public_id, "number": t.number, "kind": t.kind, "title": t.title, "channel": t.channel,
        "urgency": t.urgency, "status": t.status, "status_label": t.get_status_display(),
        "category": _ref(t.category), "department": _ref(t.department), "region": _ref(t.region),
        "address": t.address, "received_at": t.received_at, "due_at": t.due_at,
        "due_provisional": t.due_provisional, "warned": t.warned, "overdue": t.overdue,
        "duplicate_of": _duplicate_number(t, duplicates),
    }


_STATUS_LABELS = dict(c.Status.choices)


def _list_row(r: dict[str, Any]) -> dict[str, Any]:
    """``_list_out`` from a ``selectors.LIST_VALUES`` dict (same keys, order and values)."""
    return {
        "id": r["public_id"], "number": r["number"], "kind": r["kind"], "title": r["title"],
        "channel": r["channel"], "urgency": r["urgency"], "status": r["status"],
        "status_label": _STATUS_LABELS.get(r["status"], r["status"]),
        "category": ({"code": r["category__code"], "name": r["category__name"]}
                     if r["category__code"] is not None else None),
        "department": ({"code": r["department__code"], "name": r["department__name"]}
                       if r["department__code"] is not None else None),
        "region": {"code": r["region__code"], "name": r["region__name"]} if r["region__code"] is not None else None,
        "address": r["address"], "received_at": r["received_at"], "due_at": r["due_at"],
        "due_provisional": r["due_provisional"], "warned": r["warned"], "overdue": r["overdue"],
        "duplicate_of": r["duplicate_of__number"],
    }


def _ticket_page(request: HttpRequest, source: "QuerySet[Ticket] | selectors.TicketPage",
                 paging: PageParams, memo_key: Any = None) -> HttpResponse:
    """One page of a ticket list, answered as the API's renderer would answer the validated
    ``PagedTicketListOut`` (the same bytes, tested), without building model instances or
    validating 50 rows again: rows are plain values, shaped by ``_list_row``.

    The total is counted only when the page does not show the list's end, and then at most
    ``COUNT_CAP`` rows (``count_exact: false`` beyond; ADR 0024)."""
    size, page = paging.page_size, paging.page

    def count() -> tuple[int, bool]:
        if isinstance(source, selectors.TicketPage):
            return source.bounded_count()
        return bounded_count(source, memo_key=memo_key)

    cursor = getattr(paging, "cursor", None)
    if cursor:  # a keyset walk (core.pagination.keyset_page): oldest change first
        return api_json(keyset_page(request, (selectors.ticket_keyset_rows(source),
                                              lambda rows: [_list_row(r) for r in rows]),
                                    cursor=cursor, page_size=size, keys=("updated_at", "id"),
                                    count=lambda _: count()))
    offset = (page - 1) * size
    rows = selectors.ticket_rows(source, offset, offset + size + 1)
    has_next, rows = len(rows) > size, rows[:size]
    total, exact = page_count(page=page, page_size=size, rows=len(rows), has_next=has_next, count=count)
    return api_json(page_body(request, items=[_list_row(r) for r in rows], count=total, page=page,
                              page_size=size, exact=exact, has_next=has_next))


def _duplicate_number(t: Ticket, known: dict[int, str] | None) -> str | None:
    if not t.duplicate_of_id:
        return None
    if known is not None and t.duplicate_of_id in known:
        return known[t.duplicate_of_id]
    return t.duplicate_of.number if t.duplicate_of else None


def _event_out(e: TicketEvent) -> dict[str, Any]:
    return {"at": e.at, "action": e.action, "action_label": e.get_action_display(), "actor": e.actor_label,
            "from_status": e.from_status, "to_status": e.to_status,
            "department": e.department.name if e.department else None, "note": e.note, "data": e.data}


def _detail_fields(t: Ticket, *, view: Any, merged_into: str | None) -> dict[str, Any]:
    """What a detail shows besides the list row and the related rows, in ``TicketOut``'s order."""
    return {
        "text": t.text, "lng": t.lng, "lat": t.lat, "limit_class": t.limit_class,
        "warning_at": t.warning_at, "dispatched_at": t.dispatched_at, "accepted_at": t.accepted_at,
        "replied_at": t.replied_at, "callback_at": t.callback_at, "closed_at": t.closed_at,
        "dispatch_via": t.dispatch_via, "dispatch_note": t.dispatch_note,
        "classifier": {"label": t.classifier_label, "confidence": t.classifier_confidence,
                       "model_version": t.classifier_version, "alternatives": t.classifier_alternatives},
        "reply_text": t.reply_text, "satisfaction": t.satisfaction, "solved": t.solved,
        "return_count": t.return_count, "reopen_count": t.reopen_count, "merged_into": merged_into,
        "supporters": t.supporters, "site_check": t.site_check,
        "requester": {"name": view.name, "phone": view.phone, "confidential": view.confidential,
                      "hidden": view.hidden},
    }


def _detail_out(request: HttpRequest, t: Ticket) -> dict[str, Any]:
    view = selectors.requester_view(actor=request.user, ticket=t)
    fresh = selectors.ticket_parts_fresh(t)  # a new ticket: its rows as just written
    if fresh is not None:
        duplicates = ({t.duplicate_of_id: fresh.duplicate_number}
                      if t.duplicate_of_id and fresh.duplicate_number else None)
        cohandlers, attachments, events = fresh.cohandlers, fresh.attachments, fresh.events
    else:
        duplicates = None
        cohandlers = selectors.ticket_cohandlers(ticket=t)
        attachments = list(t.attachments.all())
        events = list(selectors.ticket_events(ticket=t))
    return {
        **_list_out(t, duplicates),
        **_detail_fields(t, view=view, merged_into=t.merged_into.number if t.merged_into_id and t.merged_into
                         else None),
        "cohandlers": [{"department": ch.department.name, "status": ch.status, "request": ch.request,
                        "reply_text": ch.reply_text} for ch in cohandlers],
        "attachments": [{"id": a.public_id, "name": a.name, "content_type": a.content_type, "size": a.size}
                        for a in attachments],
        "events": [_event_out(e) for e in events],
    }


def _created_response(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """The 201 answer of a new ticket: ``_detail_out``'s dict rendered as it is. It is already
    what validating it into ``TicketOut`` and dumping it gives (same keys, order and values:
    test_api_detail.py compares the bytes over every intake outcome), so the second
    validation is skipped (≈ 0.6 ms of an intake's CPU, issue 18). ``Location`` as the API's
    ``create_response`` sets it for this operation: the ticket's detail address."""
    body = _detail_out(request, ticket)
    response = api_json(body, status=201)
    response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{ticket.public_id}")
    return response


_ACTION_LABELS = dict(c.Action.choices)


def _detail_response(request: HttpRequest, t: Ticket) -> HttpResponse:
    """``_detail_out`` answered as the API's renderer would answer the validated ``TicketOut``
    (the same bytes, tested in test_api_detail.py) from ``selectors.ticket_detail_get``'s ticket
    and ``ticket_detail_rows``' plain rows: one query per related list, no model instances for
    them and no second validation."""
    view = selectors.requester_view(actor=request.user, ticket=t)
    rows = selectors.ticket_detail_rows(ticket=t)
    known = {t.duplicate_of_id: t.detail_duplicate_number} if t.duplicate_of_id else None  # type: ignore[attr-defined]
    body = {
        **_list_out(t, known),
        **_detail_fields(t, view=view, merged_into=getattr(t, "detail_merged_number", None)),
        "cohandlers": [{"department": ch["department__name"], "status": ch["status"], "request": ch["request"],
                        "reply_text": ch["reply_text"]} for ch in rows.cohandlers],
        "attachments": [{"id": a["public_id"], "name": a["name"], "content_type": a["content_type"],
                         "size": a["size"]} for a in rows.attachments],
        "events": [{"at": e["at"], "action": e["action"], "action_label": _ACTION_LABELS.get(e["action"], e["action"]),
                    "actor": e["actor_label"], "from_status": e["from_status"], "to_status": e["to_status"],
                    "department": e["department__name"], "note": e["note"], "data": e["data"]}
                   for e in rows.events],
    }
    return api_json(body)


def _ticket(request: HttpRequest, ticket_id: UUID) -> Ticket:
    return selectors.ticket_get(actor=request.user, public_id=ticket_id)


def _department(code: str, field: str = "department_code") -> Department:
    try:
        return department_get(code=code)
    except NotFound:
        raise ValidationFailed("找不到该部门", code="department_not_found", fields={field: "找不到该部门"}) from None


def _category(code: str | None, field: str = "category_code") -> Category | None:
    if not code:
        return None
    try:
        return selectors.category_get(code=code)
    except NotFound:
        raise ValidationFailed("找不到该分类", code="category_not_found", fields={field: "找不到该分类"}) from None


# --- Reference data ---------------------------------------------------------------------------
@router.get("/tickets/categories", response=list[CategoryOut], summary="诉求分类（公开）")
def categories(request: HttpRequest, level: int | None = None) -> list[dict[str, Any]]:
    return [_category_out(cat) for cat in selectors.category_list(level=level)]


@router.post("/tickets/classify", response=SuggestionOut, auth=API_AUTH, summary="分类建议（话务员录入时实时显示）")
def classify(request: HttpRequest, payload: ClassifyIn) -> dict[str, Any]:
    if not selectors.is_dispatcher(request.user):
        raise PermissionDenied()
    where = services.location_resolve(address=payload.address, lng=payload.lng, lat=payload.lat)
    return suggestion_out(payload.text, region_path=where.region.path if where.region else "")


def suggestion_out(text: str, *, region_path: str = "") -> dict[str, Any]:
    """The classifier's suggestion for a text with the category and department it would lead to."""
    live = services.suggestion_live(text=text, region_path=region_path)
    suggestion, classified = live.classification.suggestion, live.classification
    return {
        "state": live.state,
        "label": suggestion.label if suggestion else None,
        "confidence": suggestion.confidence if suggestion else None,
        "confidence_level": live.level, "confidence_label": live.level_label,
        "model_version": suggestion.model_version if suggestion else "",
        "category": _category_out(classified.category) if classified.category else None,
        "predicted": _category_out(classified.predicted) if classified.predicted else None,
        "keyword": classified.keyword,
        "alternatives": suggestion.alternatives if suggestion else [],
        "department": _ref(live.department), "to_triage": live.to_triage,
    }


# --- Knowledge base ---------------------------------------------------------------------------
@router.get("/tickets/kb", response=list[KbOut], auth=API_AUTH, summary="知识库检索")
def kb_search(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    if not selectors.is_dispatcher(request.user):
        raise PermissionDenied()
    items: list[tuple[Any, float | None]]
    if q.strip():
        items = [(h.article, h.score) for h in selectors.kb_search(q=q, limit=10)]
    else:
        items = [(a, None) for a in selectors.kb_list()[:50]]
    return [{"id": a.public_id, "title": a.title, "question": a.question, "answer": a.answer,
             "keywords": a.keywords, "category_code": a.category.code if a.category else None, "uses": a.uses,
             "score": score} for a, score in items]


@router.post("/tickets/kb", response={201: KbOut}, auth=API_AUTH, summary="新增知识库条目")
@idempotent
def kb_create(request: HttpRequest, payload: KbIn) -> Status:
    article = services.kb_article_save(actor=request.user, title=payload.title, answer=payload.answer,
                                       question=payload.question, keywords=payload.keywords,
                                       category=_category(payload.category_code))
    return Status(201, {"id": article.public_id, "title": article.title, "question": article.question,
                        "answer": article.answer, "keywords": article.keywords,
                        "category_code": article.category.code if article.category else None, "uses": 0})


# --- Dispatch rules -------------------------------------------------------------------------
class RuleIn(Schema):
    department_code: str
    category_code: str | None = Field(None, description="分类代码（含下级）；空：任何分类")
    region_code: str | None = Field(None, description="区划代码（含下级）；空：全区")
    priority: int = 0
    note: str = ""
    is_active: bool = True


class RuleOut(Schema):
    id: UUID
    department: Ref
    category: Ref | None
    region: Ref | None
    priority: int
    note: str
    is_active: bool


def _rule_out(rule: Any) -> dict[str, Any]:
    return {"id": rule.public_id, "department": _ref(rule.department), "category": _ref(rule.category),
            "region": _ref(rule.region), "priority": rule.priority, "note": rule.note, "is_active": rule.is_active}


def _rule_args(payload: RuleIn) -> dict[str, Any]:
    return {"department": _department(payload.department_code), "category": _category(payload.category_code),
            "region": region_get(code=payload.region_code) if payload.region_code else None,
            "priority": payload.priority, "note": payload.note, "is_active": payload.is_active}


@router.get("/tickets/dispatch-rules", response=list[RuleOut], auth=API_AUTH, summary="派单规则")
def rules_list(request: HttpRequest) -> list[dict[str, Any]]:
    if not selectors.is_dispatcher(request.user):
        raise PermissionDenied()
    return [_rule_out(r) for r in selectors.dispatch_rule_list()]


@router.post("/tickets/dispatch-rules", response={201: RuleOut}, auth=API_AUTH, summary="新增派单规则")
@idempotent
def rules_create(request: HttpRequest, payload: RuleIn) -> Status:
    return Status(201, _rule_out(services.dispatch_rule_save(actor=request.user, **_rule_args(payload))))


def _rule(rule_id: UUID) -> Any:
    return selectors.dispatch_rule_get(public_id=rule_id)


@router.get("/tickets/dispatch-rules/{rule_id}", response=RuleOut, auth=API_AUTH, summary="派单规则详情",
            openapi_extra=GET_EXTRA)
def rules_get(request: HttpRequest, rule_id: UUID, response: HttpResponse) -> Any:
    if not selectors.is_dispatcher(request.user):
        raise PermissionDenied()
    rule = _rule(rule_id)
    tag = version_tag(rule)
    unchanged = not_modified(request, tag)
    if unchanged:
        return unchanged
    response["ETag"] = tag
    return _rule_out(rule)


@router.put("/tickets/dispatch-rules/{rule_id}", response=RuleOut, auth=API_AUTH, summary="修改派单规则",
            description="需在 If-Match 中提供读取时的 ETag（缺少 428，过期 412）。", openapi_extra=WRITE_EXTRA)
def rules_update(request: HttpRequest, rule_id: UUID, payload: RuleIn, response: HttpResponse) -> dict[str, Any]:
    rule = _rule(rule_id)
    require_if_match(request, version_tag(rule))
    saved = services.dispatch_rule_save(actor=request.user, rule=rule, **_rule_args(payload))
    response["ETag"] = version_tag(saved)
    return _rule_out(saved)


@router.delete("/tickets/dispatch-rules/{rule_id}", response={204: None}, auth=API_AUTH, summary="删除派单规则")
def rules_delete(request: HttpRequest, rule_id: UUID) -> Status:
    services.dispatch_rule_delete(actor=request.user, rule=_rule(rule_id))
    return Status(204, None)


# --- Queues -----------------------------------------------------------------------------------
QUEUES = {
    "triage": selectors.triage_queue,
    "department": selectors.department_inbox,
    "overdue": selectors.overdue_list,
    "warnings": selectors.warning_list,
    "callback": selectors.callback_queue,
    "reopen": selectors.reopen_candidates,
    "duplicates": selectors.duplicate_queue,
}


@router.get("/tickets/queues/{queue}", response=PagedTicketListOut, auth=API_AUTH,
            summary="工作队列：triage 待派单 / department 本部门待办 / overdue 超期 / warnings 预警 / "
                    "callback 待回访 / reopen 待决定重办 / duplicates 疑似重复")
def queue(request: HttpRequest, queue: str, paging: Query[PageParams]) -> HttpResponse:
    selector = QUEUES.get(queue)
    if selector is None:
        raise NotFound("没有这个队列", code="queue_not_found")
    return _ticket_page(request, selector(actor=request.user), paging,
                        memo_key=("ticket-queue", queue, request.user.pk, scope_for(request.user)))


@router.get("/tickets/supervision-orders", response=list[OrderOut], auth=API_AUTH, summary="督办单")
def orders(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [_order_out(o) for o in selectors.order_list(actor=request.user, status=status or None)[:200]]


def _order_out(o: SupervisionOrder) -> dict[str, Any]:
    return {"id": o.public_id, "ticket": o.ticket.number, "department": o.department.name if o.department else None,
            "reason": o.reason, "due_at": o.due_at, "status": o.status, "response": o.response}


@router.post("/tickets/supervision-orders/{order_id}/answer", response=OrderOut, auth=API_AUTH,
             summary="被督办部门反馈")
def order_answer(request: HttpRequest, order_id: UUID, payload: OrderAnswerIn) -> dict[str, Any]:
    order = selectors.order_get(public_id=order_id)
    return _order_out(services.supervision_order_answer(actor=request.user, order=order, response=payload.response))


@router.get("/tickets/extensions", response=list[ExtensionOut], auth=API_AUTH, summary="待审批的延期申请")
def extensions(request: HttpRequest) -> list[dict[str, Any]]:
    return [_extension_out(r) for r in selectors.extension_pending(actor=request.user)[:200]]


def _extension_out(r: ExtensionRequest) -> dict[str, Any]:
    return {"id": r.public_id, "ticket": r.ticket.number, "reason": r.reason, "amount": r.amount, "unit": r.unit,
            "status": r.status, "old_due_at": r.old_due_at, "new_due_at": r.new_due_at}


@router.post("/tickets/extensions/{request_id}/decide", response=ExtensionOut, auth=API_AUTH, summary="审批延期")
def extension_decide(request: HttpRequest, request_id: UUID, payload: DecideIn) -> dict[str, Any]:
    ext = selectors.extension_get(public_id=request_id)
    return _extension_out(services.extension_decide(actor=request.user, request=ext, approve=payload.approve,
                                                    note=payload.note))


# --- Rates and reports ------------------------------------------------------------------------
class RateOut(Schema):
    department: str
    received: int
    dispatched: int
    responded: int
    replied: int
    callbacks: int
    solved: int
    satisfied: int
    overdue: int
    reopened: int
    returns: int
    response_rate: float | None = Field(..., description="响应率：派单后按时签收的比例")
    resolution_rate: float | None = Field(..., description="解决率：回访中已解决的比例")
    satisfaction_rate: float | None = Field(..., description="满意率：回访中满意与基本满意的比例")
    on_time_rate: float | None = Field(..., description="按时办结率")


class RatesQuery(Schema):
    date_from: date = Field(..., alias="from", examples=["2026-11-01"])
    date_to: date = Field(..., alias="to", examples=["2026-11-30"])


class MonthlyOut(Schema):
    period: str
    total: RateOut
    departments: list[RateOut]
    by_kind: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_area: list[tuple[str, int]]
    hot_topics: list[tuple[str, int]]
    hot_spots: list[dict[str, Any]]
    worst_overdue: list[str] = Field(..., description="工单编号，超期最严重的在前")


@router.get("/tickets/rates", response=list[RateOut], auth=API_AUTH, summary="各部门“三率”（按权限范围）")
def rates(request: HttpRequest, query: Query[RatesQuery]) -> list[dict[str, Any]]:
    from . import reports

    if not selectors.is_supervisor(request.user) and not selectors.handler_departments(request.user) \
            and not selectors.is_dispatcher(request.user):
        raise PermissionDenied()
    period = reports.Period.between(query.date_from, query.date_to)
    rows = reports.department_rates(actor=request.user, period=period)
    return [r.as_dict() for r in rows] + [reports.totals(rows).as_dict()]


@router.get("/tickets/reports/monthly", response=MonthlyOut, auth=API_AUTH, summary="每月情况通报（数据）")
def monthly(request: HttpRequest, month: str = "") -> dict[str, Any]:
    from onewindow.accounts.constants import Role

    from . import reports

    if not scope_for(request.user).has_role(Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR):
        raise PermissionDenied()
    data = reports.monthly_report(actor=request.user, period=reports.Period.month(month or None))
    return {"period": data.period.label, "total": data.total.as_dict(),
            "departments": [r.as_dict() for r in data.departments], "by_kind": data.by_kind,
            "by_channel": data.by_channel, "by_category": data.by_category, "by_area": data.by_area,
            "hot_topics": data.hot_topics, "hot_spots": data.hot_spots,
            "worst_overdue": [t.number for t in data.worst_overdue]}


# --- 12345 call-centre intake and bulk export ---------------------------------------------------
@router.post("/tickets/calls", response={201: TicketOut, 200: TicketOut}, auth=API_AUTH,
             summary="话务系统登记来电（按来电编号幂等）",
             description="同一 call_id 再次提交时返回 200 和已登记的工单，不会重复建单。需要话务员权限。")
def call_intake(request: HttpRequest, payload: TicketCallIn) -> Status:
    ticket, created = services.ticket_call_intake(
        actor=request.user, call_id=payload.call_id, caller_phone=payload.caller_number,
        recording_ref=payload.recording_ref, received_at=payload.received_at, kind=payload.kind,
        text=payload.text, title=payload.title, urgency=payload.urgency, address=payload.address,
        lng=payload.lng, lat=payload.lat, requester_name=payload.requester_name,
        requester_phone=payload.requester_phone, confidential=payload.confidential,
        requester_user=None, category=_category(payload.category_code))
    return Status(201 if created else 200, _detail_out(request, ticket))


EXPORT_COLUMNS = ("number", "received_at", "channel", "kind", "status", "title", "category_code", "category",
                  "department_code", "department", "region_code", "address", "due_at", "replied_at", "overdue",
                  "call_id", "recording_ref", "updated_at")


def _export_row(t: Ticket) -> dict[str, Any]:
    local = lambda v: timezone.localtime(v).isoformat() if v else ""  # noqa: E731
    return {"number": t.number, "received_at": local(t.received_at), "channel": t.channel, "kind": t.kind,
            "status": t.status, "title": t.title, "category_code": t.category.code if t.category else "",
            "category": t.category.name if t.category else "",
            "department_code": t.department.code if t.department else "",
            "department": t.department.name if t.department else "",
            "region_code": t.region.code if t.region else "", "address": t.address, "due_at": local(t.due_at),
            "replied_at": local(t.replied_at), "overdue": t.overdue, "call_id": t.call_id,
            "recording_ref": t.recording_ref, "updated_at": local(t.updated_at)}


@router.get("/tickets/export", response={200: None}, auth=API_AUTH, summary="批量导出工单（流式 CSV / JSON Lines）",
            description="按受理时间段导出权限范围内的工单，逐行流式输出；不含诉求人姓名和电话。",
            openapi_extra={"responses": {200: {"description": "CSV 或 JSON Lines", "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}}}}}})
def export(request: HttpRequest, query: Query[TicketExportQuery]) -> StreamingHttpResponse:
    from onewindow.core.exports import export_response

    if not all(2000 <= v.year <= 2100 for v in (query.received_from, query.received_to)):
        raise ValidationFailed("导出时间应在 2000 年到 2100 年之间", code="export_period_invalid",
                               fields={"received_from": "导出时间应在 2000 年到 2100 年之间"})
    aware = lambda v: v if timezone.is_aware(v) else timezone.make_aware(v)  # noqa: E731
    query.received_from, query.received_to = aware(query.received_from), aware(query.received_to)
    if query.received_to <= query.received_from or (query.received_to - query.received_from).days > 366:
        raise ValidationFailed("导出时间段应在 1 天到 366 天之间", code="export_period_invalid",
                               fields={"received_to": "导出时间段应在 1 天到 366 天之间"})
    qs = selectors.ticket_list(actor=request.user, filters=selectors.TicketFilters(
        received_from=query.received_from, received_to=query.received_to, order="newest")).defer(None) \
        .select_related("category", "department", "region").only(
        "number", "received_at", "channel", "kind", "status", "title", "category__code", "category__name",
        "department__code", "department__name", "region__code", "address", "due_at", "replied_at", "overdue",
        "call_id", "recording_ref", "updated_at")
    services.ticket_export_record(actor=request.user, received_from=query.received_from,
                                  received_to=query.received_to, fmt=query.format)

    name = f"tickets-{timezone.localtime(query.received_from):%Y%m%d}-{timezone.localtime(query.received_to):%Y%m%d}"
    return export_response(qs.iterator(chunk_size=500), record=_export_row, columns=EXPORT_COLUMNS,
                           fmt=query.format, filename=name)


# --- Tickets ------------------------------------------------------------------------------------
# Routes with a {ticket_id} come last: they would shadow the fixed paths above.
@router.post("/tickets", response={201: TicketOut}, auth=API_AUTH, summary="受理诉求（各渠道统一入口）")
@idempotent
def intake(request: HttpRequest, payload: IntakeIn) -> HttpResponse:
    if payload.channel not in (c.Channel.HOTLINE, c.Channel.WEB, c.Channel.MOBILE, c.Channel.API, c.Channel.GRID):
        raise ValidationFailed("渠道取值无效", code="channel_invalid", fields={"channel": "渠道取值无效"})
    article = selectors.kb_get(public_id=payload.answer_article_id) if payload.answer_article_id else None
    ticket = services.ticket_intake(
        actor=request.user, kind=payload.kind, text=payload.text, title=payload.title, channel=payload.channel,
        urgency=payload.urgency, address=payload.address, lng=payload.lng, lat=payload.lat,
        region=region_get(code=payload.region_code) if payload.region_code else None,
        requester_name=payload.requester_name, requester_phone=payload.requester_phone,
        confidential=payload.confidential, requester_user=request.user,
        category=_category(payload.category_code), answer_article=article, answer_text=payload.answer_text,
    )
    return _created_response(request, ticket)


@router.get("/tickets", response=PagedTicketListOut, auth=API_AUTH, summary="工单列表（按权限范围）",
            description="q 在网址中不能含身份证号或手机号（400 personal_lookup_in_url）；按诉求人电话查询请用 "
                        "POST /tickets/search。")
def ticket_list(request: HttpRequest, filters: Query[TicketFilterSchema],
                paging: Query[CursorPageParams]) -> HttpResponse:
    url_lookup_check(filters.q, field="q")
    return _ticket_page(request, _ticket_list(request, filters), paging)


@router.post("/tickets/search", response=PagedTicketListOut, auth=API_AUTH,
             summary="查询工单（条件在请求体中，可按诉求人电话号码）")
def ticket_search(request: HttpRequest, payload: TicketFilterSchema,
                  paging: Query[CursorPageParams]) -> HttpResponse:
    return _ticket_page(request, _ticket_list(request, payload), paging)


def _ticket_list(request: HttpRequest, filters: TicketFilterSchema) -> selectors.TicketPage:
    department_id = _department(filters.department, "department").id if filters.department else None
    category = _category(filters.category, "category")
    region_path = ""
    if filters.region:
        region_path = region_get(code=filters.region).path
    page = selectors.ticket_page(actor=request.user, filters=selectors.TicketFilters(
        status=tuple(s for s in filters.status.split(",") if s), department_id=department_id,
        category_path=category.path if category else "", region_path=region_path, kind=filters.kind,
        channel=filters.channel, overdue=filters.overdue, warned=filters.warned, q=filters.q,
        received_from=filters.received_from, received_to=filters.received_to, order=filters.order,
        updated_since=filters.updated_since,
    ))
    return page


@router.get("/tickets/by-number/{number}", response=TicketOut, auth=API_AUTH, summary="按编号查看工单")
def ticket_by_number(request: HttpRequest, number: str) -> HttpResponse:
    return _detail_response(request, selectors.ticket_detail_get(actor=request.user, number=number))


@router.get("/tickets/{ticket_id}", response=TicketOut, auth=API_AUTH, summary="工单详情与办理时间线")
def ticket_detail(request: HttpRequest, ticket_id: UUID) -> HttpResponse:
    return _detail_response(request, selectors.ticket_detail_get(actor=request.user, public_id=ticket_id))


@router.post("/tickets/{ticket_id}/attachments", response={201: dict}, auth=API_AUTH, summary="上传附件")
@idempotent
def attachment_add(request: HttpRequest, ticket_id: UUID, file: File[UploadedFile]) -> Status:
    ticket = _ticket(request, ticket_id)
    if not (selectors.is_dispatcher(request.user) or selectors.is_department_handler(request.user,
                                                                                     ticket.department_id)):
        raise PermissionDenied()
    content = file.read(c.MAX_ATTACHMENT_BYTES + 1)
    item = services.AttachmentIn(name=file.name or "附件", content_type=file.content_type or "", content=content)
    attachment = services.ticket_attachment_add(actor=request.user, ticket=ticket, attachment=item)
    return Status(201, {"id": str(attachment.public_id), "name": attachment.name, "size": attachment.size})


def _step(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    return _detail_out(request, _ticket(request, ticket.public_id))


@router.post("/tickets/{ticket_id}/dispatch", response=TicketOut, auth=API_AUTH, summary="派单 / 退回后改派")
def dispatch(request: HttpRequest, ticket_id: UUID, payload: DispatchIn) -> dict[str, Any]:
    ticket = services.ticket_dispatch(actor=request.user, ticket=_ticket(request, ticket_id),
                                      department=_department(payload.department_code),
                                      category=_category(payload.category_code), limit_class=payload.limit_class,
                                      note=payload.note)
    return _step(request, ticket)


@router.post("/tickets/{ticket_id}/accept", response=TicketOut, auth=API_AUTH, summary="承办部门签收")
def accept(request: HttpRequest, ticket_id: UUID) -> dict[str, Any]:
    return _step(request, services.ticket_accept(actor=request.user, ticket=_ticket(request, ticket_id)))


@router.post("/tickets/{ticket_id}/return", response=TicketOut, auth=API_AUTH, summary="退回（派单有误）")
def return_(request: HttpRequest, ticket_id: UUID, payload: TicketReasonIn) -> dict[str, Any]:
    ticket = services.ticket_return(actor=request.user, ticket=_ticket(request, ticket_id), reason=payload.reason)
    if selectors.ticket_visible(request.user, ticket):
        return _step(request, ticket)
    return _detail_out(request, ticket)


@router.post("/tickets/{ticket_id}/cohandlers", response={201: TicketOut}, auth=API_AUTH, summary="增加协办单位")
@idempotent
def cohandler_add(request: HttpRequest, ticket_id: UUID, payload: CoHandlerIn) -> Status:
    ticket = _ticket(request, ticket_id)
    services.ticket_cohandler_add(actor=request.user, ticket=ticket, department=_department(payload.department_code),
                                  request=payload.request)
    return Status(201, _step(request, ticket))


@router.post("/tickets/{ticket_id}/cohandler-reply", response=TicketOut, auth=API_AUTH, summary="协办单位反馈")
def cohandler_reply(request: HttpRequest, ticket_id: UUID, payload: TextIn) -> dict[str, Any]:
    ticket = _ticket(request, ticket_id)
    services.ticket_cohandler_reply(actor=request.user, ticket=ticket, text=payload.text)
    return _step(request, ticket)


@router.post("/tickets/{ticket_id}/reply", response=TicketOut, auth=API_AUTH, summary="答复诉求人")
def reply(request: HttpRequest, ticket_id: UUID, payload: TextIn) -> dict[str, Any]:
    return _step(request, services.ticket_reply(actor=request.user, ticket=_ticket(request, ticket_id),
                                                text=payload.text))


@router.post("/tickets/{ticket_id}/callback", response=TicketOut, auth=API_AUTH, summary="回访（满意度、是否解决）")
def callback(request: HttpRequest, ticket_id: UUID, payload: CallbackIn) -> dict[str, Any]:
    return _step(request, services.ticket_callback(actor=request.user, ticket=_ticket(request, ticket_id),
                                                   satisfaction=payload.satisfaction, solved=payload.solved,
                                                   note=payload.note))


@router.post("/tickets/{ticket_id}/site-check", response=TicketOut, auth=API_AUTH,
             summary="现场核实（网格上报事件，由网格员代替电话回访）")
def site_check(request: HttpRequest, ticket_id: UUID, payload: CallbackIn) -> dict[str, Any]:
    return _step(request, services.ticket_site_check(actor=request.user, ticket=_ticket(request, ticket_id),
                                                     solved=payload.solved, satisfaction=payload.satisfaction,
                                                     note=payload.note))


@router.post("/tickets/{ticket_id}/close", response=TicketOut, auth=API_AUTH, summary="办结（回访不满意后）")
def close(request: HttpRequest, ticket_id: UUID, payload: NoteIn) -> dict[str, Any]:
    return _step(request, services.ticket_close(actor=request.user, ticket=_ticket(request, ticket_id),
                                                note=payload.note))


@router.post("/tickets/{ticket_id}/reopen", response=TicketOut, auth=API_AUTH, summary="重新办理（限一次）")
def reopen(request: HttpRequest, ticket_id: UUID, payload: TicketReasonIn) -> dict[str, Any]:
    return _step(request, services.ticket_reopen(actor=request.user, ticket=_ticket(request, ticket_id),
                                                 reason=payload.reason))


@router.post("/tickets/{ticket_id}/merge", response=TicketOut, auth=API_AUTH, summary="合并重复工单")
def merge(request: HttpRequest, ticket_id: UUID, payload: MergeIn) -> dict[str, Any]:
    ticket = _ticket(request, ticket_id)
    target = payload.into.strip()
    try:
        into = (selectors.ticket_get_by_number(actor=request.user, number=target) if target.startswith("12345-")
                else selectors.ticket_get(actor=request.user, public_id=target))
    except NotFound:
        raise ValidationFailed("找不到主工单", code="merge_target_not_found", fields={"into": "找不到主工单"}) from None
    return _step(request, services.ticket_merge(actor=request.user, ticket=ticket, into=into))


@router.post("/tickets/{ticket_id}/answer", response=TicketOut, auth=API_AUTH, summary="咨询：知识库直接答复并办结")
def answer(request: HttpRequest, ticket_id: UUID, payload: AnswerIn) -> dict[str, Any]:
    article = selectors.kb_get(public_id=payload.article_id) if payload.article_id else None
    return _step(request, services.ticket_answer_on_call(actor=request.user, ticket=_ticket(request, ticket_id),
                                                         article=article, text=payload.text))


@router.post("/tickets/{ticket_id}/reveal", response=TicketRevealOut, auth=API_AUTH,
             summary="查看诉求人完整联系方式（记入审计）")
def reveal(request: HttpRequest, ticket_id: UUID, payload: TicketReasonIn) -> dict[str, str]:
    return services.ticket_requester_reveal(actor=request.user, ticket=_ticket(request, ticket_id),
                                            reason=payload.reason)


@router.post("/tickets/{ticket_id}/supervision-orders", response={201: OrderOut}, auth=API_AUTH, summary="督办")
@idempotent
def order_create(request: HttpRequest, ticket_id: UUID, payload: OrderIn) -> Status:
    order = services.supervision_order_create(actor=request.user, ticket=_ticket(request, ticket_id),
                                              reason=payload.reason, due_at=payload.due_at)
    return Status(201, _order_out(order))


@router.post("/tickets/{ticket_id}/extensions", response={201: ExtensionOut}, auth=API_AUTH, summary="申请延期")
@idempotent
def extension_create(request: HttpRequest, ticket_id: UUID, payload: ExtensionIn) -> Status:
    ext = services.extension_request_create(actor=request.user, ticket=_ticket(request, ticket_id),
                                            reason=payload.reason, amount=payload.amount, unit=payload.unit)
    return Status(201, _extension_out(ext))

