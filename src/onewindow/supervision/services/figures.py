"""Rebuilding the daily figures (每日汇总) for a window of days, per source."""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from onewindow.cases.models import CaseEvent
from onewindow.tickets.models import TicketReturn

from .. import sources
from ..constants import REFRESH_DAYS, REFRESH_NIGHTLY_DAYS, TopKind
from ..models import (
    ClerkDailyDecisions,
    ClerkDecisionsCoverage,
    DailyFigure,
    DailyTop,
    DispatcherDailyReturns,
    FigureRefresh,
    RegionDailyFigure,
    RegionDailyTop,
    SamePersonApproval,
)

DECISIONS_SETTLE_MINUTES = 5
SAME_PERSON_DAYS = REFRESH_NIGHTLY_DAYS  # the monitor's window (30 days) and some margin

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
    if not only or "decisions" in only:
        # The first run (after the deploy, or a gap) fills five weeks so the monitor's 30 days
        # are covered at once instead of after the next nightly run.
        cover = ClerkDecisionsCoverage.objects.first()
        weeks = last - timedelta(days=REFRESH_NIGHTLY_DAYS)
        wide = cover is None or cover.first_day > weeks or cover.through < day_start(first)
        clerk_decisions_rebuild(first=min(first, weeks) if wide else first, last=last, now=now)
    return results


def day_start(day: date) -> datetime:
    """The first instant of a local (Shanghai) day."""
    return datetime.combine(day, datetime.min.time(), tzinfo=sources.SH)


def street_path(path: str) -> str:
    """A region path cut to its street (depth 2): "/d/s/c/g/" → "/d/s/"."""
    parts = [p for p in (path or "").split("/") if p][:2]
    return "/" + "/".join(parts) + "/" if parts else ""


def clerk_decisions_rebuild(*, first: date, last: date, now: datetime) -> int:
    """Replace the clerks' daily decisions of ``first``..``last`` (today's up to a few minutes
    ago: a decision being written now may commit a moment later) and extend the coverage."""
    from ..monitor import DECISION_ACTIONS, REJECTED

    start = day_start(first)
    bound = min(day_start(last + timedelta(days=1)), now - timedelta(minutes=DECISIONS_SETTLE_MINUTES))
    events = (CaseEvent.objects.filter(at__gte=start, at__lt=bound, actor__isnull=False, action__in=DECISION_ACTIONS)
              .annotate(day=TruncDate("at", tzinfo=sources.SH))
              .values("day", "actor_id", "actor_label", "case__region_path")
              .annotate(n=Count("id"), rejected=Count("id", filter=REJECTED)).order_by())
    out: dict[tuple[date, int, str, str], list[int]] = {}
    for e in events.iterator(chunk_size=5000):
        target = out.setdefault((e["day"], e["actor_id"], e["actor_label"], street_path(e["case__region_path"])),
                                [0, 0])
        target[0] += e["n"]
        target[1] += e["rejected"]
    objs = [ClerkDailyDecisions(day=day, actor_id=actor, actor_label=label, region_path=path, decisions=n,
                                rejected=r) for (day, actor, label, path), (n, r) in out.items()]
    returned: dict[tuple[date, int, str], int] = {}
    returns = (TicketReturn.objects.filter(returned_at__gte=start, returned_at__lt=bound, dispatched_by__isnull=False)
               .annotate(day=TruncDate("returned_at", tzinfo=sources.SH))
               .values("day", "dispatched_by_id", "ticket__region_path").annotate(n=Count("id")).order_by())
    for r in returns.iterator(chunk_size=5000):
        key = (r["day"], r["dispatched_by_id"], street_path(r["ticket__region_path"]))
        returned[key] = returned.get(key, 0) + r["n"]
    with transaction.atomic():
        ClerkDailyDecisions.objects.filter(day__gte=first, day__lte=last).delete()
        ClerkDailyDecisions.objects.bulk_create(objs, batch_size=2000)
        DispatcherDailyReturns.objects.filter(day__gte=first, day__lte=last).delete()
        DispatcherDailyReturns.objects.bulk_create(
            [DispatcherDailyReturns(day=day, dispatcher_id=who, region_path=path, returns=n)
             for (day, who, path), n in returned.items()], batch_size=2000)
        cover = ClerkDecisionsCoverage.objects.select_for_update().first()
        if bound <= start:  # nothing of the window is settled yet: the coverage stays as it was
            pass
        elif cover is None:
            cover = ClerkDecisionsCoverage(refreshed_at=now, first_day=first, through=bound)
        elif start <= cover.through and bound >= day_start(cover.first_day):
            # Overlapping or touching what was covered: the union stays one stretch of time.
            cover.first_day, cover.through = min(first, cover.first_day), max(bound, cover.through)
        else:
            cover.first_day, cover.through = first, bound
        if cover is not None:
            cover.refreshed_at = now
            cover.save()
            same_person_rebuild(cover=cover)
    return len(objs)


def same_person_from(cover: ClerkDecisionsCoverage) -> datetime:
    """The first instant ``SamePersonApproval`` covers (it is rebuilt from the events alone)."""
    return cover.through - timedelta(days=SAME_PERSON_DAYS)


def same_person_rebuild(*, cover: ClerkDecisionsCoverage) -> int:
    """Rewrite ``SamePersonApproval``: the approvals from ``same_person_from`` up to
    ``cover.through`` accepted by their approver in that stretch, with the latest such acceptance
    (an acceptance before it can never lie in a window starting after it). The monitor's own
    semi-join of a month of events, once per refresh instead of once per request."""
    from onewindow.cases.constants import Action

    lo, hi = same_person_from(cover), cover.through
    window = CaseEvent.objects.filter(at__gte=lo, at__lt=hi, actor__isnull=False)
    accepts = window.filter(action=Action.ACCEPT, case_id=OuterRef("case_id"), actor_id=OuterRef("actor_id"))
    # (case, person) pairs from the (action, at) index alone, then the few events of those cases.
    pairs = set(window.filter(action=Action.APPROVE).filter(Exists(accepts))
                .values_list("case_id", "actor_id").order_by())
    approvals: list[tuple[int, int, int, datetime]] = []
    latest: dict[tuple[int, int], datetime] = {}
    for i, case, actor, action, at in (window.filter(case_id__in={case for case, _ in pairs},
                                                     action__in=[Action.ACCEPT, Action.APPROVE])
                                       .values_list("id", "case_id", "actor_id", "action", "at").order_by()):
        if (case, actor) not in pairs:
            continue
        if action == Action.APPROVE:
            approvals.append((i, case, actor, at))
        else:
            latest[(case, actor)] = max(at, latest.get((case, actor), at))
    matched = [SamePersonApproval(event_id=i, approved_at=at, accepted_at=latest[(case, actor)])
               for i, case, actor, at in approvals]
    with transaction.atomic():
        SamePersonApproval.objects.all().delete()
        SamePersonApproval.objects.bulk_create(matched, batch_size=2000)
    return len(matched)


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
