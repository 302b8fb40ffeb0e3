"""/api/v1/grid: wiring, scope, status codes, Chinese errors, shapes checked against the OpenAPI
schema, and a query-count bound."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.accounts import services as account_services
from onewindow.core.models import AuditEntry
from onewindow.core.tests.openapi_contract import openapi_check
from onewindow.grid.constants import HouseUse, Relation, ResidenceType
from onewindow.grid.models import Household, Visit
from onewindow.grid.tests.factories import house_make, household_make, jpeg_bytes, resident_person

pytestmark = pytest.mark.django_db
INSIDE = {"lng": "102.705", "lat": "25.005"}


def bearer(user) -> dict[str, str]:
    _, key = account_services.api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def conforms(response, path: str, method: str = "get") -> dict:
    """The body matches the response schema the OpenAPI document declares for it."""
    assert response.request["PATH_INFO"] == f"/api/v1{path}" or "{" in path
    openapi_check(response, method, response.request["PATH_INFO"])
    return response.json()


def test_a_worker_registers_a_house_and_a_household(client, grids):
    auth = bearer(grids.worker.user)
    response = client.post("/api/v1/grid/houses", {
        "building": {"grid_code": grids.grid.code, "name": "拓东路18号3栋", "lng": 102.705, "lat": 25.005},
        "unit": "2", "room": "501", "use": "own"}, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    house = conforms(response, "/grid/houses", "post")
    assert house["code"] == "530103001001-0001-02-0501" and house["grid"]["name"] == "拓东社区第1网格"
    head = resident_person(region=grids.grid, born="19500101", phone="13912345678")
    from onewindow.accounts.tests.factories import make_id_number

    newcomer = make_id_number(777, born="19520303")
    members = [{"name": head.name, "id_number": head.id_number, "relation": "head", "residence_type": "registered",
                "tags": ["elderly_alone"]},
               {"name": "张桂兰", "id_number": newcomer, "relation": "spouse", "residence_type": "resident"}]
    response = client.post("/api/v1/grid/households", {"house_id": house["id"], "members": members},
                           content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    body = conforms(response, "/grid/households", "post")
    assert [m["relation"] for m in body["members"]] == ["head", "spouse"] and body["priority"] is True
    assert newcomer not in response.content.decode()
    # the same people again, in another house: one household at a time
    other = client.post("/api/v1/grid/houses", {"building_code": house["building_code"], "unit": "2", "room": "502"},
                        content_type="application/json", **auth).json()
    again = client.post("/api/v1/grid/households", {"house_id": other["id"], "members": members},
                        content_type="application/json", **auth)
    assert again.status_code == 409 and again.json()["code"] == "resident_in_other_household"
    assert Household.objects.count() == 1


def test_household_detail_is_masked_and_reveal_is_audited(client, grids):
    person = resident_person(region=grids.grid, phone="13912345678")
    household = household_make(grids.grid, members=[(person, Relation.HEAD, ResidenceType.REGISTERED)])
    auth = bearer(grids.worker.user)
    response = client.get(f"/api/v1/grid/households/{household.public_id}", **auth)
    body = conforms(response, "/grid/households/{household_id}")
    assert body["members"][0]["phone"] == "139****5678"
    assert "13912345678" not in response.content.decode() and person.id_number not in response.content.decode()
    member_id = body["members"][0]["id"]
    url = f"/api/v1/grid/households/{household.public_id}/members/{member_id}/reveal"
    bad = client.post(url, {"reason": ""}, content_type="application/json", **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "reveal_reason_required"
    full = client.post(url, {"reason": "核对联系方式"}, content_type="application/json", **auth)
    assert full.json()["phone"] == "13912345678"
    assert AuditEntry.objects.filter(action="grid.resident_reveal").count() == 1


def test_out_of_scope_is_404_and_departments_see_nothing(client, grids):
    household = household_make(grids.grid)
    for staff in (grids.other_worker, grids.reviewer, grids.supervisor):
        response = client.get(f"/api/v1/grid/households/{household.public_id}", **bearer(staff.user))
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    listing = client.get("/api/v1/grid/households", **bearer(grids.reviewer.user)).json()
    assert listing["count"] == 0
    assert client.get("/api/v1/grid/households").status_code == 401


def test_a_house_code_that_does_not_fit_its_region_is_a_400(client, grids):
    response = client.post("/api/v1/grid/houses", {
        "building": {"grid_code": grids.grid.code, "name": "拓东路1号"}, "unit": "1", "room": "101",
        "code": "530103002001-0001-01-0101"}, content_type="application/json", **bearer(grids.worker.user))
    assert response.status_code == 400
    assert response.json()["code"] == "house_code_region_mismatch" and "社区代码" in response.json()["message"]


def test_a_visit_with_a_photo_and_one_that_is_not_an_image(client, grids):
    household = household_make(grids.grid)
    auth = bearer(grids.worker.user)
    bad = client.post("/api/v1/grid/visits", {
        "household_id": str(household.public_id), "notes": "入户走访", **INSIDE,
        "photos": [SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 this is an exe", content_type="image/jpeg")]}, **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "photo_not_image"
    assert bad.json()["fields"]["photos"].startswith("照片“照片.jpg”不是图片")
    outside = client.post("/api/v1/grid/visits", {"household_id": str(household.public_id), "notes": "入户走访",
                                                   "lng": "102.9", "lat": "25.3"}, **auth)
    assert outside.status_code == 400 and outside.json()["code"] == "location_reason_required"
    nonsense = client.post("/api/v1/grid/visits", {"household_id": str(household.public_id), "notes": "入户走访",
                                                    "lng": "abc", "lat": "25"}, **auth)
    assert nonsense.status_code == 400 and nonsense.json()["code"] == "coordinates_invalid"
    assert not Visit.objects.exists()
    ok = client.post("/api/v1/grid/visits", {
        "household_id": str(household.public_id), "notes": "入户走访，一切正常", **INSIDE, "house_use": HouseUse.RENTED,
        "photos": [SimpleUploadedFile("门牌.jpg", jpeg_bytes(), content_type="application/octet-stream")]}, **auth)
    assert ok.status_code == 201, ok.content
    body = conforms(ok, "/grid/visits", "post")
    assert body["location_check"] == "inside" and len(body["photos"]) == 1
    assert body["corrections"] == [{"field": "house_use", "from": "own", "to": "rented"}]
    due = conforms(client.get("/api/v1/grid/households/due", **auth), "/grid/households/due")
    assert due["quota"] == 30 and due["done"] == 1 and due["households"] == []


def test_events_and_site_check_through_the_api(client, grids, hotline):
    from onewindow.tickets import services as tickets

    auth = bearer(grids.worker.user)
    response = client.post("/api/v1/grid/events", {"category": "facility", **INSIDE,
                                                    "text": "小区门口自来水管破裂漏水，路面积水。",
                                                    "photos": [SimpleUploadedFile("a.jpg", jpeg_bytes())]}, **auth)
    assert response.status_code == 201, response.content
    event = conforms(response, "/grid/events", "post")
    assert event["state"] == "dispatched" and event["department"] == "区水务局"
    assert [s["action"] for s in event["timeline"]] == ["receive", "classify", "dispatch"]
    from onewindow.tickets.models import Ticket

    ticket = Ticket.objects.get(number=event["ticket_number"])
    tickets.ticket_accept(actor=hotline.water_staff.user, ticket=ticket)
    tickets.ticket_reply(actor=hotline.water_staff.user, ticket=ticket, text="已抢修，恢复供水。")
    url = f"/api/v1/grid/events/{event['id']}/site-check"
    unsolved = client.post(url, {"solved": False}, content_type="application/json", **auth)
    assert unsolved.status_code == 400 and unsolved.json()["code"] == "site_check_note_required"
    done = client.post(url, {"solved": True, "satisfaction": "satisfied"}, content_type="application/json", **auth)
    assert conforms(done, "/grid/events/{event_id}/site-check", "post")["state"] == "closed"


def test_a_citizen_declares_and_the_worker_verifies(client, grids):
    from onewindow.cases.tests.factories import citizen_make

    owner = citizen_make(username="owner", name="李华", region=grids.grid)
    house = house_make(grids.grid, owner_person=owner, use=HouseUse.VACANT)
    tenant = resident_person(region=None, born="19960101", name="王小明")
    payload = {"name": "王小明", "id_number": tenant.id_number, "moved_in_on": "2026-12-01"}
    response = client.post("/api/v1/grid/me/declarations", {"kind": "tenant", "house_id": str(house.public_id),
                                                             "payload": payload},
                           content_type="application/json", **bearer(owner.user))
    assert response.status_code == 201, response.content
    declaration = conforms(response, "/grid/me/declarations", "post")
    assert declaration["status"] == "pending" and tenant.id_number not in response.content.decode()
    pending = client.get("/api/v1/grid/declarations", **bearer(grids.worker.user)).json()
    assert [d["id"] for d in pending] == [declaration["id"]]
    accepted = client.post(f"/api/v1/grid/declarations/{declaration['id']}/accept", **bearer(grids.worker.user))
    assert accepted.json()["status"] == "accepted"
    assert Household.objects.filter(house=house, floating=True).exists()


def test_figures_and_map_for_the_street(client, grids):
    household_make(grids.grid)
    household_make(grids.grid2)
    auth = bearer(grids.street.user)
    figures = conforms(client.get("/api/v1/grid/figures", **auth), "/grid/figures")
    assert figures["region"]["name"] == "拓东街道"
    assert [r["name"] for r in figures["rows"]] == ["拓东社区", "金碧社区"]
    assert figures["total"]["households"] == 2 and figures["rows"][0]["quota"] == 60
    geo = client.get("/api/v1/grid/map/regions", **auth).json()
    grids_out = [f for f in geo["features"] if f["properties"]["kind"] == "grid"]
    assert {f["properties"]["name"]: f["properties"]["households"] for f in grids_out} == {
        "拓东社区第1网格": 1, "拓东社区第2网格": 1}
    assert grids_out[0]["geometry"]["type"] == "Polygon"
    # a bureau has no map; a supervisor sees figures (no names) of the whole district
    assert client.get("/api/v1/grid/figures", **bearer(grids.reviewer.user)).status_code == 404
    assert client.get(f"/api/v1/grid/figures?region={grids.street.region.code}",
                      **bearer(grids.supervisor.user)).status_code == 200


def test_the_household_list_takes_a_bounded_number_of_queries(client, grids):
    for room in range(101, 111):
        household_make(grids.grid, house=house_make(grids.grid, room=str(room)))
    auth = bearer(grids.worker.user)
    client.get("/api/v1/grid/households", **auth)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/grid/households", **auth).json()
    assert body["count"] == 10
    assert len(queries) <= 8, [q["sql"] for q in queries]


def test_the_community_leader_sets_a_workers_quota(client, grids):
    url = f"/api/v1/grid/workers/{grids.worker.employee_no}/quota"
    response = client.put(url, {"monthly_quota": 40}, content_type="application/json", **bearer(grids.leader.user))
    assert conforms(response, "/grid/workers/{employee_no}/quota", "put")["monthly_quota"] == 40
    own = client.put(url, {"monthly_quota": 5}, content_type="application/json", **bearer(grids.worker.user))
    assert own.status_code == 403 and own.json()["code"] == "quota_own"
    bad = client.put(url, {"monthly_quota": 0}, content_type="application/json", **bearer(grids.leader.user))
    assert bad.status_code == 400 and bad.json()["code"] == "quota_invalid"
    far = client.put(url, {"monthly_quota": 10}, content_type="application/json", **bearer(grids.other_worker.user))
    assert far.status_code == 404
    from onewindow.grid import selectors

    assert selectors.quota_progress(actor=grids.worker.user).quota == 40


def test_household_search_takes_a_members_number_in_the_body(client, grids):
    member = resident_person(region=grids.grid, phone="13911112222")
    wanted = household_make(grids.grid, members=[(member, Relation.HEAD, ResidenceType.REGISTERED)])
    household_make(grids.grid, house=house_make(grids.grid, room="402"))
    auth = bearer(grids.worker.user)
    for number in (member.id_number, "13911112222"):
        found = client.post("/api/v1/grid/households/search", {"q": number}, content_type="application/json", **auth)
        assert found.status_code == 200 and [row["number"] for row in found.json()["items"]] == [wanted.number]
        refused = client.get("/api/v1/grid/households", {"q": number}, **auth)
        assert refused.status_code == 400 and refused.json()["code"] == "personal_lookup_in_url"
    assert client.get("/api/v1/grid/households", **auth).json()["count"] == 2
