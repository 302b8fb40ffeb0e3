"""Periodic jobs and event handlers of the hotline."""

from __future__ import annotations

from typing import Any

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
