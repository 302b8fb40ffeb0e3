"""Synthetic polygons: children tile their parent exactly (pure functions)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from onewindow.regions.geometry import (
    DISTRICT_EXTENTS,
    BBox,
    bbox_polygon,
    coordinates_problem,
    geometry_bbox,
    tile,
)

PANLONG = DISTRICT_EXTENTS["530103"]


def _assert_tiles(parent: BBox, cells: list[BBox]) -> None:
    outer = shape(bbox_polygon(parent))
    polygons = [shape(bbox_polygon(c)) for c in cells]
    for polygon in polygons:
        assert polygon.is_valid and polygon.area > 0
        assert outer.covers(polygon)
    union = unary_union(polygons)
    assert math.isclose(union.area, outer.area, rel_tol=1e-9)
    assert math.isclose(sum(p.area for p in polygons), outer.area, rel_tol=1e-9)  # no overlap
    assert union.symmetric_difference(outer).area < outer.area * 1e-9  # no gap


def test_panlong_is_cut_into_twelve_streets_south_to_north() -> None:
    cells = tile(PANLONG, 12)
    assert len(cells) == 12
    _assert_tiles(PANLONG, cells)
    # First street (拓东) in the south-west, last (阿子营) in the north-east.
    assert cells[0].min_lng == PANLONG.min_lng and cells[0].min_lat == PANLONG.min_lat
    assert cells[-1].max_lng == PANLONG.max_lng and cells[-1].max_lat == PANLONG.max_lat


@settings(max_examples=60, deadline=None)
@given(
    lng=st.floats(70, 130), lat=st.floats(15, 50),
    width=st.floats(0.001, 0.5), height=st.floats(0.001, 0.5),
    count=st.integers(1, 40),
)
def test_tile_covers_the_parent_without_gaps_or_overlaps(
    lng: float, lat: float, width: float, height: float, count: int,
) -> None:
    parent = BBox(round(lng, 6), round(lat, 6), round(lng + width, 6), round(lat + height, 6))
    cells = tile(parent, count)
    assert len(cells) == count
    _assert_tiles(parent, cells)


def test_tile_of_nothing_is_empty() -> None:
    assert tile(PANLONG, 0) == []


def test_a_point_falls_in_exactly_one_interior_cell() -> None:
    cells = tile(PANLONG, 7)
    point = Point(102.8123, 25.1987)
    assert sum(shape(bbox_polygon(c)).contains(point) for c in cells) == 1


def test_geometry_bbox_of_polygons_and_multipolygons() -> None:
    assert geometry_bbox(bbox_polygon(PANLONG)) == PANLONG
    multi = {"type": "MultiPolygon", "coordinates": [
        bbox_polygon(BBox(1, 2, 3, 4))["coordinates"], bbox_polygon(BBox(5, 0, 6, 1))["coordinates"],
    ]}
    assert geometry_bbox(multi) == BBox(1, 0, 6, 4)
    assert geometry_bbox(None) is None
    assert geometry_bbox({"type": "Point", "coordinates": [1, 2]}) is None


def test_coordinates_problem_names_the_bad_field() -> None:
    assert coordinates_problem(102.7, 25.0) == {}
    assert set(coordinates_problem(181, 25)) == {"lng"}
    assert set(coordinates_problem(102.7, -91)) == {"lat"}
    assert set(coordinates_problem(math.nan, math.inf)) == {"lng", "lat"}
    assert "纬度" in coordinates_problem(0, 100)["lat"]
