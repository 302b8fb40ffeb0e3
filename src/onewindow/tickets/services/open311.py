"""Open311 clients: keys created, rotated, revoked and checked."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from onewindow.core.audit import audit_record

from .. import constants as c
from ..models import (
    Open311Client,
)
from ._common import _required_text
from .admin import _require_admin

# --- Open311 clients --------------------------------------------------------------------------
OPEN311_KEY_PREFIX = "o311_"


def open311_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open311_client_create(*, actor: Any, name: str, contact: str = "") -> tuple[Open311Client, str]:
    """Register an Open311 application; returns it with its api_key (shown once, stored hashed)."""
    _require_admin(actor)
    name = _required_text(name, field_name="name", label="名称", max_len=100)
    key = OPEN311_KEY_PREFIX + secrets.token_urlsafe(24)
    with transaction.atomic():
        client = Open311Client.objects.create(name=name, contact=(contact or "")[:200], key_prefix=key[:10],
                                              key_hash=open311_key_hash(key))
        audit_record(actor=actor, action=c.AUDIT_OPEN311_CLIENT, obj=client, summary={"name": name})
    return client, key


def open311_client_rotate(*, actor: Any, client: Open311Client) -> tuple[Open311Client, str]:
    """A new api_key for the client (shown once); the old one stops working at once."""
    _require_admin(actor)
    key = OPEN311_KEY_PREFIX + secrets.token_urlsafe(24)
    with transaction.atomic():
        client.key_prefix, client.key_hash, client.is_active = key[:10], open311_key_hash(key), True
        client.save(update_fields=["key_prefix", "key_hash", "is_active", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_OPEN311_CLIENT, obj=client, summary={"rotated": True})
    return client, key


def open311_client_revoke(*, actor: Any, client: Open311Client) -> Open311Client:
    """The client's key stops working (the client and its history stay)."""
    _require_admin(actor)
    with transaction.atomic():
        client.is_active = False
        client.save(update_fields=["is_active", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_OPEN311_CLIENT, obj=client, summary={"revoked": True})
    return client


def open311_client_authenticate(*, key: str) -> Open311Client | None:
    if not key or not key.startswith(OPEN311_KEY_PREFIX):
        return None
    client = Open311Client.objects.filter(key_hash=open311_key_hash(key), is_active=True).first()
    if client is not None:
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 300:
            Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return client
