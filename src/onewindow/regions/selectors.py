"""Reads of the region tree."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from onewindow.core.errors import NotFound, ValidationFailed

from .constants import LEVEL_DEPTH, PATH_SEPARATOR, RegionLevel
from .geometry import coordinates_problem
from .models import Region

logger = logging.getLogger(__name__)


def region_get_by_code(*, code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def region_get(*, code: str) -> Region:
    region = region_get_by_code(code=code)
    if region is None:
        raise NotFound("找不到该区划", code="region_not_found")
    return region


def region_children(*, region: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent=region).order_by("code")


def region_subtree(*, root: Region, level: RegionLevel | str | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(path__startswith=root.path)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("path")


def region_ancestors(*, region: Region) -> list[Region]:
    codes = [c for c in region.path.split("/") if c]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def region_list(*, level: RegionLevel | str | None = None,
                parent_code: str | None = None) -> QuerySet[Region]:
    qs = Region.objects.all()
    if level:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    return qs.order_by("code")


# --- Point location -----------------------------------------------------------------------
# Parsed, prepared polygons are kept per process, keyed by region id together with a version
# (updated_at and bounding box) read from the same row as the candidate itself. A region whose
# row changed is therefore re-parsed on its next use, in every process, without reloading the
# other polygons; regions that were deleted simply stop being candidates.

_PREPARED: dict[int, tuple[tuple[Any, ...], Any]] = {}
_PREPARED_LOCK = threading.Lock()
_PREPARED_MAX = 20_000
_LOCATE_FIELDS = ("id", "code", "name", "level", "parent_id", "path", "updated_at",
                  "min_lng", "min_lat", "max_lng", "max_lat")


@dataclass(frozen=True)
class RegionChain:
    """The regions containing a point, from the district down (None where there is none)."""

    district: Region | None = None
    street: Region | None = None
    community: Region | None = None
    grid: Region | None = None

    @property
    def deepest(self) -> Region | None:
        return self.grid or self.community or self.street or self.district

    def as_list(self) -> list[Region]:
        return [r for r in (self.district, self.street, self.community, self.grid) if r]


def region_locate_cache_clear() -> None:
    with _PREPARED_LOCK:
        _PREPARED.clear()


def _version(region: Region) -> tuple[Any, ...]:
    return (region.updated_at, region.min_lng, region.min_lat, region.max_lng, region.max_lat)


def _prepared_for(candidates: list[Region]) -> dict[int, Any]:
    """Prepared shapely geometries of the candidates, parsing only those not cached."""
    from shapely.geometry import shape
    from shapely.prepared import prep

    found: dict[int, Any] = {}
    stale: dict[int, tuple[Any, ...]] = {}
    for region in candidates:
        cached = _PREPARED.get(region.id)
        if cached is not None and cached[0] == _version(region):
            found[region.id] = cached[1]
        else:
            stale[region.id] = _version(region)
    if stale:
        rows = Region.objects.filter(id__in=list(stale)).values_list("id", "geometry")
        fresh: dict[int, Any] = {}
        for region_id, geometry in rows:
            try:
                fresh[region_id] = prep(shape(geometry)) if geometry else None
            except Exception:  # unusable GeoJSON must not break location for everyone
                logger.warning("region %s has an unusable geometry", region_id)
                fresh[region_id] = None
        with _PREPARED_LOCK:
            if len(_PREPARED) + len(fresh) > _PREPARED_MAX:
                _PREPARED.clear()
            for region_id, prepared in fresh.items():
                _PREPARED[region_id] = (stale[region_id], prepared)
        found.update(fresh)
    return found


def _check_point(lng: float, lat: float) -> None:
    problems = coordinates_problem(lng, lat)
    if problems:
        raise ValidationFailed("坐标无效：" + "；".join(problems.values()),
                               code="coordinates_invalid", fields=problems)


def _containing(lng: float, lat: float) -> list[Region]:
    """Regions whose polygon covers the point, deepest level first, then by code."""
    from shapely.geometry import Point

    _check_point(lng, lat)
    candidates = list(
        Region.objects.filter(min_lng__lte=lng, max_lng__gte=lng,
                              min_lat__lte=lat, max_lat__gte=lat)
        .only(*_LOCATE_FIELDS)
    )
    if not candidates:
        return []
    prepared = _prepared_for(candidates)
    point = Point(lng, lat)
    hits = [r for r in candidates if prepared.get(r.id) is not None and prepared[r.id].covers(point)]
    depth: dict[str, int] = {str(level): d for level, d in LEVEL_DEPTH.items()}
    hits.sort(key=lambda r: (-depth.get(r.level, 0), r.code))
    return hits


def region_locate(*, lng: float, lat: float) -> Region | None:
    """The deepest region (a grid where there is one) whose polygon contains the point.

    A point on the shared edge of two regions belongs to the one with the smaller code.
    Raises ValidationFailed for coordinates that are not a WGS-84 point.
    """
    hits = _containing(lng, lat)
    return hits[0] if hits else None


def region_chain(*, region: Region, known: list[Region] | None = None) -> RegionChain:
    """District, street, community and grid of a region (itself included)."""
    codes = [c for c in region.path.split(PATH_SEPARATOR) if c]
    by_code = {r.code: r for r in known or []}
    by_code[region.code] = region
    missing = [c for c in codes if c not in by_code]
    if missing:
        by_code.update({r.code: r for r in Region.objects.filter(code__in=missing)})
    levels = {str(by_code[c].level): by_code[c] for c in codes if c in by_code}
    return RegionChain(
        district=levels.get(RegionLevel.DISTRICT), street=levels.get(RegionLevel.STREET),
        community=levels.get(RegionLevel.COMMUNITY), grid=levels.get(RegionLevel.GRID),
    )


def region_chain_at(*, lng: float, lat: float) -> RegionChain:
    """District, street, community and grid containing a point (empty chain when outside)."""
    hits = _containing(lng, lat)
    if not hits:
        return RegionChain()
    return region_chain(region=hits[0], known=hits)
