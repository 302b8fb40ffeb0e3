"""Open311 GeoReport v2 as existing clients use it: FixMyStreet's flow (discovery, services,
post, fetch by id and by time window) in XML and JSON, every JSON answer checked against JSON
schemas of the spec written for the project (fixtures/open311_schemas.json), and the fixes an
integrator asked for (unique names, kept media_url/email, limits, jurisdiction, CORS, errors)."""
# ruff: noqa: S314  (parses the responses of our own endpoints)

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from functools import cache
from pathlib import Path

import jsonschema_rs
import pytest
from django.utils import timezone

from onewindow.tickets import services
from onewindow.tickets.models import Category, Ticket
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@cache
def _schemas() -> dict:
    return json.loads((Path(__file__).parent / "fixtures" / "open311_schemas.json").read_text(encoding="utf-8"))


def conforms(response, name: str):  # type: ignore[no-untyped-def]
    """The JSON answer matches the GeoReport v2 schema ``name``."""
    schemas = _schemas()
    body = response.json()
    validator = jsonschema_rs.validator_for({**schemas[name], "datetime": schemas["datetime"]})
    errors = [str(e) for e in validator.iter_errors(body)][:3]
    assert not errors, errors
    return body


@pytest.fixture
def api_key(hotline):
    _, key = services.open311_client_create(actor=hotline.supervisor.user, name="FixMyStreet 盘龙",
                                            contact="ops@example.org")
    return key


def _form(api_key, **extra):  # type: ignore[no-untyped-def]
    return {"api_key": api_key, "service_code": "0101002", "lat": "25.01", "long": "102.71",
            "address_string": "拓东路12号", "description": "小区停水一整天了，还没有来水。",
            "email": "wang@example.org",
            "first_name": "秀英", "last_name": "王", "phone": "13812345678",
            "media_url": "https://photos.example.org/p/123.jpg", **extra}


def test_fixmystreet_flow_in_xml_and_json(client, hotline, api_key):
    # 1. discovery: the endpoint url takes "/services.xml" appended, the jurisdiction is advertised
    discovery = conforms(client.get("/open311/discovery.json"), "discovery")
    url = discovery["endpoints"][0]["url"]
    assert not url.endswith("/") and discovery["jurisdiction_id"] == "530103000000"
    path = url.removeprefix("http://testserver")
    # 2. the service list (FixMyStreet reads XML)
    xml = ET.fromstring(client.get(f"{path}/services.xml", {"jurisdiction_id": "530103"}).content)
    codes = [s.findtext("service_code") for s in xml.findall("service")]
    assert "0101002" in codes
    conforms(client.get(f"{path}/services.json"), "services")
    conforms(client.get(f"{path}/services/0101002.json"), "service_definition")
    # 3. post a request as FixMyStreet does (form-encoded, api_key, jurisdiction, attributes)
    posted = client.post(f"{path}/requests.xml", _form(api_key, jurisdiction_id="530103000000"))
    assert posted.status_code == 201, posted.content
    request_id = ET.fromstring(posted.content).findtext("request/service_request_id")
    ticket = Ticket.objects.get(number=request_id)
    assert ticket.media_url == "https://photos.example.org/p/123.jpg" and ticket.requester_email == "wang@example.org"
    assert "photos.example.org" not in ticket.text
    # 4. fetch it by id (XML and JSON) and by time window
    row = conforms(client.get(f"{path}/requests/{request_id}.json"), "service_requests")[0]
    assert row["media_url"] == "https://photos.example.org/p/123.jpg" and row["location_precision"] == "exact"
    assert row["requested_datetime"].endswith("+08:00") and "wang@example.org" not in json.dumps(row)
    assert ET.fromstring(client.get(f"{path}/requests/{request_id}.xml").content).findtext(
        "request/service_request_id") == request_id
    window = {"start_date": (timezone.now() - timedelta(hours=1)).isoformat(),
              "end_date": (timezone.now() + timedelta(hours=1)).isoformat()}
    rows = conforms(client.get(f"{path}/requests.json", window), "service_requests")
    assert [r["service_request_id"] for r in rows] == [request_id]


def test_a_retried_post_with_an_idempotency_key_files_one_request(client, hotline, api_key):
    first = client.post(f"{BASE}/requests.json", _form(api_key), HTTP_IDEMPOTENCY_KEY="fms-42")
    again = client.post(f"{BASE}/requests.json", _form(api_key), HTTP_IDEMPOTENCY_KEY="fms-42")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert conforms(first, "created") == again.json() and Ticket.objects.count() == 1


def test_bad_posts_answer_open311_errors(client, hotline, api_key):
    cases = [
        (_form(api_key, description="长" * 4001), "description is longer than 4000"),
        (_form(api_key, lat="40.7128", long="-74.0060"), "outside this jurisdiction"),  # New York
        (_form(api_key, media_url="javascript:alert(1)"), "media_url"),
        (_form(api_key, email="not-an-address"), "email"),
        (_form(api_key, lat="25.01", long=""), "together"),
    ]
    for form, text in cases:
        response = client.post(f"{BASE}/requests.json", form)
        assert response.status_code == 400, (form, response.content)
        assert text in conforms(response, "errors")[0]["description"]
    assert not Ticket.objects.exists()
    # exactly 4,000 characters is accepted
    assert client.post(f"{BASE}/requests.json", _form(api_key, description="长" * 4000)).status_code == 201


