"""Outgoing webhooks: outbox events fan out to the subscriptions that may see them, POSTed signed
to a loopback receiver, retried with exponential back-off, logged."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.accounts import services as account_services
from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make
from onewindow.core.errors import PermissionDenied, ValidationFailed
from onewindow.core.events import event_publish, outbox_process
from onewindow.core.models import AuditEntry
from onewindow.integrations import constants as c
from onewindow.integrations import rules, services
from onewindow.integrations.models import DeliveryStatus, WebhookDelivery
from onewindow.integrations.tests.receiver import receiver_start

pytestmark = pytest.mark.django_db
TICKET_ID = "1c7a5f0e-7d2b-4c1e-9a43-5b1f0c2d9e11"


@pytest.fixture
def receiver(settings):
    settings.ONEWINDOW_WEBHOOK_ALLOW_PRIVATE = True
    settings.ONEWINDOW_WEBHOOK_ALLOW_HTTP = True
    state, server = receiver_start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def admin_staff(district):
    return staff_make(username="district_admin", region=district.district, roles=[Role.ADMINISTRATOR])


def _client(admin_staff, region, scopes="tickets:read cases:read"):
    client, _ = account_services.service_client_create(actor=admin_staff.user, name=f"系统{region.code}",
                                                       scopes=scopes, region=region)
    return client


def _ticket_event(district, name="ticket.closed", region=None):
    region = region or district.community_a1
    event_publish(name=name, payload={"ticket": TICKET_ID, "number": "T2026120700001", "status": "closed",
                                      "region_path": region.path})
    outbox_process()


# --- rules ---------------------------------------------------------------------------------------
def test_signature_and_replay_window():
    body = b'{"event":"ticket.closed"}'
    signature = rules.webhook_signature(secret="whsec_x", timestamp=1_800_000_000, body=body)
    assert signature.startswith("sha256=") and len(signature) == 71
    assert rules.webhook_signature_valid(secret="whsec_x", timestamp=1_800_000_000, body=body,
                                         signature=signature, now=1_800_000_100)
    assert not rules.webhook_signature_valid(secret="whsec_x", timestamp=1_800_000_000, body=body + b" ",
                                             signature=signature, now=1_800_000_100)
    assert not rules.webhook_signature_valid(secret="whsec_x", timestamp=1_800_000_000, body=body,
                                             signature=signature, now=1_800_000_301)


def test_backoff_doubles_up_to_a_cap_and_gives_up():
    assert [rules.webhook_backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert rules.webhook_backoff(20).total_seconds() == c.WEBHOOK_BACKOFF_MAX_SECONDS
    now = timezone.now()
    assert rules.webhook_next_attempt(attempts=1, now=now) == now + timedelta(seconds=60)
    assert rules.webhook_next_attempt(attempts=c.WEBHOOK_MAX_ATTEMPTS, now=now) is None


def test_url_check_refuses_inner_addresses_and_plain_http_in_production():
    for url in ("http://127.0.0.1/x", "https://10.1.2.3/x", "https://localhost/x", "https://[::1]/x",
                "https://169.254.169.254/latest", "ftp://example.org/x", "notaurl"):
        with pytest.raises(ValidationFailed) as info:
            rules.webhook_url_check(url, allow_private=False, require_https=False)
        assert info.value.code == "webhook_url_invalid"
    with pytest.raises(ValidationFailed):
        rules.webhook_url_check("http://example.org/x", allow_private=False, require_https=True)
    assert rules.webhook_url_check(" https://example.org/x ", allow_private=False, require_https=True) == \
        "https://example.org/x"
    assert rules.webhook_url_check("http://127.0.0.1:8080/x", allow_private=True, require_https=False)


# --- delivery ------------------------------------------------------------------------------------
def test_event_is_delivered_signed_once(district, admin_staff, receiver):
    client = _client(admin_staff, district.street_a)
    subscription, secret = services.webhook_subscription_create(
        actor=admin_staff.user, client=client, url=receiver.url, events=["ticket.closed"])
    assert secret.startswith("whsec_") and subscription.secret == secret
    _ticket_event(district)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.event_key.startswith("outbox:")
    assert services.webhooks_deliver_due() == 1
    [got] = receiver.requests
    assert got.path == "/hooks/onewindow"
    timestamp = int(got.headers[c.HEADER_TIMESTAMP.lower()])
    assert rules.webhook_signature_valid(secret=secret, timestamp=timestamp, body=got.body,
                                         signature=got.headers[c.HEADER_SIGNATURE.lower()],
                                         now=int(timezone.now().timestamp()))
    body = json.loads(got.body)
    assert body["event"] == "ticket.closed" and got.headers[c.HEADER_EVENT.lower()] == "ticket.closed"
    assert body["id"] == got.headers[c.HEADER_DELIVERY.lower()] == str(delivery.public_id)
    assert body["data"] == {"ticket": TICKET_ID, "number": "T2026120700001", "status": "closed"}
    assert body["occurred_at"].endswith("+08:00")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert delivery.last_status_code == 200
    # the same outbox event handled again (a retried batch) makes no second delivery
    from onewindow.core.models import OutboxEvent
    OutboxEvent.objects.update(processed_at=None)
    outbox_process()
    assert WebhookDelivery.objects.count() == 1
    assert services.webhooks_deliver_due() == 0 and len(receiver.requests) == 1


def test_failure_is_retried_with_backoff_then_given_up(district, admin_staff, receiver):
    client = _client(admin_staff, district.district)
    services.webhook_subscription_create(actor=admin_staff.user, client=client, url=receiver.url,
                                         events=["ticket.closed", "ticket.replied"])
    _ticket_event(district)
    receiver.statuses = [500]
    now = timezone.now()
    assert services.webhooks_deliver_due(now=now) == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at == now + timedelta(seconds=60)
    assert services.webhooks_deliver_due(now=now + timedelta(seconds=30)) == 0  # not due yet
    assert len(receiver.requests) == 1
    assert services.webhooks_deliver_due(now=now + timedelta(seconds=61)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    # a receiver that never answers 2xx: given up after the last attempt
    _ticket_event(district, name="ticket.replied")
    receiver.statuses = [503] * c.WEBHOOK_MAX_ATTEMPTS
    at = now
    for _ in range(c.WEBHOOK_MAX_ATTEMPTS):
        at += c.WEBHOOK_BACKOFF_MAX_SECONDS * timedelta(seconds=1)
        services.webhooks_deliver_due(now=at)
    failed = WebhookDelivery.objects.get(event_name="ticket.replied")
    assert failed.status == DeliveryStatus.GAVE_UP and failed.attempts == c.WEBHOOK_MAX_ATTEMPTS
    assert failed.next_attempt_at is None


def test_unreachable_receiver_is_a_failed_attempt(district, admin_staff, settings):
    settings.ONEWINDOW_WEBHOOK_ALLOW_PRIVATE = True
    settings.ONEWINDOW_WEBHOOK_ALLOW_HTTP = True
    client = _client(admin_staff, district.district)
    services.webhook_subscription_create(actor=admin_staff.user, client=client,
                                         url="http://127.0.0.1:9/nothing", events=["ticket.closed"])
    _ticket_event(district)
    services.webhooks_deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code is None
    assert delivery.last_error


def test_reach_and_scope_decide_who_hears_an_event(district, admin_staff, receiver):
    in_a = _client(admin_staff, district.street_a)
    in_b = _client(admin_staff, district.street_b)
    cases_only = _client(admin_staff, district.district, scopes="cases:read")
    for client in (in_a, in_b, cases_only):
        services.webhook_subscription_create(actor=admin_staff.user, client=client, url=receiver.url,
                                             events=["ticket.closed"])
    _ticket_event(district, region=district.community_a1)
    assert list(WebhookDelivery.objects.values_list("subscription__client__client_id", flat=True)) == [
        in_a.client_id]


def test_revoked_client_and_deleted_subscription_hear_nothing(district, admin_staff, receiver):
    client = _client(admin_staff, district.district)
    subscription, _ = services.webhook_subscription_create(actor=admin_staff.user, client=client,
                                                           url=receiver.url, events=["ticket.closed"])
    _ticket_event(district)
    services.webhook_subscription_delete(actor=admin_staff.user, subscription=subscription)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.GAVE_UP
    assert services.webhooks_deliver_due() == 0 and receiver.requests == []
    other = _client(admin_staff, district.district)
    services.webhook_subscription_create(actor=admin_staff.user, client=other, url=receiver.url,
                                         events=["ticket.closed"])
    account_services.service_client_revoke(actor=admin_staff.user, client=other)
    _ticket_event(district)
    assert WebhookDelivery.objects.count() == 1


def test_who_may_subscribe_and_what(district, admin_staff, clerk_a, receiver):
    client = _client(admin_staff, district.street_a)
    with pytest.raises(PermissionDenied) as denied:
        services.webhook_subscription_create(actor=clerk_a.user, client=client, url=receiver.url,
                                             events=["ticket.closed"])
    assert denied.value.code == "webhook_forbidden"
    with pytest.raises(ValidationFailed) as bad:
        services.webhook_subscription_create(actor=client.user, client=client, url=receiver.url,
                                             events=["ticket.exploded"])
    assert bad.value.code == "webhook_events_invalid"
    services.webhook_subscription_create(actor=client.user, client=client, url=receiver.url, events=["ticket.closed"])
    entry = AuditEntry.objects.filter(action="webhook.create").get()
    assert entry.actor_label == f"svc-{client.client_id}" and "whsec_" not in json.dumps(entry.summary)


def test_redeliver_sends_again(district, admin_staff, receiver):
    client = _client(admin_staff, district.district)
    services.webhook_subscription_create(actor=admin_staff.user, client=client, url=receiver.url,
                                         events=["ticket.closed"])
    _ticket_event(district)
    services.webhooks_deliver_due()
    delivery = WebhookDelivery.objects.get()
    services.webhook_redeliver(actor=admin_staff.user, delivery=delivery)
    services.webhooks_deliver_due()
    assert len(receiver.requests) == 2
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2


def test_audit_trail_reads_the_new_actions():
    from onewindow.core.audit_labels import audit_action_label, audit_describe

    assert audit_action_label("webhook.create") == "新建事件推送订阅"
    assert audit_action_label("service_client.call") == "服务账户调用接口"
    text = audit_describe("service_client.call", {"method": "GET", "path": "/api/v1/people", "status": 200}).text
    assert text == "GET /api/v1/people → 200"


# --- API (a service account manages its own subscriptions) -----------------------------------------
def _bearer(client_api, sc, secret):
    answer = client_api.post("/api/v1/auth/client-tokens", {"client_id": sc.client_id, "client_secret": secret},
                             content_type="application/json")
    return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['access_token']}"}


def test_api_subscribe_list_deliveries_delete(client, district, admin_staff, receiver):
    sc, secret = account_services.service_client_create(
        actor=admin_staff.user, name="交换平台", scopes="tickets:read integrations:*", region=district.district)
    auth = _bearer(client, sc, secret)
    created = client.post("/api/v1/webhooks", {"url": receiver.url, "events": ["ticket.closed"]},
                          content_type="application/json", HTTP_IDEMPOTENCY_KEY="sub-1", **auth)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["ticket.closed"]
    again = client.post("/api/v1/webhooks", {"url": receiver.url, "events": ["ticket.closed"]},
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="sub-1", **auth)
    assert again.json()["id"] == body["id"] and again["Idempotent-Replayed"] == "true"
    listed = client.get("/api/v1/webhooks", **auth).json()
    assert [w["id"] for w in listed] == [body["id"]] and "secret" not in listed[0]
    bad = client.post("/api/v1/webhooks", {"url": receiver.url, "events": ["ticket.exploded"]},
                      content_type="application/json", **auth)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    _ticket_event(district)
    services.webhooks_deliver_due()
    log = client.get("/api/v1/webhook-deliveries", {"status": "succeeded"}, **auth).json()
    assert log["count"] == 1 and log["items"][0]["event"] == "ticket.closed"
    assert log["items"][0]["subscription_id"] == body["id"]
    assert client.delete(f"/api/v1/webhooks/{body['id']}", **auth).status_code == 204
    assert client.get("/api/v1/webhooks", **auth).json() == []


def test_api_needs_a_service_account_and_its_scope(client, district, admin_staff, receiver):
    client.force_login(admin_staff.user)
    answer = client.get("/api/v1/webhooks")
    assert answer.status_code == 403 and answer.json()["code"] == "service_client_only"
    client.logout()
    sc, secret = account_services.service_client_create(actor=admin_staff.user, name="无权", scopes="tickets:read",
                                                       region=district.district)
    refused = client.get("/api/v1/webhooks", **_bearer(client, sc, secret))
    assert refused.status_code == 403 and refused.json()["detail"]["required_scope"] == "integrations:read"


def test_old_finished_deliveries_leave_the_log(district, admin_staff, receiver):
    from onewindow.core.timer import periodic_jobs

    client = _client(admin_staff, district.district)
    services.webhook_subscription_create(actor=admin_staff.user, client=client, url=receiver.url,
                                         events=["ticket.closed", "ticket.replied"])
    _ticket_event(district)
    _ticket_event(district, name="ticket.replied")
    services.webhooks_deliver_due()
    old = timezone.now() - timedelta(days=c.WEBHOOK_LOG_KEEP_DAYS + 1)
    WebhookDelivery.objects.filter(event_name="ticket.closed").update(created_at=old)
    assert periodic_jobs()["integrations.webhook_log_cleanup"]() == 1
    assert list(WebhookDelivery.objects.values_list("event_name", flat=True)) == ["ticket.replied"]
