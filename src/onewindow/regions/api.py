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


@router.get("/regions/{code}", response=RegionDetailOut, summary="区划详情")
def region_detail(request: HttpRequest, code: str) -> dict[str, object]:
    region = selectors.region_get(code=code)
    return {
        **_region_out(region),
        "path": [c for c in region.path.split("/") if c],
        "children": [_region_out(r) for r in selectors.region_children(region=region).defer("geometry")],
        "geometry": region.geometry,
    }
