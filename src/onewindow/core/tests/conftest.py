"""Fixtures of the cases tests, for core tests that need real uploads (file cleanup)."""

from onewindow.cases.tests.conftest import citizen, item_a, world  # noqa: F401
