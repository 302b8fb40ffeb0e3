"""The tickets list as a contract: closed sets refuse values outside them (422), one pagination
shape with links, bounded pages, and an updated_since change feed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.tickets.models import Ticket
from onewindow.tickets.tests.test_api import CALL, bearer, post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "bogus"}, "status"), ({"status": "dispatched,bogus"}, "status"), ({"kind": "x"}, "kind"),
    ({"channel": "fax"}, "channel"), ({"order": "random"}, "order"), ({"page": 2**66}, "page"),
    ({"page_size": 10**11}, "page_size"), ({"page_size": 0}, "page_size"),
    ({"updated_since": "yesterday"}, "updated_since"),
])
def test_values_outside_a_closed_set_are_a_422(client, hotline, params, field):
    response = client.get("/api/v1/tickets", params, **bearer(hotline.operator.user))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_failed" and field in body["fields"]


def test_the_list_has_one_page_shape_with_links(client, hotline):
    for n in range(3):
        post(client, "/api/v1/tickets", {**CALL, "title": f"小区停水{n}"}, hotline.operator.user)
    auth = bearer(hotline.operator.user)
    first = client.get("/api/v1/tickets", {"page_size": 2, "status": "dispatched,accepted"}, **auth).json()
    assert (first["count"], first["page"], first["page_size"], len(first["items"])) == (3, 1, 2, 2)
    assert first["previous"] is None and first["next"].startswith("http://testserver/api/v1/tickets?")
    assert "page=2" in first["next"] and "status=dispatched%2Caccepted" in first["next"]
    second = client.get(first["next"].removeprefix("http://testserver"), **auth).json()
    assert len(second["items"]) == 1 and second["next"] is None and "page=1" in second["previous"]
    assert {t["id"] for t in first["items"] + second["items"]} == {str(t.public_id) for t in Ticket.objects.all()}


def test_updated_since_lists_only_what_changed(client, hotline):
    old = post(client, "/api/v1/tickets", CALL, hotline.operator.user).json()
    Ticket.objects.filter(public_id=old["id"]).update(updated_at=timezone.now() - timedelta(days=2))
    new = post(client, "/api/v1/tickets", {**CALL, "title": "路灯不亮"}, hotline.operator.user).json()
    since = (timezone.now() - timedelta(days=1)).isoformat()
    body = client.get("/api/v1/tickets", {"updated_since": since, "order": "updated"},
                      **bearer(hotline.operator.user)).json()
    assert [t["id"] for t in body["items"]] == [new["id"]] and body["count"] == 1


def test_dispatch_rules_carry_versions(client, hotline):
    sup = bearer(hotline.supervisor.user)
    rule = client.post("/api/v1/tickets/dispatch-rules", {"department_code": "ENV", "category_code": "0102001"},
                       content_type="application/json", **sup)
    assert rule.status_code == 201 and rule["Location"].endswith(f"/tickets/dispatch-rules/{rule.json()['id']}")
    url = f"/api/v1/tickets/dispatch-rules/{rule.json()['id']}"
    tag = client.get(url, **sup)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=tag, **sup).status_code == 304
    change = {"department_code": "ENV", "category_code": "0102001", "priority": 7}
    assert client.put(url, change, content_type="application/json", **sup).status_code == 428
    assert client.put(url, change, content_type="application/json", HTTP_IF_MATCH='"x"', **sup).status_code == 412
    ok = client.put(url, change, content_type="application/json", HTTP_IF_MATCH=tag, **sup)
    assert ok.status_code == 200 and ok.json()["priority"] == 7


def test_times_are_iso_8601_with_the_platform_offset(client, hotline):
    body = post(client, "/api/v1/tickets", CALL, hotline.operator.user).json()
    for name in ("received_at", "due_at"):
        assert body[name].endswith("+08:00") and "T" in body[name], (name, body[name])
    row = client.get("/api/v1/tickets", **bearer(hotline.operator.user)).json()["items"][0]
    assert row["due_at"].endswith("+08:00")
