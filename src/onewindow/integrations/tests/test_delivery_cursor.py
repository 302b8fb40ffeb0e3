"""The delivery log walks by cursor too (with ``updated_since``): every delivery once, deliveries
made during the walk at its end; a changed cursor is a 422 ``cursor_invalid``."""

import pytest

from onewindow.accounts import services as account_services
from onewindow.integrations import services
from onewindow.integrations.tests.test_webhooks import _bearer, _ticket_event, admin_staff, receiver  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_delivery_log_walks_by_cursor(client, district, admin_staff, receiver):  # noqa: F811
    sc, secret = account_services.service_client_create(
        actor=admin_staff.user, name="交换平台", scopes="tickets:read integrations:*", region=district.district)
    auth = _bearer(client, sc, secret)
    services.webhook_subscription_create(actor=admin_staff.user, client=sc, url=receiver.url,
                                         events=["ticket.closed"])
    for _ in range(5):
        _ticket_event(district)
    first = client.get("/api/v1/webhook-deliveries", {"cursor": "*", "page_size": 2}, **auth).json()
    seen = [d["id"] for d in first["items"]]
    _ticket_event(district)  # a delivery made during the walk
    body = first
    while body["next_cursor"]:
        body = client.get("/api/v1/webhook-deliveries", {"cursor": body["next_cursor"], "page_size": 2},
                          **auth).json()
        seen += [d["id"] for d in body["items"]]
    assert len(seen) == len(set(seen)) == 6 and body["count"] == 6
    offset = client.get("/api/v1/webhook-deliveries", **auth).json()
    assert offset["items"][0]["id"] == seen[-1] and offset["next_cursor"] is None  # offset pages: newest first
    bad = client.get("/api/v1/webhook-deliveries", {"cursor": first["next_cursor"] + "x"}, **auth)
    assert bad.status_code == 422 and bad.json()["code"] == "cursor_invalid"
