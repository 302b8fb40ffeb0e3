"""The public catalogue API: no sign-in, published (and retired, by version) data only."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from onewindow.catalog.tests.guide_data import GuideCatalogue, guide_catalogue

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def cat(admin, district) -> GuideCatalogue:  # type: ignore[no-untyped-def]
    return guide_catalogue(admin, district.district)


def _json(client: Client, path: str, status: int = 200, **params):  # type: ignore[no-untyped-def]
    response = client.get(API + path, params)
    assert response.status_code == status, response.content
    return response.json()


def test_items_list_is_public_and_paginated(client: Client, cat: GuideCatalogue) -> None:
    body = _json(client, "/catalog/items", page_size=3)
    assert body["count"] == 4 and body["page"] == 1 and body["page_size"] == 3
    assert len(body["items"]) == 3
    rest = _json(client, "/catalog/items", page_size=3, page=2)["items"]
    names = {i["name"] for i in body["items"] + rest}
    assert names == {"社会保险登记", "城乡居民基本养老保险参保登记", "食品经营许可", "最低生活保障审批"}
    first = next(i for i in body["items"] + rest if i["name"] == "社会保险登记")
    assert first["id"] == str(cat.shebao.public_id)
    assert first["version_id"] == str(cat.shebao.current_version.public_id)
    assert first["department_name"] == "广安区人力资源和社会保障局"
    assert first["themes"] == ["shebao"]
    assert {"code": "at_most_one_visit", "label": "最多跑一次"} in first["badges"]
    assert first["guide_url"] == f"/guide/item/{cat.shebao.public_id}/"


@pytest.mark.parametrize(("params", "expected"), [
    ({"max_visits": 0}, {"城乡居民基本养老保险参保登记"}),
    ({"department": "511602-SCJG"}, {"食品经营许可"}),
    ({"life_event": "tuixiu"}, {"城乡居民基本养老保险参保登记"}),
    ({"theme": "shebao"}, {"社会保险登记", "城乡居民基本养老保险参保登记"}),
    ({"service_object": "legal"}, {"食品经营许可"}),
    ({"level": "street"}, {"最低生活保障审批"}),
    ({"online": "true", "max_visits": 1}, {"社会保险登记", "城乡居民基本养老保险参保登记"}),
    ({"item_type": "01"}, {"食品经营许可"}),
])
def test_items_filters(client: Client, cat: GuideCatalogue, params, expected) -> None:  # type: ignore[no-untyped-def]
    body = _json(client, "/catalog/items", **params)
    assert {i["name"] for i in body["items"]} == expected and body["count"] == len(expected)


@pytest.mark.parametrize("q", ["sb", "社保", "shebao", "社宝"])
def test_search_returns_ranked_hits_with_score(client: Client, cat: GuideCatalogue,
                                               q: str) -> None:
    body = _json(client, "/catalog/search", q=q)
    assert body["query"] == q and body["total"] >= 1
    top = body["hits"][0]
    assert top["name"] == "社会保险登记" and top["score"] > 0
    assert any(seg["match"] for seg in top["highlight"])
    assert "".join(seg["text"] for seg in top["highlight"]) == "社会保险登记"
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    if q == "社宝":
        assert body["did_you_mean"] == "社保"


def test_search_with_filters_and_no_match(client: Client, cat: GuideCatalogue) -> None:
    assert _json(client, "/catalog/search", q="登记", max_visits=0)["total"] == 1
    assert _json(client, "/catalog/search", q="火星签证")["hits"] == []


@pytest.mark.parametrize("params", [
    {"page": 0}, {"page_size": 1000}, {"max_visits": 9}, {"q": "x" * 500}, {"online": "perhaps"},
])
def test_bad_list_parameters_are_422_in_the_error_shape(client: Client, cat: GuideCatalogue,
                                                         params) -> None:  # type: ignore[no-untyped-def]
    body = _json(client, "/catalog/search", status=422, **params)
    assert body["code"] and body["message"] and "request_id" in body


def test_item_detail_has_every_element(client: Client, cat: GuideCatalogue,
                                       django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(5):
        body = _json(client, f"/catalog/items/{cat.shebao.public_id}")
    assert body["name"] == "社会保险登记" and body["status"] == "published" and body["number"] == 2
    assert body["department"] == {"code": "511602-RS", "name": "广安区人力资源和社会保障局"}
    assert body["legal_basis"][0]["law"] == "中华人民共和国社会保险法"
    assert body["steps"][1]["name"] == "受理审核"
    assert body["legal_limit"] == {"value": 15, "unit": "working_day", "text": "15 个工作日"}
    assert body["promised_limit"]["text"] == "即办"
    assert body["faq"][0]["q"] == "可以委托他人办理吗？"
    # 可预约 is not advertised until booking exists (the flag stays in the data)
    assert [b["label"] for b in body["badges"]] == ["最多跑一次"]
    names = [m["name"] for m in body["materials"]]
    assert names == ["居民身份证", "社会保险登记表", "授权委托书"]
    form = body["materials"][1]
    assert form["blank_form_url"].endswith("/blank_form") and form["sample_file_url"]
    assert body["materials"][0]["licence_type_code"] == "ID_CARD"
    assert body["materials"][2]["condition"] == "委托他人办理的"
    assert client.get(form["blank_form_url"]).status_code == 200


def test_item_materials(client: Client, cat: GuideCatalogue) -> None:
    body = _json(client, f"/catalog/items/{cat.food.public_id}/materials")
    assert [m["material_type_label"] for m in body] == ["原件", "原件", "原件"]
    assert [m["is_required"] for m in body] == [True, True, False]


def test_versions_of_an_item_and_an_old_version_by_id(client: Client,
                                                      cat: GuideCatalogue) -> None:
    versions = _json(client, f"/catalog/items/{cat.shebao.public_id}/versions")
    assert [(v["number"], v["status"]) for v in versions] == [(2, "published"), (1, "retired")]
    old = _json(client, f"/catalog/versions/{cat.shebao_v1.public_id}")
    assert old["name"] == "社会保险登记（旧）" and old["status"] == "retired"
    assert old["retired_at"] and old["guide_url"] == f"/guide/version/{cat.shebao_v1.public_id}/"
    materials = _json(client, f"/catalog/versions/{cat.shebao_v1.public_id}/materials")
    assert [m["name"] for m in materials] == ["居民身份证", "社会保险登记表", "授权委托书"]
    assert materials[1]["blank_form_url"] is None  # the form was added in version 2


def test_retired_item_keeps_its_versions_readable(client: Client, cat: GuideCatalogue) -> None:
    _json(client, f"/catalog/items/{cat.retired.public_id}", status=404)
    versions = _json(client, f"/catalog/items/{cat.retired.public_id}/versions")
    assert [v["status"] for v in versions] == ["retired"]
    assert _json(client, f"/catalog/versions/{versions[0]['id']}")["name"] == "临时救助审批（已取消）"


def test_drafts_and_unknown_ids_are_404(client: Client, cat: GuideCatalogue) -> None:
    draft_version = cat.draft_only.versions.get()
    for path in (f"/catalog/items/{cat.draft_only.public_id}",
                 f"/catalog/items/{cat.draft_only.public_id}/versions",
                 f"/catalog/items/{cat.draft_only.public_id}/materials",
                 f"/catalog/versions/{draft_version.public_id}",
                 f"/catalog/items/{uuid.uuid4()}", f"/catalog/versions/{uuid.uuid4()}"):
        body = _json(client, path, status=404)
        assert body["code"].endswith("not_found") and body["message"]
    assert client.get(API + "/catalog/items/not-a-uuid").status_code == 422


def test_themes(client: Client, cat: GuideCatalogue) -> None:
    themes = {t["code"]: t for t in _json(client, "/catalog/themes")}
    assert themes["tuixiu"] == {"code": "tuixiu", "name": "退休养老", "kind": "life_event",
                                "person_kind": "natural", "description": "", "order": 1,
                                "item_count": 1}
    assert themes["shebao"]["kind"] == "theme" and themes["shebao"]["item_count"] == 2
    legal = _json(client, "/catalog/themes", person_kind="legal")
    assert [t["code"] for t in legal] == ["kaiban"]
    assert _json(client, "/catalog/themes", kind="theme")[0]["code"] == "shebao"
    assert _json(client, "/catalog/themes", person_kind="martian") == []


def test_public_endpoints_need_no_auth_and_write_is_absent(client: Client,
                                                           cat: GuideCatalogue) -> None:
    assert client.post(API + "/catalog/items", {}).status_code == 405


def test_openapi_documents_public_endpoints_with_examples(client: Client) -> None:
    schema = client.get(API + "/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/catalog/items", "/api/v1/catalog/search",
                 "/api/v1/catalog/items/{item_id}", "/api/v1/catalog/items/{item_id}/versions",
                 "/api/v1/catalog/items/{item_id}/materials", "/api/v1/catalog/versions/{version_id}",
                 "/api/v1/catalog/themes"):
        operation = paths[path]["get"]
        assert "security" not in operation, path
    search = paths["/api/v1/catalog/search"]["get"]
    example = search["responses"]["200"]["content"]["application/json"]["example"]
    assert example["hits"][0]["name"] == "社会保险登记"
    parameters = {p["name"]: p for p in search["parameters"]}
    assert "sb" in str(parameters["q"])
    assert "examples" in str(schema["components"]["schemas"]["VersionPublicOut"])
