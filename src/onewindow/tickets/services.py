"""Writes of the hotline: intake (one function for every channel) and every step after it.

Each function owns its transaction, locks the ticket row, checks the step against the status
machine (rules.TRANSITIONS) and the actor's role, writes a TicketEvent for the timeline and an
audit entry, and publishes outbox events other apps may use (e.g. to text the requester).

Who may do what:
- hotline operators (热线话务员) take calls, answer from the knowledge base, call back;
- dispatchers = hotline operators or supervisors: triage, dispatch, redispatch, merge;
- department reviewers (部门审批人员) of the owner department: accept, return, reply,
  ask for more time, answer supervision orders; of a co-handling department: its feedback;
- supervisors (监督管理人员): supervision orders, extension decisions, reopen (once), close.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.events import event_publish
from onewindow.core.masking import mask_phone
from onewindow.core.phones import phone_normalise
from onewindow.core.selectors import work_calendar
from onewindow.core.uploads import content_sniff, image_check
from onewindow.core.workdays import local_date
from onewindow.regions.models import Region

from . import constants as c
from . import learning, rules, selectors
from .constants import Action, Status
from .dispatch import dispatch_decide
from .models import (
    Category,
    DispatchRule,
    ExtensionRequest,
    HotlineConfig,
    KnowledgeArticle,
    Open311Client,
    SupervisionOrder,
    Ticket,
    TicketAttachment,
    TicketCoHandler,
    TicketCounter,
    TicketEvent,
    TicketReturn,
    TimeLimitSetting,
)
from .similarity import Sample, best_duplicate

logger = logging.getLogger(__name__)

EVENT_TICKET_REPLIED = "ticket.replied"
EVENT_TICKET_CLOSED = "ticket.closed"
EVENT_TICKET_DISPATCHED = "ticket.dispatched"
EVENT_TICKET_SITE_CHECKED = "ticket.site_checked"
EVENT_TICKET_REOPENED = "ticket.reopened"
EVENT_TICKET_MERGED = "ticket.merged"
DUPLICATE_CANDIDATES = 200


# --- Helpers ----------------------------------------------------------------------------------
def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "系统"
    return str(getattr(actor, "display_name", "") or actor.get_username())


def _actor_id(actor: Any) -> int | None:
    return actor.pk if getattr(actor, "is_authenticated", False) else None


def _event(ticket: Ticket, *, actor: Any, action: str, at: datetime, from_status: str = "",
           to_status: str = "", note: str = "", data: dict[str, Any] | None = None,
           department: Department | None = None, save: bool = True) -> TicketEvent:
    event = TicketEvent(
        ticket=ticket, at=at, actor_id=_actor_id(actor), actor_label=_label(actor), action=action,
        from_status=from_status, to_status=to_status or from_status, note=note[:2000],
        data=data or {}, department=department,
    )
    if save:
        event.save()
    return event


def _audit(actor: Any, ticket: Ticket, action: str, **summary: Any) -> None:
    code = action if action in (c.AUDIT_TICKET_CREATE, c.AUDIT_TICKET_MERGE, c.AUDIT_TICKET_DEADLINE) \
        else c.AUDIT_TICKET_TRANSITION
    step = {"step": action} if code == c.AUDIT_TICKET_TRANSITION else {}
    audit_record(actor=actor if getattr(actor, "is_authenticated", False) else None, action=code,
                 obj=ticket, summary={"number": ticket.number, **step, **summary})


def _locked(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock (the caller is inside a transaction)."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    # keep related objects the caller already loaded
    for name in ("category", "department", "region"):
        cache = ticket._state.fields_cache.get(name)
        if cache is not None and getattr(cache, "pk", None) == getattr(fresh, f"{name}_id"):
            fresh._state.fields_cache[name] = cache
    return fresh


def _copy_back(target: Ticket, source: Ticket) -> None:
    """Let the caller's object reflect what was saved."""
    target.__dict__.update({k: v for k, v in source.__dict__.items() if k != "_state"})
    target._state.fields_cache = dict(source._state.fields_cache)


def _required_text(value: str, *, field_name: str, label: str, min_len: int = 2,
                   max_len: int = 2000) -> str:
    # a browser sends a line break as CRLF; counted as one character, as the page counts it
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) < min_len:
        msg = f"请填写{label}" if not text else f"{label}过短（至少{min_len}个字）"
        raise ValidationFailed(msg, code=f"{field_name}_required", fields={field_name: msg})
    if len(text) > max_len:
        msg = f"{label}最多 {max_len} 字，现有 {len(text)} 字，请删减 {len(text) - max_len} 字"
        raise ValidationFailed(msg, code=f"{field_name}_too_long", fields={field_name: msg})
    return text


def _choice(value: str, choices: Any, *, field_name: str, label: str) -> str:
    if value not in choices.values:
        msg = f"{label}取值无效"
        raise ValidationFailed(msg, code=f"{field_name}_invalid", fields={field_name: msg})
    return str(value)


def _require(condition: bool, message: str = "您没有执行此操作的权限", code: str = "permission_denied") -> None:
    if not condition:
        raise PermissionDenied(message, code=code)


def _require_visible(actor: Any, ticket: Ticket) -> None:
    if actor is not None and not selectors.ticket_visible(actor, ticket):
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found")


def _require_dispatcher(actor: Any, ticket: Ticket) -> None:
    _require_visible(actor, ticket)
    _require(selectors.is_dispatcher(actor), "只有热线话务员或监督管理人员可以派单", "not_dispatcher")


def _require_supervisor(actor: Any, ticket: Ticket) -> None:
    _require_visible(actor, ticket)
    _require(selectors.is_supervisor(actor), "只有监督管理人员可以执行此操作", "not_supervisor")


def _require_owner(actor: Any, ticket: Ticket) -> None:
    _require_visible(actor, ticket)
    _require(selectors.is_department_handler(actor, ticket.department_id),
             "只有承办部门的工作人员可以执行此操作", "not_owner_department")


def phone_clean(value: str, *, field_name: str = "requester_phone") -> str:
    """A requester's number checked by the Chinese rules (core.phones): an 11-digit mobile or a
    landline with its area code; hotline numbers such as 12345 are refused."""
    return phone_normalise(value, field=field_name)


# --- Classification ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    """The classifier's decision in the shape the ticket records it."""

    label: str
    confidence: float
    model_version: str
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    threshold: float | None = None  # the model's own auto-dispatch threshold, when it has one
    stage: str = "full"  # "fast": the sparse model alone (intake); "full": with embeddings
    refinable: bool = False  # the full stage may still change a fast suggestion
    ms: float = 0.0  # how long the classification took (milliseconds)


