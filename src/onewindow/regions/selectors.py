"""Reads of the region tree."""

from __future__ import annotations

import logging
import sys
import threading
import time
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
                parent_code: str | None = None, under_path: str | None = None) -> QuerySet[Region]:
    """Regions by code; ``under_path`` keeps those whose path starts with it (a scope's subtree)."""
    qs = Region.objects.all()
    if level:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if under_path is not None:
        qs = qs.filter(path__startswith=under_path)
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
    region_rows_cache_clear()


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


# The regions' rows (bounding boxes and versions, no shapes) are kept per process too, so that
# locating a point (every ticket and grid report with coordinates) reads no region row. A
# process compares the table's stamp (newest updated_at, row count) at most every
# REGION_ROWS_SECONDS and re-reads the rows when it changed; past REGION_ROWS_MAX regions it
# keeps asking the database for the candidates of each point instead.
REGION_ROWS_SECONDS = 0.0 if "pytest" in sys.modules else 5.0
REGION_ROWS_MAX = 20_000
_ROWS: dict[str, Any] = {"stamp": None, "rows": None, "checked_at": 0.0}
_ROWS_LOCK = threading.Lock()


def _region_rows() -> list[Region] | None:
    """Every region with a bounding box (cached), or None when the cache is off or too large."""
    if REGION_ROWS_SECONDS <= 0:
        return None
    now = time.monotonic()
    if _ROWS["stamp"] is not None and now - _ROWS["checked_at"] < REGION_ROWS_SECONDS:
        return _ROWS["rows"]  # type: ignore[no-any-return]
    from django.db.models import Count, Max

    figures = Region.objects.aggregate(newest=Max("updated_at"), rows=Count("id"))
    stamp = (figures["newest"], figures["rows"])
    with _ROWS_LOCK:
        if stamp != _ROWS["stamp"]:
            rows = None
            if stamp[1] <= REGION_ROWS_MAX:
                rows = list(Region.objects.filter(min_lng__isnull=False, max_lng__isnull=False,
                                                  min_lat__isnull=False, max_lat__isnull=False)
                            .only(*_LOCATE_FIELDS).order_by())
            _ROWS["rows"], _ROWS["stamp"] = rows, stamp
        _ROWS["checked_at"] = now
        return _ROWS["rows"]  # type: ignore[no-any-return]


def region_rows_cache_clear() -> None:
    with _ROWS_LOCK:
        _ROWS.update(stamp=None, rows=None, checked_at=0.0)


def _containing(lng: float, lat: float) -> list[Region]:
    """Regions whose polygon covers the point, deepest level first, then by code."""
    from shapely.geometry import Point

    _check_point(lng, lat)
    rows = _region_rows()
    if rows is not None:
        candidates = [r for r in rows  # the cached rows all have a bounding box
                      if r.min_lng <= lng <= r.max_lng and r.min_lat <= lat <= r.max_lat]  # type: ignore[operator]
    else:
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
        by_code.update({r.code: r for r in Region.objects.filter(code__in=missing).defer("geometry")})
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


# --- Gazetteer ------------------------------------------------------------------------------
# The names of all active places, by matching key, kept per process; one cheap aggregate per
# lookup tells whether any place changed since (then the index is rebuilt: ~10 ms per thousand
# places), so every process sees a change made in another one at its next lookup.

_GAZETTEER: dict[str, Any] = {"version": None, "index": {}, "checked_at": 0.0}
_GAZETTEER_LOCK = threading.Lock()
# A running process looks for changed places at most this often (tests: on every lookup).
GAZETTEER_CHECK_SECONDS = 0.0 if "pytest" in sys.modules else 5.0


@dataclass(frozen=True)
class AddressResolution:
    """Where a free-text address is: the place it names (if one), the region, and a point."""

    place_id: int | None
    place_name: str
    place_kind: str
    region: Region | None
    chain: RegionChain
    lng: float | None
    lat: float | None
    matched: str
    ambiguous: bool = False

    @property
    def label(self) -> str:
        """"拓东街道 尚义社区 · 银海畅园": the street and community, then the place itself."""
        parts = [r.name for r in (self.chain.street, self.chain.community) if r]
        if self.chain.grid is not None and self.place_kind == "grid":
            parts.append(self.chain.grid.name)
        head = " ".join(parts)
        own = self.place_name if self.place_name and self.place_name not in parts else ""
        return f"{head} · {own}" if head and own else head or own


def gazetteer_cache_clear() -> None:
    with _GAZETTEER_LOCK:
        _GAZETTEER["version"] = None
        _GAZETTEER["index"] = {}
        _GAZETTEER["checked_at"] = 0.0


