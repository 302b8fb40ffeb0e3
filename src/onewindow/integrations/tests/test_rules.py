"""The pure rules of outgoing webhooks: signatures, back-off, receiver addresses, events."""

import hashlib
import hmac
import ipaddress
from datetime import UTC, datetime, timedelta

import pytest

from onewindow.core.errors import ValidationFailed
from onewindow.core.tests.helpers import raises_code
from onewindow.integrations import constants as c
from onewindow.integrations import rules

# --- Signatures -------------------------------------------------------------------------------------


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"s3cret", b"1700000000." + b'{"a":1}', hashlib.sha256).hexdigest()
    assert rules.webhook_signature(secret="s3cret", timestamp=1700000000, body=b'{"a":1}') == f"sha256={expected}"


def test_signature_depends_on_secret_timestamp_and_body() -> None:
    base = rules.webhook_signature(secret="k", timestamp=1, body=b"x")
    assert rules.webhook_signature(secret="k2", timestamp=1, body=b"x") != base
    assert rules.webhook_signature(secret="k", timestamp=2, body=b"x") != base
    assert rules.webhook_signature(secret="k", timestamp=1, body=b"y") != base


def test_signature_valid_within_tolerance_both_ways() -> None:
    sig = rules.webhook_signature(secret="k", timestamp=1000, body=b"b")
    assert rules.webhook_signature_valid(secret="k", timestamp=1000, body=b"b", signature=sig, now=1000)
    # exactly at the default tolerance (300 s) late and early: still accepted
    assert rules.webhook_signature_valid(secret="k", timestamp=1000, body=b"b", signature=sig, now=1300)
    assert rules.webhook_signature_valid(secret="k", timestamp=1000, body=b"b", signature=sig, now=700)
    # one second past it: a replay
    assert not rules.webhook_signature_valid(secret="k", timestamp=1000, body=b"b", signature=sig, now=1301)
    assert not rules.webhook_signature_valid(secret="k", timestamp=1000, body=b"b", signature=sig, now=699)
    # a custom tolerance
    assert rules.webhook_signature_valid(secret="k", timestamp=1000, body=b"b", signature=sig, now=1010,
                                         tolerance=10)
    assert not rules.webhook_signature_valid(secret="k", timestamp=1000, body=b"b", signature=sig, now=1011,
                                             tolerance=10)


def test_signature_invalid_for_other_body_or_secret() -> None:
    sig = rules.webhook_signature(secret="k", timestamp=1000, body=b"b")
    assert not rules.webhook_signature_valid(secret="k", timestamp=1000, body=b"c", signature=sig, now=1000)
    assert not rules.webhook_signature_valid(secret="other", timestamp=1000, body=b"b", signature=sig, now=1000)
    assert not rules.webhook_signature_valid(secret="k", timestamp=1000, body=b"b", signature="sha256=00", now=1000)


# --- Back-off ---------------------------------------------------------------------------------------


def test_backoff_doubles_from_one_minute_and_caps_at_six_hours() -> None:
    assert c.WEBHOOK_BACKOFF_BASE_SECONDS == 60 and c.WEBHOOK_BACKOFF_MAX_SECONDS == 6 * 3600
    assert rules.webhook_backoff(0) == timedelta(minutes=1)
    assert rules.webhook_backoff(1) == timedelta(minutes=1)
    assert rules.webhook_backoff(2) == timedelta(minutes=2)
    assert rules.webhook_backoff(3) == timedelta(minutes=4)
    assert rules.webhook_backoff(9) == timedelta(minutes=256)
    assert rules.webhook_backoff(10) == timedelta(hours=6)  # 512 min capped
    assert rules.webhook_backoff(30) == timedelta(hours=6)


def test_next_attempt_until_the_last_try() -> None:
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert c.WEBHOOK_MAX_ATTEMPTS == 8
    assert rules.webhook_next_attempt(attempts=1, now=now) == now + timedelta(minutes=1)
    assert rules.webhook_next_attempt(attempts=7, now=now) == now + timedelta(minutes=64)
    assert rules.webhook_next_attempt(attempts=8, now=now) is None
    assert rules.webhook_next_attempt(attempts=9, now=now) is None


# --- Addresses --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1",  # private
    "127.0.0.1", "::1",  # loopback
    "169.254.169.254", "fe80::1",  # link-local (cloud metadata)
    "224.0.0.1", "ff02::1",  # multicast
    "240.0.0.1",  # reserved
    "0.0.0.0", "::",  # unspecified  # noqa: S104
    "100.64.0.1",  # shared (carrier-grade NAT): not private, not global
    "192.0.2.1",  # documentation
    "::ffff:127.0.0.1", "::ffff:10.1.2.3",  # IPv4-mapped
])
def test_inner_addresses_refused(text: str) -> None:
    assert rules.webhook_address_refused(ipaddress.ip_address(text)) is True


