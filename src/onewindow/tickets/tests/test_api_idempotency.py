"""Idempotent creates on the tickets API: a retried POST with the same Idempotency-Key returns
the first answer instead of a second ticket."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onewindow.integrations.idempotency import stored_body
from onewindow.integrations.models import IdempotencyRecord
from onewindow.tickets.models import Ticket, TicketAttachment
from onewindow.tickets.tests.test_api import CALL, _png, bearer

pytestmark = pytest.mark.django_db


def _post(client, data, auth, key=None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/v1/tickets", data, content_type="application/json", **auth, **headers)


def test_a_retried_create_returns_the_first_ticket(client, hotline):
    auth = bearer(hotline.operator.user)
    first = _post(client, CALL, auth, key="call-20261207-0001")
    assert first.status_code == 201 and first["Location"].endswith(f"/api/v1/tickets/{first.json()['id']}")
    again = _post(client, CALL, auth, key="call-20261207-0001")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert Ticket.objects.count() == 1
    # The stored answer is encrypted at rest (it carries the masked requester) and still readable.
    record = IdempotencyRecord.objects.get()
    assert b"13812345678" not in bytes(record.body) and "王*英".encode() not in bytes(record.body)
    assert stored_body(record)["number"] == first.json()["number"]
    # Without a key every post is a new ticket; another key is another ticket.
    assert _post(client, CALL, auth, key="call-20261207-0002").json()["id"] != first.json()["id"]
    assert Ticket.objects.count() == 2


def test_the_same_key_with_other_content_is_refused(client, hotline):
    auth = bearer(hotline.operator.user)
    assert _post(client, CALL, auth, key="k-1").status_code == 201
    other = _post(client, {**CALL, "title": "小区停电"}, auth, key="k-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


def test_keys_belong_to_their_caller(client, hotline):
    from onewindow.accounts.constants import Role
    from onewindow.accounts.tests.factories import staff_make

    colleague = staff_make(username="operator2", region=hotline.operator.region, roles=[Role.HOTLINE_OPERATOR],
                           name="话务员小王")
    assert _post(client, CALL, bearer(hotline.operator.user), key="shared").status_code == 201
    second = _post(client, CALL, bearer(colleague.user), key="shared")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert Ticket.objects.count() == 2


def test_a_failed_create_is_not_stored_and_may_be_retried_with_the_same_key(client, hotline):
    auth = bearer(hotline.operator.user)
    bad = _post(client, {**CALL, "text": "停水"}, auth, key="retry-me")
    assert bad.status_code == 400 and bad.json()["code"] == "text_required"
    assert not IdempotencyRecord.objects.exists()
    assert _post(client, CALL, auth, key="retry-me").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "键"])
def test_a_malformed_key_is_a_chinese_400(client, hotline, key):
    response = _post(client, CALL, bearer(hotline.operator.user), key=key)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"
    assert "幂等键" in response.json()["message"] and not Ticket.objects.exists()


def test_attachments_are_idempotent_too(client, hotline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = _post(client, CALL, bearer(hotline.operator.user)).json()
    url = f"/api/v1/tickets/{ticket['id']}/attachments"
    auth = bearer(hotline.water_staff.user)
    for _ in range(2):
        photo = SimpleUploadedFile("现场.png", _png(4, 3), content_type="image/png")
        response = client.post(url, {"file": photo}, HTTP_IDEMPOTENCY_KEY="att-1", **auth)
        assert response.status_code == 201, response.content
    assert TicketAttachment.objects.count() == 1
    other = SimpleUploadedFile("现场.png", _png(5, 3), content_type="image/png")
    response = client.post(url, {"file": other}, HTTP_IDEMPOTENCY_KEY="att-1", **auth)
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert TicketAttachment.objects.count() == 1


def test_the_document_declares_the_header_on_creates():
    from config.api import api

    spec = api.get_openapi_schema(path_prefix="/api/v1")
    for path in ("/api/v1/tickets", "/api/v1/cases/intake", "/api/v1/cases/drafts"):
        names = [p["name"] for p in spec["paths"][path]["post"]["parameters"]]
        assert "Idempotency-Key" in names, path
