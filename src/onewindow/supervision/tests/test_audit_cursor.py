"""Cursor pages of the audit trail: a walk in chain order (seq) returns every entry once while
entries are written during it; a changed cursor is a 422 ``cursor_invalid``."""

import pytest

from onewindow.core.audit import audit_record
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_audit_walk_sees_each_entry_once(client, supervisor):
    for n in range(5):
        audit_record(actor=None, action="test.walk", object_type="test", object_id=str(n))
    client.force_login(supervisor.user)
    params = {"action": "test.walk", "page_size": 2}
    body = client.get("/api/v1/audit", {**params, "cursor": "*"}).json()
    seen = [e["seq"] for e in body["items"]]
    audit_record(actor=None, action="test.walk", object_type="test", object_id="late")
    while body["next_cursor"]:
        body = client.get("/api/v1/audit", {**params, "cursor": body["next_cursor"]}).json()
        seen += [e["seq"] for e in body["items"]]
    expected = list(AuditEntry.objects.filter(action="test.walk").order_by("seq").values_list("seq", flat=True))
    assert seen == expected and len(seen) == 6
    assert client.get("/api/v1/audit", params).json()["items"][0]["object_id"] == "late"  # offset: newest first
    bad = client.get("/api/v1/audit", {"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["code"] == "cursor_invalid"
