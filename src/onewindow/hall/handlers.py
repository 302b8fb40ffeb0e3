"""Subscriptions of the hall app to events of lower apps (see core.events)."""

from __future__ import annotations

from typing import Any

from onewindow.cases.constants import EVENT_PREREVIEW_PASSED
from onewindow.core.events import subscribe

from . import services


@subscribe(EVENT_PREREVIEW_PASSED)
def on_prereview_passed(payload: dict[str, Any]) -> None:
    """An online or kiosk application passed pre-review: its applicant gets a priority number."""
    services.priority_pass_grant(payload=payload)
