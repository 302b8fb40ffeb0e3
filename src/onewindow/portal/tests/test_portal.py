"""The citizen's home (我要看/查/办/问/评/我的, to-dos, news), my centre with one inbox and
unread counts, the app shell (manifest, service worker, offline page), and /api/v1/portal."""

import json
from functools import cache

import jsonschema_rs
import pytest

from onewindow.accounts import services as account_services
from onewindow.cases import services as case_services
from onewindow.consult import services as consult_services
from onewindow.consult.tests.conftest import MONDAY_10, at
from onewindow.news.tests.factories import news_make

pytestmark = pytest.mark.django_db


@cache
def _spec() -> dict:
    from config.api import api

    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def conforms(response, path: str, method: str = "get") -> dict:
    spec = _spec()
    schema = spec["paths"][f"/api/v1{path}"][method]["responses"][str(response.status_code)]["content"][
        "application/json"]["schema"]
    body = response.json()
    validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
    assert validator.is_valid(body), list(validator.iter_errors(body))[:3]
    return body


@pytest.fixture
def answered(world, citizen, item_a):
    x = consult_services.consultation_open(actor=citizen.user, text="请问需要本人到场吗？", item=item_a, now=MONDAY_10)
    consult_services.message_send(actor=world.reviewer_a.user, consultation=x, text="不需要。", now=at(7, 10, 5))
    case_services.notification_send(recipient=citizen.user, kind="info", title="您的申请已受理", body="办件编号 X")
    return x


def test_home_for_visitors_and_citizens(client, world, citizen, answered):
    news_make(department=world.dept_a, title="区政务服务中心推出周末延时服务")
    html = client.get("/").content.decode()
    for text in ("我要看", "我要查", "我要办", "我要问", "我要评", "区政务服务中心推出周末延时服务", 'rel="manifest"'):
        assert text in html, text
    assert 'data-testid="todos"' not in html
    client.force_login(citizen.user)
    html = client.get("/").content.decode()
    assert "咨询已答复：请问需要本人到场吗？" in html and "未读消息 1 条" in html


def test_my_centre_and_inbox(client, world, citizen, other_citizen, answered):
    client.force_login(citizen.user)
    html = client.get("/my/").content.decode()
    assert "请问需要本人到场吗？" in html and 'data-testid="unread-count">1<' in html
    inbox = client.get("/my/inbox/").content.decode()
    assert "您的申请已受理" in inbox and "未读" in inbox
    client.post("/my/inbox/read/")
    assert 'data-testid="unread-count">0<' in client.get("/my/").content.decode()
    client.force_login(other_citizen.user)
    assert "您的申请已受理" not in client.get("/my/inbox/").content.decode()
    client.force_login(world.reviewer_a.user)
    assert client.get("/my/").status_code == 302  # staff go to their workbench
    client.logout()
    assert client.get("/my/").status_code == 302 and "/accounts/login/" in client.get("/my/")["Location"]


def test_app_shell(client):
    manifest = client.get("/manifest.webmanifest")
    data = json.loads(manifest.content)
    assert manifest["Content-Type"] == "application/manifest+json"
    assert data["start_url"].startswith("/") and data["display"] == "standalone" and data["lang"] == "zh-CN"
    assert {i["sizes"] for i in data["icons"]} >= {"192x192", "512x512"}
    sw = client.get("/sw.js")
    body = sw.content.decode()
    assert sw["Content-Type"].startswith("application/javascript") and sw["Service-Worker-Allowed"] == "/"
    assert "/guide/item/" in body and "/offline/" in body and "css/onewindow.css" in body
    assert "/my/" not in body.split("*/", 1)[1]  # nothing personal is cached
    assert "离线" in client.get("/offline/").content.decode()


def test_portal_api(client, world, citizen, answered):
    _, key = account_services.api_token_create(user=citizen.user, name="app")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    me = conforms(client.get("/api/v1/portal/me", **auth), "/portal/me")
    assert me["unread"] == 1 and me["consultations_open"] == 1 and me["consultations"][0]["status"] == "answered"
    assert {t["kind"] for t in me["todos"]} == {"consult_answered", "unread"}
    inbox = conforms(client.get("/api/v1/portal/inbox?unread=true", **auth), "/portal/inbox")
    assert [m["title"] for m in inbox] == ["您的申请已受理"]
    read = conforms(client.post("/api/v1/portal/inbox/read", **auth), "/portal/inbox/read", "post")
    assert read == {"marked": 1, "unread": 0}
    _, staff_key = account_services.api_token_create(user=world.reviewer_a.user, name="app")
    denied = client.get("/api/v1/portal/me", HTTP_AUTHORIZATION=f"Bearer {staff_key}")
    assert denied.status_code == 403 and denied.json()["code"] == "portal_citizens_only"
    assert client.get("/api/v1/portal/me").status_code == 401


def test_my_centre_shows_todays_queue_number_with_the_people_ahead(client, world, citizen, other_citizen,
                                                                    monkeypatch):
    """A number taken at the kiosk or on the phone is in 我的 (page, to-dos and API) while it is
    open: the people ahead and the wait while waiting, the window once called."""
    from django.utils import timezone

    from onewindow.hall import services as hall_services
    from onewindow.hall.tests.factories import kit_make, monday

    monkeypatch.setattr(timezone, "now", lambda: monday(10))
    kit = kit_make(world)
    hall_services.ticket_take(actor=other_citizen.user, hall=kit.hall, business_type=kit.general, channel="kiosk")
    mine = hall_services.ticket_take(actor=citizen.user, hall=kit.hall, business_type=kit.general, channel="kiosk")
    client.force_login(citizen.user)
    html = client.get("/my/").content.decode()
    assert f"排队号 <strong>{mine.number}</strong> 综合业务" in html and "前面还有 1 人" in html
    assert f"/hall/t/{mine.public_id}/" in client.get("/").content.decode()  # a to-do on the home page
    auth = {"HTTP_AUTHORIZATION": f"Bearer {account_services.api_token_create(user=citizen.user, name='app')[1]}"}
    numbers = conforms(client.get("/api/v1/portal/me", **auth), "/portal/me")["numbers"]
    assert [(n["number"], n["status"], n["ahead"]) for n in numbers] == [(mine.number, "waiting", 1)]
    client.force_login(other_citizen.user)
    assert mine.number not in client.get("/my/").content.decode().split('data-testid="my-numbers"')[1][:400]
