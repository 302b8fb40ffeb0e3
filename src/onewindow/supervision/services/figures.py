"""Rebuilding the daily figures (每日汇总) for a window of days, per source."""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from .. import sources
from ..constants import REFRESH_DAYS, TopKind
from ..models import DailyFigure, DailyTop, FigureRefresh, RegionDailyFigure, RegionDailyTop

COUNTERS = ("received", "online", "finished", "early", "overdue", "limit_days", "used_days", "rated",
            "satisfied", "dispatched", "responded", "callbacks", "solved", "returned", "waits",
            "wait_seconds", "visits")


@dataclass(frozen=True)
class RefreshResult:
    source: str
    rows: int
    milliseconds: int


def today_local(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), sources.SH).date()


def figures_refresh(*, first: date | None = None, last: date | None = None, only: list[str] | None = None,
                    now: datetime | None = None) -> list[RefreshResult]:
    """Recompute the daily figures of ``first``..``last`` (default: the last few days) for every
    source, replacing what was there in one transaction per source."""
    now = now or timezone.now()
    last = last or today_local(now)
    first = first or last - timedelta(days=REFRESH_DAYS - 1)
    fns: dict[str, Any] = {**sources.builtin_sources(), **sources.extension_sources()}
    results = []
    for name, fn in fns.items():
        if only and name not in only:
            continue
        started = clock.monotonic()
        rows = fn(first, last)
        objs = [DailyFigure(day=day, source=name, department_id=dept, region_path=path,
                            **{k: v for k, v in counts.items() if k in COUNTERS})
                for (day, dept, path), counts in rows.items()]
        with transaction.atomic():
            DailyFigure.objects.filter(source=name, day__gte=first, day__lte=last).delete()
            DailyFigure.objects.bulk_create(objs, batch_size=2000)
            region_figures_rebuild(source=name, first=first, last=last)
            ms = int((clock.monotonic() - started) * 1000)
            FigureRefresh.objects.update_or_create(source=name, defaults={
                "refreshed_at": now, "first_day": first, "last_day": last, "rows": len(objs),
                "milliseconds": ms})
        results.append(RefreshResult(name, len(objs), ms))
    if not only or "top" in only:
        tops = [DailyTop(day=d, kind=k, key=key, label=label[:200], region_path=path, n=n)
                for d, k, key, label, path, n in sources.top_rows(first, last)]
        with transaction.atomic():
            DailyTop.objects.filter(day__gte=first, day__lte=last, kind__in=TopKind.values).delete()
            DailyTop.objects.bulk_create(tops, batch_size=2000)
            region_tops_rebuild(first=first, last=last)
    return results


def path_depth(path: str) -> int:
    """Levels of a region path ("/d/" 1, "/d/s/" 2 …)."""
    return len([p for p in path.split("/") if p])


def region_rollup(rows: Any) -> dict[tuple[date, int, str], dict[str, int]]:
    """Rows of (day, region_path, counters…) summed at every ancestor of each path: the
    region's figure is the sum of every record whose path starts with the region's path."""
    out: dict[tuple[date, int, str], dict[str, int]] = {}
    for r in rows:
        parts = [p for p in (r["region_path"] or "").split("/") if p]
        for depth in range(1, len(parts) + 1):
            target = out.setdefault((r["day"], depth, "/" + "/".join(parts[:depth]) + "/"), dict.fromkeys(COUNTERS, 0))
            for name in COUNTERS:
                target[name] += int(r[name] or 0)
    return out


def region_tops_rebuild(*, first: date, last: date) -> int:
    """Replace the region rollup of the top lists for ``first``..``last`` from ``DailyTop``."""
    out: dict[tuple[date, str, int, str, str, str], int] = {}
    rows = (DailyTop.objects.filter(day__gte=first, day__lte=last).exclude(region_path="")
            .values_list("day", "kind", "region_path", "key", "label", "n"))
    for day, kind, path, key, label, n in rows.iterator(chunk_size=5000):
        parts = [p for p in path.split("/") if p]
        for depth in range(1, len(parts) + 1):
            k = (day, kind, depth, "/" + "/".join(parts[:depth]) + "/", key, label)
            out[k] = out.get(k, 0) + n
    objs = [RegionDailyTop(day=day, kind=kind, depth=depth, region_path=path, key=key, label=label, n=n)
            for (day, kind, depth, path, key, label), n in out.items()]
    RegionDailyTop.objects.filter(day__gte=first, day__lte=last).delete()
    RegionDailyTop.objects.bulk_create(objs, batch_size=2000)
    return len(objs)


def region_figures_rebuild(*, source: str, first: date, last: date) -> int:
    """Replace the region rollup of ``source`` for ``first``..``last`` from the daily figures
    (call inside the transaction that replaced them)."""
    rows = (DailyFigure.objects.filter(source=source, day__gte=first, day__lte=last).exclude(region_path="")
            .values("day", "region_path").annotate(**{n: Sum(n) for n in COUNTERS}).order_by())
    objs = [RegionDailyFigure(day=day, source=source, depth=depth, region_path=path, **counts)
            for (day, depth, path), counts in region_rollup(rows).items()]
    RegionDailyFigure.objects.filter(source=source, day__gte=first, day__lte=last).delete()
    RegionDailyFigure.objects.bulk_create(objs, batch_size=2000)
    return len(objs)
