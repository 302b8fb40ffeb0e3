"""Hall fixtures: the cases world (a district hall with an integrated window and its clerk,
bureaus, a citizen) is reused; hall-specific fixtures live in ``factories``."""

from __future__ import annotations

# --- Browser tests over ASGI (pages and WebSockets from one server) ---------------------------
import socket
import threading
import time

import pytest

from conftest import NAVIGATION_TIMEOUT_MS
from onewindow.cases.tests.conftest import (  # noqa: F401  (fixtures)
    _console_sender_reset,
    calendar_official,
    citizen,
    other_citizen,
    world,
)


def _other_sessions() -> dict[int, str]:
    """PostgreSQL: the other sessions on this test database (pid → what it last ran)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, state || ': ' || left(query, 80) FROM pg_stat_activity"
                       " WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return dict(cursor.fetchall())


@pytest.fixture
def asgi_server(transactional_db, settings, monkeypatch):  # type: ignore[no-untyped-def]
    """The platform's ASGI application under uvicorn in a thread of this process, as ``serve``
    runs it (one process, the in-memory channel layer): pages, the API and /ws/push/.

    Each request runs in a thread of its own, as in production, where the connection goes back
    to the pool when the request ends. Tests keep connections 60 s (CONN_MAX_AGE), so every
    request left one open: on PostgreSQL the test database could not be dropped at the end ("3
    other sessions are using the database"). Here they close at the end of each request, and
    the fixture checks that the server leaves no session behind."""
    import uvicorn
    from django.db import connection

    from config.asgi import application

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    before = set(_other_sessions())
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                            ws="websockets-sansio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the ASGI test server did not start")
        time.sleep(0.05)
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    deadline = time.monotonic() + 10  # a closed connection's server process ends a moment later
    while (left := {pid: q for pid, q in _other_sessions().items() if pid not in before}):
        if time.monotonic() > deadline:
            raise AssertionError(f"the ASGI test server left database sessions open: {left}")
        time.sleep(0.1)


@pytest.fixture
def asgi_context(chromium_browser, asgi_server):  # type: ignore[no-untyped-def]
    """New browser contexts (one per person: citizen, clerk, the screen) on the ASGI server;
    like the ``page`` fixture, a CSP violation on any of their pages fails the test."""
    contexts: list = []
    errors: list[str] = []

    def make(**options):  # type: ignore[no-untyped-def]
        context = chromium_browser.new_context(locale="zh-CN", base_url=asgi_server,
                                               viewport=options.pop("viewport", {"width": 1280, "height": 900}),
                                               **options)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()
    csp = [e for e in errors if "Content Security Policy" in e]
    assert not csp, f"CSP violations: {csp}"