@pytest.mark.parametrize("text", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_allowed(text: str) -> None:
    assert rules.webhook_address_refused(ipaddress.ip_address(text)) is False


@pytest.mark.parametrize(("host", "address"), [
    ("127.0.0.1", "127.0.0.1"),
    ("::1", "::1"),
    ("fe80::1%eth0", "fe80::1"),  # a zone id is dropped
    ("127.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0x7f.0.0.1", "127.0.0.1"),
    ("0X7F.1", "127.0.0.1"),
])
def test_literal_addresses_include_legacy_forms(host: str, address: str) -> None:
    assert rules.webhook_literal_address(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.com", "hooks.example.gov.cn", "", "abc", "1.2.3.4.5", "99999999999",
                                  "x1.example",
                                  # the C resolver reads "127.1 a" as 127.0.0.1 (it stops at the space)
                                  "127.1 a", "1 evil"])
def test_host_names_are_not_addresses(host: str) -> None:
    assert rules.webhook_literal_address(host) is None


# --- Receiver URLs ----------------------------------------------------------------------------------


def check(url: str, *, allow_private: bool = False, require_https: bool = True) -> str:
    return rules.webhook_url_check(url, allow_private=allow_private, require_https=require_https)


def test_url_accepted_and_stripped() -> None:
    assert check("  https://hooks.example.com/onewindow  ") == "https://hooks.example.com/onewindow"
    assert check("https://8.8.8.8:8443/x") == "https://8.8.8.8:8443/x"
    assert check("https://hooks.example.com:1/x") == "https://hooks.example.com:1/x"  # the lowest port
    assert check("https://hooks.example.com:65535/x") == "https://hooks.example.com:65535/x"
    assert check("http://hooks.example.com/x", require_https=False) == "http://hooks.example.com/x"


@pytest.mark.parametrize("url", ["", "   ", "ftp://example.com/x", "https:///x", "example.com/x",
                                 "https://example.com:0/x", "https://example.com:99999/x",
                                 "https://example.com:abc/x", "https://[::1/x",
                                 "https://example.com/" + "a" * 481])
def test_malformed_urls_refused(url: str) -> None:
    with raises_code(ValidationFailed, "webhook_url_invalid", field="url") as caught:
        check(url, allow_private=True)
    assert caught.value.message == "接收地址应为不超过500字符的 http(s) 网址"
    assert caught.value.fields == {"url": caught.value.message}


def test_url_of_exactly_500_characters_accepted() -> None:
    url = "https://example.com/" + "a" * 480
    assert len(url) == 500 and check(url) == url


def test_credentials_in_url_refused() -> None:
    for url in ("https://user:pw@example.com/x", "https://user@example.com/x", "https://:pw@example.com/x"):
        with raises_code(ValidationFailed, "webhook_url_invalid", field="url") as caught:
            check(url, allow_private=True)
        assert caught.value.message == "接收地址不能包含用户名或密码，请改用签名校验"


def test_https_required_unless_allowed() -> None:
    with raises_code(ValidationFailed, "webhook_url_invalid", field="url") as caught:
        check("http://hooks.example.com/x")
    assert caught.value.message == "接收地址应使用 https"
    assert check("http://hooks.example.com/x", require_https=False)


@pytest.mark.parametrize("url", ["https://localhost/x", "https://LOCALHOST./x", "https://api.localhost/x",
                                 "https://printer.local/x", "https://db.internal/x", "https://a.intranet/x",
                                 "https://nas.lan/x", "https://router.home.arpa/x"])
def test_inner_names_refused_unless_allowed(url: str) -> None:
    with raises_code(ValidationFailed, "webhook_url_invalid", field="url") as caught:
        check(url)
    assert caught.value.message == "接收地址不能是本机或内网域名"
    assert check(url, allow_private=True) == url


@pytest.mark.parametrize("url", ["https://127.0.0.1/x", "https://[::1]/x", "https://10.1.2.3/x",
                                 "https://169.254.169.254/latest/meta-data", "https://2130706433/x",
                                 "https://127.1/x", "https://[::ffff:192.168.0.1]/x"])
def test_inner_addresses_in_url_refused_unless_allowed(url: str) -> None:
    with raises_code(ValidationFailed, "webhook_url_invalid", field="url") as caught:
        check(url)
    assert caught.value.message == "接收地址不能是内网、本机、链路本地、组播或保留地址"
    assert check(url, allow_private=True) == url


def test_public_name_that_looks_inner_only_by_prefix_is_accepted() -> None:
    assert check("https://local.example.com/x") == "https://local.example.com/x"
    assert check("https://internal-hooks.example.com/x") == "https://internal-hooks.example.com/x"


# --- Events -----------------------------------------------------------------------------------------


def test_events_sorted_deduplicated_and_trimmed() -> None:
    assert rules.webhook_events_check([" ticket.closed", "case.closed", "ticket.closed", "", "  "]) == [
        "case.closed", "ticket.closed"]


def test_events_required() -> None:
    for events in ([], ["", " "]):
        with raises_code(ValidationFailed, "webhook_events_invalid", field="events") as caught:
            rules.webhook_events_check(events)
        assert caught.value.message == "至少选择一个事件"


def test_unknown_events_named() -> None:
    with raises_code(ValidationFailed, "webhook_events_invalid", field="events") as caught:
        rules.webhook_events_check(["ticket.closed", "ticket.exploded", "case.eaten"])
    assert caught.value.message == "无法识别的事件：case.eaten、ticket.exploded"
    assert caught.value.fields == {"events": caught.value.message}


def test_every_known_event_accepted() -> None:
    assert rules.webhook_events_check(list(c.WEBHOOK_EVENTS)) == sorted(c.WEBHOOK_EVENTS)
