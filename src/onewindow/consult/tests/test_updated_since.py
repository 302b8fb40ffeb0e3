"""``updated_since`` on the consultation lists (the citizen's own and the department inbox)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.consult import services
from onewindow.consult.models import Consultation
from onewindow.consult.tests.conftest import MONDAY_10

pytestmark = pytest.mark.django_db
BAD_SINCE = ["yesterday", "1989-12-31T23:59:59+08:00", "2201-01-01T00:00:00+08:00", "0464-07-04T04:40:26+21:52"]


@pytest.fixture(autouse=True)
def _monday(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_10)


def test_both_lists_take_updated_since(client, world, citizen, item_a):
    services.duty_set(actor=world.reviewer_a.user, department=world.dept_a, on=True)
    old = services.consultation_open(actor=citizen.user, text="请问名称变更需要本人到场吗？", item=item_a)
    new = services.consultation_open(actor=citizen.user, text="营业执照遗失怎么补办？", item=item_a)
    Consultation.objects.filter(pk=old.pk).update(updated_at=MONDAY_10 - timedelta(days=2))
    since = (MONDAY_10 - timedelta(days=1)).isoformat()
    client.force_login(citizen.user)
    assert len(client.get("/api/v1/consult/mine").json()) == 2
    assert [x["id"] for x in client.get("/api/v1/consult/mine", {"updated_since": since}).json()] == [
        str(new.public_id)]
    client.force_login(world.reviewer_a.user)
    assert len(client.get("/api/v1/consult/staff/inbox").json()) == 2
    assert [x["id"] for x in client.get("/api/v1/consult/staff/inbox", {"updated_since": since}).json()] == [
        str(new.public_id)]


@pytest.mark.parametrize("bad", BAD_SINCE)
def test_a_bad_updated_since_is_a_422(client, world, citizen, bad):
    for user, path in ((citizen.user, "/api/v1/consult/mine"), (world.reviewer_a.user, "/api/v1/consult/staff/inbox")):
        client.force_login(user)
        response = client.get(path, {"updated_since": bad})
        assert response.status_code == 422 and response.json()["code"] == "validation_failed"
        assert "updated_since" in response.json()["fields"]
