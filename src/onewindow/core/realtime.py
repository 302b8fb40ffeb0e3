"""Push to browsers over WebSockets (Django Channels): group names, publishing after commit,
signed subscriptions, and the one consumer that every live page connects to.

The state always lives in the database; a push only tells connected pages that something
changed (and what, so that they need not ask). A page therefore loads its state over HTTP,
subscribes, and reloads its state when it reconnects: a lost message or a server restart
costs a reload, never a wrong screen.

- ``group_name("hall", hall_id, "screen")`` → ``"ow.hall.<id>.screen"``: the names of what a
  page may listen to (a channel-layer group).
- ``publish(group, event, data)``: sent to every connected page of the group after the current
  transaction commits (never for a change that is rolled back); best effort, never raises.
- ``subscription_token(groups)``: the server decides what a page may listen to when it renders
  the page, and signs that list. The browser connects to ``/ws/push/?t=<token>``; the consumer
  checks the signature and age, and touches no database.
- The channel layer is Channels' in-memory layer on the embedded default (one web process) and
  Redis when ``ONEWINDOW_REDIS_URL`` is set (any number of web processes and machines).

A message reaches the browser as JSON ``{"event", "data", "sent_at"}`` (``sent_at``: epoch
milliseconds at publication, for latency measurements).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import async_to_sync
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import path

logger = logging.getLogger(__name__)

GROUP_PREFIX = "ow"
MESSAGE_TYPE = "push.message"  # handled by PushConsumer.push_message
TOKEN_SALT = "onewindow.realtime.subscription"
DEFAULT_TOKEN_MAX_AGE = 24 * 3600
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def group_name(*parts: object) -> str:
    """A channel-layer group name from parts (``"hall", uuid, "screen"``): ASCII letters,
    digits, ``-`` and ``_`` joined by dots, shorter than the layers' limit of 100."""
    cleaned = [_UNSAFE.sub("_", str(p)) for p in parts if str(p)]
    if not cleaned:
        raise ValueError("a group name needs at least one part")
    name = ".".join([GROUP_PREFIX, *cleaned])
    if len(name) >= 100:
        name = f"{name[:60]}.{hashlib.sha256(name.encode()).hexdigest()[:32]}"
    return name


def layer_backend() -> str:
    """``"redis"`` or ``"memory"``: which channel layer this process uses."""
    backend = str(settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", ""))
    return "redis" if "redis" in backend.lower() else "memory"


def web_workers(requested: int) -> int:
    """How many web processes may serve pages and sockets. The in-memory layer reaches only the
    sockets of its own process, so with it a call made in one process would never reach a
    screen connected to another: one process (async, it holds many sockets) then."""
    requested = max(int(requested), 1)
    return requested if layer_backend() == "redis" else 1


def _message(event: str, data: Any) -> dict[str, Any]:
    return {"type": MESSAGE_TYPE, "event": event, "data": data, "sent_at": int(time.time() * 1000)}


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def publish_now(group: str, event: str, data: Any) -> bool:
    """Send now to every page listening to ``group``; False (logged) when the layer fails.
    Prefer ``publish``, which waits for the commit."""
    layer = get_channel_layer()
    if layer is None:
        return False
    send = async_to_sync(layer.group_send)
    try:
        if _loop_running():
            # async_to_sync refuses to run where an event loop already runs (e.g. a sync helper
            # called from async code without sync_to_async): send from a thread of its own.
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(send, group, _message(event, data)).result()
        else:
            send(group, _message(event, data))
    except Exception:  # a push is best effort: pages reload their state on reconnect
        logger.warning("push to %s (%s) failed", group, event, exc_info=True)
        return False
    return True


def publish(group: str, event: str, data: Any) -> None:
    """Send to every page listening to ``group`` once the current transaction commits (at once
    outside a transaction); nothing is sent when it rolls back."""
    transaction.on_commit(lambda: publish_now(group, event, data))


def publish_many(groups: Iterable[str], event: str, data: Any) -> None:
    for group in dict.fromkeys(groups):
        publish(group, event, data)


# --- Subscriptions ------------------------------------------------------------------------------
def subscription_token(groups: Iterable[str]) -> str:
    """A signed list of the groups a page may listen to (put it in the page)."""
    return signing.dumps({"g": sorted(set(groups))}, salt=TOKEN_SALT, compress=True)


def subscription_groups(token: str, *, max_age: int = DEFAULT_TOKEN_MAX_AGE) -> list[str]:
    """The groups of a token; raises ``signing.BadSignature`` (or ``SignatureExpired``)."""
    data = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    groups = data.get("g") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise signing.BadSignature("malformed subscription")
    return [g for g in groups if g.startswith(GROUP_PREFIX + ".")][:20]


class PushConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """``/ws/push/?t=<subscription token>``: joins the token's groups and forwards every
    message published to them. Answers ``{"ping": n}`` with ``{"pong": n}``. No database."""

    groups_joined: list[str]

    async def dispatch(self, message: dict[str, Any]) -> None:
        """As Channels' own, without closing stale database connections around every message
        (a thread hop each): this consumer never uses the database, and a broadcast to many
        screens must not queue behind one thread."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message.get('type')}")
        await handler(message)

    async def connect(self) -> None:
        self.groups_joined = []
        query = parse_qs((self.scope.get("query_string") or b"").decode("ascii", "replace"))
        token = (query.get("t") or [""])[0]
        max_age = int(getattr(settings, "ONEWINDOW_PUSH_TOKEN_MAX_AGE", DEFAULT_TOKEN_MAX_AGE))
        try:
            groups = subscription_groups(token, max_age=max_age)
        except signing.BadSignature:
            await self.close(code=4403)
            return
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = groups
        await self.accept()
        await self.send_json({"event": "hello", "data": {"groups": len(groups)},
                              "sent_at": int(time.time() * 1000)})

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and "ping" in content:
            await self.send_json({"pong": content["ping"]})

    async def push_message(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message.get("event"), "data": message.get("data"),
                              "sent_at": message.get("sent_at")})


websocket_urlpatterns = [path("ws/push/", PushConsumer.as_asgi())]
