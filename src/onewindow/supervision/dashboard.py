"""Reads of the leaders' dashboard (决策数据平台): every figure comes from the daily tables.

A region (district, street, community or grid) and a date range select the rows; each answer
says when the figures it used were last refreshed (``as_of``). Region figures read the rollup
(``RegionDailyFigure``): a region's own rows, or its children's one level down, a few hundred
rows for three months whatever the number of departments and grids (tests compare every figure
with the sums over ``DailyFigure``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.scope import scope_for
from onewindow.core.errors import NotFound, ValidationFailed
from onewindow.regions.models import Region

from . import rules
from .constants import Source, TopKind
from .models import FigureRefresh, RegionDailyFigure, RegionDailyTop
from .services.figures import COUNTERS, path_depth, today_local

DASHBOARD_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR)
MAX_RANGE_DAYS = 3 * 366
LEVEL_DEPTH = {"district": 1, "street": 2, "community": 3, "grid": 4}


@dataclass(frozen=True)
class Range:
    first: date
    last: date


def date_range(first: str | date | None, last: str | date | None, *, today: date | None = None) -> Range:
    """The inclusive range asked for (default: the last 30 days), checked."""
    today = today or today_local()
    errors: dict[str, str] = {}

    def parse(value: str | date | None, name: str, default: date) -> date:
        if value in (None, ""):
            return default
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            errors[name] = "日期格式应为 2026-01-31"
            return default

    last_d = parse(last, "last", today)
    first_d = parse(first, "first", last_d - timedelta(days=29))
    if not errors and first_d > last_d:
        errors["first"] = "开始日期不能晚于结束日期"
    if not errors and (last_d - first_d).days > MAX_RANGE_DAYS:
        errors["first"] = "日期范围不能超过三年"
    if errors:
        raise ValidationFailed("日期范围有误", code="range_invalid", fields=errors)
    return Range(first_d, last_d)


def dashboard_region(*, actor: Any, code: str = "") -> Region:
    """The region asked for (default: the actor's own), within the actor's scope."""
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(*DASHBOARD_ROLES):
        raise NotFound()
    region = Region.objects.filter(code=code).first() if code else \
        Region.objects.filter(path=scope.region_path).first()
    if region is None or not scope.covers_region_path(region.path):
        raise NotFound("找不到该区划，或不在您的范围内", code="region_not_found")
    return region


def freshness() -> dict[str, datetime]:
    return dict(FigureRefresh.objects.values_list("source", "refreshed_at"))


def as_of(fresh: dict[str, datetime], *names: str) -> datetime | None:
    """The oldest refresh among the sources a figure uses (None: never refreshed)."""
    times = [fresh.get(n) for n in names]
    return None if not times or any(t is None for t in times) else min(t for t in times if t)


def _own_rows(region: Region, rng: Range) -> Any:
    """The rollup rows of ``region`` itself in the range."""
    return RegionDailyFigure.objects.filter(depth=path_depth(region.path), region_path=region.path,
                                            day__gte=rng.first, day__lte=rng.last)


def sums(*, region: Region, rng: Range) -> dict[str, dict[str, int]]:
    rows: Any = (_own_rows(region, rng).values("source").annotate(**{f"s_{n}": Sum(n) for n in COUNTERS}))
    return {r["source"]: {n: int(r[f"s_{n}"] or 0) for n in COUNTERS} for r in rows}


def headline(*, region: Region, rng: Range) -> list[dict[str, Any]]:
    s = sums(region=region, rng=rng)
    fresh = freshness()
    c, t, h = s.get("cases", {}), s.get("tickets", {}), s.get("hall", {})
    speed = rules.ratio(c.get("limit_days", 0) - c.get("used_days", 0), c.get("limit_days", 0))
    wait = round(h.get("wait_seconds", 0) / h["waits"] / 60, 1) if h.get("waits") else None
    rated = c.get("rated", 0) + t.get("callbacks", 0)
    figures = [
        ("cases_received", "办件量", c.get("received", 0), "件", ("cases",)),
        ("early_rate", "提前办结率", rules.ratio(c.get("early", 0), c.get("finished", 0)), "%", ("cases",)),
        ("online_rate", "网办率", rules.ratio(c.get("online", 0), c.get("received", 0)), "%", ("cases",)),
        ("satisfaction_rate", "满意率", rules.ratio(c.get("satisfied", 0) + t.get("satisfied", 0), rated), "%",
         ("cases", "tickets")),
        ("speedup", "平均审批提速", speed, "%", ("cases",)),
        ("tickets_received", "工单量", t.get("received", 0), "件", ("tickets",)),
        ("response_rate", "响应率", rules.ratio(t.get("responded", 0), t.get("dispatched", 0)), "%", ("tickets",)),
        ("solve_rate", "解决率", rules.ratio(t.get("solved", 0), t.get("callbacks", 0)), "%", ("tickets",)),
        ("hall_taken", "大厅取号量", h.get("received", 0), "人次", ("hall",)),
        ("hall_wait", "平均等候", wait, "分钟", ("hall",)),
        ("grid_events", "网格事件", s.get("grid", {}).get("received", 0), "件", ("grid",)),
    ]
    if "care" in s or "care" in fresh:
        figures.append(("care_orders", "养老服务工单", s.get("care", {}).get("received", 0), "件", ("care",)))
    return [{"code": code, "label": label, "value": value, "unit": unit, "as_of": as_of(fresh, *srcs)}
            for code, label, value, unit, srcs in figures]


def children(*, region: Region, rng: Range) -> list[dict[str, Any]]:
    """One row per child region (choropleth and drill-down): cases, tickets, grid events."""
    kids = list(Region.objects.filter(parent=region).order_by("code"))
    depth = LEVEL_DEPTH.get(region.level, 1) + 1
    by_path: dict[str, dict[str, Any]] = {
        k.path: {"code": k.code, "name": k.name, "level": k.level, "cases": 0, "tickets": 0, "grid_events": 0,
                 "hall_taken": 0} for k in kids}
    field = {"cases": "cases", "tickets": "tickets", "grid": "grid_events", "hall": "hall_taken"}
    rows = (RegionDailyFigure.objects.filter(depth=depth, region_path__startswith=region.path, day__gte=rng.first,
                                             day__lte=rng.last)
            .values("source", "region_path").annotate(n=Sum("received")).order_by())
    for r in rows:
        path = rules.path_at_depth(r["region_path"] or "", depth)
        if path in by_path and r["source"] in field:
            by_path[path][field[r["source"]]] += int(r["n"] or 0)
    return list(by_path.values())


def trend(*, region: Region, rng: Range) -> list[dict[str, Any]]:
    """Monthly received counts per source (days inside the range only)."""
    rows = _own_rows(region, rng).values("source", "day").annotate(n=Sum("received"), f=Sum("finished")).order_by()
    months: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        key = r["day"].strftime("%Y-%m")
        months[key][r["source"]] += int(r["n"] or 0)
        months[key][f"{r['source']}_finished"] += int(r["f"] or 0)
    return [{"month": m, "cases": v.get("cases", 0), "tickets": v.get("tickets", 0), "hall": v.get("hall", 0),
             "grid": v.get("grid", 0), "care": v.get("care", 0), "cases_finished": v.get("cases_finished", 0),
             "tickets_finished": v.get("tickets_finished", 0)} for m, v in sorted(months.items())]


def top(*, region: Region, rng: Range, kind: str, limit: int = 10) -> list[dict[str, Any]]:
    if kind not in TopKind.values:
        raise ValidationFailed("排行类别应为 item、category 或 place", code="top_kind_invalid",
                               fields={"kind": "排行类别无效"})
    rows = (RegionDailyTop.objects.filter(kind=kind, depth=path_depth(region.path), region_path=region.path,
                                          day__gte=rng.first, day__lte=rng.last)
            .values("key", "label").annotate(n=Sum("n")).order_by("-n", "label")[:limit])
    return [{"key": r["key"], "label": r["label"], "n": int(r["n"] or 0)} for r in rows]


def hall_waits(*, region: Region, rng: Range) -> list[dict[str, Any]]:
    rows = (_own_rows(region, rng).filter(source=Source.HALL)
            .values("day").annotate(w=Sum("wait_seconds"), n=Sum("waits"), t=Sum("received")).order_by("day"))
    return [{"day": r["day"], "taken": int(r["t"] or 0),
             "average_wait_minutes": round((r["w"] or 0) / r["n"] / 60, 1) if r["n"] else None} for r in rows]


def breadcrumbs(region: Region, *, actor: Any) -> list[Region]:
    scope = scope_for(actor)
    chain: list[Region] = []
    node: Region | None = region
    while node is not None:
        chain.append(node)
        if node.path == scope.region_path:
            break
        node = node.parent
    return list(reversed(chain))


def district_code() -> str:
    return str(getattr(settings, "ONEWINDOW_DISTRICT_CODE", ""))


def now() -> datetime:
    return timezone.now()
