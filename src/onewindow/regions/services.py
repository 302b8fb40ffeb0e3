"""Writes of the region tree: import from a division-code CSV, demo grids, synthetic geometry.

``regions_import_csv`` is idempotent: regions are matched on their code, so a second run
creates nothing and only renames what the file renames. It runs in one transaction: a file
that cannot be used leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, ValidationFailed

from . import geometry as geo
from .constants import AUDIT_PLACE_CHANGE, AUDIT_REGION_IMPORT, RegionLevel
from .models import Region
from .rules import (
    ParsedDistrict,
    RowProblem,
    csv_decode,
    csv_parse,
    district_code_normalise,
    grid_code,
    grid_count_for,
    grid_name,
)

SHARED_CSV = Path("regions") / "hierarchy_selected_districts.csv"
FIXTURE_CSV = Path(__file__).resolve().parent / "fixtures" / "panlong_530103_sample.csv"
_BBOX_FIELDS = ["min_lng", "min_lat", "max_lng", "max_lat"]


@dataclass
class RegionImportResult:
    district: Region
    source: str
    created: dict[str, int] = field(default_factory=dict)
    renamed: dict[str, int] = field(default_factory=dict)
    geometry_updated: int = 0
    geometry_note: str = ""
    problems: list[RowProblem] = field(default_factory=list)
    rows_read: int = 0
    rows_other_districts: int = 0

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.renamed.values())
                    or self.geometry_updated)


def region_csv_default() -> Path:
    """The shared hierarchy file when the shared data folder is there, else the shipped sample."""
    shared = Path(settings.SHARED_DATA_DIR) / SHARED_CSV
    return shared if shared.is_file() else FIXTURE_CSV


def _read_source(path: str | Path | None, file: IO[Any] | None) -> tuple[str, str]:
    if (path is None) == (file is None):
        raise ValidationFailed("请提供一个区划 CSV 文件", code="csv_required")
    if path is not None:
        source = Path(path)
        if not source.is_file():
            raise ValidationFailed(f"找不到文件：{source}", code="csv_not_found")
        return csv_decode(source.read_bytes()), source.name
    assert file is not None
    data = file.read()
    text = data if isinstance(data, str) else csv_decode(bytes(data))
    return text, str(getattr(file, "name", "") or "上传文件")


def regions_import_csv(
    *, path: str | Path | None = None, file: IO[Any] | None = None, district_code: str,
    actor: Any = None, strict: bool = False, grids: bool = True, geometry: bool = True,
) -> RegionImportResult:
    """Create or update one district's streets and communities from a hierarchy CSV.

    Unusable rows are skipped and reported in ``problems``; with ``strict`` any problem refuses
    the whole file. ``grids`` adds 2–4 generated grids per community (demo data); ``geometry``
    draws synthetic polygons when the district has no real boundary (see ``geometry``).
    """
    area_code = district_code_normalise(district_code)
    text, source = _read_source(path, file)
    parsed = csv_parse(text, area_code=area_code)
    if strict and parsed.problems:
        raise ValidationFailed(
            f"文件中有{len(parsed.problems)}行无法导入，未做任何修改",
            code="csv_rows_invalid", detail=[str(p) for p in parsed.problems[:50]],
        )
    if not parsed.streets:
        extra = f"；另有{len(parsed.problems)}行格式有误" if parsed.problems else ""
        raise ValidationFailed(f"文件中没有区县代码为 {area_code} 的有效记录{extra}",
                               code="csv_district_empty",
                               detail=[str(p) for p in parsed.problems[:50]])
    with transaction.atomic():
        result = _import(parsed, source=source, grids=grids)
        if strict and result.problems:
            raise ValidationFailed(
                f"有{len(result.problems)}条记录无法导入，未做任何修改", code="csv_rows_invalid",
                detail=[str(p) for p in result.problems[:50]])
        if geometry:
            result.geometry_updated, result.geometry_note = _geometry_refresh(result.district)
        if result.changed:
            audit_record(actor=actor, action=AUDIT_REGION_IMPORT, obj=result.district, summary={
                "source": source, "created": result.created, "renamed": result.renamed,
                "geometry_updated": result.geometry_updated, "problems": len(result.problems),
            })
            transaction.on_commit(_locate_cache_clear)
    return result


def _locate_cache_clear() -> None:
    from .selectors import region_locate_cache_clear

    region_locate_cache_clear()


class _Tree:
    """The regions of one district already in the database, by code, with pending writes."""

    def __init__(self, area_code: str) -> None:
        self.by_code = {r.code: r for r in Region.objects.filter(code__startswith=area_code)}
        self.now = timezone.now()
        self.renamed: list[Region] = []
        self.new: list[Region] = []

    def upsert(self, *, code: str, name: str, level: str, parent: Region | None,
               line: int, problems: list[RowProblem]) -> Region | None:
        region = self.by_code.get(code)
        if region is None:
            path = (parent.path if parent else "/") + code + "/"
            region = Region(code=code, name=name, level=level, parent=parent, path=path)
            self.new.append(region)
            return region
        if region.level != level or region.parent_id != (parent.id if parent else None):
            problems.append(RowProblem(line, f"区划 {code} 已存在于其他位置（{region.name}），已跳过"))
            return None
        if region.name != name:
            region.name = name
            region.updated_at = self.now
            self.renamed.append(region)
        return region

    def flush(self, level: str, created: dict[str, int], renamed: dict[str, int]) -> None:
        """Write the pending regions of one level; new ones get their primary keys back."""
        if self.new:
            Region.objects.bulk_create(self.new, batch_size=500)
            fresh = Region.objects.filter(code__in=[r.code for r in self.new])
            self.by_code.update({r.code: r for r in fresh})
        if self.renamed:
            Region.objects.bulk_update(self.renamed, ["name", "updated_at"], batch_size=500)
        created[level] = len(self.new)
        renamed[level] = len(self.renamed)
        self.new, self.renamed = [], []


def _import(parsed: ParsedDistrict, *, source: str, grids: bool) -> RegionImportResult:
    tree = _Tree(parsed.area_code)
    problems = list(parsed.problems)
    created: dict[str, int] = {}
    renamed: dict[str, int] = {}

    district = tree.upsert(code=parsed.code, name=parsed.name, level=RegionLevel.DISTRICT,
                           parent=None, line=0, problems=problems)
    if district is None:
        raise Conflict(f"区划代码 {parsed.code} 已被非区县级区划使用", code="region_code_conflict")
    tree.flush(RegionLevel.DISTRICT, created, renamed)
    district = tree.by_code[parsed.code]

    for street in parsed.streets.values():
        tree.upsert(code=street.code, name=street.name, level=RegionLevel.STREET,
                    parent=district, line=street.line, problems=problems)
    tree.flush(RegionLevel.STREET, created, renamed)

    communities: list[Region] = []
    old_names: dict[str, str] = {}
    for street in parsed.streets.values():
        parent = tree.by_code.get(street.code)
        if parent is None or parent.parent_id != district.id:
            continue
        for community in street.communities.values():
            old = tree.by_code.get(community.code)
            old_names[community.code] = old.name if old is not None else community.name
            region = tree.upsert(code=community.code, name=community.name,
                                 level=RegionLevel.COMMUNITY, parent=parent,
                                 line=community.line, problems=problems)
            if region is not None:
                communities.append(region)
    tree.flush(RegionLevel.COMMUNITY, created, renamed)

    if grids:
        for pending in communities:
            saved = tree.by_code[pending.code]
            old_name = old_names[saved.code]
            for number in range(1, grid_count_for(saved.code) + 1):
                code = grid_code(saved.code, number)
                existing = tree.by_code.get(code)
                # A grid renamed by hand keeps its name; generated names follow the community.
                name = (grid_name(saved.name, number)
                        if existing is None or existing.name == grid_name(old_name, number)
                        else existing.name)
                tree.upsert(code=code, name=name, level=RegionLevel.GRID, parent=saved,
                            line=0, problems=problems)
        tree.flush(RegionLevel.GRID, created, renamed)

    return RegionImportResult(
        district=district, source=source, created=created, renamed=renamed, problems=problems,
        rows_read=parsed.rows_read, rows_other_districts=parsed.rows_other_districts,
    )


def _geometry_refresh(district: Region) -> tuple[int, str]:
    """Draw synthetic polygons over the district's tree; returns (regions changed, note)."""
    area_code = district.code[:6]
    extent = geo.DISTRICT_EXTENTS.get(area_code)
    if extent is None:
        return 0, "未知该区县的大致范围，未生成示意边界"
    synthetic_outline = geo.bbox_polygon(extent)
    if district.geometry is not None and district.geometry != synthetic_outline:
        return 0, "该区已有真实边界，未覆盖"
    nodes = list(Region.objects.filter(path__startswith=district.path).order_by("code"))
    children: dict[int, list[Region]] = {}
    for node in nodes:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)

    now = timezone.now()
    changed: list[Region] = []

    def assign(region: Region, box: geo.BBox) -> None:
        polygon = geo.bbox_polygon(box)
        if region.geometry != polygon or [region.min_lng, region.min_lat, region.max_lng,
                                          region.max_lat] != list(box):
            region.geometry = polygon
            region.min_lng, region.min_lat, region.max_lng, region.max_lat = box
            region.updated_at = now
            changed.append(region)
        kids = children.get(region.id, [])
        for kid, cell in zip(kids, geo.tile(box, len(kids)), strict=True):
            assign(kid, cell)

    root = next(n for n in nodes if n.id == district.id)
    assign(root, extent)
    if changed:
        Region.objects.bulk_update(changed, ["geometry", *_BBOX_FIELDS, "updated_at"],
                                   batch_size=500)
    district.geometry = root.geometry
    return len(changed), "示意边界，非真实边界"


