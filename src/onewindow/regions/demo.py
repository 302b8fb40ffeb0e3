"""Demo data of the regions app: the platform's district with its streets, communities, grids,
and a gazetteer of the places people name in their requests (compounds, landmarks, roads)."""

from __future__ import annotations

import random
import zlib

from django.conf import settings

from .constants import PlaceKind, RegionLevel
from .models import Place, Region
from .services import (
    FIXTURE_CSV,
    PlaceIn,
    gazetteer_sync_regions,
    places_upsert_many,
    region_csv_default,
    regions_import_csv,
)

DEMO_PLACE_SOURCE = "demo"

#: Residential compounds and landmarks of the demo: (name, kind, aliases, community it lies in).
#: Where the district has no community of that name (the small sample), a stable pick of the
#: district's communities takes the place. Names are typical of Kunming, not a survey.
DEMO_PLACES: list[tuple[str, str, tuple[str, ...], str]] = [
    ("银海畅园", PlaceKind.RESIDENCE, ("银海畅园小区",), "尚义社区"),
    ("尚义街小区", PlaceKind.RESIDENCE, (), "尚义社区"),
    ("明通小区", PlaceKind.RESIDENCE, ("明通巷小区",), "明通巷社区"),
    ("白塔小区", PlaceKind.RESIDENCE, (), "白塔社区"),
    ("拓东体育场", PlaceKind.POI, ("拓东体育馆",), "白塔社区"),
    ("东庄农贸市场", PlaceKind.POI, ("东庄菜市场",), "东庄社区"),
    ("状元楼小区", PlaceKind.RESIDENCE, (), "状元楼社区"),
    ("桃源小区", PlaceKind.RESIDENCE, (), "桃源社区"),
    ("盘龙区人民医院", PlaceKind.POI, ("区人民医院",), "桃源社区"),
    ("灵光街小学", PlaceKind.POI, (), "灵光社区"),
    ("凤凰新村", PlaceKind.RESIDENCE, (), "凤凰社区"),
    ("小龙路菜市场", PlaceKind.POI, (), "小龙路社区"),
    ("新迎小区", PlaceKind.RESIDENCE, ("新迎新城",), "新迎社区"),
    ("东华小区", PlaceKind.RESIDENCE, (), "金色社区"),
    ("金色大道幼儿园", PlaceKind.POI, (), "金色社区"),
    ("北站汽车客运站", PlaceKind.POI, ("北站客运站",), "北站社区"),
    ("金江小区", PlaceKind.RESIDENCE, (), "金江路社区"),
    ("金星小区", PlaceKind.RESIDENCE, (), "金星社区"),
    ("金星农贸市场", PlaceKind.POI, ("金星菜市场",), "金星社区"),
    ("万宏花园", PlaceKind.RESIDENCE, (), "万宏路社区"),
    ("世纪城", PlaceKind.RESIDENCE, ("世纪城小区",), "王旗营社区"),
    ("北辰财富中心", PlaceKind.POI, (), "金菊路社区"),
    ("联盟公寓", PlaceKind.RESIDENCE, (), "葵花社区"),
    ("金尚俊园", PlaceKind.RESIDENCE, (), "云波社区"),
    ("龙泉苑", PlaceKind.RESIDENCE, (), "龙泉社区"),
    ("青云雅苑", PlaceKind.RESIDENCE, (), "青云社区"),
    ("茨坝新村", PlaceKind.RESIDENCE, (), "茨坝社区"),
    ("盘龙江公园", PlaceKind.POI, ("盘龙江滨河公园",), "白云社区"),
    ("金殿风景区", PlaceKind.POI, ("金殿公园",), "金殿社区"),
    ("松华坝水库", PlaceKind.POI, (), "松华社区"),
]
#: Roads (道路): (name, street they are counted in). In the small sample a stable pick.
DEMO_ROADS: list[tuple[str, str]] = [
    ("拓东路", "拓东街道"), ("白塔路", "拓东街道"), ("东风东路", "拓东街道"), ("尚义街", "拓东街道"),
    ("穿金路", "鼓楼街道"), ("桃源街", "鼓楼街道"), ("北京路", "东华街道"), ("新迎路", "东华街道"),
    ("金星路", "联盟街道"), ("联盟路", "联盟街道"), ("万宏路", "联盟街道"), ("北辰大道", "金辰街道"),
    ("金实路", "金辰街道"), ("菊华路", "金辰街道"), ("青云路", "青云街道"), ("世博路", "青云街道"),
    ("龙泉路", "龙泉街道"), ("沣源路", "龙泉街道"), ("霖雨路", "龙泉街道"), ("金尚路", "龙泉街道"),
    ("茨坝路", "茨坝街道"), ("小康大道", "双龙街道"),
]


