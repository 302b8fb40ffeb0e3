"""Hall fixtures: the cases world (a district hall with an integrated window and its clerk,
bureaus, a citizen) is reused; hall-specific fixtures live in ``factories``."""

from __future__ import annotations

from onewindow.cases.tests.conftest import (  # noqa: F401  (fixtures)
    _console_sender_reset,
    calendar_official,
    citizen,
    other_citizen,
    world,
)