def regions_geometry_generate(*, district: Region, actor: Any = None) -> int:
    """Redraw the synthetic polygons of a district's tree; returns how many regions changed."""
    with transaction.atomic():
        count, note = _geometry_refresh(district)
        if count:
            audit_record(actor=actor, action=AUDIT_REGION_IMPORT, obj=district,
                         summary={"geometry_updated": count, "note": note})
            transaction.on_commit(_locate_cache_clear)
    return count


# --- Gazetteer (地名地址) ---------------------------------------------------------------------
@dataclass(frozen=True)
class PlaceIn:
    """A place as a caller knows it (see ``place_upsert``)."""

    source: str
    source_ref: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    region: Region | None = None
    lng: float | None = None
    lat: float | None = None


def _gazetteer_cache_clear() -> None:
    from .selectors import gazetteer_cache_clear

    gazetteer_cache_clear()


def _place_clean(data: PlaceIn) -> tuple[str, list[str], Region, float | None, float | None]:
    from .constants import PlaceKind
    from .rules import GAZETTEER_MAX_KEY, gazetteer_key, name_clean
    from .selectors import region_locate

    name = name_clean(data.name)
    if not 2 <= len(gazetteer_key(name)) <= GAZETTEER_MAX_KEY:
        msg = f"地名应为 2 至 {GAZETTEER_MAX_KEY} 个字"
        raise ValidationFailed(msg, code="place_name_invalid", fields={"name": msg})
    if data.kind not in PlaceKind.values:
        raise ValidationFailed("地名类型无效", code="place_kind_invalid", fields={"kind": "地名类型无效"})
    if not data.source or not data.source_ref:
        raise ValidationFailed("缺少地名来源", code="place_source_required")
    aliases = [a for a in dict.fromkeys(name_clean(x) for x in data.aliases)
               if a and a != name and 2 <= len(gazetteer_key(a)) <= GAZETTEER_MAX_KEY]
    lng, lat, region = data.lng, data.lat, data.region
    if (lng is None) != (lat is None):
        raise ValidationFailed("经度和纬度须同时填写", code="coordinates_incomplete")
    if lng is not None and lat is not None:
        problems = geo.coordinates_problem(lng, lat)
        if problems:
            raise ValidationFailed("坐标无效", code="coordinates_invalid", fields=problems)
        located = region_locate(lng=lng, lat=lat)
        if region is None or (located is not None and located.path.startswith(region.path)):
            region = located or region
    if region is None:
        msg = "请给出地点所在的区划或坐标（须在本平台区划范围内）"
        raise ValidationFailed(msg, code="place_region_required", fields={"region": msg})
    if lng is None and region.geometry:
        point = geo.representative_point(region.geometry)
        if point is not None:
            lng, lat = point
    return name, aliases, region, lng, lat