def _pick(regions: list[Region], name: str) -> Region:
    return regions[zlib.crc32(name.encode()) % len(regions)]


def _inside(region: Region, name: str) -> tuple[float | None, float | None]:
    """A stable point well inside a region's bounding box (its middle 60 %)."""
    if region.min_lng is None or region.max_lng is None or region.min_lat is None or region.max_lat is None:
        return None, None
    rng = random.Random(f"place-{name}")
    lng = region.min_lng + (0.2 + 0.6 * rng.random()) * (region.max_lng - region.min_lng)
    lat = region.min_lat + (0.2 + 0.6 * rng.random()) * (region.max_lat - region.min_lat)
    return round(lng, 6), round(lat, 6)


def gazetteer_demo_load(*, district: Region) -> int:
    """The demo's compounds, landmarks and roads (idempotent); returns how many changed."""
    subtree = Region.objects.filter(path__startswith=district.path).defer("geometry")
    communities = list(subtree.filter(level=RegionLevel.COMMUNITY).order_by("code"))
    streets = list(subtree.filter(level=RegionLevel.STREET).order_by("code"))
    if not communities or not streets:
        return 0
    by_name = {r.name: r for r in [*communities, *streets]}
    places: list[PlaceIn] = []
    for name, kind, aliases, community_name in DEMO_PLACES:
        community = by_name.get(community_name) or _pick(communities, name)
        lng, lat = _inside(community, name)
        places.append(PlaceIn(source=DEMO_PLACE_SOURCE, source_ref=f"place-{name}", name=name, kind=kind,
                              aliases=aliases, region=community, lng=lng, lat=lat))
    for name, street_name in DEMO_ROADS:
        street = by_name.get(street_name) or _pick(streets, name)
        # a road crosses communities: it is placed in its street, with the street's point
        places.append(PlaceIn(source=DEMO_PLACE_SOURCE, source_ref=f"road-{name}", name=name,
                              kind=PlaceKind.ROAD, region=street))
    return places_upsert_many(places=places, source=DEMO_PLACE_SOURCE)


def regions_demo_load(*, small: bool = False) -> dict[str, int]:
    """Load the district of ``ONEWINDOW_DISTRICT_CODE`` (idempotent) and its gazetteer.

    Uses the shared hierarchy file when it is there, else (or with ``small``) the sample shipped
    in ``regions/fixtures``. Returns the number of regions per level in the district.
    """
    source = FIXTURE_CSV if small else region_csv_default()
    result = regions_import_csv(path=source, district_code=settings.ONEWINDOW_DISTRICT_CODE)
    in_district = Region.objects.filter(path__startswith=result.district.path)
    places = gazetteer_sync_regions(district=result.district) + gazetteer_demo_load(district=result.district)
    return {
        "区县": in_district.filter(level=RegionLevel.DISTRICT).count(),
        "街道": in_district.filter(level=RegionLevel.STREET).count(),
        "社区/村": in_district.filter(level=RegionLevel.COMMUNITY).count(),
        "网格": in_district.filter(level=RegionLevel.GRID).count(),
        "本次新建区划": sum(result.created.values()),
        "地名地址": Place.objects.filter(region_path__startswith=result.district.path, is_active=True).count(),
        "本次新增或更新地名": places,
    }
