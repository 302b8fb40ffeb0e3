"""Consultation fixtures: the cases world (bureau A with reviewers, a citizen, published
items) and fixed instants inside and outside service hours (2026-12-07 is a Monday)."""

from __future__ import annotations

from datetime import datetime

import pytest

from onewindow.cases.tests.conftest import (  # noqa: F401  (fixtures)
    _console_sender_reset,
    calendar_official,
    citizen,
    item_a,
    item_b,
    other_citizen,
    world,
)
from onewindow.core.workdays import SHANGHAI
from onewindow.hall.tests.conftest import asgi_context, asgi_server  # noqa: F401  (browser fixtures)


def at(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, d, hh, mm, tzinfo=SHANGHAI)


MONDAY_10 = at(7, 10)
SATURDAY_10 = at(12, 10)


@pytest.fixture(autouse=True)
def _hours(settings):  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_CONSULT_HOURS = "09:00-12:00,13:00-17:30"
    settings.ONEWINDOW_CONSULT_FIRST_ANSWER_MINUTES = 30
