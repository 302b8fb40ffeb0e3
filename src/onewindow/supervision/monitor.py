"""The monitor (电子监察): live yellow/red counts, the oldest overdue items, departments whose
overdue counts rise, and anomaly rules with the records behind them.

Reads the lower modules' tables directly (like ``sources``), always within the actor's region
scope; every count is one indexed query (the open/warned partial indexes of cases and tickets).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department, User
from onewindow.accounts.scope import Scope, scope_for
from onewindow.cases.constants import OPEN_STATUSES as CASE_OPEN
from onewindow.cases.constants import Action as CaseAction
from onewindow.cases.constants import WarningLevel
from onewindow.cases.models import Case, CaseEvent, CasePause
from onewindow.core.errors import NotFound
from onewindow.grid.models import GridEvent
from onewindow.hall.models import QueueTicket
from onewindow.tickets.constants import OPEN_STATUSES as TICKET_OPEN
from onewindow.tickets.models import SupervisionOrder, Ticket, TicketReturn

from . import constants as c
from .models import (
    CaseSupervisionOrder,
    ClerkDailyDecisions,
    ClerkDecisionsCoverage,
    DispatcherDailyReturns,
    SamePersonApproval,
)

MONITOR_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR, Role.LEADER)


def monitor_scope(actor: Any) -> Scope:
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(*MONITOR_ROLES):
        raise NotFound()
    return scope


@dataclass(frozen=True)
class Light:
    source: str
    label: str
    yellow: int
    red: int


@dataclass(frozen=True)
class Overdue:
    kind: str  # case, ticket
    public_id: Any
    number: str
    title: str
    department: str
    due_at: datetime
    hours_over: int
    url: str
    order_open: bool


@dataclass(frozen=True)
class Rising:
    department: str
    this_week: int
    last_week: int


@dataclass(frozen=True)
class AnomalyRecord:
    label: str
    detail: str
    url: str


@dataclass(frozen=True)
class Anomaly:
    code: str
    name: str
    rule: str
    records: list[AnomalyRecord]


def lights(*, scope: Scope, now: datetime) -> list[Light]:
    path = scope.region_path or ""
    # Only warned rows are counted: the filter lets the partial index of warned open cases answer.
    cases = Case.objects.filter(status__in=CASE_OPEN, warning_level__in=[WarningLevel.YELLOW, WarningLevel.RED],
                                region_path__startswith=path)
    # Counting a non-null column of the covering index (not the id): PostgreSQL counts from the
    # index alone.
    case_counts = cases.aggregate(y=Count("region_path", filter=Q(warning_level=WarningLevel.YELLOW)),
                                  r=Count("region_path", filter=Q(warning_level=WarningLevel.RED)))
    tickets = Ticket.objects.filter(Q(warned=True) | Q(overdue=True), status__in=TICKET_OPEN,
                                    region_path__startswith=path)
    ticket_counts = tickets.aggregate(y=Count("region_path", filter=Q(warned=True, overdue=False)),
                                      r=Count("region_path", filter=Q(overdue=True)))
    today = timezone.localtime(now).date()
    waiting = QueueTicket.objects.filter(day=today, status="waiting", region_path__startswith=path)
    hall_counts = waiting.aggregate(
        y=Count("id", filter=Q(taken_at__lte=now - timedelta(minutes=c.HALL_WAIT_YELLOW_MIN),
                               taken_at__gt=now - timedelta(minutes=c.HALL_WAIT_RED_MIN))),
        r=Count("id", filter=Q(taken_at__lte=now - timedelta(minutes=c.HALL_WAIT_RED_MIN))))
    events = GridEvent.objects.filter(kind="reported", closed_at__isnull=True, region_path__startswith=path)
    grid_counts = events.aggregate(
        y=Count("id", filter=Q(reported_at__lte=now - timedelta(days=c.GRID_YELLOW_DAYS),
                               reported_at__gt=now - timedelta(days=c.GRID_RED_DAYS))),
        r=Count("id", filter=Q(reported_at__lte=now - timedelta(days=c.GRID_RED_DAYS))))
    out = [Light("cases", "政务服务办件", case_counts["y"], case_counts["r"]),
           Light("tickets", "12345工单", ticket_counts["y"], ticket_counts["r"]),
           Light("hall", "大厅等候", hall_counts["y"], hall_counts["r"]),
           Light("grid", "网格事件", grid_counts["y"], grid_counts["r"])]
    for name, fn in extension_monitors().items():
        y, r, label = fn(region_path=path, now=now)
        out.append(Light(name, label, y, r))
    return out


def extension_monitors() -> dict[str, Any]:
    """Counts of modules that plug in: ``MONITOR_SOURCES = {"care": fn(region_path, now) ->
    (yellow, red, label)}`` in ``onewindow.<app>.supervision_sources`` (see ``sources``)."""
    import importlib

    from .sources import extension_sources_modules

    found: dict[str, Any] = {}
    for name in extension_sources_modules():
        found.update(getattr(importlib.import_module(name), "MONITOR_SOURCES", {}))
    return found


def oldest_overdue(*, scope: Scope, now: datetime, limit: int = c.MONITOR_OLDEST) -> list[Overdue]:
    path = scope.region_path or ""
    names = dict(Department.objects.values_list("id", "name"))
    tickets = (Ticket.objects.filter(status__in=TICKET_OPEN, overdue=True, region_path__startswith=path)
               .order_by("due_at").values("id", "public_id", "number", "title", "department_id", "due_at")[:limit])
    cases = (Case.objects.filter(status__in=CASE_OPEN, due_at__lt=now, region_path__startswith=path)
             .exclude(status__in=["supplement", "special"]).order_by("due_at")
             .values("id", "public_id", "number", "item_name", "department_id", "due_at")[:limit])
    t_open = set(SupervisionOrder.objects.filter(ticket_id__in=[t["id"] for t in tickets], status="open")
                 .values_list("ticket_id", flat=True))
    c_open = set(CaseSupervisionOrder.objects.filter(case_id__in=[x["id"] for x in cases], status="open")
                 .values_list("case_id", flat=True))
    items = [Overdue("ticket", t["public_id"], t["number"], t["title"], names.get(t["department_id"], ""),
                     t["due_at"] or now, int((now - (t["due_at"] or now)).total_seconds() // 3600),
                     reverse("tickets:detail", args=[t["public_id"]]), t["id"] in t_open) for t in tickets]
    items += [Overdue("case", x["public_id"], x["number"] or "", x["item_name"], names.get(x["department_id"], ""),
                      x["due_at"] or now, int((now - (x["due_at"] or now)).total_seconds() // 3600),
                      reverse("supervision:case_order", args=[x["public_id"]]), x["id"] in c_open) for x in cases]
    items.sort(key=lambda o: o.due_at)
    return items[:limit]


def rising_departments(*, scope: Scope, now: datetime) -> list[Rising]:
    """Departments with more items falling overdue in the last 7 days than the 7 before."""
    path = scope.region_path or ""
    week, fortnight = now - timedelta(days=7), now - timedelta(days=14)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    # Counting due_at (the key of each partial index, never null in the range) rather than the
    # id: PostgreSQL answers every query below from its index alone.
    t = (Ticket.objects.filter(overdue=True, due_at__gte=fortnight, due_at__lt=now, region_path__startswith=path,
                               department__isnull=False)
         .values("department_id").annotate(now_=Count("due_at", filter=Q(due_at__gte=week)),
                                             before=Count("due_at", filter=Q(due_at__lt=week))))
    # Late cases: decided late, or open and undecided past the deadline — two disjoint queries,
    # each answered by its own partial index (an OR of both scanned every case of the fortnight).
    k = [row for late in (Q(overdue=True), Q(overdue=False, status__in=CASE_OPEN, decided_at__isnull=True))
         for row in Case.objects.filter(late, due_at__gte=fortnight, due_at__lt=now, region_path__startswith=path)
         .values("department_id").annotate(now_=Count("due_at", filter=Q(due_at__gte=week)),
                                             before=Count("due_at", filter=Q(due_at__lt=week))).order_by()]
    for row in [*t, *k]:
        counts[row["department_id"]][0] += row["now_"]
        counts[row["department_id"]][1] += row["before"]
    names = dict(Department.objects.filter(id__in=counts).values_list("id", "name"))
    out = [Rising(names.get(d, ""), a, b) for d, (a, b) in counts.items() if a > b]
    out.sort(key=lambda r: (r.last_week - r.this_week, r.department))
    return out[:10]


REJECTED = Q(action__in=[CaseAction.NOT_ACCEPT, CaseAction.REFUSE])
DECISION_ACTIONS = [CaseAction.ACCEPT, CaseAction.NOT_ACCEPT, CaseAction.APPROVE, CaseAction.REFUSE]
ClerkCounts = dict[tuple[int, str], list[int]]


def clerk_decisions_live(*, path: str, start: datetime, end: datetime | None = None) -> ClerkCounts:
    """Decisions and rejections per clerk from the case events of ``start``..``end`` (open end:
    up to now) whose case lies under ``path``: the rule's query as first written."""
    events = CaseEvent.objects.filter(at__gte=start, actor__isnull=False, case__region_path__startswith=path,
                                      action__in=DECISION_ACTIONS)
    if end is not None:
        events = events.filter(at__lt=end)
    rows = events.values("actor_id", "actor_label").annotate(n=Count("id"), rejected=Count("id", filter=REJECTED))
    return {(d["actor_id"], d["actor_label"]): [d["n"], d["rejected"]] for d in rows.order_by()}


