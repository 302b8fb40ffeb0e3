"""Webhook receivers must be public: each refusal at subscription time (400
``webhook_url_invalid``, a Chinese message saying why) and at send time (the host resolved on
the connection: a name resolving to an inner address is not sent to), and the setting that
allows inner receivers (the loopback test receivers, a government-network exchange)."""

import socket

import pytest

from onewindow.core.errors import ValidationFailed
from onewindow.integrations import rules, services
from onewindow.integrations.models import DeliveryStatus, WebhookDelivery
from onewindow.integrations.tests.test_webhooks import _bearer, _client, _ticket_event, admin_staff, receiver  # noqa: F401

pytestmark = pytest.mark.django_db

REFUSED_LITERALS = [
    ("https://10.1.2.3/x", "private"), ("https://192.168.0.10/x", "private"), ("https://172.16.5.4/x", "private"),
    ("https://127.0.0.1/x", "loopback"), ("https://[::1]/x", "loopback"), ("https://127.1/x", "loopback"),
    ("https://2130706433/x", "loopback"), ("https://0x7f.0.0.1/x", "loopback"),
    ("https://[::ffff:127.0.0.1]/x", "loopback"), ("https://169.254.169.254/latest", "link-local"),
    ("https://[fe80::1]/x", "link-local"), ("https://224.0.0.1/x", "multicast"), ("https://[ff02::1]/x", "multicast"),
    ("https://0.0.0.0/x", "unspecified"), ("https://240.0.0.1/x", "reserved"), ("https://100.64.0.1/x", "shared"),
    ("https://localhost/x", "name"), ("https://localhost./x", "name"), ("https://api.localhost/x", "name"),
    ("https://exchange.internal/x", "name"), ("https://printer.local/x", "name"),
]


@pytest.mark.parametrize(("url", "kind"), REFUSED_LITERALS)
def test_inner_addresses_are_refused_when_subscribing(url, kind):
    with pytest.raises(ValidationFailed) as info:
        rules.webhook_url_check(url, allow_private=False, require_https=True)
    assert info.value.code == "webhook_url_invalid" and info.value.status == 400
    assert "内网" in info.value.message or "本机" in info.value.message
    assert rules.webhook_url_check(url, allow_private=True, require_https=True) == url  # the setting allows them


@pytest.mark.parametrize(("url", "words"), [
    ("http://hooks.example.org/x", "https"), ("ftp://hooks.example.org/x", "http(s)"),
    ("https://user:pw@hooks.example.org/x", "用户名"), ("https://hooks.example.org:99999/x", "http(s)"),
    ("https://" + "a" * 500 + ".org/", "500"),
])
def test_other_refusals_say_why(url, words):
    with pytest.raises(ValidationFailed) as info:
        rules.webhook_url_check(url, allow_private=False, require_https=True)
    assert info.value.code == "webhook_url_invalid" and words in info.value.message


def test_public_addresses_pass():
    for url in ("https://hooks.example.org/onewindow", "https://203.0.113.9.nip.example/x", "https://8.8.8.8/x",
                "https://[2606:4700::1111]/x"):
        assert rules.webhook_url_check(url, allow_private=False, require_https=True) == url


def test_the_api_refuses_an_inner_or_plain_http_address(client, district, admin_staff, settings):  # noqa: F811
    from onewindow.accounts import services as account_services

    settings.DEBUG = False
    settings.ONEWINDOW_WEBHOOK_ALLOW_PRIVATE = False
    settings.ONEWINDOW_WEBHOOK_ALLOW_HTTP = False
    sc, secret = account_services.service_client_create(
        actor=admin_staff.user, name="交换平台", scopes="tickets:read integrations:*", region=district.district)
    auth = _bearer(client, sc, secret)
    for url, text in (("https://169.254.169.254/latest/meta-data", "内网"), ("http://hooks.example.org/x", "https")):
        answer = client.post("/api/v1/webhooks", {"url": url, "events": ["ticket.closed"]},
                             content_type="application/json", **auth)
        assert answer.status_code == 400 and answer.json()["code"] == "webhook_url_invalid"
        assert text in answer.json()["message"] and "url" in answer.json()["fields"]


def _resolving(monkeypatch, name: str, address: str) -> None:
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == name:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "169.254.169.254", "224.0.0.1", "::1", "fe80::1"])
def test_a_name_resolving_to_an_inner_address_is_not_sent_to(district, admin_staff, receiver, settings,  # noqa: F811
                                                            monkeypatch, address):
    port = receiver.url.split(":")[2].split("/")[0]
    _resolving(monkeypatch, "hooks.example.org", address)
    client = _client(admin_staff, district.district)
    services.webhook_subscription_create(actor=admin_staff.user, client=client, events=["ticket.closed"],
                                         url=f"http://hooks.example.org:{port}/hooks/onewindow")
    settings.ONEWINDOW_WEBHOOK_ALLOW_PRIVATE = False  # the name passed; its address is checked on sending
    _ticket_event(district)
    services.webhooks_deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code is None
    assert "已拒绝发送" in delivery.last_error and address in delivery.last_error
    assert receiver.requests == []


def test_the_setting_lets_a_name_reach_a_loopback_receiver(district, admin_staff, receiver, monkeypatch):  # noqa: F811
    port = receiver.url.split(":")[2].split("/")[0]
    _resolving(monkeypatch, "hooks.example.org", "127.0.0.1")
    client = _client(admin_staff, district.district)
    services.webhook_subscription_create(actor=admin_staff.user, client=client, events=["ticket.closed"],
                                         url=f"http://hooks.example.org:{port}/hooks/onewindow")
    _ticket_event(district)
    assert services.webhooks_deliver_due() == 1
    [got] = receiver.requests
    assert got.headers["host"] == f"hooks.example.org:{port}"  # the name is kept; the checked address is used
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
