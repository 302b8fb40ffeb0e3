"""Hall figures (reads): per hall, window, clerk and business type for a day or a period —
numbers taken, served, no-shows, average and 90th-percentile waiting and service times,
longest waits now, appointments kept — and the same as an Excel workbook."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

from django.utils import timezone

from onewindow.accounts.models import ServiceHall, ServiceWindow, Staff
from onewindow.core.errors import ValidationFailed
from onewindow.core.workdays import SHANGHAI

from . import rules, selectors
from .constants import AppointmentStatus, TicketStatus
from .models import Appointment, BusinessType, QueueTicket

MAX_DAYS = 366


@dataclass
class Row:
    """One line of figures (a hall, window, clerk, business type or day)."""

    key: str
    label: str
    taken: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "taken": self.taken, "served": self.served,
                "no_show": self.no_show, "cancelled": self.cancelled,
                "wait_avg": _round(rules.mean(self.waits)), "wait_p90": _round(rules.percentile(self.waits, 90)),
                "service_avg": _round(rules.mean(self.services)),
                "service_p90": _round(rules.percentile(self.services, 90))}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class HallFigures:
    start: date
    end: date
    halls: list[ServiceHall]
    total: dict[str, Any]
    by_hall: list[dict[str, Any]]
    by_window: list[dict[str, Any]]
    by_clerk: list[dict[str, Any]]
    by_type: list[dict[str, Any]]
    by_day: list[dict[str, Any]]
    by_hour: list[dict[str, Any]]
    appointments: dict[str, int]
    longest_waits: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "halls": [{"id": str(h.public_id), "name": h.name}
                                                                for h in self.halls],
                "total": self.total, "by_hall": self.by_hall, "by_window": self.by_window,
                "by_clerk": self.by_clerk, "by_type": self.by_type, "by_day": self.by_day,
                "by_hour": self.by_hour, "appointments": self.appointments,
                "longest_waits": self.longest_waits}


def period_check(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期", code="hall_period_invalid",
                               fields={"end": "结束日期不能早于开始日期"})
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(f"统计区间不能超过{MAX_DAYS}天", code="hall_period_too_long",
                               fields={"start": f"统计区间不能超过{MAX_DAYS}天"})


def hall_figures(*, actor: Any, start: date, end: date, hall: ServiceHall | None = None,
                 now: datetime | None = None) -> HallFigures:
    """Figures of the halls the actor manages (or of one of them)."""
    period_check(start, end)
    now = now or timezone.now()
    halls = [hall] if hall is not None else selectors.halls_for_staff(actor=actor, manage=True)
    if hall is not None and not selectors.can_manage(actor, hall):
        from onewindow.core.errors import NotFound

        raise NotFound("找不到该服务大厅", code="hall_not_found")
    hall_ids = [h.pk for h in halls]
    rows = list(QueueTicket.objects.filter(hall_id__in=hall_ids, day__gte=start, day__lte=end).values_list(
        "hall_id", "business_type_id", "window_id", "clerk_id", "status", "day", "taken_at",
        "first_called_at", "serve_started_at", "finished_at").order_by())
    hall_names = {h.pk: h.name for h in halls}
    type_names = dict(BusinessType.objects.filter(hall_id__in=hall_ids).values_list("id", "name"))
    window_ids = {r[2] for r in rows if r[2]}
    windows = {w.pk: f"{hall_names.get(w.hall_id, '')} {w.number}号窗口"
               for w in ServiceWindow.objects.filter(pk__in=window_ids)}
    clerk_ids = {r[3] for r in rows if r[3]}
    clerks = dict(Staff.objects.filter(pk__in=clerk_ids).values_list("id", "name"))
    total = Row("total", "合计")
    groups: dict[str, dict[Any, Row]] = {k: {} for k in ("hall", "window", "clerk", "type", "day", "hour")}

    def row(kind: str, key: Any, label: str) -> Row:
        found = groups[kind].get(key)
        if found is None:
            found = groups[kind][key] = Row(str(key), label)
        return found

    for hall_id, type_id, window_id, clerk_id, status, day, taken, called, started, finished in rows:
        hour = taken.astimezone(SHANGHAI).hour
        targets = [total, row("hall", hall_id, hall_names.get(hall_id, "")),
                   row("type", type_id, f"{hall_names.get(hall_id, '')} {type_names.get(type_id, '')}"
                       if len(halls) > 1 else type_names.get(type_id, "")),
                   row("day", day, day.isoformat()), row("hour", hour, f"{hour:02d}:00")]
        served_by = []
        if window_id:
            served_by.append(row("window", window_id, windows.get(window_id, "")))
        if clerk_id:
            served_by.append(row("clerk", clerk_id, clerks.get(clerk_id, "")))
        wait = (called - taken).total_seconds() / 60 if called else None
        service = (finished - started).total_seconds() / 60 if (
            status == TicketStatus.DONE and started and finished) else None
        for target in targets:
            target.taken += 1
            target.served += status == TicketStatus.DONE
            target.no_show += status == TicketStatus.NO_SHOW
            target.cancelled += status == TicketStatus.CANCELLED
            if wait is not None:
                target.waits.append(wait)
            if service is not None:
                target.services.append(service)
        for target in served_by:
            target.taken += 1  # numbers called to this window / clerk
            target.served += status == TicketStatus.DONE
            target.no_show += status == TicketStatus.NO_SHOW
            if service is not None:
                target.services.append(service)
            if wait is not None:
                target.waits.append(wait)
    by_day = []
    day = start
    while day <= end:  # every day of the period, zeros included (a continuous chart)
        by_day.append((groups["day"].get(day) or Row(day.isoformat(), day.isoformat())).as_dict())
        day += timedelta(days=1)
    return HallFigures(
        start=start, end=end, halls=halls, total=total.as_dict(),
        by_hall=_sorted(groups["hall"].values()), by_window=_sorted(groups["window"].values()),
        by_clerk=_sorted(groups["clerk"].values()), by_type=_sorted(groups["type"].values()),
        by_day=by_day, by_hour=[r.as_dict() for _, r in sorted(groups["hour"].items())],
        appointments=_appointments(hall_ids, start, end),
        longest_waits=_longest_waits(hall_ids, now) if start <= selectors.today(now) <= end else [])


def _sorted(rows: Iterable[Row]) -> list[dict[str, Any]]:
    return [r.as_dict() for r in sorted(rows, key=lambda r: r.label)]


def _appointments(hall_ids: list[int], start: date, end: date) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for status, on_time in Appointment.objects.filter(hall_id__in=hall_ids, day__gte=start, day__lte=end
                                                      ).values_list("status", "on_time"):
        counts[status] += 1
        if status == AppointmentStatus.CHECKED_IN and on_time:
            counts["on_time"] += 1
    booked = sum(v for k, v in counts.items() if k in AppointmentStatus.values and k != AppointmentStatus.CANCELLED)
    return {"booked": booked, "kept": counts[AppointmentStatus.CHECKED_IN], "on_time": counts["on_time"],
            "no_show": counts[AppointmentStatus.NO_SHOW], "cancelled": counts[AppointmentStatus.CANCELLED],
            "pending": counts[AppointmentStatus.BOOKED]}


def _longest_waits(hall_ids: list[int], now: datetime, limit: int = 10) -> list[dict[str, Any]]:
    waiting = (QueueTicket.objects.filter(hall_id__in=hall_ids, day=selectors.today(now), status=TicketStatus.WAITING)
               .select_related("business_type", "hall").order_by("taken_at")[:limit])
    return [{"hall": t.hall.name, "number": t.number, "business_type": t.business_type.name,
             "minutes": int((now - t.taken_at).total_seconds() // 60)} for t in waiting]


# --- Excel ------------------------------------------------------------------------------------
HEADERS = ["名称", "取号/叫号", "办结", "过号", "取消", "平均等候（分钟）", "90%等候（分钟）", "平均办理（分钟）",
           "90%办理（分钟）"]
KEYS = ["label", "taken", "served", "no_show", "cancelled", "wait_avg", "wait_p90", "service_avg", "service_p90"]


def figures_workbook(figures: HallFigures) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    sheet.append(["大厅运行统计", f"{figures.start:%Y-%m-%d} 至 {figures.end:%Y-%m-%d}"])
    sheet.append(["大厅", "、".join(h.name for h in figures.halls)])
    sheet.append([])
    sheet.append(HEADERS)
    sheet.append([figures.total.get(k) for k in KEYS])
    sheet.append([])
    sheet.append(["预约", "已预约", "已签到", "按时签到", "爽约", "取消"])
    a = figures.appointments
    sheet.append(["", a["booked"], a["kept"], a["on_time"], a["no_show"], a["cancelled"]])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for title, rows in (("按大厅", figures.by_hall), ("按窗口", figures.by_window), ("按人员", figures.by_clerk),
                        ("按业务类型", figures.by_type), ("按日", figures.by_day), ("按时段", figures.by_hour)):
        ws = book.create_sheet(title)
        ws.append(HEADERS)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([r.get(k) for k in KEYS])
        ws.column_dimensions["A"].width = 28
    out = BytesIO()
    book.save(out)
    return out.getvalue()
