"""/api/v1/news: public lists and details with ETag/Last-Modified (304), the newsroom flow,
Chinese errors with stable codes, shapes checked against the OpenAPI schema."""

import json
from functools import cache

import jsonschema_rs
import pytest

from onewindow.accounts import services as account_services
from onewindow.news.constants import NewsKind, NewsStatus
from onewindow.news.models import NewsItem
from onewindow.news.tests.factories import news_make

pytestmark = pytest.mark.django_db


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


def test_public_list_filters_and_answers_304_when_unchanged(client, newsroom):
    news_make(department=newsroom.bureau, title="节前食品安全专项检查")
    news_make(department=newsroom.street, title="关于停水的通知", kind=NewsKind.NOTICE)
    news_make(department=newsroom.bureau, title="未发布的草稿", status=NewsStatus.DRAFT)
    response = client.get("/api/v1/news")
    body = conforms(response, "/news")
    assert body["count"] == 2 and {i["title"] for i in body["items"]} == {"节前食品安全专项检查", "关于停水的通知"}
    etag, modified = response["ETag"], response["Last-Modified"]
    again = client.get("/api/v1/news", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/v1/news", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    notices = conforms(client.get("/api/v1/news?kind=notice"), "/news")
    assert [i["title"] for i in notices["items"]] == ["关于停水的通知"]
    assert client.get("/api/v1/news?kind=notice", HTTP_IF_NONE_MATCH=etag).status_code == 200
    # a new publication changes the validator
    news_make(department=newsroom.bureau, title="新发布的新闻")
    assert client.get("/api/v1/news", HTTP_IF_NONE_MATCH=etag).status_code == 200
    searched = client.get("/api/v1/news?q=停水").json()
    assert searched["count"] == 1
    bad = client.get("/api/v1/news?kind=gossip")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_failed" and bad.json()["fields"]["kind"]


def test_detail_with_interpretations_and_304(client, newsroom):
    policy = news_make(department=newsroom.bureau, title="促进个体工商户发展若干措施", kind=NewsKind.POLICY,
                       document_number="盘政发〔2026〕12号")
    news_make(department=newsroom.bureau, title="图解个体工商户发展措施", kind=NewsKind.INTERPRETATION,
              interprets=policy)
    response = client.get(f"/api/v1/news/items/{policy.public_id}")
    body = conforms(response, "/news/items/{item_id}")
    assert body["document_number"] == "盘政发〔2026〕12号"
    assert [i["title"] for i in body["interpretations"]] == ["图解个体工商户发展措施"]
    assert client.get(f"/api/v1/news/items/{policy.public_id}", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    draft = news_make(department=newsroom.bureau, title="草稿不可见", status=NewsStatus.DRAFT)
    missing = client.get(f"/api/v1/news/items/{draft.public_id}")
    assert missing.status_code == 404 and missing.json()["code"] == "news_not_found"
    assert client.get("/api/v1/news/items/not-a-uuid").status_code in (400, 404, 422)


def test_newsroom_flow_through_the_api(client, newsroom):
    editor, leader = bearer(newsroom.editor.user), bearer(newsroom.leader.user)
    response = client.post("/api/v1/news/staff/items", {
        "department_code": newsroom.bureau.code, "kind": "notice", "title": "关于开展企业年报工作的通知",
        "body": "请各市场主体按时报送年报。", "open_category": "services", "submit": True},
        content_type="application/json", **editor)
    assert response.status_code == 201, response.content
    item = conforms(response, "/news/staff/items", "post")
    assert item["status"] == "pending"
    queue = conforms(client.get("/api/v1/news/staff/queue", **leader), "/news/staff/queue")
    assert [i["id"] for i in queue] == [item["id"]]
    assert client.get("/api/v1/news/staff/queue", **editor).json() == []
    denied = client.post(f"/api/v1/news/staff/items/{item['id']}/approve", {},
                         content_type="application/json", **editor)
    assert denied.status_code == 403 and denied.json()["code"] == "news_not_approver"
    approved = client.post(f"/api/v1/news/staff/items/{item['id']}/approve", {"note": "同意"},
                           content_type="application/json", **leader)
    assert conforms(approved, "/news/staff/items/{item_id}/approve", "post")["status"] == "published"
    public = client.get("/api/v1/news?category=services").json()
    assert [i["title"] for i in public["items"]] == ["关于开展企业年报工作的通知"]
    catalogue = conforms(client.get("/api/v1/news/open/catalogue"), "/news/open/catalogue")
    assert catalogue[0]["name"] == "盘龙区市场监督管理局" and catalogue[0]["categories"][0]["label"] == "办事服务"
    year = NewsItem.objects.get().published_at.year
    report = conforms(client.get(f"/api/v1/news/open/report/{year}"), "/news/open/report/{year}")
    assert report["published"] == 1 and {r["code"]: r["count"] for r in report["by_category"]}["services"] == 1
    withdrawn = client.post(f"/api/v1/news/staff/items/{item['id']}/withdraw", {"reason": "信息已过期"},
                            content_type="application/json", **leader)
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.get("/api/v1/news").json()["count"] == 0


def test_newsroom_errors_are_chinese_with_codes(client, newsroom):
    street = bearer(newsroom.street_editor.user)
    response = client.post("/api/v1/news/staff/items", {"department_code": newsroom.bureau.code,
                                                        "title": "越权发布测试",
                                                        "body": "x"}, content_type="application/json", **street)
    assert response.status_code == 404 and response.json()["code"] == "news_department_not_found"
    response = client.post("/api/v1/news/staff/items", {"department_code": newsroom.street.code, "title": "短",
                                                        "body": ""}, content_type="application/json", **street)
    assert response.status_code == 400 and response.json()["fields"]["title"] == "标题至少 4 个字"
    assert client.post("/api/v1/news/staff/items", {}, content_type="application/json").status_code == 401
    other = news_make(department=newsroom.bureau, title="市监局的稿件", status=NewsStatus.PENDING)
    hidden = client.get(f"/api/v1/news/staff/items/{other.public_id}", **street)
    assert hidden.status_code == 404
    assert client.get("/api/v1/news/open/report/1900").json()["code"] == "validation_failed"


def test_feeds_through_the_api(client, newsroom):
    editor = bearer(newsroom.editor.user)
    response = client.post("/api/v1/news/staff/feeds", {"department_code": newsroom.bureau.code, "name": "市监局网站",
                                                         "url": "fixture:panlong-market.xml"},
                           content_type="application/json", **editor)
    feed = conforms(response, "/news/staff/feeds", "post")
    fetched = client.post(f"/api/v1/news/staff/feeds/{feed['id']}/fetch", **editor)
    assert conforms(fetched, "/news/staff/feeds/{feed_id}/fetch", "post") == {
        "status": "ok", "new": 3, "duplicates": 0, "error": ""}
    listed = conforms(client.get("/api/v1/news/staff/feeds", **editor), "/news/staff/feeds")
    assert listed[0]["last_new"] == 3
    assert client.post(f"/api/v1/news/staff/feeds/{feed['id']}/fetch",
                       **bearer(newsroom.street_editor.user)).status_code == 404
