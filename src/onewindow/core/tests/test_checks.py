"""The December system check: a warning, never an error, silent without tables."""

from datetime import date

import pytest
from django.core import checks
from django.db import DatabaseError

from onewindow.core.checks import CALENDAR_MISSING_YEAR, calendar_year_check
from onewindow.core.models import CalendarYear
from onewindow.core.selectors import calendar_tables_ready


@pytest.mark.django_db
def test_warns_in_december_when_next_year_is_missing():
    assert calendar_tables_ready()
    messages = calendar_year_check(today=date(2026, 12, 1))
    assert len(messages) == 1
    warning = messages[0]
    assert isinstance(warning, checks.Warning)
    assert warning.level == checks.WARNING and not warning.is_serious()
    assert warning.id == CALENDAR_MISSING_YEAR == "onewindow.W001"
    assert "2027" in warning.msg and "calendar_import" in warning.hint


@pytest.mark.django_db
def test_silent_before_december_and_once_imported():
    assert calendar_year_check(today=date(2026, 11, 30)) == []
    CalendarYear.objects.create(year=2027, status=CalendarYear.Status.OFFICIAL)
    assert calendar_year_check(today=date(2026, 12, 15)) == []


@pytest.mark.django_db
def test_registered_with_the_check_framework(monkeypatch):
    monkeypatch.setattr("onewindow.core.selectors.timezone.localdate", lambda: date(2026, 12, 2))
    found = [m for m in checks.run_checks() if m.id == CALENDAR_MISSING_YEAR]
    assert len(found) == 1 and not found[0].is_serious()


@pytest.mark.django_db
def test_missing_tables_give_no_message(monkeypatch):
    monkeypatch.setattr("onewindow.core.selectors.calendar_tables_ready", lambda: False)
    assert calendar_year_check(today=date(2026, 12, 1)) == []


@pytest.mark.django_db
def test_a_database_error_gives_no_message(monkeypatch):
    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise DatabaseError("no such table: core_calendaryear")

    monkeypatch.setattr("onewindow.core.selectors.calendar_missing_year_warning", broken)
    assert calendar_year_check(today=date(2026, 12, 1)) == []


def test_no_database_access_without_tables(monkeypatch):
    # Without the db fixture any query would fail the test: the check must not query.
    monkeypatch.setattr("onewindow.core.selectors.calendar_tables_ready", lambda: False)
    assert calendar_year_check(today=date(2026, 12, 1)) == []