def clerk_decisions(*, path: str, since: datetime, now: datetime) -> ClerkCounts:
    """``clerk_decisions_live`` from ``since`` on, with what the refresh has covered read from
    ``ClerkDailyDecisions`` (a few rows per clerk and day) and only the edges read live: the
    decisions since the last refresh, and the partial first day — added from ``since`` to its
    day's end, or, when that is the longer part, its whole day taken less its start. Exact for
    scopes down to a street (the pre-aggregate keeps the street); a deeper scope reads live."""

    def table(lo: date, hi: date) -> ClerkCounts:
        rows = (ClerkDailyDecisions.objects.filter(region_path__startswith=path, day__gte=lo, day__lte=hi)
                .values("actor_id", "actor_label").annotate(n=Sum("decisions"), rejected=Sum("rejected"))
                .order_by())
        return {(d["actor_id"], d["actor_label"]): [d["n"], d["rejected"]] for d in rows}

    return _covered_counts(path=path, since=since, now=now, table=table,
                           live=lambda start, end: clerk_decisions_live(path=path, start=start, end=end))


def _covered_counts(*, path: str, since: datetime, now: datetime, table: Callable[[date, date], dict[Any, list[int]]],
                    live: Callable[[datetime, datetime | None], dict[Any, list[int]]]) -> dict[Any, list[int]]:
    """Counts from ``since`` on out of a daily pre-aggregate kept per street and covered by
    ``ClerkDecisionsCoverage``: ``table(first_day, last_day)`` sums its whole days, ``live(start,
    end)`` counts the events of an instant range (open end: up to now). Each value is a list of
    counts; keys whose first count is 0 are left out, as a grouped query would."""
    from .services.figures import day_start, path_depth, today_local

    cover = ClerkDecisionsCoverage.objects.first()
    first_day = today_local(since)
    if (cover is None or path_depth(path) > 2 or cover.through <= day_start(first_day + timedelta(days=1))
            or cover.through > now):
        return live(since, None)
    signed: list[tuple[int, dict[Any, list[int]]]] = [(1, live(cover.through, None))]
    if cover.first_day > first_day:
        lo = cover.first_day
        signed.append((1, live(since, day_start(lo))))
    elif since - day_start(first_day) < day_start(first_day + timedelta(days=1)) - since:
        lo = first_day
        signed.append((-1, live(day_start(first_day), since)))
    else:
        lo = first_day + timedelta(days=1)
        signed.append((1, live(since, day_start(lo))))
    signed.append((1, table(lo, today_local(cover.through))))
    out: dict[Any, list[int]] = {}
    for sign, part in signed:
        for key, counts in part.items():
            target = out.setdefault(key, [0] * len(counts))
            for i, n in enumerate(counts):
                target[i] += sign * n
    return {key: v for key, v in out.items() if v[0]}


