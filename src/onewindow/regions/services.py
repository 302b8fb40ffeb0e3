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
from .constants import AUDIT_REGION_IMPORT, RegionLevel
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
