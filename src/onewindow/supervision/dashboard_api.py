"""/api/v1/dashboard: every figure of the leaders' dashboard (决策数据平台), from the daily tables."""

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema

from onewindow.accounts.auth import API_AUTH
from onewindow.core.api import ErrorOut

from . import dashboard

router = Router(tags=["决策数据平台 dashboard"])
ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SupRegionOut(Schema):
    code: str
    name: str
    level: str


class SupFigureOut(Schema):
    code: str
    label: str
    value: float | None
    unit: str
    as_of: datetime | None


class SupFreshnessOut(Schema):
    source: str
    refreshed_at: datetime


class SupFiguresOut(Schema):
    region: SupRegionOut
    breadcrumbs: list[SupRegionOut]
    first: date
    last: date
    figures: list[SupFigureOut]
    freshness: list[SupFreshnessOut]


class SupRegionFigureOut(Schema):
    code: str
    name: str
    level: str
    cases: int
    tickets: int
    grid_events: int
    hall_taken: int


class SupRegionFiguresOut(Schema):
    region: SupRegionOut
    first: date
    last: date
    children: list[SupRegionFigureOut]


class SupTrendOut(Schema):
    month: str
    cases: int
    tickets: int
    hall: int
    grid: int
    care: int
    cases_finished: int
    tickets_finished: int


class SupTopOut(Schema):
    key: str
    label: str
    n: int


class SupHallWaitOut(Schema):
    day: date
    taken: int
    average_wait_minutes: float | None


def _region_out(r: object) -> dict[str, object]:
    return {"code": r.code, "name": r.name, "level": r.level}  # type: ignore[attr-defined]


def _args(request: HttpRequest, region: str, first: str, last: str) -> tuple[object, dashboard.Range]:
    return dashboard.dashboard_region(actor=request.user, code=region), dashboard.date_range(first, last)


@router.get("/dashboard/figures", response={200: SupFiguresOut, **ERRORS}, auth=API_AUTH,
            summary="核心指标：办件量、提前办结率、网办率、满意率、平均审批提速、响应率、解决率等（含数据时间）")
def dashboard_figures(request: HttpRequest, region: str = "", first: str = "", last: str = "") -> dict[str, object]:
    r, rng = _args(request, region, first, last)
    fresh = dashboard.freshness()
    crumbs = dashboard.breadcrumbs(r, actor=request.user)  # type: ignore[arg-type]
    return {"region": _region_out(r), "breadcrumbs": [_region_out(b) for b in crumbs],
            "first": rng.first, "last": rng.last, "figures": dashboard.headline(region=r, rng=rng),  # type: ignore[arg-type]
            "freshness": [{"source": s, "refreshed_at": t} for s, t in sorted(fresh.items())]}


@router.get("/dashboard/regions", response={200: SupRegionFiguresOut, **ERRORS}, auth=API_AUTH,
            summary="下级区划分布（地图分级设色与逐级下钻）")
def dashboard_regions(request: HttpRequest, region: str = "", first: str = "", last: str = "") -> dict[str, object]:
    r, rng = _args(request, region, first, last)
    return {"region": _region_out(r), "first": rng.first, "last": rng.last,
            "children": dashboard.children(region=r, rng=rng)}  # type: ignore[arg-type]


@router.get("/dashboard/trend", response={200: list[SupTrendOut], **ERRORS}, auth=API_AUTH, summary="按月趋势")
def dashboard_trend(request: HttpRequest, region: str = "", first: str = "", last: str = "") -> list[dict[str, object]]:
    r, rng = _args(request, region, first, last)
    return dashboard.trend(region=r, rng=rng)  # type: ignore[arg-type]


@router.get("/dashboard/top", response={200: list[SupTopOut], **ERRORS}, auth=API_AUTH,
            summary="排行：办件量最多的事项（item）、诉求类别（category）、热线热点地点（place）")
def dashboard_top(request: HttpRequest, kind: str = "item", region: str = "", first: str = "", last: str = "",
                  limit: int = 10) -> list[dict[str, object]]:
    r, rng = _args(request, region, first, last)
    return dashboard.top(region=r, rng=rng, kind=kind, limit=max(1, min(limit, 50)))  # type: ignore[arg-type]


@router.get("/dashboard/hall-waits", response={200: list[SupHallWaitOut], **ERRORS}, auth=API_AUTH,
            summary="大厅每日取号量与平均等候时间")
def dashboard_hall_waits(request: HttpRequest, region: str = "", first: str = "",
                         last: str = "") -> list[dict[str, object]]:
    r, rng = _args(request, region, first, last)
    return dashboard.hall_waits(region=r, rng=rng)  # type: ignore[arg-type]
