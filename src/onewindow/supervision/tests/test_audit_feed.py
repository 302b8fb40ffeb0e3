"""The audit list as a change feed: ``updated_since`` lists entries written at or after the time
(entries never change); a bad value is a 422 naming the parameter."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.core.audit import audit_record

pytestmark = pytest.mark.django_db
BAD_SINCE = ["yesterday", "1989-12-31T23:59:59+08:00", "2201-01-01T00:00:00+08:00", "0464-07-04T04:40:26+21:52"]


def test_audit_list_takes_updated_since(client, supervisor, monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - timedelta(days=2))
    audit_record(actor=None, action="test.old", object_type="test", object_id="1")
    monkeypatch.setattr(timezone, "now", lambda: now)
    audit_record(actor=None, action="test.new", object_type="test", object_id="2")
    client.force_login(supervisor.user)
    since = (now - timedelta(days=1)).isoformat()
    body = client.get("/api/v1/audit", {"updated_since": since, "object_id": "2"}).json()
    assert [e["action"] for e in body["items"]] == ["test.new"]
    actions = {e["action"] for e in client.get("/api/v1/audit", {"updated_since": since}).json()["items"]}
    assert "test.new" in actions and "test.old" not in actions


@pytest.mark.parametrize("bad", BAD_SINCE)
def test_a_bad_updated_since_is_a_422(client, supervisor, bad):
    client.force_login(supervisor.user)
    response = client.get("/api/v1/audit", {"updated_since": bad})
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    assert "updated_since" in response.json()["fields"]
