from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onewindow.accounts import services as account_services
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.tests.conftest import MATERIALS
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalog/admin"


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, key = account_services.api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _payload(dept, elements, code="API-0001"):  # type: ignore[no-untyped-def]
    return {**elements, "implementation_code": code, "department_code": dept.code,
            "materials": MATERIALS}


def _post(client, url, data, auth):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json", **auth)


def test_full_lifecycle_over_the_api(client, admin, dept, elements) -> None:
    auth = bearer(admin.user)
    created = _post(client, f"{BASE}/items", _payload(dept, elements), auth)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["draft"]["number"] == 1 and body["published"] is None
    item_id = body["id"]

    published = _post(client, f"{BASE}/items/{item_id}/publish", {}, auth)
    assert published.status_code == 200
    v1 = published.json()
    assert v1["status"] == "published" and [m["name"] for m in v1["materials"]] == [
        m["name"] for m in MATERIALS]

    patched = client.patch(f"{BASE}/items/{item_id}/draft",
                           json.dumps({"promised_limit_value": 3, "visits": 0}),
                           content_type="application/json", **auth)
    assert patched.status_code == 200
    assert patched.json()["number"] == 2 and patched.json()["status"] == "draft"

    material = _post(client, f"{BASE}/items/{item_id}/draft/materials",
                     {"name": "健康证明", "material_type": "copy"}, auth)
    assert material.status_code == 201
    material_id = material.json()["id"]
    upload = client.post(f"{BASE}/materials/{material_id}/files",
                         {"blank_form": SimpleUploadedFile("表格.pdf", b"%PDF-1.4 demo")},
                         **auth)
    assert upload.status_code == 200
    assert upload.json()["blank_form"] == f"/catalog/materials/{material_id}/blank_form"
    changed = client.patch(f"{BASE}/materials/{material_id}", json.dumps({"copies": 2}),
                           content_type="application/json", **auth)
    assert changed.json()["copies"] == 2

    v2 = _post(client, f"{BASE}/items/{item_id}/publish", {}, auth).json()
    assert v2["number"] == 2 and v2["promised_limit_value"] == 3
    versions = client.get(f"{BASE}/items/{item_id}/versions", **auth).json()
    assert [(v["number"], v["status"]) for v in versions] == [(2, "published"), (1, "retired")]

    retired = _post(client, f"{BASE}/items/{item_id}/retire", {"reason": "取消"}, auth)
    assert retired.json()["status"] == "retired"
    listing = client.get(f"{BASE}/items", {"status": "retired"}, **auth).json()
    assert listing["count"] == 1
    assert AuditEntry.objects.filter(action="catalog.retire").count() == 1


def test_errors_have_the_standard_shape(client, admin, dept, elements) -> None:
    auth = bearer(admin.user)
    bad = _post(client, f"{BASE}/items",
                _payload(dept, {**elements, "promised_limit_value": 30}), auth)
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "item_invalid"
    assert body["fields"] == {"promised_limit_value": "承诺时限不能超过法定时限"}
    assert set(body) >= {"code", "message", "detail", "fields", "request_id"}

    typed = _post(client, f"{BASE}/items", _payload(dept, {**elements, "visits": "x"}), auth)
    assert typed.status_code == 422 and typed.json()["fields"] == {"visits": "应为整数"}

    item_id = _post(client, f"{BASE}/items", _payload(dept, elements), auth).json()["id"]
    dup = _post(client, f"{BASE}/items", _payload(dept, elements), auth)
    assert dup.status_code == 409 and dup.json()["code"] == "implementation_code_taken"
    retire = _post(client, f"{BASE}/items/{item_id}/retire", {}, auth)
    assert retire.status_code == 409 and retire.json()["code"] == "not_published"
    _post(client, f"{BASE}/items/{item_id}/publish", {}, auth)
    again = _post(client, f"{BASE}/items/{item_id}/publish", {}, auth)
    assert again.status_code == 409 and again.json()["code"] == "no_draft"
    missing = client.get(f"{BASE}/items/00000000-0000-0000-0000-000000000000", **auth)
    assert missing.status_code == 404


def test_permissions(client, admin, reviewer, clerk_a, dept, other_dept, elements) -> None:
    assert client.get(f"{BASE}/items").status_code == 401
    clerk = _post(client, f"{BASE}/items", _payload(dept, elements), bearer(clerk_a.user))
    assert clerk.status_code == 403 and clerk.json()["code"] == "catalog_permission_denied"
    own = _post(client, f"{BASE}/items", _payload(dept, elements), bearer(reviewer.user))
    assert own.status_code == 201
    foreign = _post(client, f"{BASE}/items", _payload(other_dept, elements, code="API-0002"),
                    bearer(reviewer.user))
    assert foreign.status_code == 403
    other_id = _post(client, f"{BASE}/items", _payload(other_dept, elements, code="API-0003"),
                     bearer(admin.user)).json()["id"]
    hidden = _post(client, f"{BASE}/items/{other_id}/publish", {}, bearer(reviewer.user))
    assert hidden.status_code == 404
    theme = client.put(f"{BASE}/themes/birth", json.dumps({"name": "出生", "person_kind":
                                                           "natural"}),
                       content_type="application/json", **bearer(reviewer.user))
    assert theme.status_code == 403
    ok = client.put(f"{BASE}/themes/birth", json.dumps({"name": "出生", "person_kind": "natural"}),
                    content_type="application/json", **bearer(admin.user))
    assert ok.status_code == 200 and ok.json()["item_count"] == 0
    assert client.get(f"{BASE}/items", **bearer(reviewer.user)).json()["count"] == 1


