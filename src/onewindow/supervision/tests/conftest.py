"""Fixtures of the cases tests, for pages that show cases' background work."""

from onewindow.cases.tests.conftest import citizen, item_a, world  # noqa: F401
