"""Fixtures of other apps the supervision pages are tested with."""

from onewindow.tickets.tests.conftest import classifier, hotline  # noqa: F401  (the hotline fixture)
