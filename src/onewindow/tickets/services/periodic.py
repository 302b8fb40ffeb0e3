"""Periodic work: warnings and overdue marks, recomputing deadlines when the calendar changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from onewindow.core.audit import audit_record
from onewindow.core.selectors import work_calendar

from .. import constants as c
from .. import rules, selectors
from ..constants import Action
from ..models import (
    HotlineConfig,
    SupervisionOrder,
    Ticket,
    TicketEvent,
)
from ._common import _event, _now


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
