"""Synthetic, deterministic polygons for a region tree (pure functions, no database).

No open data gives the boundaries of streets, communities and grids, so the demo draws them:
the district is a rectangle around its real location, and every region is cut into as many
cells as it has children, row by row from south-west to north-east. Children therefore tile
their parent exactly: shared edges use the very same (rounded) coordinates, so there are
neither gaps nor overlaps. Real boundaries, where a deployment has them, replace these.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

COORD_DECIMALS = 6


class BBox(NamedTuple):
    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float

    @property
    def width_km(self) -> float:
        mid_lat = math.radians((self.min_lat + self.max_lat) / 2)
        return (self.max_lng - self.min_lng) * 111.32 * math.cos(mid_lat)

    @property
    def height_km(self) -> float:
        return (self.max_lat - self.min_lat) * 110.57

    def contains_point(self, lng: float, lat: float) -> bool:
        return self.min_lng <= lng <= self.max_lng and self.min_lat <= lat <= self.max_lat


# Approximate extents (WGS-84) of the districts in the shared hierarchy file.
DISTRICT_EXTENTS: dict[str, BBox] = {
    "530103": BBox(102.70, 25.03, 102.95, 25.35),  # 昆明市盘龙区
    "530102": BBox(102.55, 25.03, 102.70, 25.30),  # 昆明市五华区
    "330102": BBox(120.14, 30.22, 120.22, 30.33),  # 杭州市上城区
    "440105": BBox(113.24, 23.05, 113.42, 23.12),  # 广州市海珠区
}


def _round(value: float) -> float:
    return round(value, COORD_DECIMALS)


def _cuts(low: float, high: float, parts: int) -> list[float]:
    """``parts + 1`` boundaries from low to high; the ends are exactly low and high."""
    inner = [_round(low + (high - low) * i / parts) for i in range(1, parts)]
    return [low, *inner, high]


def tile(bbox: BBox, count: int) -> list[BBox]:
    """Cut ``bbox`` into ``count`` rectangles that tile it, ordered south-west to north-east.

    Rows are chosen so that cells are roughly square on the ground; rows hold ``count // rows``
    or one more cell (the extra cells go to the northern rows).
    """
    if count < 1:
        return []
    width, height = max(bbox.width_km, 1e-9), max(bbox.height_km, 1e-9)
    rows = min(count, max(1, round(math.sqrt(count * height / width))))
    base, extra = divmod(count, rows)
    per_row = [base + (1 if r >= rows - extra else 0) for r in range(rows)]
    lat_cuts = _cuts(bbox.min_lat, bbox.max_lat, rows)
    cells: list[BBox] = []
    for r, in_row in enumerate(per_row):
        lng_cuts = _cuts(bbox.min_lng, bbox.max_lng, in_row)
        for c in range(in_row):
            cells.append(BBox(lng_cuts[c], lat_cuts[r], lng_cuts[c + 1], lat_cuts[r + 1]))
    return cells


def bbox_polygon(bbox: BBox) -> dict[str, Any]:
    """A closed, counter-clockwise GeoJSON Polygon for a rectangle."""
    w, s, e, n = bbox
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def geometry_bbox(geometry: dict[str, Any] | None) -> BBox | None:
    """The bounding box of a GeoJSON Polygon or MultiPolygon; None if there is none."""
    if not geometry:
        return None
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        rings = coords
    elif kind == "MultiPolygon":
        rings = [ring for polygon in coords for ring in polygon]
    else:
        return None
    points = [p for ring in rings for p in ring]
    if not points:
        return None
    lngs = [float(p[0]) for p in points]
    lats = [float(p[1]) for p in points]
    return BBox(min(lngs), min(lats), max(lngs), max(lats))


def coordinates_problem(lng: float, lat: float) -> dict[str, str]:
    """Per-field Chinese messages for an unusable WGS-84 point (empty when it is fine)."""
    problems: dict[str, str] = {}
    if not math.isfinite(lng) or not -180 <= lng <= 180:
        problems["lng"] = "经度应为 -180 到 180 之间的数字"
    if not math.isfinite(lat) or not -90 <= lat <= 90:
        problems["lat"] = "纬度应为 -90 到 90 之间的数字"
    return problems


def representative_point(geometry: dict[str, Any] | None) -> tuple[float, float] | None:
    """A point surely inside a (Multi)Polygon (its centre when that is inside), rounded."""
    if not geometry:
        return None
    from shapely.geometry import shape

    try:
        polygon = shape(geometry)
    except Exception:  # unusable GeoJSON has no point
        return None
    if polygon.is_empty:
        return None
    centre = polygon.centroid
    point = centre if polygon.covers(centre) else polygon.representative_point()
    return _round(point.x), _round(point.y)