def place_upsert(*, actor: Any = None, place: PlaceIn) -> Any:
    """Create or update the place ``(source, source_ref)``: the way every module (the region
    tree, the demo, imports, the grid's houses) adds what it knows to the gazetteer.

    Without a region the point decides it (the deepest region containing it); without a point
    a region's representative point is used, so that every place can be shown on a map.
    """
    from .models import Place

    name, aliases, region, lng, lat = _place_clean(place)
    with transaction.atomic():
        row = Place.objects.select_for_update().filter(source=place.source, source_ref=place.source_ref).first()
        values = {"name": name, "kind": place.kind, "aliases": aliases, "region": region,
                  "region_path": region.path, "lng": lng, "lat": lat, "is_active": True}
        if row is None:
            row = Place.objects.create(source=place.source, source_ref=place.source_ref, **values)
            changed = True
        else:
            changed = _place_differs(row, values)
            if changed:
                for k, v in values.items():
                    setattr(row, k, v)
                row.save(update_fields=[*values, "updated_at"])
        if changed:
            audit_record(actor=actor, action=AUDIT_PLACE_CHANGE, obj=row, summary={
                "name": name, "kind": place.kind, "source": place.source, "region": region.code})
            transaction.on_commit(_gazetteer_cache_clear)
    return row


