"""Outbox subscriptions of the cases app and its hook into the licences app."""

from __future__ import annotations

from typing import Any

from onewindow.core.constants import EVENT_CALENDAR_YEAR_IMPORTED
from onewindow.core.events import subscribe
from onewindow.licences.selectors import register_case_checker

from . import selectors


@subscribe(EVENT_CALENDAR_YEAR_IMPORTED)
def on_calendar_year_imported(payload: dict[str, Any]) -> None:
    """An official holiday schedule arrived: recompute the provisional deadlines it touches."""
    from .services import deadlines_recompute

    year = payload.get("year")
    deadlines_recompute(year=int(year) if isinstance(year, int) else None)


# Staff may look up or use an applicant's e-licences only inside that applicant's case.
register_case_checker(selectors.case_licence_check)
