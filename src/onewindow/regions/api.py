"""/api/v1/regions: the public region tree."""


from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from onewindow.core.api import ErrorOut
from onewindow.core.errors import NotFound

from . import selectors

router = Router(tags=["区划 regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    has_geometry: bool


class RegionDetailOut(RegionOut):
    path: list[str]
    children: list[RegionOut]
    geometry: dict | None


def _region_out(region) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "code": region.code, "name": region.name, "level": region.level,
        "parent_code": region.path.rstrip("/").split("/")[-2] if region.parent_id else None,
        # The bounding box is filled exactly when there is a geometry; reading it keeps lists
        # from loading (deferred) polygons row by row.
        "has_geometry": region.min_lng is not None,
    }


@router.get("/regions", response=list[RegionOut], summary="区划列表（公开）")
def regions(request: HttpRequest, level: str = "", parent: str = "") -> list[dict[str, object]]:
    rows = selectors.region_list(level=level or None, parent_code=parent or None)
    return [_region_out(r) for r in rows.defer("geometry")]


class LocateOut(Schema):
    lng: float
    lat: float
    region: RegionOut = Field(..., description="包含该点的最深一级区划（有网格时为网格）")
    chain: list[RegionOut] = Field(..., description="从区县到该区划的各级区划")
    district: RegionOut | None
    street: RegionOut | None
    community: RegionOut | None
    grid: RegionOut | None


# Declared before /regions/{code}, which would otherwise take "locate" for a code.
@router.get("/regions/locate", response={200: LocateOut, 400: ErrorOut, 404: ErrorOut,
                                         422: ErrorOut},
            summary="坐标定位：某点所在的区县、街道、社区和网格")
def region_locate(request: HttpRequest, lng: float = Query(..., description="经度（WGS-84）",
                                                           examples=[102.7123]),
                  lat: float = Query(..., description="纬度（WGS-84）",
                                     examples=[25.0456])) -> dict[str, object]:
    chain = selectors.region_chain_at(lng=lng, lat=lat)
    deepest = chain.deepest
    if deepest is None:
        raise NotFound("该位置不在本平台所辖区划范围内", code="region_not_located")

    def out(region) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
        return _region_out(region) if region is not None else None

    return {
        "lng": lng, "lat": lat, "region": _region_out(deepest),
        "chain": [_region_out(r) for r in chain.as_list()],
        "district": out(chain.district), "street": out(chain.street),
        "community": out(chain.community), "grid": out(chain.grid),
    }


class RegionGeoJsonOut(Schema):
    type: str = Field("FeatureCollection")
    features: list[dict] = Field(..., description="每个区划一个 Feature：properties 含 code、name、level、parent")


@router.get("/regions/geojson", response={200: RegionGeoJsonOut, 404: ErrorOut},
            summary="区划边界 GeoJSON（地图用，公开）")
def region_geojson(request: HttpRequest, root: str = Query("", description="根区划代码（默认本区）"),
                   levels: str = Query("street,community,grid", description="要包含的级别，逗号分隔")
                   ) -> dict[str, object]:
    from django.conf import settings

    from .constants import RegionLevel

    region = selectors.region_get(code=root or settings.ONEWINDOW_DISTRICT_CODE)
    wanted = tuple(x for x in (p.strip() for p in levels.split(",")) if x in RegionLevel.values)
    return selectors.regions_geojson(root=region, levels=wanted or ("street", "community", "grid"))


class AddressIn(Schema):
    address: str = Field(..., max_length=500, description="地址或含地名的文字")


class AddressOut(Schema):
    place: str = Field(..., description="地址中识别出的地名（多义时为空）")
    place_kind: str
    label: str = Field(..., description="街道、社区与地名，如“拓东街道 尚义社区 · 银海畅园”")
    matched: str
    ambiguous: bool
    lng: float | None
    lat: float | None
    region: RegionOut
    street: RegionOut | None
    community: RegionOut | None
    grid: RegionOut | None


@router.post("/regions/resolve", response={200: AddressOut, 404: ErrorOut, 422: ErrorOut},
             summary="地址解析：地址中的地名、所在街道社区网格与坐标（地名地址库）")
def address_resolve(request: HttpRequest, payload: AddressIn) -> dict[str, object]:
    found = selectors.address_resolve(text=payload.address)
    if found is None or found.region is None:
        raise NotFound("地名地址库中没有与该地址相符的地点", code="address_not_resolved")

    def out(region) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
        return _region_out(region) if region is not None else None

    return {"place": found.place_name, "place_kind": found.place_kind, "label": found.label,
            "matched": found.matched, "ambiguous": found.ambiguous, "lng": found.lng, "lat": found.lat,
            "region": _region_out(found.region), "street": out(found.chain.street),
            "community": out(found.chain.community), "grid": out(found.chain.grid)}


@router.get("/regions/{code}", response=RegionDetailOut, summary="区划详情")
def region_detail(request: HttpRequest, code: str) -> dict[str, object]:
    region = selectors.region_get(code=code)
    return {
        **_region_out(region),
        "path": [c for c in region.path.split("/") if c],
        "children": [_region_out(r) for r in selectors.region_children(region=region).defer("geometry")],
        "geometry": region.geometry,
    }