def dispatcher_returns_live(*, path: str, start: datetime, end: datetime | None = None) -> dict[int, list[int]]:
    """Returns per dispatcher of the tickets under ``path`` returned from ``start`` to ``end``
    (open end: up to now): the rule's query as first written, without the names."""
    returns = TicketReturn.objects.filter(returned_at__gte=start, dispatched_by__isnull=False,
                                          ticket__region_path__startswith=path)
    if end is not None:
        returns = returns.filter(returned_at__lt=end)
    return {d["dispatched_by_id"]: [d["n"]] for d in returns.values("dispatched_by_id").annotate(n=Count("id"))
            .order_by()}


def dispatcher_returns(*, path: str, since: datetime, now: datetime) -> dict[int, list[int]]:
    """``dispatcher_returns_live`` from ``since`` on, the covered days read from
    ``DispatcherDailyReturns`` (as ``clerk_decisions``)."""

    def table(lo: date, hi: date) -> dict[int, list[int]]:
        rows = (DispatcherDailyReturns.objects.filter(region_path__startswith=path, day__gte=lo, day__lte=hi)
                .values("dispatcher_id").annotate(n=Sum("returns")).order_by())
        return {d["dispatcher_id"]: [d["n"]] for d in rows}

    return _covered_counts(path=path, since=since, now=now, table=table,
                           live=lambda start, end: dispatcher_returns_live(path=path, start=start, end=end))