def places_upsert_many(*, actor: Any = None, places: list[PlaceIn], source: str) -> int:
    """Several places of one source in one transaction and one audit entry; returns how many
    were created or changed (a second run with the same data changes nothing)."""
    from .models import Place

    with transaction.atomic():
        existing = {p.source_ref: p for p in Place.objects.filter(source=source)}
        changed = 0
        for data in places:
            if data.source != source:
                raise ValidationFailed("地名来源不一致", code="place_source_mismatch")
            name, aliases, region, lng, lat = _place_clean(data)
            values = {"name": name, "kind": data.kind, "aliases": aliases, "region": region,
                      "region_path": region.path, "lng": lng, "lat": lat, "is_active": True}
            row = existing.get(data.source_ref)
            if row is None:
                Place.objects.create(source=source, source_ref=data.source_ref, **values)
                changed += 1
            elif _place_differs(row, values):
                for k, v in values.items():
                    setattr(row, k, v)
                row.save(update_fields=[*values, "updated_at"])
                changed += 1
        if changed:
            audit_record(actor=actor, action=AUDIT_PLACE_CHANGE, object_type="regions.place",
                         summary={"source": source, "changed": changed})
            transaction.on_commit(_gazetteer_cache_clear)
    return changed


def _place_differs(row: Any, values: dict[str, Any]) -> bool:
    return any((row.region_id != v.id) if k == "region" else getattr(row, k) != v for k, v in values.items())


def place_deactivate(*, actor: Any = None, source: str, source_ref: str) -> bool:
    """Take a place out of the gazetteer (kept for tickets that refer to it)."""
    from .models import Place

    with transaction.atomic():
        updated = Place.objects.filter(source=source, source_ref=source_ref, is_active=True).update(
            is_active=False, updated_at=timezone.now())
        if updated:
            audit_record(actor=actor, action=AUDIT_PLACE_CHANGE, object_type="regions.place",
                         summary={"source": source, "ref": source_ref, "deactivated": True})
            transaction.on_commit(_gazetteer_cache_clear)
    return bool(updated)


def gazetteer_sync_regions(*, district: Region, actor: Any = None) -> int:
    """The district, its streets, communities and grids as gazetteer places, under the names
    people use ("尚义社区", also "尚义社区居委会"); returns how many were created or changed."""
    from .constants import PLACE_SOURCE_REGIONS

    places: list[PlaceIn] = []
    for region in Region.objects.filter(path__startswith=district.path).order_by("path"):
        places.append(PlaceIn(source=PLACE_SOURCE_REGIONS, source_ref=region.code, name=region.name,
                              kind=str(region.level), region=region, aliases=_region_aliases(region)))
    return places_upsert_many(actor=actor, places=places, source=PLACE_SOURCE_REGIONS)


def _region_aliases(region: Region) -> tuple[str, ...]:
    name = region.name
    if region.level == RegionLevel.STREET:
        base = name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        return (f"{name}办事处", f"{base}街道办") if name.endswith("街道") else (f"{name}人民政府",)
    if region.level == RegionLevel.COMMUNITY:
        if name.endswith("社区"):
            return (f"{name}居委会", f"{name}居民委员会")
        if name.endswith("村"):
            return (f"{name}委会", f"{name}村民委员会")
    return ()
