"""Times in the tickets' list and export filters with an offset PostgreSQL cannot store (+23:59
is valid ISO 8601; the database refuses it): taken as the instant they name, like
``updated_since`` — not a database error (400 ``value_out_of_range`` that aborts the
transaction) or, in the export, a stream already answered 200 and audited that breaks off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.core.models import AuditEntry
from onewindow.tickets.tests.test_api import CALL, bearer, post

pytestmark = pytest.mark.django_db

ODD = "2026-12-01T00:00:00+23:59"  # 2026-11-30 00:01 UTC


@pytest.mark.parametrize(("field", "count"), [("received_from", 1), ("received_to", 0)])
def test_a_list_time_with_an_odd_offset_filters_by_its_instant(client, hotline, field, count):
    user = hotline.operator.user
    post(client, "/api/v1/tickets", CALL, user)
    auth = bearer(user)
    for response in (client.get("/api/v1/tickets", {field: ODD}, **auth),
                     client.post("/api/v1/tickets/search", {field: ODD}, content_type="application/json", **auth)):
        assert response.status_code == 200, response.content
        assert response.json()["count"] == count


def test_an_export_from_a_time_with_an_odd_offset_streams_every_row(client, hotline):
    post(client, "/api/v1/tickets", CALL, hotline.operator.user)
    response = client.get("/api/v1/tickets/export", {"received_from": ODD, "format": "jsonl",
                                                      "received_to": (timezone.now() + timedelta(days=1)).isoformat()},
                          **bearer(hotline.supervisor.user))
    assert response.status_code == 200
    assert len(b"".join(response.streaming_content).decode().splitlines()) == 1
    assert AuditEntry.objects.filter(action="ticket.export").count() == 1
    bad = client.get("/api/v1/tickets/export", {"received_from": "1980-01-01T00:00:00+08:00",
                                                "received_to": "2026-12-01T00:00:00+08:00"},
                     **bearer(hotline.supervisor.user))
    assert bad.status_code in (400, 422) and "received_from" in bad.json()["fields"]
