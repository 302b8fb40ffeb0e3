"""The real client address behind trusted proxies.

Behind a load balancer every request comes from the balancer's address, so anything keyed by
client address (sign-in lockout, rate limits, the audit trail) would lump all citizens
together. ``X-Forwarded-For`` names the real client, but anyone can send that header: it is
believed only when the request comes from a proxy listed in ``ONEWINDOW_TRUSTED_PROXIES``
(addresses or networks), and only as far as the chain of trusted proxies goes. The header is
read from the right (the hop appended by our own proxy) to the left; the first address that is
not a trusted proxy is the client. Without trusted proxies the header is ignored.

``ClientAddressMiddleware`` (first in MIDDLEWARE) puts the resolved address in
``REMOTE_ADDR``, so every consumer (django-axes, throttles, audit) sees the same value; the
proxy's own address is kept in ``META["ONEWINDOW_PROXY_ADDR"]``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_HOPS = 20


@lru_cache(maxsize=8)
def trusted_networks(spec: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    """Parse the trusted-proxy setting; a bad entry is a configuration error."""
    networks: list[IpNetwork] = []
    for item in spec:
        item = item.strip()
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return tuple(networks)


def _parse(value: str) -> IpAddress | None:
    text = value.strip().strip('"')
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.9:5000"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IpAddress, networks: Iterable[IpNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def resolve_client_ip(remote_addr: str, forwarded_for: str, trusted: Iterable[str]) -> str:
    """Pure rule: the client address given the peer address, the header and trusted proxies."""
    networks = trusted_networks(tuple(trusted))
    peer = _parse(remote_addr or "")
    if peer is None:
        return remote_addr or ""
    if not networks or not _trusted(peer, networks) or not forwarded_for:
        return str(peer)
    client = peer
    hops = [h for h in forwarded_for.split(",") if h.strip()][-MAX_HOPS:]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # Garbage written by the client: the last trusted hop saw the real peer, which is
            # the address it appended just before this entry.
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def client_ip(request: HttpRequest) -> str:
    """The real client address of a request (also the django-axes client-IP callable)."""
    resolved = getattr(request, "client_ip", None)
    if resolved is not None:
        return str(resolved)
    return resolve_client_ip(str(request.META.get("REMOTE_ADDR", "")),
                             str(request.META.get("HTTP_X_FORWARDED_FOR", "")),
                             getattr(settings, "ONEWINDOW_TRUSTED_PROXIES", ()))


class ClientAddressMiddleware:
    """Resolve the real client address once, before anything reads ``REMOTE_ADDR``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = str(request.META.get("REMOTE_ADDR", ""))
        resolved = client_ip(request)
        if resolved != peer:
            request.META["ONEWINDOW_PROXY_ADDR"] = peer
            request.META["REMOTE_ADDR"] = resolved
        request.client_ip = resolved  # type: ignore[attr-defined]
        return self.get_response(request)
