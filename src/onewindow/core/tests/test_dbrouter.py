"""The read-replica router (off by default): reads go to the replica only outside transactions,
before any write of the same request, and for the configured apps; writes and migrations go to
the primary; every request starts unpinned."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory

from onewindow.accounts.models import User
from onewindow.cases.models import Case
from onewindow.core import dbrouter
from onewindow.core.models import AuditEntry
from onewindow.tickets.models import Ticket


@pytest.fixture
def replica(settings):  # type: ignore[no-untyped-def]
    """A replica alias as ONEWINDOW_READ_REPLICA_URL would add (no connection is opened)."""
    settings.DATABASES = {**django_settings.DATABASES, "replica": {**django_settings.DATABASES["default"]}}
    settings.ONEWINDOW_READ_REPLICA_APPS = ["cases", "tickets"]
    dbrouter.pin_reset()
    yield dbrouter.ReadReplicaRouter()
    dbrouter.pin_reset()


def test_off_by_default() -> None:
    assert django_settings.DATABASE_ROUTERS == []
    assert "replica" not in django_settings.DATABASES
    assert dbrouter.ReadReplicaRouter().db_for_read(Case) == "default"  # no replica configured


def test_reads_of_listed_apps_go_to_the_replica(replica) -> None:  # type: ignore[no-untyped-def]
    assert replica.db_for_read(Case) == "replica"
    assert replica.db_for_read(Ticket) == "replica"
    assert replica.db_for_read(User) == "default"  # accounts: not listed
    assert replica.db_for_read(AuditEntry) == "default"


def test_every_app_with_a_star(replica, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_READ_REPLICA_APPS = ["*"]
    assert replica.db_for_read(User) == "replica"


def test_a_write_pins_the_rest_of_the_request_to_the_primary(replica) -> None:  # type: ignore[no-untyped-def]
    assert replica.db_for_write(Case) == "default"
    assert dbrouter.pinned() and replica.db_for_read(Case) == "default"
    seen: list[Any] = []

    def view(request: Any) -> HttpResponse:
        seen.append(replica.db_for_read(Case))
        replica.db_for_write(Ticket)
        seen.append(replica.db_for_read(Ticket))
        return HttpResponse("ok")

    middleware = dbrouter.ReplicaPinMiddleware(view)
    middleware(RequestFactory().get("/"))  # starts unpinned, pins itself after its write
    assert seen == ["replica", "default"]
    assert not dbrouter.pinned()  # and leaves the thread unpinned for the next request


@pytest.mark.django_db
def test_reads_inside_a_transaction_stay_on_the_primary(replica) -> None:  # type: ignore[no-untyped-def]
    # a django_db test runs inside a transaction on the primary, like a service's atomic block
    assert replica.db_for_read(Case) == "default"


def test_migrations_and_relations(replica) -> None:  # type: ignore[no-untyped-def]
    assert replica.allow_migrate("default", "cases") is True
    assert replica.allow_migrate("replica", "cases") is False
    assert replica.allow_relation(object(), object()) is True
