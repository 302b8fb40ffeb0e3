"""Supervision orders (督办), extensions and revealing the requester's data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, ValidationFailed
from onewindow.core.selectors import work_calendar

from .. import constants as c
from .. import rules, selectors
from ..constants import Action, Status
from ..models import (
    ExtensionRequest,
    SupervisionOrder,
    Ticket,
)
from ._common import (
    _audit,
    _choice,
    _copy_back,
    _event,
    _locked,
    _now,
    _require,
    _require_owner,
    _require_supervisor,
    _require_visible,
    _required_text,
    actor_id,
)


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
                                                issued_by_id=actor_id(actor), reason=reason, due_at=due_at)
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
        locked.answered_by_id = actor_id(actor)
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
                                                  requested_by_id=actor_id(actor), reason=reason,
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
        r.decided_by_id = actor_id(actor)
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
