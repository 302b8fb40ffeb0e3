"""The gazetteer: places from the region tree and from other sources, and free-text addresses
resolved against them."""

from __future__ import annotations

import pytest

from onewindow.core.errors import ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.regions import selectors, services
from onewindow.regions.constants import PlaceKind
from onewindow.regions.models import Place
from onewindow.regions.services import PlaceIn

# --- Database ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_region_tree_becomes_places_once(district):
    made = services.gazetteer_sync_regions(district=district.district)
    assert made == 7
    assert services.gazetteer_sync_regions(district=district.district) == 0
    community = Place.objects.get(source="regions", source_ref=district.community_a1.code)
    assert community.kind == PlaceKind.COMMUNITY and "拓东社区居委会" in community.aliases
    # a point inside the community's polygon
    assert 102.70 < community.lng < 102.725 and 25.0 < community.lat < 25.025
    assert AuditEntry.objects.filter(action="region.place").count() == 1


@pytest.mark.django_db
def test_other_modules_add_places_and_the_point_decides_the_region(district):
    services.gazetteer_sync_regions(district=district.district)
    place = services.place_upsert(place=PlaceIn(
        source="grid.house", source_ref="H-1", name="金碧苑", kind=PlaceKind.RESIDENCE,
        aliases=("金碧苑小区", "金碧苑"), lng=102.705, lat=25.005))
    assert place.region == district.grid_a1 and place.aliases == ["金碧苑小区"]
    again = services.place_upsert(place=PlaceIn(
        source="grid.house", source_ref="H-1", name="金碧苑", kind=PlaceKind.RESIDENCE,
        aliases=("金碧苑小区",), lng=102.705, lat=25.005))
    assert again.pk == place.pk and Place.objects.filter(source="grid.house").count() == 1
    found = selectors.address_resolve(text="盘龙区金碧苑小区2栋")
    assert found.place_id == place.pk and found.region == district.grid_a1
    assert (found.lng, found.lat) == (102.705, 25.005)
    assert found.chain.street == district.street_a and found.chain.community == district.community_a1
    assert found.label == "拓东街道 拓东社区 · 金碧苑"
    assert services.place_deactivate(source="grid.house", source_ref="H-1")
    assert selectors.address_resolve(text="金碧苑小区2栋") is None


@pytest.mark.django_db
def test_address_resolution_without_a_place(district):
    services.gazetteer_sync_regions(district=district.district)
    found = selectors.address_resolve(text="云南省昆明市盘龙区鼓楼街道鼓楼社区某路3号")
    assert found.region == district.community_b1 and found.place_name == "鼓楼社区"
    assert found.label == "鼓楼街道 鼓楼社区"
    assert selectors.address_resolve(text="北京市朝阳区") is None


@pytest.mark.django_db
@pytest.mark.parametrize(("place", "code"), [
    (PlaceIn(source="t", source_ref="1", name="x", kind="residence", lng=102.71, lat=25.01), "place_name_invalid"),
    (PlaceIn(source="t", source_ref="1", name="某小区", kind="castle", lng=102.71, lat=25.01), "place_kind_invalid"),
    (PlaceIn(source="t", source_ref="1", name="某小区", kind="residence"), "place_region_required"),
    (PlaceIn(source="t", source_ref="1", name="某小区", kind="residence", lng=102.71), "coordinates_incomplete"),
    (PlaceIn(source="t", source_ref="1", name="某小区", kind="residence", lng=500, lat=25), "coordinates_invalid"),
])
def test_places_are_checked(district, place, code):
    with pytest.raises(ValidationFailed) as caught:
        services.place_upsert(place=place)
    assert caught.value.code == code


@pytest.mark.django_db
def test_region_polygons_as_geojson(district):
    data = selectors.regions_geojson(root=district.district)
    names = [f["properties"]["name"] for f in data["features"]]
    assert data["type"] == "FeatureCollection" and names[0] == "拓东街道" and "拓东社区第1网格" in names
    grid = next(f for f in data["features"] if f["properties"]["level"] == "grid")
    assert grid["properties"]["parent"] == district.community_a1.code


@pytest.mark.django_db
def test_geojson_and_resolve_api(client, district):
    services.gazetteer_sync_regions(district=district.district)
    data = client.get("/api/v1/regions/geojson", {"root": district.district.code, "levels": "street"}).json()
    assert [f["properties"]["name"] for f in data["features"]] == ["拓东街道", "鼓楼街道"]
    body = client.post("/api/v1/regions/resolve", {"address": "盘龙区拓东街道金碧社区12号"},
                       content_type="application/json").json()
    assert body["community"]["name"] == "金碧社区" and body["street"]["name"] == "拓东街道"
    assert body["label"] == "拓东街道 金碧社区" and body["lng"] is not None
    missing = client.post("/api/v1/regions/resolve", {"address": "火星"}, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["code"] == "address_not_resolved"


@pytest.mark.django_db
def test_demo_gazetteer_is_loaded_once_and_resolves_demo_addresses(settings, tmp_path):
    from onewindow.regions.demo import regions_demo_load

    settings.SHARED_DATA_DIR = tmp_path / "nowhere"  # the shipped sample: 12 streets, 15 communities
    first = regions_demo_load()
    assert first["地名地址"] >= 12 + 15 + 30 and first["本次新增或更新地名"] == first["地名地址"]
    assert regions_demo_load()["本次新增或更新地名"] == 0
    found = selectors.address_resolve(text="昆明市盘龙区银海畅园小区3栋门口")
    assert found.place_name == "银海畅园" and found.chain.community.name == "尚义社区"
    assert found.chain.grid is not None  # its point lies in one of the community's grids
    road = selectors.address_resolve(text="白塔路88号")
    assert road.place_kind == "road" and road.chain.street.name == "拓东街道" and road.chain.community is None
