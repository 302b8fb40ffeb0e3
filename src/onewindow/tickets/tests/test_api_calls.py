"""The 12345 call-centre intake (one ticket per call id, caller number apart from the
requester's phone, received time, recording reference) and the streamed bulk export."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.core.models import AuditEntry
from onewindow.tickets.models import Ticket
from onewindow.tickets.tests.test_api import bearer

pytestmark = pytest.mark.django_db

CALL = {"call_id": "CTI-20261207-000123", "caller_number": "0871-63123456", "recording_ref": "rec/000123.wav",
        "kind": "help", "text": "拓东路12号小区从今天早上开始停水，至今没有来水。", "address": "拓东路12号",
        "lng": 102.71, "lat": 25.01, "requester_name": "王秀英", "requester_phone": "13812345678"}


def test_a_call_is_registered_once_with_its_call_data(client, hotline):
    auth = bearer(hotline.operator.user)
    received = (timezone.now() - timedelta(minutes=3)).replace(microsecond=0)
    first = client.post("/api/v1/tickets/calls", {**CALL, "received_at": received.isoformat()},
                        content_type="application/json", **auth)
    assert first.status_code == 201, first.content
    assert first["Location"].endswith(f"/api/v1/tickets/{first.json()['id']}")
    ticket = Ticket.objects.get()
    assert (ticket.call_id, ticket.recording_ref) == ("CTI-20261207-000123", "rec/000123.wav")
    assert ticket.channel == "hotline"
    assert ticket.caller_phone == "0871-63123456" and ticket.requester_phone == "13812345678"
    assert ticket.received_at == received
    again = client.post("/api/v1/tickets/calls", CALL, content_type="application/json", **auth)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and Ticket.objects.count() == 1


@pytest.mark.parametrize(("change", "code"), [
    ({"call_id": "bad id with spaces"}, "call_id_invalid"),
    ({"caller_number": "12345"}, None),
    ({"received_at": (timezone.now() + timedelta(days=1)).isoformat()}, "received_at_future"),
    ({"kind": "gossip"}, "validation_failed"),
])
def test_bad_calls_are_refused_without_a_ticket(client, hotline, change, code):
    response = client.post("/api/v1/tickets/calls", {**CALL, **change}, content_type="application/json",
                           **bearer(hotline.operator.user))
    assert response.status_code in (400, 422), response.content
    if code:
        assert response.json()["code"] == code
    assert not Ticket.objects.exists()


def test_only_operators_register_calls(client, hotline):
    response = client.post("/api/v1/tickets/calls", CALL, content_type="application/json",
                           **bearer(hotline.water_staff.user))
    assert response.status_code == 403 and not Ticket.objects.exists()


def test_bulk_export_streams_csv_and_json_lines_without_personal_data(client, hotline):
    auth = bearer(hotline.operator.user)
    client.post("/api/v1/tickets/calls", CALL, content_type="application/json", **auth)
    period = {"received_from": (timezone.now() - timedelta(days=1)).isoformat(),
              "received_to": (timezone.now() + timedelta(days=1)).isoformat()}
    sup = bearer(hotline.supervisor.user)
    response = client.get("/api/v1/tickets/export", period, **sup)
    assert response.status_code == 200 and response.streaming and response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["call_id"] for r in rows] == ["CTI-20261207-000123"] and rows[0]["received_at"].endswith("+08:00")
    assert "13812345678" not in text and "王秀英" not in text and "63123456" not in text
    lines = b"".join(client.get("/api/v1/tickets/export", {**period, "format": "jsonl"}, **sup).streaming_content)
    assert [json.loads(x)["recording_ref"] for x in lines.decode().splitlines()] == ["rec/000123.wav"]
    assert AuditEntry.objects.filter(action="ticket.export").count() == 2
    wrong = client.get("/api/v1/tickets/export", {**period, "received_to": period["received_from"]}, **sup)
    assert wrong.status_code == 400 and wrong.json()["code"] == "export_period_invalid"
