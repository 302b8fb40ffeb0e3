"""Pure rules of outgoing webhooks: signatures, back-off, addresses. No database."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from onewindow.core.errors import ValidationFailed

from . import constants as c


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, "<timestamp>." ‖ body). A receiver recomputes it
    over the raw body and refuses timestamps older than a few minutes (replays)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_signature_valid(*, secret: str, timestamp: int, body: bytes, signature: str,
                            now: int, tolerance: int = 300) -> bool:
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(webhook_signature(secret=secret, timestamp=timestamp, body=body), signature)


def webhook_backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: 1, 2, 4 … minutes, at most 6 h."""
    seconds = c.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, c.WEBHOOK_BACKOFF_MAX_SECONDS))


def webhook_next_attempt(*, attempts: int, now: datetime) -> datetime | None:
    """When to try again, or None once ``WEBHOOK_MAX_ATTEMPTS`` tries have failed."""
    if attempts >= c.WEBHOOK_MAX_ATTEMPTS:
        return None
    return now + webhook_backoff(attempts)


#: Host names that always mean this machine or its network (RFC 6761, common internal suffixes).
INNER_HOST_SUFFIXES = (".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa")


def webhook_address_refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address a webhook must not reach without ``ONEWINDOW_WEBHOOK_ALLOW_PRIVATE``:
    private, loopback, link-local (cloud metadata at 169.254.169.254), multicast, reserved,
    unspecified, shared (100.64/10) or documentation ranges — anything not globally routable.
    IPv4-mapped IPv6 addresses are judged as their IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return bool(address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified or not address.is_global)


def webhook_literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names literally, including the legacy IPv4 forms resolvers accept
    (``127.1``, ``2130706433``, ``0x7f.0.0.1``); None for a host name."""
    try:
        return ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        pass
    if host and all(ch in "0123456789abcdefx." for ch in host.lower()) and any(ch.isdigit() for ch in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def webhook_url_check(url: str, *, allow_private: bool, require_https: bool) -> str:
    """A receiver's address, checked when it is subscribed (and again before each send, where
    the host is also resolved: ``services``): http(s) with a host, ≤ 500 characters; https unless
    allowed; no literal private, loopback, link-local, multicast or reserved address and no
    ``localhost``/internal name unless ``allow_private``. Refusals: 400 ``webhook_url_invalid``
    with a Chinese message saying which rule."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        port_ok = parts.port != 0  # urlsplit refuses ports above 65535 itself (ValueError)
    except ValueError:
        parts, host, port_ok = urlsplit(""), "", False
    message = ""
    if parts.scheme not in ("http", "https") or not host or len(url) > 500 or not port_ok:
        message = "接收地址应为不超过500字符的 http(s) 网址"
    elif parts.username is not None or parts.password is not None:
        message = "接收地址不能包含用户名或密码，请改用签名校验"
    elif require_https and parts.scheme != "https":
        message = "接收地址应使用 https"
    elif not allow_private:
        address = webhook_literal_address(host)
        if host == "localhost" or host.endswith(INNER_HOST_SUFFIXES):
            message = "接收地址不能是本机或内网域名"
        elif address is not None and webhook_address_refused(address):
            message = "接收地址不能是内网、本机、链路本地、组播或保留地址"
    if message:
        raise ValidationFailed(message, code="webhook_url_invalid", fields={"url": message})
    return url


def webhook_events_check(events: list[str]) -> list[str]:
    chosen = sorted({e.strip() for e in events if e and e.strip()})
    unknown = [e for e in chosen if e not in c.WEBHOOK_EVENTS]
    if not chosen or unknown:
        message = f"无法识别的事件：{'、'.join(unknown)}" if unknown else "至少选择一个事件"
        raise ValidationFailed(message, code="webhook_events_invalid", fields={"events": message})
    return chosen
