"""The gunicorn worker class of the web server: uvicorn (ASGI: HTTP and WebSockets) with the
settings this platform needs: no lifespan protocol (Django has none), the current WebSocket
implementation, and proxy headers trusted only from the local balancer."""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: dict[str, Any] = {
        **UvicornWorker.CONFIG_KWARGS,
        "lifespan": "off",
        "ws": "websockets-sansio",
        "ws_ping_interval": 20.0,
        "ws_ping_timeout": 20.0,
    }
