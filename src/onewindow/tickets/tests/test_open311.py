"""Open311 GeoReport v2: what a stock 311 client does, in JSON and XML."""
# ruff: noqa: S314  (parses the responses of our own endpoints)

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.tickets import services
from onewindow.tickets.models import Ticket
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def api_key(hotline):
    _, key = services.open311_client_create(actor=hotline.supervisor.user, name="街坊311 App")
    return key


def test_discovery_points_to_the_v2_endpoint(client, hotline):
    body = client.get("/open311/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]
    xml = ET.fromstring(client.get(f"{BASE}/discovery.xml").content)
    assert xml.tag == "discovery" and xml.find("endpoints/endpoint/specification").text.endswith("GeoReport_v2")


def test_categories_appear_as_services_in_json_and_xml(client, hotline):
    services_json = client.get(f"{BASE}/services.json").json()
    water = next(s for s in services_json if s["service_name"] == "自来水供应")
    assert water == {"service_code": "0101002", "service_name": "自来水供应",
                     "description": "城乡建设 / 城市建设和市政管理 / 自来水供应", "metadata": True,
                     "type": "realtime", "keywords": "城乡建设,城市建设和市政管理,自来水供应", "group": "城乡建设"}
    response = client.get(f"{BASE}/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert "0101002" in codes and len(codes) == len(services_json)
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "110101000000"}).status_code == 404


def test_service_definition(client, hotline):
    body = client.get(f"{BASE}/services/0101002.json").json()
    assert body["service_code"] == "0101002"
    kind = next(a for a in body["attributes"] if a["code"] == "kind")
    assert kind["datatype"] == "singlevaluelist" and {"key": "complaint", "name": "投诉"} in kind["values"]
    root = ET.fromstring(client.get(f"{BASE}/services/0101002.xml").content)
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == ["kind", "confidential", "urgent"]
    missing = client.get(f"{BASE}/services/nope.json")
    assert missing.status_code == 404 and missing.json() == [{"code": 404, "description": "service_code not found"}]


def test_a_client_posts_a_request_and_follows_it(client, hotline, api_key):
    form = {"api_key": api_key, "service_code": "0101002", "lat": "25.01", "long": "102.71",
            "address_string": "拓东路12号", "description": "小区停水一整天了，还没有来水。",
            "first_name": "秀英", "last_name": "王", "phone": "13812345678", "attribute[kind]": "complaint"}
    response = client.post(f"{BASE}/requests.json", form)
    assert response.status_code == 201, response.content
    [created] = response.json()
    ticket = Ticket.objects.get(number=created["service_request_id"])
    assert created["token"] == str(ticket.public_id) and "已受理" in created["service_notice"]
    assert (ticket.channel, ticket.kind, ticket.category.name) == ("open311", "complaint", "自来水供应")
    assert ticket.department == hotline.water and ticket.requester_name == "王 秀英"
    # the token resolves to the request id; the request is public without personal data
    token = client.get(f"{BASE}/tokens/{created['token']}.json").json()
    assert token == [{"service_request_id": ticket.number, "token": created["token"]}]
    [row] = client.get(f"{BASE}/requests/{ticket.number}.json").json()
    assert row["status"] == "open" and row["agency_responsible"] == "区水务局"
    assert row["service_code"] == "0101002" and row["lat"] == 25.01 and row["long"] == 102.71
    assert "13812345678" not in str(row) and "王" not in str(row)
    root = ET.fromstring(client.get(f"{BASE}/requests/{ticket.number}.xml").content)
    assert root.tag == "service_requests" and root.findtext("request/status") == "open"


def test_posting_needs_a_valid_key_service_and_location(client, hotline, api_key):
    base = {"service_code": "0101002", "lat": "25.01", "long": "102.71", "description": "停水一整天了没来水"}
    assert client.post(f"{BASE}/requests.json", base).status_code == 403
    assert client.post(f"{BASE}/requests.json", {**base, "api_key": "o311_wrong"}).status_code == 403
    bad = client.post(f"{BASE}/requests.xml", {**base, "api_key": api_key, "service_code": "9"})
    assert bad.status_code == 400
    assert ET.fromstring(bad.content).findtext("error/description") == "service_code not found"
    no_place = {k: v for k, v in base.items() if k not in ("lat", "long")}
    assert client.post(f"{BASE}/requests.json", {**no_place, "api_key": api_key}).status_code == 400
    bad_point = client.post(f"{BASE}/requests.json", {**base, "api_key": api_key, "lat": "95"})
    assert bad_point.status_code == 400 and "lat" in bad_point.json()[0]["description"]
    assert not Ticket.objects.exists()


def test_get_requests_with_filters_hides_confidential_and_reports(client, hotline):
    op = hotline.operator.user
    water = services.ticket_intake(actor=op, **intake_kwargs())
    services.ticket_intake(actor=op, **intake_kwargs(confidential=True))
    services.ticket_intake(actor=op, **intake_kwargs(kind="report", text="举报拓东路某餐馆使用地沟油。"))
    closed = services.ticket_intake(actor=op, **intake_kwargs(kind="consult", text="请问小区停水一般多久能恢复？",
                                                              answer_text="一般抢修在24小时内恢复供水。"))
    rows = client.get(f"{BASE}/requests.json").json()
    assert {r["service_request_id"] for r in rows} == {water.number, closed.number}
    only_water = client.get(f"{BASE}/requests.json", {"service_code": "0101002"}).json()
    assert [r["service_request_id"] for r in only_water] == [water.number]
    by_id = client.get(f"{BASE}/requests.json", {"service_request_id": f"{water.number},{closed.number}"}).json()
    assert len(by_id) == 2
    closed_rows = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [(r["service_request_id"], r["status_notes"]) for r in closed_rows] == [
        (closed.number, "一般抢修在24小时内恢复供水。")]
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", {"status": "open"}).json()] == [
        water.number]
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert client.get(f"{BASE}/requests.json", {"start_date": future}).json() == []
    assert client.get(f"{BASE}/requests.json", {"status": "maybe"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert client.get(f"{BASE}/tokens/not-a-token.json").status_code == 404
