"""WebSocket routes of every app (the HTTP routes are in config/urls.py)."""

from onewindow.core.realtime import websocket_urlpatterns as core_ws

websocket_urlpatterns = [*core_ws]
