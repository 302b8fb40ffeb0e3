"""Periodic jobs and event handlers of the hotline."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from onewindow.core.background import task_policy
from onewindow.core.constants import EVENT_CALENDAR_YEAR_IMPORTED
from onewindow.core.events import subscribe
from onewindow.core.timer import periodic


@periodic("tickets.deadlines")
def tickets_deadlines() -> None:
    """Warnings (预警) and overdue marks (超期) on open tickets and supervision orders."""
    from .services import tickets_deadline_tick

    tickets_deadline_tick()


@subscribe(EVENT_CALENDAR_YEAR_IMPORTED)
def on_calendar_year_imported(payload: dict[str, Any]) -> None:
    """A year's official holidays arrived: recompute the provisional deadlines in that year."""
    from .services import tickets_deadlines_recompute

    year = payload.get("year")
    if isinstance(year, int):
        tickets_deadlines_recompute(year=year)


@periodic("tickets.classifier_learn")
def tickets_classifier_learn() -> None:
    """Retrain the classifier when enough new human labels arrived (promote only if as good);
    with no model and no labels, start from a zero-shot model of the category tree."""
    from .learning import classifier_retrain_tick

    classifier_retrain_tick()


@task()
def ticket_classify_refine_task(ticket_id: int) -> str:
    """The full classifier (with the embedding members) on a ticket intake left untriaged."""
    from .services import ticket_classify_refine

    return ticket_classify_refine(ticket_id=ticket_id)


def _ticket_subject(ticket_id: int) -> str:
    from .models import Ticket

    number = Ticket.objects.filter(pk=ticket_id).values_list("number", flat=True).first()
    return f"工单 {number}" if number else f"工单 #{ticket_id}"


task_policy(ticket_classify_refine_task, label="工单智能分类复核", max_seconds=120, attempts=2,
            subject=_ticket_subject)
