"""Helpers shared by the stages of the hotline's writes: outbox event names, clocks, the ticket's
timeline event and audit entry, row locks, text and choice checks, role checks, phone numbers."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.utils import timezone

from onewindow.accounts.models import Department
from onewindow.accounts.selectors import actor_id, actor_label
from onewindow.core.audit import audit_record
from onewindow.core.errors import NotFound, PermissionDenied
from onewindow.core.inputs import choice, required_text
from onewindow.core.phones import phone_normalise

from .. import constants as c
from .. import rules, selectors
from ..models import (
    Ticket,
    TicketEvent,
)

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




def _event(ticket: Ticket, *, actor: Any, action: str, at: datetime, from_status: str = "",
           to_status: str = "", note: str = "", data: dict[str, Any] | None = None,
           department: Department | None = None, save: bool = True) -> TicketEvent:
    event = TicketEvent(
        ticket=ticket, at=at, actor_id=actor_id(actor), actor_label=actor_label(actor), action=action,
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


def _begin(ticket: Ticket, action: str) -> tuple[Ticket, str]:
    """A handling step's start (inside the caller's transaction): the ticket re-read under a row
    lock with the status ``action`` leads to, and the status it had."""
    t = _locked(ticket)
    before = t.status
    t.status = rules.transition_check(before, action)
    return t, before


def _finish(t: Ticket, *, actor: Any, action: str, before: str, at: datetime,
            fields: list[str] | None = None, note: str = "", data: dict[str, Any] | None = None,
            department: Department | None = None, summary: dict[str, Any] | None = None) -> Ticket:
    """A handling step's end: the ticket saved (only ``fields`` with its status, when given), its
    timeline event and its audit entry (``summary``); the caller then publishes and copies back."""
    if fields is None:
        t.save()
    else:
        t.save(update_fields=["status", *fields, "updated_at"])
    _event(t, actor=actor, action=action, at=at, from_status=before, to_status=t.status, note=note,
           data=data, department=department)
    _audit(actor, t, action, **(summary or {}))
    return t


def _copy_back(target: Ticket, source: Ticket) -> None:
    """Let the caller's object reflect what was saved."""
    target.__dict__.update({k: v for k, v in source.__dict__.items() if k != "_state"})
    target._state.fields_cache = dict(source._state.fields_cache)


# the hotline's forms count the characters left: a too long text says by how many
TOO_LONG = "{label}最多 {max} 字，现有 {n} 字，请删减 {over} 字"


def _required_text(value: str, *, field_name: str, label: str, min_len: int = 2,
                   max_len: int = 2000) -> str:
    return required_text(value, field=field_name, label=label, min_length=min_len, max_length=max_len,
                         too_long=TOO_LONG)


def _choice(value: str, choices: Any, *, field_name: str, label: str) -> str:
    return choice(value, choices, field=field_name, label=label)


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