def same_person_live(*, since: datetime) -> set[int]:
    """Approvals from ``since`` on whose case their approver accepted from ``since`` on: one
    semi-join in the (action, at) index (approvals follow acceptance, so both lie in the window)."""
    accepted_by_same = CaseEvent.objects.filter(case_id=OuterRef("case_id"), actor_id=OuterRef("actor_id"),
                                                action=CaseAction.ACCEPT, at__gte=since)
    return set(CaseEvent.objects.filter(action=CaseAction.APPROVE, at__gte=since, actor__isnull=False)
               .filter(Exists(accepted_by_same)).values_list("id", flat=True).order_by())


def same_person(*, since: datetime, now: datetime) -> set[int]:
    """``same_person_live``, read from ``SamePersonApproval`` up to the last refresh; live only
    the approvals since it (checked against every acceptance of the window) and the acceptances
    since it (checked against every approval of the window), a few minutes of events each."""
    from .services.figures import same_person_from

    cover = ClerkDecisionsCoverage.objects.first()
    if cover is None or cover.through > now or since < same_person_from(cover):
        return same_person_live(since=since)
    found = set(SamePersonApproval.objects.filter(approved_at__gte=since, accepted_at__gte=since)
                .values_list("event_id", flat=True))
    recent = list(CaseEvent.objects.filter(action=CaseAction.APPROVE, at__gte=cover.through, actor__isnull=False)
                  .values_list("id", "case_id", "actor_id").order_by())
    if recent:
        accepted = set(CaseEvent.objects.filter(action=CaseAction.ACCEPT, at__gte=since,
                                                case_id__in={c for _, c, _ in recent})
                       .values_list("case_id", "actor_id").order_by())
        found.update(i for i, case, actor in recent if (case, actor) in accepted)
    accepted = set(CaseEvent.objects.filter(action=CaseAction.ACCEPT, at__gte=cover.through, actor__isnull=False)
                   .values_list("case_id", "actor_id").order_by())
    if accepted:
        found.update(i for i, case, actor in CaseEvent.objects.filter(
            action=CaseAction.APPROVE, at__gte=since, at__lt=cover.through, actor__isnull=False,
            case_id__in={c for c, _ in accepted}).values_list("id", "case_id", "actor_id").order_by()
            if (case, actor) in accepted)
    return found


