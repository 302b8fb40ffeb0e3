"""How webhooks reach a receiver: one POST, no redirects, no proxies from the environment, and
the receiver's host resolved and checked **on the connection itself** — every address it
resolves to must be public (``rules.webhook_address_refused``), and the socket connects to one
of those checked addresses, so a name that resolves to an inner address (or changes between a
check and the connection: DNS rebinding) is refused. ``ONEWINDOW_WEBHOOK_ALLOW_PRIVATE`` lifts
the check (a receiver inside the government network; the tests' loopback receivers). TLS still
verifies the certificate against the host name."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from . import constants as c
from . import rules


class WebhookAddressRefused(OSError):
    """The receiver's host resolves to an address webhooks may not reach."""


def private_allowed() -> bool:
    return bool(getattr(settings, "ONEWINDOW_WEBHOOK_ALLOW_PRIVATE", False))


def resolve_checked(host: str, port: int) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` of the host, refused (WebhookAddressRefused) when any address is inner."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not private_allowed():
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if rules.webhook_address_refused(address):
                raise WebhookAddressRefused(
                    f"接收地址的主机 {host} 解析为内网、本机、链路本地、组播或保留地址（{address}），已拒绝发送")
    if not infos:
        raise WebhookAddressRefused(f"无法解析接收地址的主机 {host}")
    return infos


def guarded_connection(address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                       source_address: Any = None, *args: Any, **kwargs: Any) -> socket.socket:
    """``socket.create_connection`` connecting only to the checked addresses of the host."""
    host, port = address
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in resolve_checked(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError(f"无法连接 {host}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: Any) -> Any:
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: Any) -> Any:
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a redirect is a failure
        return None


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect, _GuardedHTTPHandler,
                                      _GuardedHTTPSHandler)


def post(url: str, *, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """(HTTP status or None, error text): one POST to a checked address."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310  (http(s) only: webhook_url_check)
    try:
        with _opener.open(request, timeout=c.WEBHOOK_TIMEOUT_SECONDS) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, WebhookAddressRefused):
            return None, str(reason)[:c.WEBHOOK_RESPONSE_KEEP]
        return None, f"{type(exc).__name__}: {reason}"[:c.WEBHOOK_RESPONSE_KEEP]