def test_wrong_methods_formats_and_paths_answer_in_the_open311_format(client, hotline):
    wrong_method = client.delete(f"{BASE}/services.json")
    assert wrong_method.status_code == 405 and conforms(wrong_method, "errors")[0]["code"] == 405
    assert ET.fromstring(client.put(f"{BASE}/requests.xml").content).findtext("error/code") == "405"
    for path in (f"{BASE}/services.html", f"{BASE}/services", "/open311/v2//services.xml", f"{BASE}/nothing.json"):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"].split(";")[0] in (
            "application/json", "text/xml"), path


def test_service_names_are_unique(client, hotline):
    parent = Category.objects.get(name="自来水供应").parent
    other_parent = Category.objects.filter(level=2).exclude(pk=parent.pk).first()
    for p, code in ((parent, "0101990"), (other_parent, "0102990")):
        Category.objects.create(code=code, name="其他", level=3, parent=p, path=f"{p.path}{code}/",
                                full_name=f"{p.full_name} / 其他")
    rows = conforms(client.get(f"{BASE}/services.json"), "services")
    names = [r["service_name"] for r in rows]
    assert len(names) == len(set(names))
    assert f"{parent.name}-其他" in names and f"{other_parent.name}-其他" in names


def test_requests_page_with_documented_limits_and_points_for_all(client, hotline):
    op = hotline.operator.user
    for n in range(3):
        services.ticket_intake(actor=op, **intake_kwargs(text=f"小区停水一整天了没有来水第{n}次"))
    no_point = services.ticket_intake(actor=op, **intake_kwargs(lng=None, lat=None, address="",
                                                                region=hotline.office_a.region))
    first = client.get(f"{BASE}/requests.json", {"page_size": 2})
    assert len(conforms(first, "service_requests")) == 2 and 'rel="next"' in first["Link"]
    second = client.get(first["Link"].split(">")[0].lstrip("<").removeprefix("http://testserver"))
    rows = conforms(second, "service_requests")
    assert len(rows) == 2 and "Link" not in second
    by_number = {r["service_request_id"]: r for r in conforms(client.get(f"{BASE}/requests.json"), "service_requests")}
    centred = by_number[no_point.number]
    assert centred["location_precision"] == "region_centroid" and centred["lat"] is not None
    assert client.get(f"{BASE}/requests.json", {"page_size": 1001}).status_code == 400
    limits = client.get(f"{BASE}/discovery.json").json()["limits"]
    assert limits["requests_per_get"] == 1000 and limits["description_max_chars"] == 4000


def test_cors_for_configured_origins_only(client, hotline, settings):
    settings.ONEWINDOW_OPEN311_CORS_ORIGINS = ["https://311.example.org"]
    allowed = client.get(f"{BASE}/services.json", HTTP_ORIGIN="https://311.example.org")
    assert allowed["Access-Control-Allow-Origin"] == "https://311.example.org"
    preflight = client.options(f"{BASE}/requests.json", HTTP_ORIGIN="https://311.example.org",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 204 and "POST" in preflight["Access-Control-Allow-Methods"]
    other = client.get(f"{BASE}/services.json", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in other


def test_keys_are_issued_shown_once_rotated_and_revoked_by_command(client, hotline):
    from io import StringIO

    from django.core.management import call_command

    from onewindow.tickets.models import Open311Client

    admin = hotline.supervisor.user.username
    out = StringIO()
    call_command("open311_client", "create", "街坊311", "--contact", "app@example.org", "--by", admin, stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    registered = Open311Client.objects.get(name="街坊311")
    assert key.startswith(registered.key_prefix) and key not in registered.key_hash
    posted = client.post(f"{BASE}/requests.json", _form(key))
    assert posted.status_code == 201
    out = StringIO()
    call_command("open311_client", "rotate", str(registered.public_id), "--by", admin, stdout=out)
    new_key = out.getvalue().strip().splitlines()[-1]
    assert client.post(f"{BASE}/requests.json", _form(key)).status_code == 403
    assert client.post(f"{BASE}/requests.json", _form(new_key)).status_code == 201
    call_command("open311_client", "revoke", str(registered.public_id), "--by", admin, stdout=StringIO())
    assert client.post(f"{BASE}/requests.json", _form(new_key)).status_code == 403
    # a second client gets its own key (no clash on an empty key hash)
    out = StringIO()
    call_command("open311_client", "create", "第二个应用", "--by", admin, stdout=out)
    assert Open311Client.objects.count() == 2


def test_an_administrator_issues_a_key_in_the_admin_and_sees_it_once(client, hotline, district):
    from onewindow.accounts.constants import Role
    from onewindow.accounts.tests.factories import staff_make
    from onewindow.tickets.models import Open311Client

    admin = staff_make(username="sysadmin", region=district.district, roles=[Role.ADMINISTRATOR], name="管理员")
    admin.user.is_staff = admin.user.is_superuser = True
    admin.user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin.user)
    for name in ("应用一", "应用二"):  # a second client no longer clashes on an empty key
        response = client.post("/admin/tickets/open311client/add/", {"name": name, "contact": "x@example.org"},
                               follow=True)
        assert response.status_code == 200
        shown = [str(m) for m in response.context["messages"] if "api_key" in str(m)]
        assert len(shown) == 1 and "只显示这一次" in shown[0]
    assert Open311Client.objects.count() == 2 and all(c.key_hash for c in Open311Client.objects.all())
    key = shown[0].rsplit("：", 1)[1]
    assert client.post(f"{BASE}/requests.json", _form(key)).status_code == 201
