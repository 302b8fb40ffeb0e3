"""Rebuilding the daily figures (每日汇总) for a window of days, per source."""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import sources
from ..constants import REFRESH_DAYS, TopKind
from ..models import DailyFigure, DailyTop, FigureRefresh

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
    return results
