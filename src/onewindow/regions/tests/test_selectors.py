"""Reads of the region tree and point location."""

from __future__ import annotations

import pytest

from conftest import District
from onewindow.core.errors import ValidationFailed
from onewindow.regions.constants import RegionLevel
from onewindow.regions.selectors import (
    region_ancestors,
    region_chain,
    region_chain_at,
    region_locate,
    region_locate_cache_clear,
    region_subtree,
)
from onewindow.regions.tests.factories import region_make, square


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    region_locate_cache_clear()


def test_locate_returns_the_deepest_region(district: District) -> None:
    assert region_locate(lng=102.705, lat=25.005) == district.grid_a1
    assert region_locate(lng=102.72, lat=25.02) == district.community_a1  # a1 has one grid only
    assert region_locate(lng=102.74, lat=25.01) == district.community_a2
    assert region_locate(lng=102.78, lat=25.03) == district.community_b1
    assert region_locate(lng=102.74, lat=25.04) == district.street_a  # no community there
    assert region_locate(lng=102.72, lat=25.07) == district.district  # no street there


def test_locate_outside_every_region_is_none(district: District) -> None:
    assert region_locate(lng=116.4, lat=39.9) is None
    assert region_locate(lng=102.69, lat=25.01) is None  # inside no bbox


def test_locate_on_a_shared_edge_picks_the_smaller_code(district: District) -> None:
    assert region_locate(lng=102.75, lat=25.01) == district.community_a2  # a2|b1 edge
    chain = region_chain_at(lng=102.75, lat=25.01)
    assert chain.street == district.street_a


@pytest.mark.parametrize(("lng", "lat", "field"), [
    (200.0, 25.0, "lng"), (102.7, 95.0, "lat"), (float("nan"), 25.0, "lng"),
    (102.7, float("inf"), "lat"),
])
def test_locate_rejects_impossible_coordinates(lng: float, lat: float, field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        region_locate(lng=lng, lat=lat)
    assert exc.value.code == "coordinates_invalid"
    assert field in exc.value.fields
    assert exc.value.message.startswith("坐标无效")


def test_chain_at_gives_every_level(district: District) -> None:
    chain = region_chain_at(lng=102.705, lat=25.005)
    assert (chain.district, chain.street, chain.community, chain.grid) == (
        district.district, district.street_a, district.community_a1, district.grid_a1)
    assert chain.deepest == district.grid_a1
    assert chain.as_list() == [district.district, district.street_a, district.community_a1,
                               district.grid_a1]
    assert region_chain_at(lng=0.0, lat=0.0).as_list() == []
    partial = region_chain_at(lng=102.78, lat=25.03)
    assert partial.grid is None and partial.community == district.community_b1


def test_chain_of_a_region_fetches_missing_ancestors(district: District) -> None:
    chain = region_chain(region=district.grid_a1)
    assert chain.street == district.street_a and chain.district == district.district


def test_prepared_polygons_are_cached_and_follow_changes(
    district: District, django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    with django_assert_num_queries(2):  # candidates + their polygons
        assert region_locate(lng=102.705, lat=25.005) == district.grid_a1
    with django_assert_num_queries(1):  # candidates only: polygons come from the cache
        assert region_locate(lng=102.706, lat=25.006) == district.grid_a1
    # Another process moves the grid: its row changes, so the next lookup re-reads it alone.
    grid = district.grid_a1
    grid.geometry = square(102.7125, 25.0, 0.0125)
    grid.min_lng, grid.max_lng = 102.7125, 102.725
    grid.save()
    with django_assert_num_queries(1):  # the grid is no longer a candidate here
        assert region_locate(lng=102.705, lat=25.005) == district.community_a1
    with django_assert_num_queries(2):  # its new polygon is read once
        assert region_locate(lng=102.72, lat=25.005) == grid


def test_unusable_geometry_is_ignored(district: District) -> None:
    broken = region_make("530103001001009", "坏网格", RegionLevel.GRID, district.community_a1,
                         square(102.70, 25.00, 0.01))
    type(broken).objects.filter(id=broken.id).update(geometry={"type": "Polygon",
                                                               "coordinates": [[[1]]]})
    assert region_locate(lng=102.705, lat=25.005) == district.grid_a1


def test_tree_reads(district: District) -> None:
    assert list(region_subtree(root=district.street_a, level=RegionLevel.COMMUNITY)) == [
        district.community_a1, district.community_a2]
    assert region_ancestors(region=district.grid_a1) == [
        district.district, district.street_a, district.community_a1, district.grid_a1]


def test_region_rows_are_cached_per_process_and_follow_changes(
    district: District, monkeypatch, django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    """With the running process's interval, locating a point reads no region row; a change
    (newest updated_at, row count) is seen at the next check."""
    from onewindow.regions import selectors

    monkeypatch.setattr(selectors, "REGION_ROWS_SECONDS", 3600.0)
    with django_assert_num_queries(3):  # the table's stamp, the rows, the candidates' polygons
        assert region_locate(lng=102.705, lat=25.005) == district.grid_a1
    with django_assert_num_queries(0):
        assert region_locate(lng=102.706, lat=25.006) == district.grid_a1
        assert region_locate(lng=116.4, lat=39.9) is None
    with django_assert_num_queries(1):  # only the polygons not parsed yet
        assert region_locate(lng=102.74, lat=25.01) == district.community_a2
    grid = district.grid_a1
    grid.geometry = square(102.7125, 25.0, 0.0125)
    grid.min_lng, grid.max_lng = 102.7125, 102.725
    grid.save()
    assert region_locate(lng=102.705, lat=25.005) == district.grid_a1  # within the interval
    selectors._ROWS["checked_at"] -= 7200.0  # the interval has passed
    with django_assert_num_queries(2):  # the stamp changed: the rows again (the polygon: cached)
        assert region_locate(lng=102.705, lat=25.005) == district.community_a1
    with django_assert_num_queries(1):  # the grid's new polygon, once
        assert region_locate(lng=102.72, lat=25.005) == grid
    monkeypatch.setattr(selectors, "REGION_ROWS_MAX", 2)  # too many regions to keep: ask each time
    region_locate_cache_clear()
    region_locate(lng=102.705, lat=25.005)
    with django_assert_num_queries(1):  # the candidates (their polygons: cached)
        assert region_locate(lng=102.705, lat=25.005) == district.community_a1
