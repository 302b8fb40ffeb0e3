"""What supervision reads from the modules below it, for the daily figures.

Supervision sits above cases, tickets, hall and grid and is read-only towards them: every
aggregate query over their tables lives here (ADR 0017), grouped by Beijing day × department ×
region so that one refresh reads each table once per column family. Other modules (home care)
plug in through ``extension_sources``: a module ``onewindow.<app>.supervision_sources``
exposing ``FIGURE_SOURCES = {"care": callable(first, last) -> rows}``, found at start-up, so
supervision never imports a module that may not exist.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from onewindow.cases.constants import Channel as CaseChannel
from onewindow.cases.models import Case, Rating
from onewindow.grid.models import GridEvent, Visit
from onewindow.hall.models import QueueTicket
from onewindow.tickets.constants import Satisfaction
from onewindow.tickets.models import Ticket, TicketReturn

SH = ZoneInfo("Asia/Shanghai")
Key = tuple[date, int | None, str]
Rows = dict[Key, dict[str, int]]
SourceFn = Callable[[date, date], Rows]


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, time.min, tzinfo=SH),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=SH))


def _merge(rows: Rows, qs: Iterable[Any], *, dept: str = "department_id",
           path: str = "region_path") -> None:
    for r in qs:
        key = (r.pop("d"), r.pop(dept, None), r.pop(path, "") or "")
        target = rows.setdefault(key, defaultdict(int))
        for name, value in r.items():
            target[name] += int(value or 0)


def _by_day(qs: QuerySet[Any], field: str, *group: str) -> QuerySet[Any]:
    return qs.annotate(d=TruncDate(field, tzinfo=SH)).values("d", *group)


def cases_rows(first: date, last: date) -> Rows:
    start, end = day_bounds(first, last)
    rows: Rows = {}
    group = ("department_id", "region_path")
    received = Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    _merge(rows, _by_day(received, "submitted_at", *group).annotate(
        received=Count("id"), online=Count("id", filter=Q(channel=CaseChannel.ONLINE))))
    decided = Case.objects.filter(decided_at__gte=start, decided_at__lt=end)
    timed = Q(legal_limit_days__isnull=False, working_days_used__isnull=False)
    _merge(rows, _by_day(decided, "decided_at", *group).annotate(
        finished=Count("id"), early=Count("id", filter=Q(completed_early=True)),
        overdue=Count("id", filter=Q(overdue=True)),
        limit_days=Coalesce(Sum("legal_limit_days", filter=timed), 0),
        used_days=Coalesce(Sum("working_days_used", filter=timed), 0)))
    ratings = Rating.objects.filter(created_at__gte=start, created_at__lt=end, step__isnull=True)
    _merge(rows, _by_day(ratings, "created_at", "department_id", "case__region_path").annotate(
        rated=Count("id"), satisfied=Count("id", filter=Q(level__gte=4))), path="case__region_path")
    return rows


def tickets_rows(first: date, last: date, *, response_hours: int | None = None) -> Rows:
    if response_hours is None:
        from onewindow.tickets.selectors import hotline_config

        response_hours = int(hotline_config().response_hours)
    start, end = day_bounds(first, last)
    rows: Rows = {}
    group = ("department_id", "region_path")
    received = Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
    in_time = Q(accepted_at__isnull=False,
                accepted_at__lte=F("dispatched_at") + timedelta(hours=response_hours))
    _merge(rows, _by_day(received, "received_at", *group).annotate(
        received=Count("id"), dispatched=Count("id", filter=Q(dispatched_at__isnull=False)),
        responded=Count("id", filter=in_time)))
    replied = Ticket.objects.filter(replied_at__gte=start, replied_at__lt=end)
    _merge(rows, _by_day(replied, "replied_at", *group).annotate(
        finished=Count("id"), overdue=Count("id", filter=Q(overdue=True))))
    called = Ticket.objects.filter(callback_at__gte=start, callback_at__lt=end)
    _merge(rows, _by_day(called, "callback_at", *group).annotate(
        callbacks=Count("id"),
        satisfied=Count("id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
        solved=Count("id", filter=Q(solved=True))))
    returns = TicketReturn.objects.filter(returned_at__gte=start, returned_at__lt=end)
    _merge(rows, _by_day(returns, "returned_at", "department_id", "ticket__region_path").annotate(
        returned=Count("id")), path="ticket__region_path")
    return rows


def hall_rows(first: date, last: date) -> Rows:
    rows: Rows = {}
    taken = QueueTicket.objects.filter(day__gte=first, day__lte=last)
    wait = ExpressionWrapper(F("first_called_at") - F("taken_at"), output_field=DurationField())
    _merge(rows, taken.annotate(d=F("day")).values("d", "region_path").annotate(
        received=Count("id"), finished=Count("id", filter=Q(status="done")),
        waits=Count("id", filter=Q(first_called_at__isnull=False))))
    # Waiting time in seconds, summed in Python: duration sums differ between databases.
    sums: dict[tuple[date, str], int] = defaultdict(int)
    for day, path, waited in (taken.filter(first_called_at__isnull=False).annotate(w=wait)
                              .values_list("day", "region_path", "w").iterator(chunk_size=5000)):
        sums[(day, path or "")] += int(waited.total_seconds()) if waited else 0
    for (day, path), seconds in sums.items():
        rows.setdefault((day, None, path), defaultdict(int))["wait_seconds"] = seconds
    return rows


def grid_rows(first: date, last: date) -> Rows:
    start, end = day_bounds(first, last)
    rows: Rows = {}
    reported = GridEvent.objects.filter(reported_at__gte=start, reported_at__lt=end)
    _merge(rows, _by_day(reported, "reported_at", "region_path").annotate(received=Count("id")))
    closed = GridEvent.objects.filter(closed_at__gte=start, closed_at__lt=end)
    _merge(rows, _by_day(closed, "closed_at", "region_path").annotate(finished=Count("id")))
    visits = Visit.objects.filter(visited_at__gte=start, visited_at__lt=end)
    _merge(rows, _by_day(visits, "visited_at", "region_path").annotate(visits=Count("id")))
    return rows


TopRows = list[tuple[date, str, str, str, str, int]]  # day, kind, key, label, region, n


def top_rows(first: date, last: date) -> TopRows:
    start, end = day_bounds(first, last)
    out: TopRows = []
    cases = Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    for r in _by_day(cases, "submitted_at", "item_id", "item_name", "region_path").annotate(n=Count("id")):
        out.append((r["d"], "item", str(r["item_id"]), r["item_name"], r["region_path"] or "", r["n"]))
    tickets = Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
    for r in _by_day(tickets.filter(category__isnull=False), "received_at", "category_id",
                     "category__full_name", "region_path").annotate(n=Count("id")):
        out.append((r["d"], "category", str(r["category_id"]), r["category__full_name"],
                    r["region_path"] or "", r["n"]))
    for r in _by_day(tickets.exclude(place_name=""), "received_at", "place_name", "region_path").annotate(
            n=Count("id")):
        out.append((r["d"], "place", r["place_name"][:64], r["place_name"], r["region_path"] or "", r["n"]))
    return out


def extension_sources_modules() -> list[str]:
    """The ``onewindow.<app>.supervision_sources`` modules of installed apps (the extension
    point for modules built after supervision, e.g. home care's orders)."""
    found = []
    for app in settings.INSTALLED_APPS:
        if not app.startswith("onewindow."):
            continue
        name = f"{app}.supervision_sources"
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            found.append(name)
    return found


def extension_sources() -> dict[str, SourceFn]:
    """Figure sources of modules that plug in: ``FIGURE_SOURCES = {"care": fn(first, last) ->
    {(day, department_id, region_path): {"received": n, "finished": n, …}}}``."""
    found: dict[str, SourceFn] = {}
    for name in extension_sources_modules():
        found.update(getattr(importlib.import_module(name), "FIGURE_SOURCES", {}))
    return found


def builtin_sources() -> dict[str, SourceFn]:
    return {"cases": cases_rows, "tickets": tickets_rows, "hall": hall_rows, "grid": grid_rows}


# --- Events behind assessment deductions -------------------------------------------------------
@dataclass(frozen=True)
class Event:
    kind: str
    object_type: str  # ticket, case, rating
    public_id: Any
    number: str
    at: datetime
    department_id: int | None
    region_path: str
    note: str = ""


def deduction_events(first: date, last: date, *, now: datetime) -> list[Event]:
    """Every event of the period a deduction rule may count, each with the record behind it."""
    from onewindow.cases.constants import FINISHED_STATUSES
    from onewindow.cases.models import RatingFollowUp
    from onewindow.tickets.constants import Action
    from onewindow.tickets.models import SupervisionOrder, TicketEvent

    from .models import CaseSupervisionOrder

    start, end = day_bounds(first, last)
    end_or_now = min(end, now)
    out: list[Event] = []
    overdue_tickets = Ticket.objects.filter(overdue=True, due_at__gte=start, due_at__lt=end_or_now,
                                            department__isnull=False)
    for t in overdue_tickets.values("public_id", "number", "due_at", "department_id", "region_path"):
        out.append(Event("ticket_overdue", "ticket", t["public_id"], t["number"], t["due_at"] or now,
                         t["department_id"], t["region_path"], "超过办理时限"))
    for r in TicketReturn.objects.filter(returned_at__gte=start, returned_at__lt=end).values(
            "ticket__public_id", "ticket__number", "returned_at", "department_id", "ticket__region_path", "reason"):
        out.append(Event("ticket_return", "ticket", r["ticket__public_id"], r["ticket__number"], r["returned_at"],
                         r["department_id"], r["ticket__region_path"], r["reason"][:200]))
    for e in TicketEvent.objects.filter(action=Action.REOPEN, at__gte=start, at__lt=end).values(
            "ticket__public_id", "ticket__number", "at", "ticket__department_id", "ticket__region_path"):
        out.append(Event("ticket_reopen", "ticket", e["ticket__public_id"], e["ticket__number"], e["at"],
                         e["ticket__department_id"], e["ticket__region_path"], "回访不满意重办"))
    for o in SupervisionOrder.objects.filter(created_at__gte=start, created_at__lt=end).values(
            "ticket__public_id", "ticket__number", "created_at", "department_id", "ticket__region_path", "reason"):
        out.append(Event("ticket_order", "ticket", o["ticket__public_id"], o["ticket__number"], o["created_at"],
                         o["department_id"], o["ticket__region_path"], o["reason"][:200]))
    decided_late = Case.objects.filter(overdue=True, decided_at__gte=start, decided_at__lt=end)
    open_late = Case.objects.filter(due_at__gte=start, due_at__lt=end_or_now, decided_at__isnull=True).exclude(
        status__in=[*FINISHED_STATUSES, "draft", "supplement", "special"])
    for qs, at_field in ((decided_late, "decided_at"), (open_late, "due_at")):
        for c in qs.values("public_id", "number", at_field, "department_id", "region_path"):
            out.append(Event("case_overdue", "case", c["public_id"], c["number"] or "", c[at_field] or now,
                             c["department_id"], c["region_path"], "超过办理时限"))
    for co in CaseSupervisionOrder.objects.filter(created_at__gte=start, created_at__lt=end).values(
            "case__public_id", "case__number", "created_at", "department_id", "region_path", "reason"):
        out.append(Event("case_order", "case", co["case__public_id"], co["case__number"] or "", co["created_at"],
                         co["department_id"], co["region_path"], co["reason"][:200]))
    late = Q(status="open", due_at__lt=end_or_now) | Q(status="done", answered_at__gt=F("due_at"))
    for f in RatingFollowUp.objects.filter(late, due_at__gte=start, due_at__lt=end).values(
            "rating__case__public_id", "rating__case__number", "due_at", "department_id", "region_path"):
        out.append(Event("rating_unrectified", "case", f["rating__case__public_id"], f["rating__case__number"] or "",
                         f["due_at"], f["department_id"], f["region_path"], "差评未按期整改"))
    out.sort(key=lambda e: (e.at, e.number))
    return out


def ticket_records(start: datetime, end: datetime) -> Iterable[Any]:
    """Generalisable attributes of tickets received in [start, end) (open data; no text, no
    address, no people)."""
    return (Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
            .values("received_at", "region_path", "category__full_name", "channel", "status", "satisfaction")
            .iterator(chunk_size=5000))
