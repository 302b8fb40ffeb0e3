"""The real client address: X-Forwarded-For is believed only from trusted proxies."""

import pytest
from django.test import RequestFactory

from onewindow.core.clientip import ClientAddressMiddleware, resolve_client_ip

LB = ["10.0.0.0/24"]


@pytest.mark.parametrize(("remote", "xff", "trusted", "expected"), [
    # No trusted proxy configured: the header is ignored, whatever it says.
    ("203.0.113.9", "1.2.3.4", [], "203.0.113.9"),
    ("10.0.0.5", "1.2.3.4", [], "10.0.0.5"),
    # From the balancer: the right-most untrusted hop is the client.
    ("10.0.0.5", "198.51.100.7", LB, "198.51.100.7"),
    # A client forging the header cannot choose its address: the balancer appended the real one.
    ("10.0.0.5", "1.1.1.1, 198.51.100.7", LB, "198.51.100.7"),
    # Two trusted hops (balancer -> nginx) are skipped.
    ("10.0.0.5", "198.51.100.7, 10.0.0.9", LB, "198.51.100.7"),
    # A request straight to the web process (not through the balancer): header ignored.
    ("198.51.100.7", "10.0.0.1", LB, "198.51.100.7"),
    # Garbage written by the client before the real hop is skipped.
    ("10.0.0.5", "not-an-ip, 198.51.100.7", LB, "198.51.100.7"),
    # Ports and IPv6 brackets.
    ("10.0.0.5", "198.51.100.7:5123", LB, "198.51.100.7"),
    ("10.0.0.5", "[2001:db8::1]:443", LB, "2001:db8::1"),
    # All hops trusted: the left-most.
    ("10.0.0.5", "10.0.0.7, 10.0.0.9", LB, "10.0.0.7"),
    # No header from the balancer: the balancer itself.
    ("10.0.0.5", "", LB, "10.0.0.5"),
    ("::ffff:10.0.0.5", "198.51.100.7", LB, "198.51.100.7"),
])
def test_resolve_client_ip(remote, xff, trusted, expected):
    assert resolve_client_ip(remote, xff, trusted) == expected


def test_middleware_rewrites_remote_addr_and_keeps_the_proxy(settings):
    settings.ONEWINDOW_TRUSTED_PROXIES = ["127.0.0.1"]
    seen = {}

    def view(request):
        seen["remote"] = request.META["REMOTE_ADDR"]
        seen["proxy"] = request.META.get("ONEWINDOW_PROXY_ADDR")
        return None

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="127.0.0.1")
    ClientAddressMiddleware(view)(request)
    assert seen == {"remote": "198.51.100.7", "proxy": "127.0.0.1"}

    settings.ONEWINDOW_TRUSTED_PROXIES = []
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="127.0.0.1")
    ClientAddressMiddleware(view)(request)
    assert seen == {"remote": "127.0.0.1", "proxy": None}
