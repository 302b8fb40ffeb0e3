"""What the grid does when the hotline tells it something (outbox events; idempotent).

An event's ticket closed or was merged into another: the event is finished. A closed ticket was
reopened: the event is open again. Everything else about a ticket is read through the foreign
key when shown.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from onewindow.core.events import subscribe

from .models import GridEvent


def _ticket(payload: dict[str, Any]) -> str | None:
    value = payload.get("ticket")
    return str(value) if value else None


def _finish(payload: dict[str, Any]) -> None:
    ticket = _ticket(payload)
    if ticket:
        GridEvent.objects.filter(ticket__public_id=ticket, closed_at__isnull=True).update(
            closed_at=timezone.now(), updated_at=timezone.now())


@subscribe("ticket.closed")
def on_ticket_closed(payload: dict[str, Any]) -> None:
    _finish(payload)


@subscribe("ticket.merged")
def on_ticket_merged(payload: dict[str, Any]) -> None:
    _finish(payload)


@subscribe("ticket.reopened")
def on_ticket_reopened(payload: dict[str, Any]) -> None:
    ticket = _ticket(payload)
    if ticket:
        GridEvent.objects.filter(ticket__public_id=ticket).exclude(closed_at=None).update(
            closed_at=None, updated_at=timezone.now())
