"""The region loader: idempotent, atomic, tolerant of bad rows, draws tiling polygons."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from onewindow.core.errors import ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.regions.constants import RegionLevel
from onewindow.regions.demo import regions_demo_load
from onewindow.regions.geometry import DISTRICT_EXTENTS, bbox_polygon
from onewindow.regions.models import Region
from onewindow.regions.rules import grid_count_for
from onewindow.regions.services import (
    FIXTURE_CSV,
    region_csv_default,
    regions_geometry_generate,
    regions_import_csv,
)
from onewindow.regions.tests.factories import region_make, square

HEADER = "cityCode,cityName,areaCode,areaName,streetCode,streetName,villageCode,villageName\n"
GOOD = (
    "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001001,尚义社区居委会\n"
    "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001002,明通巷社区居委会\n"
    "5301,昆明市,530103,盘龙区,530103002,鼓楼街道,530103002001,桃源社区居委会\n"
    "5301,昆明市,530102,五华区,530102001,华山街道,530102001001,翠湖社区居民委员会\n"
)
BAD = (
    "5301,昆明市,530103,盘龙区,530103002,鼓楼街道,530103009001\n"
    "5301,昆明市,530103,盘龙区,5301030XX,鼓楼街道,530103002002,灵光社区居委会\n"
)


def _write(tmp_path: Path, text: str, name: str = "tiny.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _counts() -> dict[str, int]:
    return {level: Region.objects.filter(level=level).count() for level in RegionLevel.values}


@pytest.mark.django_db
def test_import_creates_the_tree_and_skips_malformed_rows(tmp_path: Path) -> None:
    result = regions_import_csv(path=_write(tmp_path, HEADER + GOOD + BAD), district_code="530103")
    grids = grid_count_for("530103001001") + grid_count_for("530103001002") + grid_count_for(
        "530103002001")
    assert result.created == {"district": 1, "street": 2, "community": 3, "grid": grids}
    assert [p.line for p in result.problems] == [6, 7]
    assert result.rows_other_districts == 1
    assert _counts() == {"district": 1, "street": 2, "community": 3, "grid": grids}
    shangyi = Region.objects.get(code="530103001001")
    assert shangyi.name == "尚义社区"
    assert shangyi.path == "/530103000000/530103001000/530103001001/"
    assert shangyi.parent.name == "拓东街道"
    grid = Region.objects.get(code="530103001001001")
    assert grid.name == "尚义社区第1网格" and grid.parent == shangyi
    assert grid.path == shangyi.path + "530103001001001/"
    entry = AuditEntry.objects.get(action="region.import")
    assert entry.summary["created"]["community"] == 3 and entry.summary["problems"] == 2


@pytest.mark.django_db
def test_rerun_creates_no_duplicates_and_renames(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + GOOD)
    regions_import_csv(path=path, district_code="530103")
    before = _counts()
    ids = dict(Region.objects.values_list("code", "id"))

    again = regions_import_csv(path=path, district_code="530103000000")
    assert sum(again.created.values()) == 0 and sum(again.renamed.values()) == 0
    assert again.geometry_updated == 0
    assert _counts() == before
    assert AuditEntry.objects.filter(action="region.import").count() == 1  # no-op: no entry

    renamed = GOOD.replace("尚义社区居委会", " 新尚义社区居委会 ").replace("鼓楼街道", "鼓楼 街道")
    third = regions_import_csv(path=_write(tmp_path, HEADER + renamed), district_code="530103")
    assert sum(third.created.values()) == 0
    assert third.renamed["community"] == 1
    assert third.renamed["grid"] == grid_count_for("530103001001")
    assert _counts() == before
    assert dict(Region.objects.values_list("code", "id")) == ids
    assert Region.objects.get(code="530103001001").name == "新尚义社区"
    assert Region.objects.get(code="530103001001002").name == "新尚义社区第2网格"


@pytest.mark.django_db
def test_a_hand_renamed_grid_keeps_its_name(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + GOOD)
    regions_import_csv(path=path, district_code="530103")
    Region.objects.filter(code="530103001001001").update(name="尚义社区北片网格")
    regions_import_csv(path=_write(tmp_path, HEADER + GOOD.replace("尚义社区居委会", "新尚义社区居委会")),
                       district_code="530103")
    assert Region.objects.get(code="530103001001001").name == "尚义社区北片网格"
    assert Region.objects.get(code="530103001001002").name == "新尚义社区第2网格"


@pytest.mark.django_db
def test_strict_mode_refuses_the_whole_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        regions_import_csv(path=_write(tmp_path, HEADER + GOOD + BAD), district_code="530103",
                           strict=True)
    assert exc.value.code == "csv_rows_invalid"
    assert exc.value.detail[0].startswith("第6行")
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_conflicting_existing_region_is_skipped_and_strict_rolls_back(tmp_path: Path) -> None:
    other = region_make("530102000000", "五华区", RegionLevel.DISTRICT)
    region_make("530103002001", "桃源社区", RegionLevel.COMMUNITY, other)  # wrong place
    path = _write(tmp_path, HEADER + GOOD)
    with raises_code(ValidationFailed, "csv_rows_invalid"):
        regions_import_csv(path=path, district_code="530103", strict=True)
    assert Region.objects.count() == 2  # nothing half-written

    result = regions_import_csv(path=path, district_code="530103")
    assert any("530103002001" in p.message for p in result.problems)
    assert Region.objects.get(code="530103002001").parent == other


@pytest.mark.django_db
def test_unusable_files_are_refused_with_chinese_messages(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        regions_import_csv(path=tmp_path / "missing.csv", district_code="530103")
    assert exc.value.code == "csv_not_found"
    with pytest.raises(ValidationFailed) as exc:
        regions_import_csv(path=_write(tmp_path, HEADER + BAD), district_code="530103")
    assert exc.value.code == "csv_district_empty" and "2行格式有误" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        regions_import_csv(path=_write(tmp_path, HEADER + GOOD), district_code="440105")
    assert exc.value.code == "csv_district_empty"
    with pytest.raises(ValidationFailed) as exc:
        regions_import_csv(district_code="530103")
    assert exc.value.code == "csv_required"
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_import_from_an_uploaded_gb18030_file() -> None:
    upload = io.BytesIO((HEADER + GOOD).encode("gb18030"))
    upload.name = "区划.csv"  # type: ignore[attr-defined]
    result = regions_import_csv(file=upload, district_code="530103", grids=False)
    assert result.source == "区划.csv"
    assert _counts()["community"] == 3 and _counts()["grid"] == 0


@pytest.mark.django_db
def test_generated_polygons_tile_every_parent(tmp_path: Path) -> None:
    regions_import_csv(path=FIXTURE_CSV, district_code="530103")
    regions = list(Region.objects.all())
    assert all(r.geometry and r.min_lng is not None for r in regions)
    district = next(r for r in regions if r.level == RegionLevel.DISTRICT)
    assert district.geometry == bbox_polygon(DISTRICT_EXTENTS["530103"])
    for parent in regions:
        kids = [r for r in regions if r.parent_id == parent.id]
        if not kids:
            continue
        outer = shape(parent.geometry)
        polygons = [shape(k.geometry) for k in kids]
        assert all(outer.covers(p) for p in polygons), parent.code
        assert abs(unary_union(polygons).area - outer.area) < outer.area * 1e-9
        assert abs(sum(p.area for p in polygons) - outer.area) < outer.area * 1e-9
        for kid, polygon in zip(kids, polygons, strict=True):
            assert (kid.min_lng, kid.min_lat, kid.max_lng, kid.max_lat) == polygon.bounds

    grids = [(g, shape(g.geometry)) for g in regions if g.level == RegionLevel.GRID]
    rng = random.Random(7)
    extent = DISTRICT_EXTENTS["530103"]
    for _ in range(200):
        point = Point(rng.uniform(extent.min_lng, extent.max_lng),
                      rng.uniform(extent.min_lat, extent.max_lat))
        assert sum(polygon.contains(point) for _, polygon in grids) == 1


@pytest.mark.django_db
def test_real_boundaries_are_not_overwritten(tmp_path: Path) -> None:
    real = square(102.71, 25.04, 0.2)
    region_make("530103000000", "盘龙区", RegionLevel.DISTRICT, None, real)
    result = regions_import_csv(path=_write(tmp_path, HEADER + GOOD), district_code="530103")
    assert result.geometry_updated == 0 and "真实边界" in result.geometry_note
    assert Region.objects.get(code="530103000000").geometry == real
    assert Region.objects.get(code="530103001000").geometry is None
    district = Region.objects.get(code="530103000000")
    assert regions_geometry_generate(district=district) == 0


@pytest.mark.django_db
def test_fallback_fixture_when_shared_data_is_absent(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.SHARED_DATA_DIR = tmp_path / "nowhere"
    assert region_csv_default() == FIXTURE_CSV
    summary = regions_demo_load()
    assert summary["街道"] == 12 and summary["社区/村"] == 15
    assert summary["网格"] == Region.objects.filter(level=RegionLevel.GRID).count() >= 30
    assert Region.objects.get(code="530103001000").name == "拓东街道"
    again = regions_demo_load()
    assert again["本次新建区划"] == 0 and again["网格"] == summary["网格"]


@pytest.mark.django_db
def test_shared_hierarchy_file_gives_panlong_12_streets_105_communities(settings) -> None:  # type: ignore[no-untyped-def]
    if region_csv_default() == FIXTURE_CSV:
        pytest.skip("shared data folder absent")
    summary = regions_demo_load()
    assert summary["街道"] == 12
    assert summary["社区/村"] == 105
    assert 2 * 105 <= summary["网格"] <= 4 * 105
