import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onewindow.accounts import services
from onewindow.accounts.tests.factories import make_id_number
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _, key = services.api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def people(district):
    a = services.person_create(actor=None, name="甲街居民", id_number=make_id_number(11),
                               phone="13812345678", region=district.community_a1)
    b = services.person_create(actor=None, name="乙街居民", id_number=make_id_number(12),
                               phone="13987654321", region=district.community_b1)
    return a, b


def test_list_shows_only_the_clerks_street_and_masks(client, clerk_a, people):
    response = client.get("/api/v1/people", **bearer(clerk_a.user))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["name"] == "甲街居民"
    assert row["id_number"] == "5301**********" + make_id_number(11)[-4:]
    assert row["phone"] == "138****5678"
    assert "13812345678" not in response.content.decode()


def test_other_street_cannot_open_change_or_reveal(client, clerk_b, people):
    a, _ = people
    auth = bearer(clerk_b.user)
    url = f"/api/v1/people/{a.public_id}"
    for response in (
        client.get(url, **auth),
        client.patch(url, {"phone": "13911112222"}, content_type="application/json", **auth),
        client.post(url + "/reveal", {"reason": "想看看"}, content_type="application/json", **auth),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    a.refresh_from_db()
    assert a.phone == "13812345678"
    assert not AuditEntry.objects.filter(action__in=["person.update", "person.unmask"]).exists()


def test_search_by_full_id_number_uses_the_lookup_hash(client, clerk_a, people):
    auth = bearer(clerk_a.user)
    response = client.post("/api/v1/people/search", {"q": make_id_number(11)}, content_type="application/json", **auth)
    assert response.json()["count"] == 1
    response = client.post("/api/v1/people/search", {"q": make_id_number(12)}, content_type="application/json", **auth)
    assert response.json()["count"] == 0  # exists, but in another street
    by_phone = client.post("/api/v1/people/search?page=1", {"q": "13812345678"}, content_type="application/json",
                           **auth)
    assert [row["name"] for row in by_phone.json()["items"]] == ["甲街居民"]


def test_an_id_or_mobile_number_is_refused_in_the_url(client, clerk_a, people):
    auth = bearer(clerk_a.user)
    for number in (make_id_number(11), "13812345678"):
        response = client.get("/api/v1/people", {"q": number}, **auth)
        assert response.status_code == 400
        assert response.json()["code"] == "personal_lookup_in_url" and "q" in response.json()["fields"]
    assert client.get("/api/v1/people", {"q": "甲街"}, **auth).json()["count"] == 1  # names stay on GET


def test_the_staff_people_page_posts_its_search(client, clerk_a, people):
    client.force_login(clerk_a.user)
    page = client.get("/staff/people/")
    html = page.content.decode()
    assert page["Cache-Control"] == "no-store, private"
    assert 'method="post"' in html and 'hx-post="/staff/people/"' in html and "hx-get" not in html
    found = client.post("/staff/people/", {"q": "13812345678"}, HTTP_HX_REQUEST="true")
    assert "甲街居民" in found.content.decode() and "13812345678" not in found.content.decode()
    assert "?q=13812345678" not in found.content.decode()  # the pager never carries the number
    refused = client.get("/staff/people/", {"q": make_id_number(11)})
    assert refused.status_code == 400 and "personal_lookup_in_url" in refused.content.decode()
    assert "甲街居民" in client.get("/staff/people/", {"q": "甲街"}).content.decode()


def test_reveal_returns_clear_values_and_audits(client, clerk_a, people):
    a, _ = people
    response = client.post(f"/api/v1/people/{a.public_id}/reveal", {"reason": "核验身份"},
                           content_type="application/json", **bearer(clerk_a.user))
    assert response.status_code == 200
    assert response.json()["id_number"] == make_id_number(11)
    assert AuditEntry.objects.filter(action="person.unmask", object_id=str(a.public_id)).count() == 1


def test_create_with_bad_id_number_is_a_400_with_a_chinese_message(client, clerk_a, district):
    response = client.post("/api/v1/people", {"name": "新人", "id_number": "530103198001010010",
                                              "region_code": district.community_a1.code},
                           content_type="application/json", **bearer(clerk_a.user))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "id_number_checksum"
    assert "校验位" in body["message"]
    assert body["fields"] == {"id_number": body["message"]}
    assert body["request_id"] == response["X-Request-ID"]


def test_schema_errors_are_422_in_the_same_shape(client, clerk_a):
    response = client.post("/api/v1/people", {"name": "缺身份证"}, content_type="application/json",
                           **bearer(clerk_a.user))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["fields"] == {"id_number": "此项为必填项"}
    response = client.post("/api/v1/people", "{not json", content_type="application/json",
                           **bearer(clerk_a.user))
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("validation_failed", "bad_request")


def test_unknown_region_code_is_404_with_code(client, clerk_a):
    response = client.post("/api/v1/people", {"name": "某", "id_number": make_id_number(13),
                                              "region_code": "999999999999"},
                           content_type="application/json", **bearer(clerk_a.user))
    assert response.status_code == 404
    assert response.json()["code"] == "region_not_found"


def test_anonymous_and_bad_tokens_get_401(client, people):
    assert client.get("/api/v1/people").status_code == 401
    response = client.get("/api/v1/people", HTTP_AUTHORIZATION="Bearer ow_nope")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_session_auth_requires_csrf_for_writes(clerk_a, people):
    a, _ = people
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk_a.user)
    assert browser.get("/api/v1/people").status_code == 200
    response = browser.patch(f"/api/v1/people/{a.public_id}", {"phone": "13911112222"},
                             content_type="application/json")
    assert response.status_code == 403
    a.refresh_from_db()
    assert a.phone == "13812345678"