def _alternatives(raw: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in list(raw or [])[:5]:
        if isinstance(item, dict):
            label, conf = item.get("label"), item.get("confidence", item.get("score"))
        elif isinstance(item, list | tuple) and len(item) >= 2:
            label, conf = item[0], item[1]
        else:
            label, conf = getattr(item, "label", None), getattr(item, "confidence", None)
        if label is None:
            continue
        try:
            out.append({"label": str(label), "confidence": round(float(conf or 0.0), 4)})
        except (TypeError, ValueError):
            continue
    return out


def classify(text: str, *, threshold: float | None = None, stage: str = "full") -> Suggestion | None:
    """Ask the classifier (tickets.classifier) for a category; None when it has no answer.

    ``threshold`` is the district's auto-dispatch threshold: with category paths the classifier
    answers with the deepest category whose confidence reaches it. ``stage="fast"`` asks the
    sparse model alone (intake and the live suggestion: milliseconds; the embedding members run
    later in ``ticket_classify_refine``). A missing or failing model never stops intake: the
    ticket then goes to the dispatcher.
    """
    from . import classifier

    unavailable = getattr(classifier, "ClassifierUnavailable", None)
    started = time.perf_counter()
    try:
        result = classifier.classify(text, threshold=threshold, stage=stage)
    except Exception as exc:
        if unavailable is not None and isinstance(exc, unavailable):
            logger.info("no trained ticket classifier yet; the ticket goes to triage")
        else:
            logger.exception("ticket classifier failed; the ticket goes to triage")
        return None
    if result is None:
        return None
    label = getattr(result, "label", None)
    if label is None and isinstance(result, dict):
        label = result.get("label")
    if not label:
        return None

    def get(name: str, default: Any) -> Any:
        if isinstance(result, dict):
            return result.get(name, default)
        return getattr(result, name, default)

    try:
        confidence = float(get("confidence", 0.0))
    except (TypeError, ValueError):
        confidence = 0.0
    try:
        own = float(get("threshold", None))
    except (TypeError, ValueError):
        own = None
    return Suggestion(label=str(label)[:100], confidence=max(0.0, min(confidence, 1.0)),
                      model_version=str(get("model_version", ""))[:60],
                      alternatives=_alternatives(get("alternatives", [])), threshold=own,
                      stage=str(get("stage", stage)), refinable=bool(get("refinable", False)),
                      ms=round((time.perf_counter() - started) * 1000, 2))


@dataclass(frozen=True)
class Classification:
    """What the classifier says about a text, and the category that leads to."""

    suggestion: Suggestion | None
    predicted: Category | None  # the category the classifier's label names
    category: Category | None  # ``predicted``, or the subcategory the text's keywords point to
    keyword: str = ""  # the word that refined it

    @property
    def confidence(self) -> float | None:
        return self.suggestion.confidence if self.suggestion is not None and self.category is not None else None


def category_refined(category: Category | None, text: str) -> tuple[Category | None, str]:
    """A category that is not a leaf, refined by the keywords of its subcategories found in
    the text ("城乡建设" + "垃圾" → "环境卫生"; see rules.category_refine)."""
    if category is None or category.level >= 3:
        return category, ""
    refined = rules.category_refine(path=category.path, text=text, candidates=selectors.category_keyword_table())
    if refined is None:
        return category, ""
    deeper = selectors.category_by_path(refined[0])
    return (deeper, refined[1]) if deeper is not None else (category, "")


def classification_for(text: str, *, suggestion: Suggestion | None = None, stage: str = "full") -> Classification:
    """Classify a text (or take a suggestion already made) and resolve it to a category."""
    suggestion = suggestion if suggestion is not None else classify(text, stage=stage)
    if suggestion is None:
        return Classification(None, None, None)
    predicted = selectors.category_resolve(suggestion.label)
    category, keyword = category_refined(predicted, text)
    return Classification(suggestion, predicted, category, keyword)


SUGGESTION_MIN_CHARS = 4


def classifier_ready() -> bool:
    """Whether a trained model is there (a missing model sends every ticket to triage)."""
    try:
        from . import classifier  # type: ignore[attr-defined]
    except ImportError:
        return False
    version = getattr(classifier, "current_version", None)
    try:
        return version() is not None if callable(version) else True
    except Exception:
        return False


@dataclass(frozen=True)
class LiveSuggestion:
    """What the operator sees while typing: the category path, the confidence in words, and
    the department the rules would give the ticket at the place typed so far."""

    state: str  # "ok", "too_short" (keep typing), "unavailable" (no trained model), "unknown"
    classification: Classification
    department: Department | None = None
    to_triage: bool = True
    level: str = "low"  # rules.confidence_level

    @property
    def level_label(self) -> str:
        return c.CONFIDENCE_LABELS[self.level]


def suggestion_live(*, text: str, region_path: str = "") -> LiveSuggestion:
    """The live suggestion for the operator's call form (and the classify API)."""
    empty = Classification(None, None, None)
    if len((text or "").strip()) < SUGGESTION_MIN_CHARS:
        return LiveSuggestion("too_short", empty)
    classified = classification_for(text, stage="fast")  # while the operator types: milliseconds
    if classified.suggestion is None:
        return LiveSuggestion("unknown" if classifier_ready() else "unavailable", empty)
    config = selectors.hotline_config(region_path=region_path) if region_path else selectors.hotline_config()
    confidence = classified.suggestion.confidence
    department = None
    if classified.category is not None:
        decision = dispatch_decide(rules=selectors.dispatch_rule_specs(), category_path=classified.category.path,
                                   region_path=region_path, fallback_department_id=None,
                                   confidence=confidence, threshold=config.triage_threshold)
        department = selectors.department_by_id(decision.department_id)
    return LiveSuggestion("ok", classified, department=department,
                          to_triage=classified.category is None or confidence < config.triage_threshold,
                          level=rules.confidence_level(confidence, config.triage_threshold))


# --- Regions and deadlines --------------------------------------------------------------------
def _district_root() -> Region | None:
    from django.conf import settings

    return selectors.region_by_code(settings.ONEWINDOW_DISTRICT_CODE)


def region_resolve(*, lng: float | None, lat: float | None, region: Region | None) -> Region | None:
    """The deepest region of a point (point-in-polygon), else the given one, else the district."""
    if (lng is None) != (lat is None):
        msg = "经度和纬度须同时填写"
        raise ValidationFailed(msg, code="coordinates_incomplete", fields={"lng": msg, "lat": msg})
    if lng is not None and lat is not None:
        from onewindow.regions.selectors import region_locate

        located = region_locate(lng=lng, lat=lat)
        if located is not None:
            return located
    return region or _district_root()


@dataclass(frozen=True)
class Location:
    """Where a request is, as intake found it."""

    region: Region | None
    lng: float | None
    lat: float | None
    place_id: int | None = None
    place_name: str = ""
    source: str = c.LocationSource.NONE


def _text_place_kinds() -> tuple[str, ...]:
    # in the request's own words only a named, specific place counts (not "某某路")
    return ("community", "grid", "residence", "poi", "address")


def location_resolve(*, address: str = "", lng: float | None = None, lat: float | None = None,
                     region: Region | None = None, text: str = "") -> Location:
    """Where a request is, from what intake has, most trusted first:

    1. a point (the operator's map pick, an app's GPS): its deepest region by polygon; the
       address still names the place when it lies there;
    2. the address, resolved against the gazetteer (regions.selectors.address_resolve): the
       place, its region (a grid when its point lies in one) and its point;
    3. a region the caller gives (kept when the address says something else);
    4. a named place in the request's own words ("我住在银海畅园…");
    5. else the district, unlocated.
    """
    from onewindow.regions.selectors import address_resolve, gazetteer_index

    if (lng is None) != (lat is None):
        msg = "经度和纬度须同时填写"
        raise ValidationFailed(msg, code="coordinates_incomplete", fields={"lng": msg, "lat": msg})
    index = gazetteer_index()
    found = address_resolve(text=address, index=index) if (address or "").strip() else None
    if lng is not None and lat is not None:
        located = region_resolve(lng=lng, lat=lat, region=region)
        place_id, name = None, ""
        if found is not None and found.region is not None and located is not None and not found.ambiguous \
                and (found.region.path.startswith(located.path) or located.path.startswith(found.region.path)):
            place_id, name = found.place_id, found.place_name
        return Location(located, lng, lat, place_id, name, c.LocationSource.POINT)
    if found is not None and found.region is not None and (
            region is None or found.region.path.startswith(region.path) or region.path.startswith(found.region.path)):
        deeper = region if region is not None and region.path.startswith(found.region.path) else found.region
        return Location(deeper, found.lng, found.lat, found.place_id, found.place_name, c.LocationSource.ADDRESS)
    if region is not None:
        return Location(region, None, None, None, "", c.LocationSource.REGION)
    if (text or "").strip():
        named = address_resolve(text=text, index=index)
        if named is not None and named.region is not None and not named.ambiguous \
                and named.place_kind in _text_place_kinds():
            return Location(named.region, named.lng, named.lat, named.place_id, named.place_name,
                            c.LocationSource.TEXT)
    return Location(_district_root(), None, None)


def _limit_for(ticket: Ticket, *, requested: str | None = None) -> tuple[str, rules.TimeLimit]:
    limit_class = rules.limit_class_for(
        urgency=ticket.urgency, category_class=selectors.category_limit_class(ticket.category),
        requested=requested)
    return limit_class, selectors.time_limits()[limit_class]


def _apply_deadline(ticket: Ticket, *, start: datetime, config: HotlineConfig,
                    requested: str | None = None) -> None:
    limit_class, limit = _limit_for(ticket, requested=requested)
    due = rules.deadline_compute(start=start, limit=limit, calendar=work_calendar(),
                                 warning_ratio=config.warning_ratio)
    ticket.limit_class = limit_class
    ticket.clock_started_at = start
    ticket.due_at = due.due_at
    ticket.warning_at = due.warning_at
    ticket.due_provisional = due.provisional
    ticket.warned = False
    ticket.overdue = False


def _next_number(day: Any) -> str:
    """The next number of the day: one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement
    (the same on SQLite and PostgreSQL). The row lock it takes serialises concurrent intakes
    until the caller's transaction ends; a rolled-back intake gives its number back."""
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    sql = (f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
           f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last")
    with connection.cursor() as cursor:
        cursor.execute(sql, [day])
        row = cursor.fetchone()
    return rules.ticket_number(day, int(row[0]))


# --- Attachments ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttachmentIn:
    name: str
    content_type: str
    content: bytes


def _attachments_check(files: Sequence[AttachmentIn]) -> list[AttachmentIn]:
    """The attachments with the type their content shows (``core.uploads.content_sniff``): the
    client's declared type is ignored, like case materials; images must decode and not be
    decompression bombs. A file name is cut to its last 200 characters without its path."""
    if len(files) > c.MAX_ATTACHMENTS:
        msg = f"附件最多{c.MAX_ATTACHMENTS}个"
        raise ValidationFailed(msg, code="attachments_too_many", fields={"attachments": msg})
    checked = []
    for f in files:
        name = re.sub(r"[\x00-\x1f\x7f]", "", re.split(r"[\\/]", f.name or "")[-1]).strip()[-200:] or "附件"
        if len(f.content) > c.MAX_ATTACHMENT_BYTES:
            msg = f"附件“{name[:40]}”超过 {c.MAX_ATTACHMENT_BYTES // 1024 // 1024} MB"
            raise ValidationFailed(msg, code="attachment_too_large", fields={"attachments": msg})
        sniffed = content_sniff(f.content[:512])
        if sniffed is None or sniffed.content_type not in c.ATTACHMENT_TYPES:
            msg = f"附件“{name[:40]}”的类型不受支持（可上传图片、PDF、音视频或文本）"
            raise ValidationFailed(msg, code="attachment_type", fields={"attachments": msg})
        if sniffed.content_type.startswith("image/"):
            image_check(f.content, label=name[:40], field="attachments", damaged_code="attachment_damaged",
                        damaged_message=f"附件“{name[:40]}”已损坏或不完整，请重新上传")
        checked.append(AttachmentIn(name=name, content_type=sniffed.content_type, content=f.content))
    return checked


def _attachments_save(ticket: Ticket, files: Sequence[AttachmentIn], actor: Any) -> list[TicketAttachment]:
    saved = []
    for f in files:
        attachment = TicketAttachment(ticket=ticket, name=f.name[:200] or "附件", content_type=f.content_type,
                                      size=len(f.content), uploaded_by_id=_actor_id(actor))
        attachment.file.save(attachment.name, ContentFile(f.content), save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def ticket_attachment_add(*, actor: Any, ticket: Ticket, attachment: AttachmentIn,
                          now: datetime | None = None) -> TicketAttachment:
    """Add a photo or document to a ticket (hotline staff or the owner department)."""
    now = _now(now)
    _require_visible(actor, ticket)
    _require(selectors.is_dispatcher(actor) or selectors.is_department_handler(actor, ticket.department_id),
             "只有热线或承办部门可以上传附件", "permission_denied")
    if ticket.attachments.count() >= c.MAX_ATTACHMENTS:
        raise ValidationFailed(f"附件最多{c.MAX_ATTACHMENTS}个", code="attachments_too_many")
    attachment = _attachments_check([attachment])[0]
    with transaction.atomic():
        _attachments_save(ticket, [attachment], actor)
        saved = ticket.attachments.order_by("-id").first()
        assert saved is not None
        _audit(actor, ticket, "attachment_add", name=saved.name, size=saved.size)
    return saved


# --- Intake -----------------------------------------------------------------------------------
def ticket_intake_check(*, kind: str, text: str, title: str = "", requester_phone: str = "",
                        phone_required: bool = False) -> None:
    """Every problem of a request's fields at once (ticket_intake stops at the first), so that a
    form can mark all of them; raises ValidationFailed with one message per field."""
    fields: dict[str, str] = {}
    codes: list[str] = []
    checks: list[tuple[str, Any]] = [
        ("kind", lambda: _choice(kind, c.TicketKind, field_name="kind", label="诉求类型")),
        ("text", lambda: _required_text(text, field_name="text", label="诉求内容", min_len=5, max_len=c.MAX_TEXT)),
        ("title", lambda: _title_check(title)),
        ("requester_phone", lambda: _phone_check(requester_phone, required=phone_required)),
    ]
    for _name, check in checks:
        try:
            check()
        except ValidationFailed as error:
            fields.update(error.fields)
            codes.append(error.code)
    if len(codes) == 1:
        raise ValidationFailed(next(iter(fields.values())), code=codes[0], fields=fields)
    if codes:
        raise ValidationFailed(code="validation_failed", fields=fields)


def _title_check(title: str) -> None:
    if len((title or "").strip()) > c.MAX_TITLE:
        msg = f"标题最多 {c.MAX_TITLE} 字"
        raise ValidationFailed(msg, code="title_too_long", fields={"title": msg})


def _phone_check(phone: str, *, required: bool) -> None:
    if required and not (phone or "").strip():
        msg = "请填写联系电话，以便回访"
        raise ValidationFailed(msg, code="phone_required", fields={"requester_phone": msg})
    phone_clean(phone)


def _intake_permission(actor: Any, channel: str) -> None:
    from onewindow.accounts.constants import Role

    scope = scope_for(actor)
    if channel == c.Channel.HOTLINE:
        _require(scope.has_role(Role.HOTLINE_OPERATOR), "只有热线话务员可以登记来电", "not_operator")
    elif channel == c.Channel.IMPORT:
        _require(scope.has_role(Role.HOTLINE_OPERATOR, Role.SUPERVISOR), "只有热线话务员或监督管理人员可以导入",
                 "not_operator")
    elif channel == c.Channel.GRID:
        _require(scope.has_role(Role.GRID_WORKER, Role.HOTLINE_OPERATOR), "只有网格员可以上报事件",
                 "not_grid_worker")


@dataclass(frozen=True)
class CallInfo:
    """What the telephony system knows about the call a ticket came from."""

    call_id: str
    caller_phone: str = ""
    recording_ref: str = ""


CALL_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def ticket_export_record(*, actor: Any, received_from: datetime, received_to: datetime, fmt: str) -> None:
    """Bulk exports are for dispatchers and departments (their own scope), and audited."""
    scope = scope_for(actor)
    _require(selectors.is_dispatcher(actor) or bool(scope.department_ids) or scope.all_departments,
             "只有派单员和承办部门可以导出工单", "export_forbidden")
    with transaction.atomic():
        audit_record(actor=actor, action=c.AUDIT_TICKET_EXPORT, object_type="ticket", object_id="export",
                     summary={"from": received_from.isoformat(), "to": received_to.isoformat(), "format": fmt})


def ticket_call_intake(*, actor: Any, call_id: str, caller_phone: str = "", recording_ref: str = "",
                       received_at: datetime | None = None, **intake: Any) -> tuple[Ticket, bool]:
    """A call from the 12345 telephony system: one ticket per ``call_id``. Returns the ticket and
    whether it was created now (False: the call was already registered, e.g. a retried post)."""
    _intake_permission(actor, c.Channel.HOTLINE)
    call_id = (call_id or "").strip()
    if not CALL_ID_RE.match(call_id):
        msg = "来电编号应为 1–64 位字母、数字或 . _ : -"
        raise ValidationFailed(msg, code="call_id_invalid", fields={"call_id": msg})
    existing = Ticket.objects.filter(call_id=call_id).first()
    if existing is not None:
        return existing, False
    caller = phone_clean(caller_phone, field_name="caller_phone") if (caller_phone or "").strip() else ""
    recording_ref = (recording_ref or "").strip()
    if len(recording_ref) > 200:
        msg = "录音编号最多 200 个字符"
        raise ValidationFailed(msg, code="recording_ref_too_long", fields={"recording_ref": msg})
    if received_at is not None:
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        if received_at > timezone.now() + timedelta(minutes=5):
            msg = "来电时间不能晚于当前时间"
            raise ValidationFailed(msg, code="received_at_future", fields={"received_at": msg})
        if received_at < timezone.now() - timedelta(days=366):
            msg = "来电时间不能早于一年前"
            raise ValidationFailed(msg, code="received_at_too_old", fields={"received_at": msg})
    from django.db import IntegrityError

    try:
        ticket = ticket_intake(actor=actor, channel=c.Channel.HOTLINE, received_at=received_at,
                               call=CallInfo(call_id=call_id, caller_phone=caller, recording_ref=recording_ref),
                               **intake)
    except IntegrityError:  # the same call posted twice at once: the other post registered it
        return Ticket.objects.get(call_id=call_id), False
    return ticket, True


def ticket_intake(
    *,
    actor: Any,
    kind: str,
    text: str,
    channel: str,
    title: str = "",
    urgency: str = c.Urgency.NORMAL,
    address: str = "",
    lng: float | None = None,
    lat: float | None = None,
    region: Region | None = None,
    requester_name: str = "",
    requester_phone: str = "",
    confidential: bool = False,
    requester_user: Any = None,
    category: Category | None = None,
    attachments: Sequence[AttachmentIn] = (),
    received_at: datetime | None = None,
    external_id: str = "",
    supporters: int = 0,
    answer_article: KnowledgeArticle | None = None,
    answer_text: str = "",
    media_url: str = "",
    requester_email: str = "",
    call: CallInfo | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Register a request from any channel, classify it, dispatch it (or queue it for a person),
    set its time limit and look for duplicates. With ``answer_article``/``answer_text`` a
    consultation is answered from the knowledge base and closed on the call."""
    now = _now(now)
    _intake_permission(actor, channel)
    kind = _choice(kind, c.TicketKind, field_name="kind", label="诉求类型")
    channel = _choice(channel, c.Channel, field_name="channel", label="渠道")
    urgency = _choice(urgency or c.Urgency.NORMAL, c.Urgency, field_name="urgency", label="紧急程度")
    text = _required_text(text, field_name="text", label="诉求内容", min_len=5, max_len=c.MAX_TEXT)
    _title_check(title)
    title = (title or "").strip() or text.replace("\n", " ")[:30]
    address = (address or "").strip()[:300]
    requester_name = (requester_name or "").strip()[:60]
    requester_phone = phone_clean(requester_phone)
    answering = bool(answer_article is not None or (answer_text or "").strip())
    duplicate_number = None
    if answering and kind != c.TicketKind.CONSULT:
        msg = "只有咨询类诉求可以直接答复办结"
        raise ValidationFailed(msg, code="answer_only_consult", fields={"kind": msg})
    attachments = _attachments_check(attachments)
    where = location_resolve(address=address, lng=lng, lat=lat, region=region, text=f"{title}\n{text}")
    located = where.region
    received_at = received_at or now
    config = selectors.hotline_config(region_path=located.path if located else "")
    suggestion = None if answering else classify(f"{title}\n{text}", threshold=config.triage_threshold,
                                                  stage="fast")
    classified = classification_for(f"{title}\n{text}", suggestion=suggestion) if suggestion else None

    effective = category
    confidence: float | None = 1.0 if category is not None else None
    if effective is None and classified is not None:
        effective, confidence = classified.category, classified.confidence

    ticket = Ticket(
        kind=kind, title=title, text=text, channel=channel, urgency=urgency, received_at=received_at,
        address=address, lng=where.lng, lat=where.lat, region=located, region_path=located.path if located else "",
        place_id=where.place_id, place_name=where.place_name[:100], location_source=where.source,
        requester_name=requester_name, requester_phone=requester_phone,
        requester_phone_hash=lookup_hash(requester_phone) if requester_phone else "",
        requester_user=requester_user if getattr(requester_user, "is_authenticated", False) else None,
        confidential=bool(confidential), category=effective, external_id=(external_id or "")[:64],
        media_url=(media_url or "")[:500], requester_email=(requester_email or "").strip()[:254],
        call_id=call.call_id if call else "", caller_phone=call.caller_phone if call else "",
        caller_phone_hash=lookup_hash(call.caller_phone) if call and call.caller_phone else "",
        recording_ref=call.recording_ref if call else "",
        supporters=max(int(supporters or 0), 0), created_by_id=_actor_id(actor),
        site_check=channel == c.Channel.GRID,
    )
    if suggestion is not None:
        ticket.classifier_label = suggestion.label
        ticket.classifier_confidence = suggestion.confidence
        ticket.classifier_version = suggestion.model_version
        ticket.classifier_alternatives = suggestion.alternatives
    _apply_deadline(ticket, start=received_at, config=config)

    with transaction.atomic():
        ticket.number = _next_number(local_date(received_at))
        events = [_event(ticket, actor=actor, action=Action.RECEIVE, at=now, to_status=Status.RECEIVED,
                         note=f"{ticket.get_channel_display()}受理", save=False,
                         data={"limit_class": ticket.limit_class, "due_at": ticket.due_at.isoformat()
                               if ticket.due_at else None, "provisional": ticket.due_provisional})]
        if suggestion is not None:
            keyword = classified.keyword if classified is not None and category is None else ""
            events.append(_event(ticket, actor=None, action=Action.CLASSIFY, at=now, from_status=Status.RECEIVED,
                                 note=_classify_note(suggestion, effective if category is None else None, keyword,
                                                     threshold=config.triage_threshold),
                                 save=False,
                                 data={"label": suggestion.label, "confidence": suggestion.confidence,
                                       "model_version": suggestion.model_version,
                                       "category": effective.code if effective else None,
                                       "keyword": keyword, "alternatives": suggestion.alternatives,
                                       "stage": suggestion.stage, "ms": suggestion.ms}))
        if answering:
            events += _answer_on_call(ticket, actor=actor, article=answer_article, text=answer_text, now=now)
        else:
            events += _auto_dispatch(ticket, actor=actor, config=config, confidence=confidence, now=now,
                                     model_threshold=suggestion.threshold
                                     if suggestion is not None and category is None else None)
            duplicate = _duplicate_find(ticket, config=config)
            if duplicate is not None:
                ticket.duplicate_of_id, ticket.duplicate_score, duplicate_number = duplicate
                events.append(_event(ticket, actor=None, action=Action.DUPLICATE_FLAG, at=now,
                                     from_status=ticket.status, save=False,
                                     note="与在办工单疑似重复，请派单员核对合并",
                                     data={"ticket_id": duplicate[0], "score": round(duplicate[1], 3)}))
        ticket.save()
        TicketEvent.objects.bulk_create(events)
        saved = _attachments_save(ticket, attachments, actor)
        audit_record(actor=actor if getattr(actor, "is_authenticated", False) else None,
                     action=c.AUDIT_TICKET_CREATE, obj=ticket, summary={
                         "number": ticket.number, "channel": channel, "kind": kind,
                         "status": ticket.status, "department": ticket.department.code if ticket.department else "",
                         "category": effective.code if effective else "",
                         "classifier": {"label": ticket.classifier_label, "confidence": ticket.classifier_confidence,
                                        "version": ticket.classifier_version},
                         "phone": mask_phone(requester_phone)})
        if ticket.status == Status.DISPATCHED:
            _publish(EVENT_TICKET_DISPATCHED, ticket)
        if ticket.status == Status.TRIAGE and category is None and not answering and (
                suggestion.refinable if suggestion is not None else _refine_available()):
            # the fast stage was not sure (or could not answer): the full model takes a second
            # look in the background and dispatches if it is sure enough
            ticket_id = ticket.pk
            transaction.on_commit(lambda: _refine_enqueue(ticket_id))
    # everything the detail shows was written just now: hand it over, no re-read
    selectors.ticket_parts_remember(ticket, selectors.TicketParts(
        events=events, attachments=saved, cohandlers=[],
        duplicate_number=duplicate_number if ticket.duplicate_of_id else None))
    return ticket


def _classify_note(suggestion: Suggestion, category: Category | None, keyword: str, *, threshold: float) -> str:
    level = c.CONFIDENCE_LABELS[rules.confidence_level(suggestion.confidence, threshold)]
    what = category.full_name if category is not None else suggestion.label
    why = f"，按关键词“{keyword}”细化" if keyword else ""
    return f"智能分类：{what}（把握{level}，{suggestion.confidence:.0%}{why}）"


REFINE_TASK = "onewindow.tickets.tasks.ticket_classify_refine_task"


def _refine_available() -> bool:
    from . import classifier

    check = getattr(classifier, "refine_available", None)
    try:
        return bool(check()) if callable(check) else False
    except Exception:
        logger.exception("cannot tell whether the classifier has a full stage")
        return False


def _refine_enqueue(ticket_id: int) -> None:
    """Schedule the full-stage classification of a ticket (by name: tasks import services)."""
    try:
        import_string(REFINE_TASK).enqueue(ticket_id)
    except Exception:  # the queue is down: the ticket stays with the dispatcher, as before
        logger.exception("could not schedule the classifier refinement of ticket %s", ticket_id)


def ticket_classify_refine(*, ticket_id: int, now: datetime | None = None) -> str:
    """The second, slower look of the classifier (sparse + embedding members) at a ticket that
    intake's fast stage left to the dispatcher. Only while it is still untriaged: it then takes
    the new suggestion and, when that is sure enough for the dispatch rules, dispatches it.

    Returns what happened: "missing", "decided" (a person or the fast stage already dispatched
    it), "unavailable" (no full stage), "kept" (suggestion updated, still with the dispatcher)
    or "dispatched".
    """
    now = _now(now)
    ticket = Ticket.objects.filter(pk=ticket_id).only("id", "status", "title", "text", "region_path").first()
    if ticket is None:
        return "missing"
    if ticket.status != Status.TRIAGE:
        return "decided"
    config = selectors.hotline_config(region_path=ticket.region_path)
    text = f"{ticket.title}\n{ticket.text}"
    suggestion = classify(text, threshold=config.triage_threshold, stage="full")
    if suggestion is None or suggestion.stage == "fast":
        return "unavailable"
    classified = classification_for(text, suggestion=suggestion)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        if ticket.status != Status.TRIAGE or ticket.department_id is not None:
            return "decided"
        previous = {"label": ticket.classifier_label, "confidence": ticket.classifier_confidence,
                    "version": ticket.classifier_version}
        ticket.classifier_label = suggestion.label
        ticket.classifier_confidence = suggestion.confidence
        ticket.classifier_version = suggestion.model_version
        ticket.classifier_alternatives = suggestion.alternatives
        fields = ["classifier_label", "classifier_confidence", "classifier_version",
                  "classifier_alternatives", "updated_at"]
        if classified.category is not None:
            ticket.category = classified.category
            fields.append("category")
        keyword = classified.keyword
        events = [_event(ticket, actor=None, action=Action.CLASSIFY, at=now, from_status=ticket.status,
                         note="语义复核 · " + _classify_note(suggestion, classified.category, keyword,
                                                          threshold=config.triage_threshold),
                         save=False,
                         data={"label": suggestion.label, "confidence": suggestion.confidence,
                               "model_version": suggestion.model_version,
                               "category": classified.category.code if classified.category else None,
                               "keyword": keyword, "alternatives": suggestion.alternatives,
                               "stage": suggestion.stage, "ms": suggestion.ms, "previous": previous})]
        threshold = max(config.triage_threshold, suggestion.threshold or 0.0)
        decision = dispatch_decide(
            rules=selectors.dispatch_rule_specs(),
            category_path=classified.category.path if classified.category else None,
            region_path=ticket.region_path, fallback_department_id=config.fallback_department_id,
            confidence=classified.confidence, threshold=threshold)
        if not decision.to_triage:
            events += _auto_dispatch(ticket, actor=None, config=config, confidence=classified.confidence,
                                     now=now, model_threshold=suggestion.threshold)
            fields += ["status", "department", "dispatch_via", "dispatch_rule", "dispatch_note",
                       "dispatched_at", "dispatched_by"]
        ticket.save(update_fields=fields)
        TicketEvent.objects.bulk_create(events)
        _audit(None, ticket, Action.CLASSIFY, label=suggestion.label,
               confidence=round(suggestion.confidence, 4), stage=suggestion.stage,
               department=ticket.department.code if ticket.department_id and ticket.department else "")
        if ticket.status == Status.DISPATCHED:
            _publish(EVENT_TICKET_DISPATCHED, ticket)
            return "dispatched"
    return "kept"


def _publish(name: str, ticket: Ticket, **extra: Any) -> None:
    event_publish(name=name, payload={"ticket": str(ticket.public_id), "number": ticket.number,
                                      "status": ticket.status, "region_path": ticket.region_path, **extra})


def _auto_dispatch(ticket: Ticket, *, actor: Any, config: HotlineConfig, confidence: float | None,
                   now: datetime, model_threshold: float | None = None) -> list[TicketEvent]:
    # a model's own threshold (≥ 95 % right on its cross-validation) may be stricter
    threshold = max(config.triage_threshold, model_threshold or 0.0)
    decision = dispatch_decide(
        rules=selectors.dispatch_rule_specs(),
        category_path=ticket.category.path if ticket.category else None,
        region_path=ticket.region_path, fallback_department_id=config.fallback_department_id,
        confidence=confidence, threshold=threshold,
    )
    before = ticket.status
    if decision.to_triage:
        ticket.status = rules.transition_check(before, Action.TRIAGE)
        ticket.dispatch_note = decision.reason[:200]
        return [_event(ticket, actor=None, action=Action.TRIAGE, at=now, from_status=before,
                       to_status=ticket.status, note=decision.reason, save=False)]
    ticket.status = rules.transition_check(before, Action.DISPATCH)
    ticket.department_id = decision.department_id
    ticket.dispatch_via = decision.via
    ticket.dispatch_rule_id = decision.rule_id
    ticket.dispatch_note = decision.reason[:200]
    ticket.dispatched_at = now
    ticket.dispatched_by = None
    department = selectors.department_by_id(decision.department_id)
    ticket.department = department
    return [_event(ticket, actor=None, action=Action.DISPATCH, at=now, from_status=before,
                   to_status=ticket.status, note=f"自动派单至{department}：{decision.reason}",
                   department=department, save=False,
                   data={"via": decision.via, "rule": decision.rule_id, "candidates": list(decision.candidates)})]


def _answer_on_call(ticket: Ticket, *, actor: Any, article: KnowledgeArticle | None, text: str,
                    now: datetime) -> list[TicketEvent]:
    _require(selectors.is_operator(actor), "只有热线话务员可以直接答复", "not_operator")
    answer = (text or "").strip() or (article.answer if article else "")
    answer = _required_text(answer, field_name="answer_text", label="答复内容", max_len=c.MAX_TEXT)
    before = ticket.status
    ticket.status = rules.transition_check(before, Action.ANSWER_ON_CALL)
    ticket.kb_article = article
    ticket.reply_text = answer
    ticket.replied_at = ticket.closed_at = now
    ticket.replied_by_id = _actor_id(actor)
    ticket.dispatch_via = c.DispatchVia.KNOWLEDGE
    if article is not None:
        KnowledgeArticle.objects.filter(pk=article.pk).update(uses=F("uses") + 1)
    return [_event(ticket, actor=actor, action=Action.ANSWER_ON_CALL, at=now, from_status=before,
                   to_status=ticket.status, note=answer, save=False,
                   data={"article": str(article.public_id) if article else None})]


def _duplicate_find(ticket: Ticket, *, config: HotlineConfig) -> tuple[int, float, str] | None:
    """The open ticket this one likely repeats: (id, score, number)."""
    window = timedelta(hours=config.duplicate_window_hours)
    codes = [p for p in ticket.region_path.split("/") if p]
    # the community (or the street, for a ticket located no deeper) bounds the candidates
    prefix = "/" + "/".join(codes[:3]) + "/" if codes else ""
    qs = Ticket.objects.filter(status__in=list(c.OPEN_STATUSES), received_at__gte=ticket.received_at - window,
                               received_at__lte=ticket.received_at + window)
    if ticket.pk:
        qs = qs.exclude(pk=ticket.pk)
    qs = qs.filter(region_path__startswith=prefix) if prefix else qs.filter(region_path="")
    if ticket.category is not None:
        # the same problem is classified alike: compare within the same top-level category
        qs = qs.filter(category_id__in=selectors.category_ids_under(ticket.category.path[:4]))
    rows = qs.order_by("-received_at").values_list("id", "title", "text", "received_at", "region_path",
                                                   "address", "lng", "lat", "number")[:DUPLICATE_CANDIDATES]
    numbers = {}
    candidates = []
    for i, t, x, r, p, a, lo, la, number in rows:
        numbers[i] = number
        candidates.append(Sample(id=i, text=f"{t}\n{x}", received_at=r, region_path=p, address=a, lng=lo, lat=la))
    new = Sample(id=ticket.pk or 0, text=f"{ticket.title}\n{ticket.text}", received_at=ticket.received_at,
                 region_path=ticket.region_path, address=ticket.address, lng=ticket.lng, lat=ticket.lat)
    found = best_duplicate(new, candidates, window=window, threshold=config.duplicate_threshold)
    return (found[0], found[1], numbers[found[0]]) if found is not None else None


def ticket_answer_on_call(*, actor: Any, ticket: Ticket, article: KnowledgeArticle | None = None,
                          text: str = "", now: datetime | None = None) -> Ticket:
    """Answer a consultation waiting for dispatch from the knowledge base, and close it."""
    now = _now(now)
    _require_visible(actor, ticket)
    if ticket.kind != c.TicketKind.CONSULT:
        raise ValidationFailed("只有咨询类诉求可以直接答复办结", code="answer_only_consult")
    with transaction.atomic():
        locked = _locked(ticket)
        events = _answer_on_call(locked, actor=actor, article=article, text=text, now=now)
        locked.save()
        TicketEvent.objects.bulk_create(events)
        _audit(actor, locked, "answer_on_call", article=str(article.public_id) if article else "")
    _copy_back(ticket, locked)
    return ticket


# --- Dispatcher -------------------------------------------------------------------------------
def ticket_dispatch(*, actor: Any, ticket: Ticket, department: Department, category: Category | None = None,
                    limit_class: str | None = None, note: str = "", now: datetime | None = None) -> Ticket:
    """A dispatcher assigns the owner department (from triage, or again after a return)."""
    now = _now(now)
    _require_dispatcher(actor, ticket)
    if not department.is_active:
        raise ValidationFailed("该部门已停用", code="department_inactive", fields={"department": "该部门已停用"})
    if limit_class and limit_class not in c.LimitClass.values:
        raise ValidationFailed("时限类别无效", code="limit_class_invalid", fields={"limit_class": "时限类别无效"})
    with transaction.atomic():
        t = _locked(ticket)
        before = t.status
        t.status = rules.transition_check(before, Action.DISPATCH)
        events: list[TicketEvent] = []
        if category is not None and category.pk != t.category_id:
            events.append(_event(t, actor=actor, action=Action.CATEGORY_CHANGE, at=now, from_status=before,
                                 note=f"分类改为：{category.full_name}", save=False,
                                 data={"from": t.category.code if t.category else None, "to": category.code}))
            t.category = category
        if limit_class and limit_class != t.limit_class:
            config = selectors.hotline_config(region_path=t.region_path)
            _apply_deadline(t, start=t.clock_started_at or t.received_at, config=config, requested=limit_class)
            events.append(_event(t, actor=actor, action=Action.DEADLINE_RECOMPUTE, at=now, from_status=before,
                                 note=f"时限类别改为：{c.LimitClass(limit_class).label}", save=False,
                                 data={"due_at": t.due_at.isoformat() if t.due_at else None}))
        if before in (Status.TRIAGE, Status.RETURNED) or category is not None:
            # a person decided the category: the classifier learns from it
            learning.label_record(
                ticket=t, category=t.category, actor=actor, now=now,
                source=(c.LabelSource.TRIAGE if before == Status.TRIAGE else c.LabelSource.REDISPATCH
                        if before == Status.RETURNED else c.LabelSource.CORRECTION))
        t.department = department
        t.dispatched_at = now
        t.dispatched_by_id = _actor_id(actor)
        t.dispatch_via = c.DispatchVia.DISPATCHER
        t.dispatch_rule = None
        t.dispatch_note = (note or "").strip()[:200]
        t.accepted_at = None
        t.save()
        events.append(_event(t, actor=actor, action=Action.DISPATCH, at=now, from_status=before, to_status=t.status,
                             department=department, note=f"派单至{department}" + (f"：{note}" if note else ""),
                             save=False,
                             data={"via": c.DispatchVia.DISPATCHER, "redispatch": before == Status.RETURNED}))
        TicketEvent.objects.bulk_create(events)
        _audit(actor, t, "dispatch", department=department.code, from_status=before)
        _publish(EVENT_TICKET_DISPATCHED, t)
    _copy_back(ticket, t)
    return ticket


def ticket_merge(*, actor: Any, ticket: Ticket, into: Ticket, now: datetime | None = None) -> Ticket:
    """Merge a duplicate into the main ticket: its requester gets the main ticket's answer."""
    now = _now(now)
    _require_dispatcher(actor, ticket)
    _require_visible(actor, into)
    if ticket.pk == into.pk:
        raise ValidationFailed("不能与自身合并", code="merge_self")
    if into.status == Status.MERGED:
        raise Conflict("主工单本身已被合并，请选择其主工单", code="merge_into_merged")
    with transaction.atomic():
        t = _locked(ticket)
        main = Ticket.objects.select_for_update().get(pk=into.pk)
        before = t.status
        t.status = rules.transition_check(before, Action.MERGE)
        t.merged_into = main
        t.closed_at = None
        events = [_event(t, actor=actor, action=Action.MERGE, at=now, from_status=before, to_status=t.status,
                         note=f"合并至 {main.number}", data={"into": main.number}, save=False),
                  _event(main, actor=actor, action=Action.MERGE, at=now, from_status=main.status,
                         note=f"合并入重复工单 {t.number}", data={"merged": t.number}, save=False)]
        if main.replied_at and main.reply_text:
            t.reply_text, t.replied_at = main.reply_text, now
            events.append(_event(t, actor=actor, action=Action.MERGE_ANSWER, at=now, from_status=t.status,
                                 note=main.reply_text, save=False))
        t.save()
        TicketEvent.objects.bulk_create(events)
        audit_record(actor=actor, action=c.AUDIT_TICKET_MERGE, obj=t,
                     summary={"number": t.number, "into": main.number})
        _publish(EVENT_TICKET_MERGED, t, into=main.number)
        if t.replied_at:
            _publish(EVENT_TICKET_REPLIED, t)
    _copy_back(ticket, t)
    return ticket


def ticket_duplicate_dismiss(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The dispatcher decides a flagged ticket is not a duplicate after all."""
    now = _now(now)
    _require_dispatcher(actor, ticket)
    with transaction.atomic():
        t = _locked(ticket)
        if t.duplicate_of_id is None:
            return ticket
        t.duplicate_of = None
        t.duplicate_score = None
        t.save(update_fields=["duplicate_of", "duplicate_score", "updated_at"])
        _event(t, actor=actor, action=Action.DUPLICATE_FLAG, at=now, from_status=t.status, note="核实非重复件")
        _audit(actor, t, "duplicate_dismiss")
    _copy_back(ticket, t)
    return ticket


# --- Department -------------------------------------------------------------------------------
def ticket_accept(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The owner department signs for the ticket (签收)."""
    now = _now(now)
    _require_owner(actor, ticket)
    with transaction.atomic():
        t = _locked(ticket)
        before = t.status
        t.status = rules.transition_check(before, Action.ACCEPT)
        t.accepted_at = now
        t.save(update_fields=["status", "accepted_at", "updated_at"])
        _event(t, actor=actor, action=Action.ACCEPT, at=now, from_status=before, to_status=t.status,
               department=t.department)
        _audit(actor, t, "accept", department=t.department.code if t.department else "")
    _copy_back(ticket, t)
    return ticket


def ticket_return(*, actor: Any, ticket: Ticket, reason: str, category: Category | None = None,
                  now: datetime | None = None) -> Ticket:
    """The owner department sends a wrongly dispatched ticket back, with a reason, within the limit.

    The return counts against whoever dispatched it (a dispatcher, or the rules), not the department.
    A ``category`` the department names as the right one is kept as a label for the classifier
    (the dispatcher's redispatch, if it differs, supersedes it).
    """
    now = _now(now)
    _require_owner(actor, ticket)
    reason = _required_text(reason, field_name="reason", label="退回理由", min_len=4, max_len=500)
    with transaction.atomic():
        t = _locked(ticket)
        before = t.status
        target = rules.transition_check(before, Action.RETURN)
        config = selectors.hotline_config(region_path=t.region_path)
        if t.dispatched_at and not rules.return_allowed(
                dispatched_at=t.dispatched_at, now=now, limit_working_days=config.return_limit_working_days,
                calendar=work_calendar()):
            days = config.return_limit_working_days
            raise Conflict(f"已超过退回时限（派单后{days}个工作日内），请继续办理或申请协调",
                           code="return_too_late")
        department = t.department
        assert department is not None
        TicketReturn.objects.create(ticket=t, department=department, reason=reason,
                                    dispatched_by_id=t.dispatched_by_id, dispatch_via=t.dispatch_via,
                                    returned_by_id=_actor_id(actor), returned_at=now)
        if category is not None:
            learning.label_record(ticket=t, category=category, actor=actor, now=now,
                                  source=c.LabelSource.RETURN)
        t.status = target
        t.department = None
        t.accepted_at = None
        t.return_count += 1
        t.save(update_fields=["status", "department", "accepted_at", "return_count", "updated_at"])
        _event(t, actor=actor, action=Action.RETURN, at=now, from_status=before, to_status=t.status,
               department=department, note=reason,
               data={"dispatched_by": t.dispatched_by_id, "via": t.dispatch_via})
        _audit(actor, t, "return", department=department.code, reason=reason[:200])
    _copy_back(ticket, t)
    return ticket


def ticket_cohandler_add(*, actor: Any, ticket: Ticket, department: Department, request: str = "",
                         now: datetime | None = None) -> TicketCoHandler:
    """Add a co-handling department (协办单位): by the owner department or a dispatcher."""
    now = _now(now)
    _require_visible(actor, ticket)
    _require(selectors.is_dispatcher(actor) or selectors.is_department_handler(actor, ticket.department_id),
             "只有承办部门或派单员可以增加协办单位", "not_owner_department")
    if department.pk == ticket.department_id:
        raise ValidationFailed("协办单位不能是承办部门本身", code="cohandler_is_owner",
                               fields={"department": "协办单位不能是承办部门本身"})
    if ticket.status in c.FINAL_STATUSES:
        raise Conflict("工单已办结，不能增加协办单位", code="ticket_closed")
    with transaction.atomic():
        t = _locked(ticket)
        cohandler, created = TicketCoHandler.objects.get_or_create(
            ticket=t, department=department,
            defaults={"request": (request or "").strip()[:500], "added_by_id": _actor_id(actor)})
        if not created:
            raise Conflict("该部门已是协办单位", code="cohandler_exists")
        _event(t, actor=actor, action=Action.COHANDLER_ADD, at=now, from_status=t.status, department=department,
               note=request or "")
        _audit(actor, t, "cohandler_add", department=department.code)
    return cohandler


def ticket_cohandler_reply(*, actor: Any, ticket: Ticket, text: str, now: datetime | None = None) -> TicketCoHandler:
    """A co-handling department gives its feedback to the owner."""
    now = _now(now)
    ids = selectors.handler_departments(actor)
    cohandler = TicketCoHandler.objects.select_related("department").filter(
        ticket=ticket, department_id__in=ids).first()
    if cohandler is None:
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found")
    text = _required_text(text, field_name="text", label="协办意见", max_len=c.MAX_TEXT)
    with transaction.atomic():
        cohandler.status = c.CoHandlerStatus.DONE
        cohandler.reply_text = text
        cohandler.replied_at = now
        cohandler.save(update_fields=["status", "reply_text", "replied_at", "updated_at"])
        _event(ticket, actor=actor, action=Action.COHANDLER_REPLY, at=now, from_status=ticket.status,
               department=cohandler.department, note=text)
        _audit(actor, ticket, "cohandler_reply", department=cohandler.department.code)
    return cohandler


def ticket_reply(*, actor: Any, ticket: Ticket, text: str, now: datetime | None = None) -> Ticket:
    """The owner department answers the requester (答复); merged duplicates get the same answer."""
    now = _now(now)
    _require_owner(actor, ticket)
    text = _required_text(text, field_name="text", label="答复内容", min_len=5, max_len=c.MAX_TEXT)
    with transaction.atomic():
        t = _locked(ticket)
        before = t.status
        t.status = rules.transition_check(before, Action.REPLY)
        t.reply_text = text
        t.replied_at = now
        t.replied_by_id = _actor_id(actor)
        t.save(update_fields=["status", "reply_text", "replied_at", "replied_by", "updated_at"])
        late = bool(t.due_at and now > t.due_at)
        _event(t, actor=actor, action=Action.REPLY, at=now, from_status=before, to_status=t.status,
               department=t.department, note=text, data={"late": late})
        children = list(Ticket.objects.select_for_update().filter(merged_into=t))
        for child in children:
            child.reply_text, child.replied_at = text, now
            child.save(update_fields=["reply_text", "replied_at", "updated_at"])
            _event(child, actor=actor, action=Action.MERGE_ANSWER, at=now, from_status=child.status,
                   department=t.department, note=text, data={"main": t.number})
            _publish(EVENT_TICKET_REPLIED, child)
        # supervision orders are answered by the reply as well
        SupervisionOrder.objects.filter(ticket=t, status__in=[c.OrderStatus.OPEN, c.OrderStatus.OVERDUE]).update(
            status=c.OrderStatus.ANSWERED, response="已答复诉求人：" + text[:200], answered_at=now,
            answered_by_id=_actor_id(actor), updated_at=now)
        _audit(actor, t, "reply", late=late, merged=[ch.number for ch in children])
        _publish(EVENT_TICKET_REPLIED, t)
    _copy_back(ticket, t)
    return ticket


# --- Callback, close, reopen ------------------------------------------------------------------
def ticket_callback(*, actor: Any, ticket: Ticket, satisfaction: str, solved: bool, note: str = "",
                    now: datetime | None = None) -> Ticket:
    """The hotline calls the requester back (回访): satisfaction and whether it was solved.

    满意/基本满意 close the ticket; 不满意 leaves it for a supervisor (reopen once, or close).
    """
    now = _now(now)
    _require_dispatcher(actor, ticket)
    satisfaction = _choice(satisfaction, c.Satisfaction, field_name="satisfaction", label="满意度")
    if ticket.site_check:
        raise Conflict("网格上报的事件由上报的网格员现场核实，无需电话回访", code="ticket_site_check_required")
    with transaction.atomic():
        t = _locked(ticket)
        before = t.status
        t.status = rules.transition_check(before, Action.CALLBACK)
        t.satisfaction = satisfaction
        t.solved = bool(solved)
        t.callback_note = (note or "").strip()[:500]
        t.callback_at = now
        events = [_event(t, actor=actor, action=Action.CALLBACK, at=now, from_status=before, to_status=t.status,
                         note=f"{c.Satisfaction(satisfaction).label}，{'已解决' if solved else '未解决'}"
                              + (f"：{t.callback_note}" if t.callback_note else ""), save=False,
                         data={"satisfaction": satisfaction, "solved": bool(solved)})]
        if rules.callback_closes(satisfaction):
            after = t.status
            t.status = rules.transition_check(after, Action.CLOSE)
            t.closed_at = now
            events.append(_event(t, actor=actor, action=Action.CLOSE, at=now, from_status=after,
                                 to_status=t.status, note="回访满意，办结", save=False))
        t.save()
        TicketEvent.objects.bulk_create(events)
        _audit(actor, t, "callback", satisfaction=satisfaction, solved=bool(solved))
        if t.status == Status.CLOSED:
            _publish(EVENT_TICKET_CLOSED, t)
    _copy_back(ticket, t)
    return ticket


def _require_site_checker(actor: Any, ticket: Ticket) -> None:
    from onewindow.accounts.constants import Role

    scope = scope_for(actor)
    reporter = ticket.requester_user_id is not None and ticket.requester_user_id == _actor_id(actor)
    if not scope.has_role(Role.GRID_WORKER) or not (reporter or scope.covers_region_path(ticket.region_path)):
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found")


def ticket_site_check(*, actor: Any, ticket: Ticket, solved: bool, satisfaction: str = c.Satisfaction.SATISFIED,
                      note: str = "", now: datetime | None = None) -> Ticket:
    """The grid worker who reported an event (or one of its grid) checks the fix on site (现场核实).

    Like the hotline's callback it rates the handling: fixed and 满意/基本满意 closes the ticket;
    not fixed counts as 不满意 and leaves it to a supervisor (reopen once, or close).
    """
    now = _now(now)
    _require_site_checker(actor, ticket)
    if not ticket.site_check:
        raise Conflict("该工单不是网格上报事件，请由热线回访", code="ticket_no_site_check")
    satisfaction = _choice(satisfaction, c.Satisfaction, field_name="satisfaction", label="满意度")
    satisfaction = rules.site_check_outcome(solved=bool(solved), satisfaction=satisfaction)
    note = (note or "").strip()[:500]
    if not solved and len(note) < 2:
        msg = "未解决时请说明现场情况"
        raise ValidationFailed(msg, code="site_check_note_required", fields={"note": msg})
    with transaction.atomic():
        t = _locked(ticket)
        before = t.status
        t.status = rules.transition_check(before, Action.SITE_CHECK)
        t.satisfaction = satisfaction
        t.solved = bool(solved)
        t.callback_note = note
        t.callback_at = now
        events = [_event(t, actor=actor, action=Action.SITE_CHECK, at=now, from_status=before, to_status=t.status,
                         note=("现场核实：已解决" if solved else "现场核实：未解决")
                         + f"，{c.Satisfaction(satisfaction).label}" + (f"：{note}" if note else ""), save=False,
                         data={"satisfaction": satisfaction, "solved": bool(solved)})]
        if rules.callback_closes(satisfaction):
            after = t.status
            t.status = rules.transition_check(after, Action.CLOSE)
            t.closed_at = now
            events.append(_event(t, actor=actor, action=Action.CLOSE, at=now, from_status=after,
                                 to_status=t.status, note="现场核实已解决，办结", save=False))
        t.save()
        TicketEvent.objects.bulk_create(events)
        _audit(actor, t, "site_check", satisfaction=satisfaction, solved=bool(solved))
        _publish(EVENT_TICKET_SITE_CHECKED, t, solved=bool(solved))
        if t.status == Status.CLOSED:
            _publish(EVENT_TICKET_CLOSED, t)
    _copy_back(ticket, t)
    return ticket


def ticket_close(*, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None) -> Ticket:
    """A supervisor closes a ticket after an unsatisfied callback (no reopening)."""
    now = _now(now)
    _require_supervisor(actor, ticket)
    with transaction.atomic():
        t = _locked(ticket)
        before = t.status
        t.status = rules.transition_check(before, Action.CLOSE)
        t.closed_at = now
        t.save(update_fields=["status", "closed_at", "updated_at"])
        _event(t, actor=actor, action=Action.CLOSE, at=now, from_status=before, to_status=t.status,
               note=(note or "").strip()[:500] or "监督管理人员办结")
        _audit(actor, t, "close")
        _publish(EVENT_TICKET_CLOSED, t)
    _copy_back(ticket, t)
    return ticket


def ticket_reopen(*, actor: Any, ticket: Ticket, reason: str, now: datetime | None = None) -> Ticket:
    """A supervisor sends an unsatisfied ticket back to its department (once), with a new limit."""
    now = _now(now)
    _require_supervisor(actor, ticket)
    reason = _required_text(reason, field_name="reason", label="重新办理理由", min_len=4, max_len=500)
    with transaction.atomic():
        t = _locked(ticket)
        before = t.status
        target = rules.transition_check(before, Action.REOPEN)
        if t.reopen_count >= c.REOPEN_LIMIT:
            raise Conflict("该工单已重新办理过一次，不能再次重办", code="reopen_limit")
        if not rules.reopen_allowed(reopen_count=t.reopen_count, satisfaction=t.satisfaction, limit=c.REOPEN_LIMIT):
            raise Conflict("只有回访不满意的工单可以重新办理", code="reopen_not_unsatisfied")
        previous = {"reply_text": t.reply_text, "replied_at": t.replied_at.isoformat() if t.replied_at else None,
                    "satisfaction": t.satisfaction, "solved": t.solved}
        t.status = target
        t.reopen_count += 1
        t.replied_at = t.callback_at = t.closed_at = t.accepted_at = None
        t.satisfaction = ""
        t.solved = None
        config = selectors.hotline_config(region_path=t.region_path)
        _apply_deadline(t, start=now, config=config, requested=t.limit_class)
        t.save()
        _event(t, actor=actor, action=Action.REOPEN, at=now, from_status=before, to_status=t.status,
               department=t.department, note=reason, data={"previous": previous,
                                                            "due_at": t.due_at.isoformat() if t.due_at else None})
        _audit(actor, t, "reopen", reason=reason[:200])
        _publish(EVENT_TICKET_REOPENED, t)
    _copy_back(ticket, t)
    return ticket


# --- Supervision and extensions ---------------------------------------------------------------
def supervision_order_create(*, actor: Any, ticket: Ticket, reason: str, due_at: datetime | None = None,
                             now: datetime | None = None) -> SupervisionOrder:
    """A supervisor issues a supervision order (督办) on a ticket, with its own deadline."""
    now = _now(now)
    _require_supervisor(actor, ticket)
    reason = _required_text(reason, field_name="reason", label="督办事由", min_len=4, max_len=500)
    if ticket.status in c.FINAL_STATUSES:
        raise Conflict("工单已办结，无需督办", code="ticket_closed")
    if ticket.department_id is None:
        raise Conflict("工单尚未派单，请先派单再督办", code="ticket_not_dispatched")
    config = selectors.hotline_config(region_path=ticket.region_path)
    if due_at is None:
        due_at = rules.deadline_compute(start=now, limit=rules.TimeLimit(config.supervision_days,
                                                                          c.LimitUnit.WORKING_DAYS),
                                        calendar=work_calendar()).due_at
    elif due_at <= now:
        msg = "督办期限应晚于当前时间"
        raise ValidationFailed(msg, code="order_due_past", fields={"due_at": msg})
    with transaction.atomic():
        order = SupervisionOrder.objects.create(ticket=ticket, department_id=ticket.department_id,
                                                issued_by_id=_actor_id(actor), reason=reason, due_at=due_at)
        _event(ticket, actor=actor, action=Action.SUPERVISE, at=now, from_status=ticket.status,
               department=ticket.department, note=reason, data={"due_at": due_at.isoformat()})
        _audit(actor, ticket, "supervise", due_at=due_at.isoformat())
    return order


def supervision_order_answer(*, actor: Any, order: SupervisionOrder, response: str,
                             now: datetime | None = None) -> SupervisionOrder:
    now = _now(now)
    ticket = order.ticket
    _require_visible(actor, ticket)
    _require(selectors.is_department_handler(actor, order.department_id), "只有被督办部门可以反馈",
             "not_owner_department")
    response = _required_text(response, field_name="response", label="督办反馈", min_len=4, max_len=c.MAX_TEXT)
    with transaction.atomic():
        locked = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
        if locked.status == c.OrderStatus.ANSWERED:
            raise Conflict("该督办已反馈", code="order_answered")
        locked.status = c.OrderStatus.ANSWERED
        locked.response = response
        locked.answered_at = now
        locked.answered_by_id = _actor_id(actor)
        locked.save(update_fields=["status", "response", "answered_at", "answered_by", "updated_at"])
        _event(ticket, actor=actor, action=Action.SUPERVISE_ANSWER, at=now, from_status=ticket.status,
               department=locked.department, note=response)
        _audit(actor, ticket, "supervise_answer")
    return locked


def extension_request_create(*, actor: Any, ticket: Ticket, reason: str, amount: int,
                             unit: str = c.LimitUnit.WORKING_DAYS, now: datetime | None = None) -> ExtensionRequest:
    """The owner department asks for more time (延期申请)."""
    now = _now(now)
    _require_owner(actor, ticket)
    reason = _required_text(reason, field_name="reason", label="延期理由", min_len=4, max_len=500)
    unit = _choice(unit, c.LimitUnit, field_name="unit", label="延期单位")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= (72 if unit == "hours" else 30):
        msg = "延期时长应为1至30天（或72小时）"
        raise ValidationFailed(msg, code="extension_amount", fields={"amount": msg})
    if ticket.status not in (Status.DISPATCHED, Status.ACCEPTED, Status.REOPENED):
        raise Conflict("只有办理中的工单可以申请延期", code="extension_bad_status")
    with transaction.atomic():
        t = _locked(ticket)
        if ExtensionRequest.objects.filter(ticket=t, status=c.ExtensionStatus.PENDING).exists():
            raise Conflict("该工单已有待审批的延期申请", code="extension_pending")
        request = ExtensionRequest.objects.create(ticket=t, department_id=t.department_id,
                                                  requested_by_id=_actor_id(actor), reason=reason,
                                                  amount=amount, unit=unit, old_due_at=t.due_at)
        _event(t, actor=actor, action=Action.EXTENSION_REQUEST, at=now, from_status=t.status,
               department=t.department, note=reason, data={"amount": amount, "unit": unit})
        _audit(actor, t, "extension_request", amount=amount, unit=unit)
    return request


def extension_decide(*, actor: Any, request: ExtensionRequest, approve: bool, note: str = "",
                     now: datetime | None = None) -> ExtensionRequest:
    """A supervisor approves (moving the deadline) or rejects an extension request."""
    now = _now(now)
    ticket = request.ticket
    _require_supervisor(actor, ticket)
    with transaction.atomic():
        r = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
        if r.status != c.ExtensionStatus.PENDING:
            raise Conflict("该申请已审批", code="extension_decided")
        t = _locked(ticket)
        r.status = c.ExtensionStatus.APPROVED if approve else c.ExtensionStatus.REJECTED
        r.decided_by_id = _actor_id(actor)
        r.decided_at = now
        r.decision_note = (note or "").strip()[:500]
        data: dict[str, Any] = {"approved": bool(approve)}
        if approve and t.due_at is not None:
            due = rules.deadline_extend(due_at=t.due_at, limit=rules.TimeLimit(r.amount, r.unit),
                                        calendar=work_calendar())
            r.old_due_at, r.new_due_at = t.due_at, due.due_at
            config = selectors.hotline_config(region_path=t.region_path)
            t.due_at = due.due_at
            t.due_provisional = t.due_provisional or due.provisional
            t.warning_at = rules.warning_at_for(start=now, due_at=due.due_at, ratio=config.warning_ratio)
            t.overdue = now > due.due_at
            t.warned = now >= t.warning_at
            t.save(update_fields=["due_at", "due_provisional", "warning_at", "overdue", "warned", "updated_at"])
            data["due_at"] = due.due_at.isoformat()
        r.save()
        _event(t, actor=actor, action=Action.EXTENSION_DECIDE, at=now, from_status=t.status, department=t.department,
               note=("批准延期" if approve else "驳回延期") + (f"：{r.decision_note}" if r.decision_note else ""),
               data=data)
        _audit(actor, t, "extension_decide", approved=bool(approve))
    _copy_back(ticket, t)
    return r


# --- Requester data ---------------------------------------------------------------------------
def ticket_requester_reveal(*, actor: Any, ticket: Ticket, reason: str) -> dict[str, str]:
    """The requester's name and phone in full (for a callback or to clarify); the reading is audited."""
    _require_visible(actor, ticket)
    view = selectors.requester_view(actor=actor, ticket=ticket)
    _require(view.can_reveal, "诉求人要求保密，或您无权查看其联系方式", "requester_hidden")
    reason = _required_text(reason, field_name="reason", label="查看事由", min_len=2, max_len=200)
    with transaction.atomic():
        audit_record(actor=actor, action=c.AUDIT_TICKET_REVEAL, obj=ticket,
                     summary={"number": ticket.number, "reason": reason})
    return {"name": ticket.requester_name, "phone": ticket.requester_phone}


# --- Periodic: warnings and overdue marks ---------------------------------------------------
@dataclass
class TickResult:
    warned: int = 0
    overdue: int = 0
    orders_overdue: int = 0


def tickets_deadline_tick(*, now: datetime | None = None, batch: int = 2000) -> TickResult:
    """Raise warnings (预警) and overdue marks (超期) on open tickets; mark overdue supervision orders.

    Idempotent: a ticket is warned once and marked overdue once (until its deadline moves).
    """
    now = _now(now)
    result = TickResult()
    open_statuses = list(c.OPEN_STATUSES)
    while True:
        with transaction.atomic():
            rows = list(Ticket.objects.select_for_update(skip_locked=True)
                        .filter(status__in=open_statuses, overdue=False, due_at__lt=now)
                        .values_list("id", "status", "department_id", "due_at")[:batch])
            if not rows:
                break
            ids = [r[0] for r in rows]
            Ticket.objects.filter(id__in=ids).update(overdue=True, warned=True, updated_at=now)
            TicketEvent.objects.bulk_create([
                TicketEvent(ticket_id=i, at=now, actor_label="系统", action=Action.OVERDUE, from_status=s,
                            to_status=s, department_id=d, note=f"已超过办理时限（{due:%Y-%m-%d %H:%M}）")
                for i, s, d, due in rows])
            result.overdue += len(ids)
            if len(rows) < batch:
                break
    while True:
        with transaction.atomic():
            rows = list(Ticket.objects.select_for_update(skip_locked=True)
                        .filter(status__in=open_statuses, overdue=False, warned=False, warning_at__lte=now)
                        .values_list("id", "status", "department_id", "due_at")[:batch])
            if not rows:
                break
            ids = [r[0] for r in rows]
            Ticket.objects.filter(id__in=ids).update(warned=True, updated_at=now)
            TicketEvent.objects.bulk_create([
                TicketEvent(ticket_id=i, at=now, actor_label="系统", action=Action.WARN, from_status=s,
                            to_status=s, department_id=d, note=f"临近办理时限（{due:%Y-%m-%d %H:%M}）")
                for i, s, d, due in rows])
            result.warned += len(ids)
            if len(rows) < batch:
                break
    result.orders_overdue = SupervisionOrder.objects.filter(status=c.OrderStatus.OPEN, due_at__lt=now).update(
        status=c.OrderStatus.OVERDUE, updated_at=now)
    if result.overdue or result.warned or result.orders_overdue:
        audit_record(actor=None, action=c.AUDIT_TICKET_DEADLINE, object_type="tickets.ticket",
                     summary={"warned": result.warned, "overdue": result.overdue,
                              "orders_overdue": result.orders_overdue})
    return result


def tickets_deadlines_recompute(*, year: int, now: datetime | None = None) -> int:
    """After ``year``'s official holidays are imported, recompute provisional deadlines falling
    in it (open tickets whose clock has not been extended by hand). Returns how many changed."""
    now = _now(now)
    limits = selectors.time_limits()
    calendar = work_calendar()
    changed = 0
    qs = (Ticket.objects.filter(status__in=list(c.OPEN_STATUSES), due_provisional=True,
                                due_at__year=year)
          .exclude(extensions__status=c.ExtensionStatus.APPROVED)
          .only("id", "number", "limit_class", "clock_started_at", "received_at", "due_at", "warning_at",
                "due_provisional", "region_path", "overdue", "warned", "status"))
    configs: dict[str, HotlineConfig] = {}
    with transaction.atomic():
        for t in qs.select_for_update():
            district = selectors.district_code_of(t.region_path)
            config = configs.setdefault(district, selectors.hotline_config(region_path=t.region_path))
            limit = limits.get(t.limit_class, limits[c.LimitClass.GENERAL])
            due = rules.deadline_compute(start=t.clock_started_at or t.received_at, limit=limit, calendar=calendar,
                                         warning_ratio=config.warning_ratio)
            if due.due_at == t.due_at and due.provisional == t.due_provisional:
                continue
            old = t.due_at
            t.due_at, t.warning_at, t.due_provisional = due.due_at, due.warning_at, due.provisional
            t.overdue = now > due.due_at
            t.warned = now >= due.warning_at
            t.save(update_fields=["due_at", "warning_at", "due_provisional", "overdue", "warned", "updated_at"])
            _event(t, actor=None, action=Action.DEADLINE_RECOMPUTE, at=now, from_status=t.status,
                   note=f"{year}年法定节假日已公布，时限重新计算",
                   data={"from": old.isoformat() if old else None, "to": due.due_at.isoformat()})
            changed += 1
        if changed:
            audit_record(actor=None, action=c.AUDIT_TICKET_DEADLINE, object_type="tickets.ticket",
                         summary={"recomputed": changed, "year": year})
    return changed


# --- Administration: settings, rules, categories, knowledge base ------------------------------
def _require_admin(actor: Any) -> None:
    from onewindow.accounts.constants import Role

    _require(scope_for(actor).has_role(Role.SUPERVISOR, Role.ADMINISTRATOR), "只有监督管理人员或管理员可以修改",
             "not_supervisor")


def hotline_config_update(*, actor: Any, district: Region, **values: Any) -> HotlineConfig:
    _require_admin(actor)
    allowed = {"fallback_department", "triage_threshold", "return_limit_working_days", "response_hours",
               "warning_ratio", "duplicate_window_hours", "duplicate_threshold", "supervision_days"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationFailed(f"未知设置项：{', '.join(sorted(unknown))}", code="config_unknown")
    for name in ("triage_threshold", "warning_ratio", "duplicate_threshold"):
        if name in values and not 0.0 <= float(values[name]) <= 1.0:
            raise ValidationFailed("取值应在 0 到 1 之间", code="config_invalid", fields={name: "取值应在 0 到 1 之间"})
    with transaction.atomic():
        config, _ = HotlineConfig.objects.get_or_create(district=district)
        for name, value in values.items():
            setattr(config, name, value)
        config.save()
        transaction.on_commit(selectors.reference_cache_clear)
        audit_record(actor=actor, action=c.AUDIT_CONFIG_CHANGE, obj=config,
                     summary={k: (v.code if isinstance(v, Department) else v) for k, v in values.items()})
    return config


def time_limit_set(*, actor: Any, limit_class: str, amount: int, unit: str) -> TimeLimitSetting:
    _require_admin(actor)
    limit_class = _choice(limit_class, c.LimitClass, field_name="limit_class", label="时限类别")
    unit = _choice(unit, c.LimitUnit, field_name="unit", label="时限单位")
    if not isinstance(amount, int) or not 0 < amount <= 365:
        raise ValidationFailed("时限应为 1 到 365", code="limit_amount", fields={"amount": "时限应为 1 到 365"})
    with transaction.atomic():
        row, _ = TimeLimitSetting.objects.update_or_create(limit_class=limit_class,
                                                           defaults={"amount": amount, "unit": unit})
        transaction.on_commit(selectors.reference_cache_clear)
        audit_record(actor=actor, action=c.AUDIT_CONFIG_CHANGE, object_type="tickets.timelimitsetting",
                     object_id=limit_class, summary={"amount": amount, "unit": unit})
    return row


def dispatch_rule_save(*, actor: Any, department: Department, category: Category | None = None,
                       region: Region | None = None, priority: int = 0, note: str = "",
                       rule: DispatchRule | None = None, is_active: bool = True) -> DispatchRule:
    """Create or change a dispatch rule (category × region → department, with a priority)."""
    _require_admin(actor)
    if category is None and region is None:
        raise ValidationFailed("分类和区划至少填写一项（全区兜底请在热线设置中指定兜底部门）",
                               code="rule_too_broad", fields={"category": "请选择分类或区划"})
    with transaction.atomic():
        rule = rule or DispatchRule()
        rule.department, rule.category, rule.region = department, category, region
        rule.priority, rule.note, rule.is_active = int(priority), (note or "")[:200], is_active
        rule.save()
        transaction.on_commit(selectors.reference_cache_clear)
        audit_record(actor=actor, action=c.AUDIT_RULE_CHANGE, obj=rule, summary={
            "department": department.code, "category": category.code if category else "",
            "region": region.code if region else "", "priority": rule.priority, "active": is_active})
    return rule


def dispatch_rule_delete(*, actor: Any, rule: DispatchRule) -> None:
    _require_admin(actor)
    with transaction.atomic():
        transaction.on_commit(selectors.reference_cache_clear)
        audit_record(actor=actor, action=c.AUDIT_RULE_CHANGE, obj=rule, summary={"deleted": True})
        rule.delete()


def kb_article_save(*, actor: Any, title: str, answer: str, question: str = "", keywords: str = "",
                    category: Category | None = None, department: Department | None = None,
                    article: KnowledgeArticle | None = None, is_active: bool = True) -> KnowledgeArticle:
    """Operators maintain the knowledge base they answer consultations from."""
    _require(selectors.is_dispatcher(actor), "只有热线话务员或监督管理人员可以维护知识库", "not_operator")
    title = _required_text(title, field_name="title", label="标题", max_len=200)
    answer = _required_text(answer, field_name="answer", label="答复口径", min_len=5, max_len=c.MAX_TEXT)
    with transaction.atomic():
        article = article or KnowledgeArticle()
        article.title, article.answer, article.question = title, answer, (question or "").strip()
        article.keywords = (keywords or "").strip()[:300]
        article.category, article.department, article.is_active = category, department, is_active
        article.updated_by_id = _actor_id(actor)
        article.save()
        audit_record(actor=actor, action=c.AUDIT_KB_CHANGE, obj=article, summary={"title": title})
    return article


# --- Categories -------------------------------------------------------------------------------
FALLBACK_TAXONOMY: tuple[tuple[str, str, str], ...] = (
    ("城乡建设", "城市建设和市政管理", "环境卫生"),
    ("城乡建设", "城市建设和市政管理", "自来水供应"),
    ("城乡建设", "城市建设和市政管理", "电力供应"),
    ("城乡建设", "城市建设和市政管理", "燃气供应"),
    ("城乡建设", "城市建设和市政管理", "小区管理"),
    ("城乡建设", "城乡规划", "违章建筑"),
    ("环境保护", "环境污染", "噪音污染"),
    ("环境保护", "环境污染", "大气污染"),
    ("交通运输", "道路交通", "道路维护"),
    ("教育文体", "教育", "入学招生"),
    ("劳动和社会保障", "社会保险", "养老保险"),
    ("商贸旅游", "市场监管", "消费维权"),
    ("卫生计生", "医疗服务", "医疗纠纷"),
    ("城乡建设", "城市建设和市政管理", "城管执法"),
    ("城乡建设", "城市建设和市政管理", "园林绿化"),
)
# Categories whose problems are outages of daily necessities: 24-hour limit (民生保障).
UTILITY_NAMES = frozenset({"自来水供应", "电力供应", "燃气供应", "冬季采暖", "供水", "供电", "供气", "供暖"})


@dataclass
class CategorySeedResult:
    source: str
    created: int = 0
    existing: int = 0
    keywords: int = 0
    skipped_rows: list[str] = field(default_factory=list)


def category_rows_read(path: Any) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Rows (level 1, 2, 3) of a taxonomy CSV ``一级分类,二级分类,三级分类``, with problems."""
    import csv
    import io

    raw = path.read_bytes() if hasattr(path, "read_bytes") else bytes(path)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed("无法识别文件编码", code="csv_encoding")
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[str, str, str]] = []
    problems: list[str] = []
    header = next(reader, None)
    if header is None or len(header) < 3:
        raise ValidationFailed("分类文件应有三列：一级分类,二级分类,三级分类", code="csv_columns_missing")
    for number, cells in enumerate(reader, start=2):
        cells = [re.sub(r"\s+", "", x) for x in cells]
        if not any(cells):
            continue
        if len(cells) < 3 or not all(cells[:3]):
            problems.append(f"第{number}行：分类不完整")
            continue
        if any(len(x) > 100 for x in cells[:3]):
            problems.append(f"第{number}行：名称过长")
            continue
        rows.append((cells[0], cells[1], cells[2]))
    return rows, problems


def category_seed(*, actor: Any = None, rows: Iterable[tuple[str, str, str]] | None = None,
                  source: str = "") -> CategorySeedResult:
    """Create the three-level category tree (idempotent: existing names are kept, new ones added).

    Without rows: the shared taxonomy file when the shared data folder is there, else a small
    built-in tree.
    """
    from pathlib import Path

    from django.conf import settings

    problems: list[str] = []
    if rows is None:
        shared = Path(settings.SHARED_DATA_DIR) / "tickets" / "taidi2020_taxonomy.csv"
        if shared.is_file():
            rows, problems = category_rows_read(shared)
            source = source or str(shared.name)
        else:
            rows, source = FALLBACK_TAXONOMY, source or "内置分类"
    result = CategorySeedResult(source=source or "导入", skipped_rows=problems)
    with transaction.atomic():
        existing = {(cat.parent_id, cat.name): cat for cat in Category.objects.all()}
        counts: dict[int | None, int] = {}
        for cat in existing.values():
            counts[cat.parent_id] = max(counts.get(cat.parent_id, 0), int(cat.code[-3 if cat.level == 3 else -2:]))

        def get(name: str, parent: Category | None, level: int) -> Category:
            key = (parent.id if parent else None, name)
            found = existing.get(key)
            if found is not None:
                result.existing += 1
                return found
            number = counts.get(key[0], 0) + 1
            counts[key[0]] = number
            width = 3 if level == 3 else 2
            code = (parent.code if parent else "") + f"{number:0{width}d}"
            cat = Category.objects.create(
                code=code, name=name, level=level, parent=parent,
                path=(parent.path if parent else "/") + code + "/",
                full_name=(parent.full_name + " / " if parent else "") + name,
                limit_class=c.LimitClass.UTILITY if name in UTILITY_NAMES else "",
                keywords=c.CATEGORY_KEYWORDS.get(name, "") if level == 3 else "",
            )
            existing[key] = cat
            result.created += 1
            return cat

        for first, second, third in rows:
            top = get(first, None, 1)
            middle = get(second, top, 2)
            get(third, middle, 3)
        # categories made before keywords existed get them (an edited list is kept)
        for cat in existing.values():
            if cat.level == 3 and not cat.keywords and cat.name in c.CATEGORY_KEYWORDS:
                cat.keywords = c.CATEGORY_KEYWORDS[cat.name]
                cat.save(update_fields=["keywords", "updated_at"])
                result.keywords += 1
        if result.created or result.keywords:
            transaction.on_commit(selectors.reference_cache_clear)
            audit_record(actor=actor, action=c.AUDIT_CATEGORY_SEED, object_type="tickets.category",
                         summary={"source": result.source, "created": result.created,
                                  "keywords": result.keywords})
    return result


# --- Open311 clients --------------------------------------------------------------------------
OPEN311_KEY_PREFIX = "o311_"


def open311_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open311_client_create(*, actor: Any, name: str, contact: str = "") -> tuple[Open311Client, str]:
    """Register an Open311 application; returns it with its api_key (shown once, stored hashed)."""
    _require_admin(actor)
    name = _required_text(name, field_name="name", label="名称", max_len=100)
    key = OPEN311_KEY_PREFIX + secrets.token_urlsafe(24)
    with transaction.atomic():
        client = Open311Client.objects.create(name=name, contact=(contact or "")[:200], key_prefix=key[:10],
                                              key_hash=open311_key_hash(key))
        audit_record(actor=actor, action=c.AUDIT_OPEN311_CLIENT, obj=client, summary={"name": name})
    return client, key


def open311_client_rotate(*, actor: Any, client: Open311Client) -> tuple[Open311Client, str]:
    """A new api_key for the client (shown once); the old one stops working at once."""
    _require_admin(actor)
    key = OPEN311_KEY_PREFIX + secrets.token_urlsafe(24)
    with transaction.atomic():
        client.key_prefix, client.key_hash, client.is_active = key[:10], open311_key_hash(key), True
        client.save(update_fields=["key_prefix", "key_hash", "is_active", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_OPEN311_CLIENT, obj=client, summary={"rotated": True})
    return client, key


def open311_client_revoke(*, actor: Any, client: Open311Client) -> Open311Client:
    """The client's key stops working (the client and its history stay)."""
    _require_admin(actor)
    with transaction.atomic():
        client.is_active = False
        client.save(update_fields=["is_active", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_OPEN311_CLIENT, obj=client, summary={"revoked": True})
    return client


def open311_client_authenticate(*, key: str) -> Open311Client | None:
    if not key or not key.startswith(OPEN311_KEY_PREFIX):
        return None
    client = Open311Client.objects.filter(key_hash=open311_key_hash(key), is_active=True).first()
    if client is not None:
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 300:
            Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return client


# --- Bulk import (CSV/Excel messages from other boards) ---------------------------------------
IMPORT_MAX_ROWS = 5000
# Chinese board exports, Open311 field names and the NYC / Pittsburgh 311 exports.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "留言主题", "主题", "title", "subject", "complaint type", "complaint_type", "request_type"),
    "text": ("内容", "留言详情", "诉求内容", "详情", "text", "description", "descriptor"),
    "received_at": ("时间", "留言时间", "受理时间", "received_at", "requested_datetime", "created date",
                    "created_date", "created_on"),
    "kind": ("类型", "诉求类型", "kind"),
    "address": ("地址", "address", "incident address", "incident_address", "address_string"),
    "requester_phone": ("电话", "联系电话", "phone"),
    "requester_name": ("姓名", "联系人", "name"),
    "external_id": ("编号", "留言编号", "external_id", "id", "unique key", "unique_key", "request_id",
                    "service_request_id"),
    "supporters": ("点赞数", "likes", "supporters"),
    "lng": ("经度", "lng", "long", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
}
KIND_BY_LABEL = {label: value for value, label in c.TicketKind.choices} | {v: v for v in c.TicketKind.values}
_DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M",
                 "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y/%m/%d", "%Y-%m-%d")


@dataclass
class ImportResult:
    created: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)


def parse_local_datetime(value: Any) -> datetime | None:
    """A date/time cell as an aware datetime (naive values are Beijing time)."""
    from zoneinfo import ZoneInfo

    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        if not text:
            return None
        parsed = None
        for fmt in _DATE_FORMATS:
            for candidate in (text, text[:19]):
                try:
                    parsed = datetime.strptime(candidate, fmt)  # noqa: DTZ007 (made aware below)
                    break
                except ValueError:
                    continue
            if parsed is not None:
                break
        if parsed is None:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return parsed


def import_rows_read(content: bytes, *, filename: str = "") -> list[dict[str, Any]]:
    """Rows of a CSV (UTF-8 or GB18030) or .xlsx file as dicts keyed by header."""
    import csv
    import io

    if len(content) > 20 * 1024 * 1024:
        raise ValidationFailed("文件过大（不超过 20 MB）", code="import_too_large")
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise ValidationFailed("无法读取 Excel 文件", code="import_unreadable") from exc
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(values, ())]
        return [dict(zip(header, row, strict=False)) for row in values]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed("无法识别文件编码，请保存为 UTF-8 的 CSV", code="import_encoding")
    reader = csv.DictReader(io.StringIO(text))
    reader.fieldnames = [str(h or "").strip() for h in (reader.fieldnames or [])]
    return list(reader)


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, ""):
            return value
    return None


def tickets_import(*, actor: Any, content: bytes, filename: str = "", kind: str = c.TicketKind.HELP,
                   now: datetime | None = None) -> ImportResult:
    """Bulk intake of messages from another board: every row goes through ``ticket_intake``.

    Rows already imported (same 编号) are skipped, so a file may be imported again; a row that
    cannot be used is reported with its line number and the others still go in.
    """
    _intake_permission(actor, c.Channel.IMPORT)
    rows = import_rows_read(content, filename=filename)
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationFailed(f"一次最多导入 {IMPORT_MAX_ROWS} 行", code="import_too_many")
    if rows and _pick(rows[0], IMPORT_COLUMNS["text"]) is None and _pick(rows[0], IMPORT_COLUMNS["title"]) is None:
        raise ValidationFailed("文件缺少“内容”或“标题”列", code="import_columns_missing")
    result = ImportResult()
    known = set(Ticket.objects.filter(channel=c.Channel.IMPORT).exclude(external_id="")
                .values_list("external_id", flat=True))
    for line, row in enumerate(rows, start=2):
        value = {key: _pick(row, names) for key, names in IMPORT_COLUMNS.items()}
        external = str(value["external_id"] or "").strip()
        if external and external in known:
            result.duplicates += 1
            continue
        title = re.sub(r"\s+", " ", str(value["title"] or "")).strip()[: c.MAX_TITLE]
        text = re.sub(r"\s+", " ", str(value["text"] or "")).strip() or title
        received = parse_local_datetime(value["received_at"])
        if value["received_at"] and received is None:
            result.problems.append(f"第{line}行：时间“{str(value['received_at'])[:20]}”无法识别")
            continue
        try:
            lng = float(value["lng"]) if value["lng"] is not None else None
            lat = float(value["lat"]) if value["lat"] is not None else None
            supporters = int(float(value["supporters"] or 0))
            ticket_intake(
                actor=actor, kind=KIND_BY_LABEL.get(str(value["kind"] or "").strip(), kind), text=text[: c.MAX_TEXT],
                title=title, channel=c.Channel.IMPORT, address=str(value["address"] or ""), lng=lng, lat=lat,
                requester_name=str(value["requester_name"] or ""), requester_phone=str(value["requester_phone"] or ""),
                received_at=received, external_id=external, supporters=supporters, now=now)
        except ValidationFailed as exc:
            detail = "；".join(exc.fields.values()) or exc.message
            result.problems.append(f"第{line}行：{detail}")
            continue
        except (TypeError, ValueError):
            result.problems.append(f"第{line}行：数值格式不正确")
            continue
        if external:
            known.add(external)
        result.created += 1
    return result
