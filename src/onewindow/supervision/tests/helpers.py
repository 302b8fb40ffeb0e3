"""Test data for supervision: tickets and cases at known times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from onewindow.tickets import services as ticket_services
from onewindow.tickets.tests.factories import intake_kwargs

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


def ticket_overdue(hotline: Any, *, now: datetime = MONDAY, **kw: Any) -> Any:
    """A water ticket received at ``now`` and marked overdue by the deadline job a day later."""
    ticket = ticket_services.ticket_intake(actor=hotline.operator.user, now=now, **intake_kwargs(**kw))
    ticket_services.tickets_deadline_tick(now=now + timedelta(hours=30))
    ticket.refresh_from_db()
    assert ticket.overdue and ticket.department == hotline.water
    return ticket


def ticket_done(hotline: Any, *, now: datetime = MONDAY, satisfied: bool = True) -> Any:
    ticket = ticket_services.ticket_intake(actor=hotline.operator.user, now=now, **intake_kwargs())
    ticket_services.ticket_accept(actor=hotline.water_staff.user, ticket=ticket, now=now + timedelta(hours=1))
    ticket_services.ticket_reply(actor=hotline.water_staff.user, ticket=ticket, text="已恢复供水，请知悉。",
                                 now=now + timedelta(hours=2))
    ticket_services.ticket_callback(actor=hotline.operator.user, ticket=ticket,
                                    satisfaction="satisfied" if satisfied else "unsatisfied", solved=satisfied,
                                    now=now + timedelta(hours=3))
    ticket.refresh_from_db()
    return ticket


def case_at(*, item: Any, submitted_at: datetime, **fields: Any) -> Any:
    """A case (written directly) submitted at a given time."""
    from onewindow.cases.models import Case
    from onewindow.cases.tests.factories import case_make

    case = case_make(item=item, **fields)
    Case.objects.filter(pk=case.pk).update(submitted_at=submitted_at)
    case.submitted_at = submitted_at
    return case
