"""Portal fixtures: the cases world (a citizen, bureaus, items) and the ASGI server."""

from onewindow.cases.tests.conftest import (  # noqa: F401  (fixtures)
    _console_sender_reset,
    calendar_official,
    citizen,
    item_a,
    other_citizen,
    world,
)
