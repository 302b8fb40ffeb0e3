"""Reads on a PostgreSQL streaming replica, writes and everything after them on the primary.

Off by default. With ``ONEWINDOW_READ_REPLICA_URL`` set, settings add a ``replica`` database,
this router and ``ReplicaPinMiddleware`` (see docs/scaling.md):

- a read goes to the replica when it is outside a transaction on the primary, no write has
  happened earlier in the same request (or task), and its model's app is one of
  ``ONEWINDOW_READ_REPLICA_APPS`` (``*`` for every app; default: the lists and figures of
  cases, tickets, supervision and news);
- a write goes to the primary and *pins* the rest of the request to it, so a client always reads
  what it has just written (a replica lags by milliseconds to seconds);
- a read inside ``transaction.atomic()`` on the primary stays there (it may lock or must see
  the transaction's own rows);
- migrations run on the primary only (the replica copies them).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"

_pinned: ContextVar[bool] = ContextVar("onewindow_db_pinned", default=False)


def pin_reset() -> None:
    """A new request (or task) starts unpinned."""
    _pinned.set(False)


def pinned() -> bool:
    return _pinned.get()


def _replica_apps() -> set[str]:
    return set(getattr(settings, "ONEWINDOW_READ_REPLICA_APPS", ["*"]))


class ReadReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        if REPLICA not in settings.DATABASES or _pinned.get():
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        apps = _replica_apps()
        if "*" not in apps and model._meta.app_label not in apps:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        _pinned.set(True)
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


class ReplicaPinMiddleware:
    """Unpins at the start of every request (a worker thread serves many requests)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pin_reset()
        try:
            return self.get_response(request)
        finally:
            pin_reset()
