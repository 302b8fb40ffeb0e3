"""Core test fixtures: an audit table that can be tampered with, and the cases fixtures for
tests that need real uploads (file cleanup)."""

import pytest
from django.db import connection

from onewindow.cases.tests.conftest import citizen, item_a, world  # noqa: F401
from onewindow.core.models import AuditChainHead, AuditEntry


def _disable_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
        else:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")


def _restore_triggers():
    from importlib import import_module

    mod = import_module("onewindow.core.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in mod.SQLITE_UP:
                cursor.execute(sql)
        else:
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")


@pytest.fixture
def tamperable():
    """What a database administrator (or the application's owner role) can do: no triggers."""
    _disable_triggers()
    yield
    AuditEntry.objects.all().delete()
    AuditChainHead.objects.all().delete()
    _restore_triggers()
