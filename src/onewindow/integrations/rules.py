"""Pure rules of outgoing webhooks: signatures, back-off, addresses. No database."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
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


def webhook_url_check(url: str, *, allow_private: bool, require_https: bool) -> str:
    """A receiver's address: http(s) with a host; https in production; no private, loopback or
    link-local literal addresses unless allowed (they would reach inside the platform's network)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    message = ""
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        message = "接收地址应为不超过500字符的 http(s) 网址"
    elif require_https and parts.scheme != "https":
        message = "接收地址应使用 https"
    elif not allow_private:
        host = parts.hostname
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if host == "localhost" or (address is not None and not address.is_global):
            message = "接收地址不能是内网、本机或保留地址"
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