def _gazetteer_version() -> tuple[Any, ...]:
    from django.db.models import Count, Max

    from .models import Place

    row = Place.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    return (row["n"], row["at"])


def gazetteer_index() -> dict[str, list[Any]]:
    """Matching key → GazetteerEntry list of every active place (names and aliases)."""
    from .models import Place
    from .rules import GazetteerEntry, gazetteer_key

    now = time.monotonic()
    if _GAZETTEER["version"] is not None and now - _GAZETTEER["checked_at"] < GAZETTEER_CHECK_SECONDS:
        return _GAZETTEER["index"]  # type: ignore[no-any-return]
    version = _gazetteer_version()
    if _GAZETTEER["version"] == version:
        _GAZETTEER["checked_at"] = now
        return _GAZETTEER["index"]  # type: ignore[no-any-return]
    index: dict[str, list[GazetteerEntry]] = {}
    rows = Place.objects.filter(is_active=True).values_list(
        "id", "name", "kind", "aliases", "region_id", "region_path", "lng", "lat")
    for pk, name, kind, aliases, region_id, region_path, lng, lat in rows:
        entry = GazetteerEntry(place_id=pk, name=name, kind=kind, region_id=region_id,
                               region_path=region_path, lng=lng, lat=lat)
        for key in {gazetteer_key(x) for x in [name, *(aliases or [])]}:
            if len(key) >= 2:
                index.setdefault(key, []).append(entry)
    with _GAZETTEER_LOCK:
        _GAZETTEER["version"] = version
        _GAZETTEER["index"] = index
        _GAZETTEER["checked_at"] = now
    return index


def _chain_of(path: str) -> tuple[Region | None, RegionChain]:
    """A region and its ancestors from its path, in one query."""
    codes = [c for c in path.split(PATH_SEPARATOR) if c]
    if not codes:
        return None, RegionChain()
    known = list(Region.objects.filter(code__in=codes).defer("geometry"))
    region = next((r for r in known if r.code == codes[-1]), None)
    return region, (region_chain(region=region, known=known) if region is not None else RegionChain())


def address_resolve(*, text: str, index: dict[str, list[Any]] | None = None) -> AddressResolution | None:
    """The place and region a free-text address names ("盘龙区拓东街道尚义社区白塔路12号" →
    尚义社区, its point and its street), by the gazetteer; None when it names no known place.

    An ambiguous text (two places of one name, nothing else to tell them apart) resolves to the
    region they share, without a place or a point. ``index`` lets a caller resolving several
    texts read the gazetteer once.
    """
    from .rules import gazetteer_match

    index = gazetteer_index() if index is None else index
    found = gazetteer_match((text or "")[:500], index) if index else None
    if found is None:
        return None
    region, chain = _chain_of(found.region_path)
    if region is None:
        return None
    entry = found.entry
    if entry is None:
        return AddressResolution(place_id=None, place_name="", place_kind="", region=region, chain=chain,
                                 lng=None, lat=None, matched=found.matched, ambiguous=True)
    return AddressResolution(place_id=entry.place_id, place_name=entry.name, place_kind=entry.kind,
                             region=region, chain=chain, lng=entry.lng, lat=entry.lat, matched=found.matched)


def place_list(*, region: Region | None = None, q: str = "", limit: int = 50) -> QuerySet[Any]:
    """Active places (of a region and below), by name or alias text."""
    from .models import Place

    qs = Place.objects.filter(is_active=True).select_related("region")
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return qs.order_by("region_path", "name")[:limit]


def regions_geojson(*, root: Region, levels: tuple[str, ...] = ("street", "community", "grid")) -> dict[str, Any]:
    """The polygons of a region's subtree as a GeoJSON FeatureCollection (for maps)."""
    rows = (Region.objects.filter(path__startswith=root.path, level__in=levels, geometry__isnull=False)
            .order_by("path").values_list("code", "name", "level", "path", "geometry"))
    features = [{"type": "Feature", "geometry": geometry,
                 "properties": {"code": code, "name": name, "level": level,
                                "parent": [c for c in path.split(PATH_SEPARATOR) if c][-2:-1][0]
                                if path.count(PATH_SEPARATOR) > 2 else None}}
                for code, name, level, path, geometry in rows]
    return {"type": "FeatureCollection", "features": features}


def region_locate_warm(*, limit: int = 5000) -> int:
    """Parse and prepare the polygons point lookups use (at a worker's start); returns how many."""
    candidates = list(Region.objects.filter(min_lng__isnull=False).only(*_LOCATE_FIELDS)[:limit])
    return len(_prepared_for(candidates))
