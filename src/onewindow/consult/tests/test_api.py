"""/api/v1/consult: asking, messages both ways, scope, errors with codes, shapes against the
OpenAPI schema."""

import json
from functools import cache

import jsonschema_rs
import pytest
from django.utils import timezone

from onewindow.accounts import services as account_services
from onewindow.consult.tests.conftest import MONDAY_10

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_10)


def bearer(user) -> dict[str, str]:
    _, key = account_services.api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@cache
def _spec() -> dict:
    from config.api import api

    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def conforms(response, path: str, method: str = "get") -> dict:
    spec = _spec()
    operation = spec["paths"][f"/api/v1{path}"][method]
    schema = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
    body = response.json()
    validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
    assert validator.is_valid(body), list(validator.iter_errors(body))[:3]
    return body


def test_a_conversation_through_the_api(client, world, citizen, other_citizen, item_a):
    me, clerk = bearer(citizen.user), bearer(world.reviewer_a.user)
    duty = client.post("/api/v1/consult/staff/duty", {"department_code": world.dept_a.code, "on_duty": True},
                       content_type="application/json", **clerk)
    assert conforms(duty, "/consult/staff/duty", "post") == {"department_code": world.dept_a.code, "on_duty": True}
    question = {"text": "请问名称变更需要本人到场吗？", "item_id": str(item_a.public_id)}
    response = client.post("/api/v1/consult", question,
                           content_type="application/json", **me)
    assert response.status_code == 201, response.content
    x = conforms(response, "/consult", "post")
    assert x["department"] == world.dept_a.name and x["status"] == "waiting" and x["assignee"] == ""
    assert x["push_token"] and [m["sender_kind"] for m in x["messages"]] == ["citizen"]
    inbox = conforms(client.get("/api/v1/consult/staff/inbox", **clerk), "/consult/staff/inbox")
    assert [i["id"] for i in inbox] == [x["id"]] and inbox[0]["assignee"] == "市监局审批员甲"
    reply = client.post(f"/api/v1/consult/{x['id']}/messages", {"text": "不需要，可全程网办。"},
                        content_type="application/json", **clerk)
    assert conforms(reply, "/consult/{consultation_id}/messages", "post")["sender_label"] == "市监局审批员甲"
    guide = client.post(f"/api/v1/consult/{x['id']}/guide", {"item_id": str(item_a.public_id)},
                        content_type="application/json", **clerk)
    assert guide.json()["link_url"] == f"/guide/item/{item_a.public_id}/"
    detail = conforms(client.get(f"/api/v1/consult/{x['id']}", **me), "/consult/{consultation_id}")
    assert detail["status"] == "answered" and len(detail["messages"]) == 3
    after = client.get(f"/api/v1/consult/{x['id']}", {"after": detail["messages"][1]["id"]}, **me).json()
    assert [m["link_label"] for m in after["messages"]] == ["个体工商户名称变更"]
    assert client.get(f"/api/v1/consult/{x['id']}", **bearer(other_citizen.user)).json()["code"] == "consult_not_found"
    assert client.get(f"/api/v1/consult/{x['id']}", **bearer(world.reviewer_b.user)).status_code == 404
    rated = client.post(f"/api/v1/consult/{x['id']}/rating", {"rating": 5}, content_type="application/json", **me)
    assert conforms(rated, "/consult/{consultation_id}/rating", "post")["rating"] == 5
    figures = conforms(client.get("/api/v1/consult/staff/figures", **bearer(world.leader_a.user)),
                       "/consult/staff/figures")
    assert figures[0]["answered"] == 1 and figures[0]["rating"] == 5.0
    mine = conforms(client.get("/api/v1/consult/mine", **me), "/consult/mine")
    assert [m["id"] for m in mine] == [x["id"]]


def test_errors_are_chinese_with_codes(client, world, citizen, item_a):
    me = bearer(citizen.user)
    assert client.post("/api/v1/consult", {"text": "x"}, content_type="application/json").status_code == 401
    short = client.post("/api/v1/consult", {"text": "x"}, content_type="application/json", **me)
    assert short.status_code == 400 and short.json()["fields"]["text"] == "请输入至少 2 个字"
    unknown = client.post("/api/v1/consult", {"text": "请问可以办理吗", "department_code": "NOPE"},
                          content_type="application/json", **me)
    assert unknown.status_code == 400 and unknown.json()["fields"]["department_code"] == "部门不存在"
    bad_rating = client.post("/api/v1/consult/00000000-0000-0000-0000-000000000000/rating", {"rating": 9},
                             content_type="application/json", **me)
    assert bad_rating.status_code == 422 and bad_rating.json()["code"] == "validation_failed"
    staff = client.post("/api/v1/consult", {"text": "工作人员来问问"}, content_type="application/json",
                        **bearer(world.reviewer_a.user))
    assert staff.status_code == 403 and staff.json()["code"] == "consult_citizens_only"
    assert client.get(f"/api/v1/consult/items/{item_a.public_id}/faq").json() == []
