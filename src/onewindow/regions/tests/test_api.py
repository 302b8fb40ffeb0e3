"""/api/v1/regions: list, detail and point location (public)."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import District

API = "/api/v1/regions"


def test_list_by_level_and_parent(client: Client, district: District,
                                  django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(3):
        response = client.get(API, {"level": "community"})
    assert response.status_code == 200
    rows = response.json()
    assert [r["code"] for r in rows] == ["530103001001", "530103001002", "530103002001"]
    assert rows[0] == {"code": "530103001001", "name": "拓东社区", "level": "community",
                       "parent_code": "530103001000", "has_geometry": True}
    children = client.get(API, {"parent": "530103001000"}).json()
    assert [r["name"] for r in children] == ["拓东社区", "金碧社区"]


def test_detail_with_path_children_and_geometry(client: Client, district: District) -> None:
    body = client.get(f"{API}/530103001000").json()
    assert body["path"] == ["530103000000", "530103001000"]
    assert [c["code"] for c in body["children"]] == ["530103001001", "530103001002"]
    assert body["geometry"]["type"] == "Polygon"
    missing = client.get(f"{API}/999999999999")
    assert missing.status_code == 404 and missing.json()["code"] == "region_not_found"


def test_locate_returns_the_chain(client: Client, district: District) -> None:
    response = client.get(f"{API}/locate", {"lng": "102.705", "lat": "25.005"})
    assert response.status_code == 200
    body = response.json()
    assert body["region"]["code"] == "530103001001001"
    assert [r["code"] for r in body["chain"]] == [
        "530103000000", "530103001000", "530103001001", "530103001001001"]
    assert body["street"]["name"] == "拓东街道"
    assert body["community"]["name"] == "拓东社区"
    assert body["grid"]["level"] == "grid"
    assert (body["lng"], body["lat"]) == (102.705, 25.005)

    partial = client.get(f"{API}/locate", {"lng": 102.78, "lat": 25.03}).json()
    assert partial["region"]["code"] == "530103002001" and partial["grid"] is None


def test_locate_outside_the_district_is_404(client: Client, district: District) -> None:
    response = client.get(f"{API}/locate", {"lng": 116.39, "lat": 39.91})
    assert response.status_code == 404
    assert response.json()["code"] == "region_not_located"
    assert "不在" in response.json()["message"]


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"lng": 181, "lat": 25.0}, 400, "lng"),
    ({"lng": 102.7, "lat": -90.5}, 400, "lat"),
    ({"lng": "nan", "lat": 25.0}, 400, "lng"),
    ({"lng": "东经102度", "lat": 25.0}, 422, "lng"),
    ({"lat": 25.0}, 422, "lng"),
])
def test_locate_bad_coordinates_get_a_chinese_4xx(client: Client, district: District,
                                                  params: dict, status: int, field: str) -> None:
    response = client.get(f"{API}/locate", params)
    assert response.status_code == status
    body = response.json()
    assert field in body["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    assert body["request_id"]
