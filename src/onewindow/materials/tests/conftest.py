"""The cases app's world (departments, hall, clerk, citizens, items) serves the library too."""

from onewindow.cases.tests.conftest import (  # noqa: F401  (fixtures)
    _console_sender_reset,
    agent,
    citizen,
    item_a,
    item_b,
    item_simple,
    other_citizen,
    world,
)
