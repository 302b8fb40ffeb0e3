"""Per-process cache of who is calling: bearer token → user → scope (ADR 0020).

Every API call used to read the token and its user (1 query), the staff row with its region
(1) and its departments (1) before the view ran; at 1,000,000 cases that was about 1.5 ms of
the 7–8 ms a list costs in the application. This module keeps those answers in the process,
stamped with the **auth version**: one row (``AuthVersion``) that database triggers bump in the
same transaction as any change to staff, their departments, roles or region, users (active
flag, password, names), API tokens (revoked, expiry, deleted) and region paths — whoever makes
the change (services, the admin, a shell, a bulk update).

A process reads the version at most once every ``ONEWINDOW_AUTH_CACHE_SECONDS`` (2 s by
default; 0 in the test suite, where every request reads it: one query instead of three). So a
revoked token, a removed role or a deactivated account stops working in every process within
that time, and in a process that reads the version after the commit at once. Entries carry
no model instances: each request gets a fresh ``User`` built from cached values, so nothing a
request does to its user leaks into another request.

Expiry is still checked on every call against the clock (no SQL), and ``last_used_at`` is still
written when it is more than five minutes old (one UPDATE per token per five minutes).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection

from .scope import Scope

MAX_ENTRIES = 10_000  # tokens and users per process; a full cache is emptied, not evicted


@dataclass(frozen=True)
class CachedToken:
    token_id: int
    user_values: tuple[Any, ...]  # the User's concrete field values, in _USER_FIELDS order
    user_active: bool
    revoked_at: datetime | None
    expires_at: datetime | None
    created_at: datetime
    last_used_at: datetime | None
    client_values: tuple[Any, ...] | None = None  # a service account's ServiceClient field values


_lock = threading.Lock()
_state: dict[str, Any] = {"version": None, "checked": 0.0}
_tokens: dict[str, tuple[int, CachedToken]] = {}
_scopes: dict[int, tuple[int, Scope]] = {}


def ttl() -> float:
    return float(getattr(settings, "ONEWINDOW_AUTH_CACHE_SECONDS", 2.0))


def version_read() -> int:
    """The auth version in the database (0 before the first change)."""
    from .models import AuthVersion

    table = connection.ops.quote_name(AuthVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def current_version() -> int:
    """The version entries must carry to be valid, read at most once per ``ttl()`` seconds.

    A different version than last time (not only a higher one: a flushed table starts again)
    empties the whole cache."""
    now = time.monotonic()
    version = _state["version"]
    if version is None or now - _state["checked"] >= ttl():
        fresh = version_read()
        with _lock:
            if fresh != version:
                _tokens.clear()
                _scopes.clear()
            _state["version"], _state["checked"] = fresh, now
        version = fresh
    return int(version)


def clear() -> None:
    """Forget everything (tests; a process that changed staff and wants it seen at once)."""
    with _lock:
        _tokens.clear()
        _scopes.clear()
        _state["version"], _state["checked"] = None, 0.0


def enabled() -> bool:
    return ttl() >= 0


def token_get(key_hash: str, version: int) -> CachedToken | None:
    found = _tokens.get(key_hash)
    if found is None or found[0] != version:
        return None
    return found[1]


def token_put(key_hash: str, version: int, entry: CachedToken) -> None:
    with _lock:
        if len(_tokens) >= MAX_ENTRIES:
            _tokens.clear()
        _tokens[key_hash] = (version, entry)


def scope_get(user_id: int, version: int) -> Scope | None:
    found = _scopes.get(user_id)
    if found is None or found[0] != version:
        return None
    return found[1]


def scope_put(user_id: int, version: int, scope: Scope) -> None:
    with _lock:
        if len(_scopes) >= MAX_ENTRIES:
            _scopes.clear()
        _scopes[user_id] = (version, scope)