def anomalies(*, scope: Scope, now: datetime) -> list[Anomaly]:
    path = scope.region_path or ""
    since = now - timedelta(days=c.ANOMALY_WINDOW_DAYS)
    out: list[Anomaly] = []

    # 1. One person accepted and approved the same case (受理与审批为同一人): the matching
    # approvals (pre-aggregated up to the last refresh), then the details of the few in scope.
    same = (CaseEvent.objects.filter(id__in=sorted(same_person(since=since, now=now)),
                                     case__region_path__startswith=path)
            .values("case_id", "actor_id", "actor_label", "case__public_id", "case__number", "case__item_name"))
    recs = [AnomalyRecord(f"{e['case__number']} {e['case__item_name']}", f"受理人与审批人均为 {e['actor_label']}",
                          reverse("supervision:case_order", args=[e["case__public_id"]]))
            for e in same]
    out.append(Anomaly("same_person", "受理与审批为同一人", "同一办件的受理和准予许可由同一工作人员完成", recs))

    # 2. A deadline paused again and again (反复暂停计时).
    paused = (CasePause.objects.filter(started_at__gte=since, case__region_path__startswith=path)
              .values("case_id", "case__public_id", "case__number", "case__item_name").annotate(n=Count("id"))
              .filter(n__gte=c.ANOMALY_PAUSES).order_by("-n")[:20])
    out.append(Anomaly("pauses", "反复暂停计时",
                       f"{c.ANOMALY_WINDOW_DAYS} 天内同一办件暂停计时 {c.ANOMALY_PAUSES} 次及以上",
                       [AnomalyRecord(f"{p['case__number']} {p['case__item_name']}", f"暂停 {p['n']} 次",
                                      reverse("supervision:case_order", args=[p["case__public_id"]])) for p in paused]))

    # 3. A clerk's rejections far above the median (不予受理/不予许可比例异常).
    counts = clerk_decisions(path=path, since=since, now=now)
    rates = [(label, n, r, r / n) for (_, label), (n, r) in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0]))
             if n >= c.ANOMALY_REJECT_MIN]
    median = statistics.median([rate for *_, rate in rates]) if rates else 0.0
    floor = max(median * c.ANOMALY_REJECT_FACTOR, 0.1)
    recs = [AnomalyRecord(label, f"{r}/{n} 件不予受理或不予许可（中位数 {median:.0%}）", "")
            for label, n, r, rate in rates if rate >= floor and r > 0]
    out.append(Anomaly("rejections", "驳回比例远高于中位数",
                       f"工作人员的不予受理/不予许可比例达到全体中位数的 {c.ANOMALY_REJECT_FACTOR:g} 倍（至少 "
                       f"{c.ANOMALY_REJECT_MIN} 件决定）", recs))

    # 4. Many returns of one dispatcher's tickets (同一派单员被多次退回).
    returned = {who: n for who, (n,) in dispatcher_returns(path=path, since=since, now=now).items()
                if n >= c.ANOMALY_RETURNS}
    names = dict(User.objects.filter(id__in=returned).values_list("id", "username"))
    labels = Counter({names[who]: n for who, n in sorted(returned.items(), key=lambda kv: (-kv[1], names[kv[0]]))})
    out.append(Anomaly("returns", "同一派单员工单被多次退回",
                       f"{c.ANOMALY_WINDOW_DAYS} 天内同一派单员派出的工单被退回 {c.ANOMALY_RETURNS} 次及以上",
                       [AnomalyRecord(name, f"被退回 {n} 次", "") for name, n in labels.most_common(20)]))
    return out


def case_for_order(*, actor: Any, public_id: Any) -> Case:
    scope = monitor_scope(actor)
    case = Case.objects.select_related("department").filter(public_id=public_id).exclude(status="draft").first()
    if case is None or not scope.covers_region_path(case.region_path):
        raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
    return case


def case_orders(*, case: Case) -> list[CaseSupervisionOrder]:
    return list(CaseSupervisionOrder.objects.filter(case=case).select_related("issued_by", "answered_by"))


def case_order_list(*, actor: Any, status: str = "") -> Any:
    """Orders the actor may see: supervisors all in their region, departments their own."""
    scope = scope_for(actor)
    if scope.is_empty:
        return CaseSupervisionOrder.objects.none()
    qs = CaseSupervisionOrder.objects.filter(region_path__startswith=scope.region_path or "").select_related(
        "case", "department")
    if not scope.all_departments:
        qs = qs.filter(department_id__in=sorted(scope.department_ids))
    if status:
        qs = qs.filter(status=status)
    return qs
