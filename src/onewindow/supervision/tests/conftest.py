"""Fixtures of other apps the supervision pages are tested with: the cases' (background work)
and the hotline's (the audit page)."""

from onewindow.cases.tests.conftest import citizen, item_a, world  # noqa: F401
from onewindow.tickets.tests.conftest import classifier, hotline  # noqa: F401
