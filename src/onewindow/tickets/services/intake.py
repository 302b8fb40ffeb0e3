"""Intake from every channel (web, phone calls, Open311, API), the background refinement, automatic
dispatch, answers on the call and duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from onewindow.accounts.scope import scope_for
from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import ValidationFailed
from onewindow.core.events import event_publish
from onewindow.core.masking import mask_phone
from onewindow.core.workdays import local_date
from onewindow.regions.models import Region

from .. import constants as c
from .. import rules, selectors
from ..constants import Action, Status
from ..dispatch import dispatch_decide
from ..models import (
    Category,
    HotlineConfig,
    KnowledgeArticle,
    Ticket,
    TicketEvent,
)
from ..similarity import Sample, best_duplicate
from ._common import (
    DUPLICATE_CANDIDATES,
    EVENT_TICKET_DISPATCHED,
    _audit,
    _choice,
    _copy_back,
    _event,
    _locked,
    _now,
    _require,
    _require_visible,
    _required_text,
    actor_id,
    logger,
    phone_clean,
)
from .attachments import AttachmentIn, _attachments_check, _attachments_save
from .classification import Suggestion, classification_for, classify
from .location import _apply_deadline, _next_number, location_resolve


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
        supporters=max(int(supporters or 0), 0), created_by_id=actor_id(actor),
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
    from .. import classifier

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
    ticket.replied_by_id = actor_id(actor)
    ticket.dispatch_via = c.DispatchVia.KNOWLEDGE
    if article is not None:
        KnowledgeArticle.objects.filter(pk=article.pk).update(uses=F("uses") + 1)
    return [_event(ticket, actor=actor, action=Action.ANSWER_ON_CALL, at=now, from_status=before,
                   to_status=ticket.status, note=answer, save=False,
                   data={"article": str(article.public_id) if article else None})]


def _duplicate_find(ticket: Ticket, *, config: HotlineConfig) -> tuple[int, float, str] | None:
    """The open ticket this one likely repeats: (id, score, number)."""
    window = timedelta(hours=config.duplicate_window_hours)
    numbers = {}
    candidates = []
    for i, t, x, r, p, a, lo, la, number in _duplicate_candidates(ticket, window=window):
        numbers[i] = number
        candidates.append(Sample(id=i, text=f"{t}\n{x}", received_at=r, region_path=p, address=a, lng=lo, lat=la))
    new = Sample(id=ticket.pk or 0, text=f"{ticket.title}\n{ticket.text}", received_at=ticket.received_at,
                 region_path=ticket.region_path, address=ticket.address, lng=ticket.lng, lat=ticket.lat)
    found = best_duplicate(new, candidates, window=window, threshold=config.duplicate_threshold)
    return (found[0], found[1], numbers[found[0]]) if found is not None else None


_DUPLICATE_COLUMNS = ("id", "title", "text", "received_at", "region_path", "address", "lng", "lat", "number")


def _duplicate_candidates(ticket: Ticket, *, window: timedelta) -> list[tuple[Any, ...]]:
    """The open tickets of the same place (and top-level category) received within ``window``
    of this one, newest first, at most ``DUPLICATE_CANDIDATES``: one statement of fixed text.

    On PostgreSQL the statement is written out instead of built by the ORM (issue 18): building
    and compiling the queryset, with the category subtree's ids as ``IN (…)`` parameters one by
    one, took ≈ 1.2 of the 2 ms this check cost per intake. The predicates are the ORM's, the
    ids go as one array (``= ANY``: PostgreSQL turns ``IN (…)`` into the same);
    test_services.py compares both on the same tickets. Other databases keep the queryset."""
    codes = [p for p in ticket.region_path.split("/") if p]
    # the community (or the street, for a ticket located no deeper) bounds the candidates
    prefix = "/" + "/".join(codes[:3]) + "/" if codes else ""
    # the same problem is classified alike: compare within the same top-level category
    category_ids = selectors.category_ids_under(ticket.category.path[:4]) if ticket.category is not None else None
    if connection.vendor != "postgresql":
        return list(_duplicate_candidates_orm(ticket, window=window, prefix=prefix, category_ids=category_ids))
    statuses = list(c.OPEN_STATUSES)
    where = ["received_at >= %s", "received_at <= %s", f"status IN ({', '.join(['%s'] * len(statuses))})"]
    params: list[Any] = [ticket.received_at - window, ticket.received_at + window, *statuses]
    if ticket.pk:
        where.append("NOT (id = %s)")
        params.append(ticket.pk)
    if prefix:
        where.append("region_path::text LIKE %s")
        params.append(connection.ops.prep_for_like_query(prefix) + "%")
    else:
        where.append("region_path = %s")
        params.append("")
    if category_ids is not None:
        where.append("category_id = ANY(%s::bigint[])")
        params.append(category_ids)
    sql = (f"SELECT {', '.join(_DUPLICATE_COLUMNS)} FROM {Ticket._meta.db_table} "  # noqa: S608 (our names)
           f"WHERE {' AND '.join(where)} ORDER BY received_at DESC LIMIT {int(DUPLICATE_CANDIDATES)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _duplicate_candidates_orm(ticket: Ticket, *, window: timedelta, prefix: str,
                              category_ids: list[int] | None) -> Any:
    qs = Ticket.objects.filter(status__in=list(c.OPEN_STATUSES), received_at__gte=ticket.received_at - window,
                               received_at__lte=ticket.received_at + window)
    if ticket.pk:
        qs = qs.exclude(pk=ticket.pk)
    qs = qs.filter(region_path__startswith=prefix) if prefix else qs.filter(region_path="")
    if category_ids is not None:
        qs = qs.filter(category_id__in=category_ids)
    return qs.order_by("-received_at").values_list(*_DUPLICATE_COLUMNS)[:DUPLICATE_CANDIDATES]


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