def test_token_exchange_with_password(client, clerk_a):
    response = client.post("/api/v1/auth/tokens", {"username": "clerk_a", "password": "Passw0rd!2026"},
                           content_type="application/json")
    assert response.status_code == 201
    key = response.json()["key"]
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert me["roles"] == ["window_clerk"]
    assert me["region_code"] == clerk_a.region.code
    bad = client.post("/api/v1/auth/tokens", {"username": "clerk_a", "password": "wrong"},
                      content_type="application/json")
    assert bad.status_code == 401 and bad.json()["code"] == "bad_credentials"


def test_citizen_sees_nobody(client, people):
    from onewindow.accounts.tests.factories import UserFactory

    citizen = UserFactory(username="citizen1")
    assert client.get("/api/v1/people", **bearer(citizen)).json()["count"] == 0


def test_list_query_count_does_not_grow_with_rows(client, clerk_a, district):
    for i in range(30):
        services.person_create(actor=None, name=f"居民{i}", id_number=make_id_number(100 + i),
                               region=district.community_a1)
    auth = bearer(clerk_a.user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/people", **auth)
    assert response.json()["count"] == 30
    assert len(ctx.captured_queries) <= 8


def test_request_id_is_echoed_or_generated(client):
    response = client.get("/api/v1/health", HTTP_X_REQUEST_ID="trace-12345678")
    assert response["X-Request-ID"] == "trace-12345678"
    assert response.json()["status"] == "ok"
    generated = client.get("/api/v1/health")["X-Request-ID"]
    assert len(generated) == 32


def test_audit_api_is_for_supervisors(client, clerk_a, supervisor, people):
    assert client.get("/api/v1/audit", **bearer(clerk_a.user)).status_code == 403
    response = client.get("/api/v1/audit/verify", **bearer(supervisor.user))
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert client.get("/api/v1/audit", **bearer(supervisor.user)).json()["count"] >= 1


def test_openapi_docs_are_served_offline(client):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert client.get("/api/docs")["Location"] == "/api/v1/docs"
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/people" in schema["paths"]


def test_halls_are_public_with_their_windows(client, district):
    from onewindow.accounts.models import Department, ServiceHall, ServiceWindow

    dept = Department.objects.create(code="MARKET", name="区市场监督管理局", kind="bureau",
                                     region=district.district)
    hall = ServiceHall.objects.create(name="政务服务中心", region=district.district)
    ServiceWindow.objects.create(hall=hall, number="1", name="综合受理")
    ServiceWindow.objects.create(hall=hall, number="9", name="市场监管专窗", kind="special",
                                 department=dept)
    ServiceWindow.objects.create(hall=hall, number="10", name="停用", is_active=False)
    body = client.get("/api/v1/service-halls").json()
    assert [h["name"] for h in body] == ["政务服务中心"]
    assert [(w["number"], w["department_code"]) for w in body[0]["windows"]] == [("1", None), ("9", "MARKET")]
    assert client.get("/api/v1/service-halls", {"region": "000"}).status_code == 404
