"""A small WebSocket test client for ASGI consumers (what channels.testing offers, without
daphne, which channels.testing imports at package level)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote, urlsplit

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator


def run_async(scenario: Callable[[], Awaitable[Any]]) -> Any:
    """Run an async test scenario to the end on a thread of its own.

    A browser test earlier in the same test process leaves Playwright's event loop running in
    the main thread, where ``async_to_sync`` refuses to start; a fresh thread has no loop. The
    scenario's ``sync_to_async`` calls run on that thread (its own database connection: use
    ``django_db(transaction=True)``), which is closed when the scenario ends: tests keep
    connections 60 s, and one left open kept PostgreSQL from dropping the test database."""
    from django.db import connections

    def run() -> Any:
        try:
            return async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


class WsClient(ApplicationCommunicator):  # type: ignore[misc]
    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        parts = urlsplit(path)
        scope = {"type": "websocket", "path": unquote(parts.path), "raw_path": parts.path.encode(),
                 "query_string": parts.query.encode(), "headers": headers or [],
                 "subprotocols": [], "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
        super().__init__(application, scope)

    async def connect(self, timeout: float = 5) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        return True, None

    async def send_json_to(self, data: Any) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 5) -> Any:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)