def test_import_and_export(client, admin, dept, elements) -> None:
    auth = bearer(admin.user)
    records = {"items": [{**elements, "implementation_code": "IMP-1", "department_code": dept.code,
                          "materials": MATERIALS}]}
    upload = SimpleUploadedFile("目录.json", json.dumps(records).encode(),
                                content_type="application/json")
    response = client.post(f"{BASE}/import", {"file": upload}, **auth)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "versioned": 0, "drafted": 0, "unchanged": 0}
    exported = client.get(f"{BASE}/export", {"format": "json"}, **auth)
    assert exported.status_code == 200
    assert exported["Content-Disposition"].startswith("attachment")
    assert [r["implementation_code"] for r in exported.json()["items"]] == ["IMP-1"]
    xlsx = client.get(f"{BASE}/export", {"format": "xlsx"}, **auth)
    assert xlsx.content[:2] == b"PK"
    again = client.post(f"{BASE}/import", {"file": SimpleUploadedFile(
        "目录.xlsx", xlsx.content)}, **auth)
    assert again.json()["unchanged"] == 1
    bad = client.post(f"{BASE}/import", {"file": SimpleUploadedFile(
        "x.json", json.dumps({"items": [{"implementation_code": "Z"}]}).encode())}, **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "import_invalid"
    assert {d["text"] for d in bad.json()["detail"]} >= {"第1条 '实施部门编码'：不能为空"}
    assert ServiceItem.objects.count() == 1
    assert client.get(f"{BASE}/export", {"format": "csv"}, **auth).status_code == 400
    assert io.BytesIO(xlsx.content).getbuffer().nbytes > 1000


def test_query_count_of_listing_is_bounded(client, admin, dept, elements,
                                           django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    auth = bearer(admin.user)
    for n in range(6):
        _post(client, f"{BASE}/items", _payload(dept, elements, code=f"Q-{n}"), auth)
    with django_assert_max_num_queries(12):
        body = client.get(f"{BASE}/items", **auth).json()
    assert body["count"] == 6 and all(row["draft"]["number"] == 1 for row in body["items"])


def test_arbitrary_element_values_never_cause_a_server_error(client, admin, dept,
                                                             elements) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from onewindow.catalog.rules import ELEMENT_DEFAULTS

    auth = bearer(admin.user)
    item_id = _post(client, f"{BASE}/items", _payload(dept, elements), auth).json()["id"]
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                        st.text(max_size=300), st.floats(allow_nan=False, allow_infinity=False))
    values = st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
            ["law", "article", "name", "standard", "q", "a", "reducible"]), inner, max_size=3)),
        max_leaves=6)
    payloads = st.dictionaries(st.sampled_from([*ELEMENT_DEFAULTS, "change_note"]), values,
                               max_size=4)

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(payload=payloads)
    def run(payload: dict) -> None:  # type: ignore[type-arg]
        response = client.patch(f"{BASE}/items/{item_id}/draft", json.dumps(payload),
                                content_type="application/json", **auth)
        assert response.status_code in (200, 400, 422), (payload, response.content)
        published = _post(client, f"{BASE}/items/{item_id}/publish", {}, auth)
        assert published.status_code in (200, 400, 409), (payload, published.content)

    run()


def test_lists_over_the_api(client, admin, reviewer, dept, other_dept, elements) -> None:
    auth = bearer(admin.user)
    item_id = _post(client, f"{BASE}/items", _payload(dept, elements), auth).json()["id"]
    _post(client, f"{BASE}/items/{item_id}/publish", {}, auth)
    power = client.put(f"{BASE}/items/{item_id}/power", json.dumps({}),
                       content_type="application/json", **auth)
    assert power.status_code == 200 and power.json()["power_type"] == "01"
    duty = _post(client, f"{BASE}/items/{item_id}/responsibilities", {"duty": "审查责任"}, auth)
    assert duty.status_code == 201 and duty.json()["published_at"] is None
    published = _post(client, f"{BASE}/departments/{dept.code}/lists/power/publish", {}, auth)
    assert published.status_code == 200 and published.json()["entry_count"] == 1
    bad_kind = _post(client, f"{BASE}/departments/{dept.code}/lists/other/publish", {}, auth)
    assert bad_kind.status_code == 400
    foreign = _post(client, f"{BASE}/departments/{other_dept.code}/lists/power/publish", {},
                    bearer(reviewer.user))
    assert foreign.status_code == 404
