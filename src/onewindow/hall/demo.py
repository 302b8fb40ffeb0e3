"""Demo data of the service hall: business types and windows of every demo hall, a day of
queue numbers in every state (with calls, windows at work and numbers still waiting) and the
days before it, and a week of appointments around today — so that the calling screen, the
clerks' panels, the live view and the figures show something on first start.

Idempotent: types are ensured by (hall, code); the numbers and appointments are made only
when the demo halls have none. Nothing is dated in the future except bookings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import UserKind
from onewindow.accounts.models import Person, ServiceHall, ServiceWindow, Staff, User
from onewindow.accounts.services import user_create
from onewindow.catalog.models import ServiceItem
from onewindow.core.audit import audit_record
from onewindow.core.selectors import work_calendar
from onewindow.core.workdays import SHANGHAI, is_working_day, local_date

from . import rules, services
from .constants import AppointmentStatus, CallKind, PriorityReason, Rank, TicketChannel, TicketStatus, WindowStatus
from .models import (
    Appointment,
    AppointmentSlot,
    BusinessType,
    HallProfile,
    QueueCall,
    QueueCounter,
    QueueTicket,
    WindowState,
)

SEED = 530103
T = TicketStatus

# District hall: (code, name, prefix, window numbers, department code suffixes of its items,
# bookable, service minutes). The general type takes every other published item.
DISTRICT_TYPES: list[tuple[str, str, str, list[str], list[str] | None, bool, int]] = [
    ("general", "综合受理", "A", [f"A{n:02d}" for n in range(1, 9)], None, True, 12),
    ("police", "公安业务", "B", ["B01"], ["GAFJ"], True, 10),
    ("estate", "不动产登记", "C", ["B02"], ["ZRZYJ"], True, 20),
    ("market", "企业开办·市场监管", "D", ["B03"], ["SCJGJ"], True, 18),
    ("pickup", "出件领证", "E", ["C01"], [], False, 4),
    ("help", "帮办代办（老年人、残疾人）", "F", ["C02"], [], False, 15),
]
# (code, prefix, share of the day's numbers)
DISTRICT_MIX = [("general", 0.58), ("police", 0.12), ("estate", 0.1), ("market", 0.1), ("pickup", 0.06),
                ("help", 0.04)]


@dataclass
class _Ctx:
    now: datetime
    rng: random.Random
    small: bool


def _demo_halls() -> list[ServiceHall]:
    area = settings.ONEWINDOW_DISTRICT_CODE
    district = ServiceHall.objects.filter(region__code=area).select_related("region").order_by("id")
    root = district.first()
    if root is None:
        return []
    halls = ServiceHall.objects.filter(region__path__startswith=root.region.path).select_related("region")
    # the district's hall first, then the streets' centres, then the communities' stations
    return sorted(halls, key=lambda h: (h.region.path.count("/"), h.region.code, h.pk))


def _centre(hall: ServiceHall) -> tuple[float | None, float | None]:
    r = hall.region
    if None in (r.min_lat, r.max_lat, r.min_lng, r.max_lng):
        return None, None
    return (round((r.min_lat + r.max_lat) / 2, 6),  # type: ignore[operator]
            round((r.min_lng + r.max_lng) / 2, 6))  # type: ignore[operator]


def _items_by_suffix(area: str) -> dict[str, list[ServiceItem]]:
    found: dict[str, list[ServiceItem]] = {}
    for item in ServiceItem.objects.filter(current_version__isnull=False, department__code__startswith=f"{area}-"
                                           ).select_related("department"):
        found.setdefault(item.department.code.split("-", 1)[1], []).append(item)
    return found


def _types_ensure(halls: list[ServiceHall]) -> int:
    """Profiles and business types of every demo hall, with their windows and items."""
    area = settings.ONEWINDOW_DISTRICT_CODE[:6]
    items = _items_by_suffix(area)
    created = 0
    district_id = halls[0].pk
    for hall in halls:
        lat, lng = _centre(hall)
        HallProfile.objects.get_or_create(hall=hall, defaults={"latitude": lat, "longitude": lng})
        windows = {w.number: w for w in ServiceWindow.objects.filter(hall=hall)}
        if hall.pk == district_id:
            specs = DISTRICT_TYPES
        else:
            specs = [("general", "综合受理", "A", [n for n in windows if n in ("01", "02")], [], True, 12),
                     ("help", "帮办代办", "F", [n for n in windows if n == "03"], [], False, 15)]
        taken_suffixes = {s for spec in specs for s in (spec[4] or [])}
        for code, name, prefix, numbers, suffixes, bookable, minutes in specs:
            if not any(n in windows for n in numbers):
                continue
            business_type, made = BusinessType.objects.get_or_create(hall=hall, code=code, defaults={
                "name": name, "prefix": prefix, "order": ord(prefix) - 64, "booking_enabled": bookable,
                "service_minutes": minutes, "slot_capacity": 6 if code == "general" else 3})
            if not made:
                continue
            created += 1
            business_type.windows.set([windows[n] for n in numbers if n in windows])
            if hall.pk == district_id:
                if suffixes is None:  # the general type: every item no special window takes
                    chosen = [i for s, rows in items.items() if s not in taken_suffixes for i in rows]
                else:
                    chosen = [i for s in suffixes for i in items.get(s, [])]
            else:
                chosen = list(ServiceItem.objects.filter(current_version__isnull=False,
                                                         department__region=hall.region)) if code == "general" else []
            if chosen:
                business_type.items.set(chosen)
    return created


# --- A day of numbers -----------------------------------------------------------------------
def _day(ctx: _Ctx) -> date:
    """Today when the hall has been open a while, else the last working day before."""
    calendar = work_calendar()
    today = local_date(ctx.now)
    local = ctx.now.astimezone(SHANGHAI).time()
    if is_working_day(calendar, today) and local >= time(9, 30):
        return today
    day = today - timedelta(days=1)
    while not is_working_day(calendar, day):
        day -= timedelta(days=1)
    return day


def _window_staff(hall: ServiceHall) -> dict[int, Staff]:
    return {s.window_id: s for s in Staff.objects.filter(window__hall=hall, is_active=True).order_by("id")
            if s.window_id is not None}


@dataclass
class _Plan:
    business_type: BusinessType
    taken_at: datetime
    status: str
    rank: int = Rank.NORMAL
    reason: str = ""
    transfers: int = 0


def _numbers_for_day(ctx: _Ctx, hall: ServiceHall, day: date, count: int, *, live: bool,
                     citizen: User | None = None) -> list[QueueTicket]:
    """``count`` numbers of one hall and day; on the live day the last ones still wait or are
    at windows, earlier ones are served, missed or cancelled; past days end closed."""
    types = {t.code: t for t in BusinessType.objects.filter(hall=hall)}
    mix = [(types[c], share) for c, share in DISTRICT_MIX if c in types] or [(t, 1.0) for t in types.values()]
    if not mix:
        return []
    start = datetime.combine(day, time(9), tzinfo=SHANGHAI)
    end = min(ctx.now - timedelta(minutes=2), datetime.combine(day, time(16, 30), tzinfo=SHANGHAI))
    if end <= start + timedelta(minutes=30):
        start = end - timedelta(minutes=90)
    span = (end - start).total_seconds()
    plans: list[_Plan] = []
    for i in range(count):
        business_type = ctx.rng.choices([t for t, _ in mix], weights=[w for _, w in mix])[0]
        taken = start + timedelta(seconds=span * (i + ctx.rng.random() * 0.8) / count)
        plans.append(_Plan(business_type, taken, T.DONE))
    plans.sort(key=lambda p: p.taken_at)
    if live:  # the tail of the day: waiting, called, serving
        tail = max(6, count // 5)
        for n, plan in enumerate(plans[-tail:]):
            plan.status = T.WAITING if n >= 3 else (T.SERVING if n < 2 else T.CALLED)
        waiting = [p for p in plans if p.status == T.WAITING]
        if len(waiting) >= 5:
            waiting[0].rank, waiting[0].reason = Rank.PRIORITY, PriorityReason.ELDERLY
            waiting[1].rank, waiting[1].reason = Rank.PRIORITY, PriorityReason.PREREVIEW
            waiting[2].rank, waiting[2].reason = Rank.PRIORITY, PriorityReason.GUIDE_CHECK
            waiting[3].rank, waiting[3].transfers = Rank.TRANSFERRED, 1
    for plan in plans:
        if plan.status == T.DONE:
            roll = ctx.rng.random()
            if roll < 0.07:
                plan.status = T.NO_SHOW if live or ctx.rng.random() < 0.5 else T.EXPIRED
            elif roll < 0.09:
                plan.status = T.CANCELLED
    seqs: dict[int, int] = {}
    staff = _window_staff(hall)
    windows_of = {t.pk: [w for w in t.windows.filter(is_active=True).order_by("number")] for t in types.values()}
    rows: list[QueueTicket] = []
    for plan in plans:
        t = plan.business_type
        seq = seqs[t.pk] = seqs.get(t.pk, 0) + 1
        ticket = QueueTicket(hall=hall, business_type=t, day=day, seq=seq, number=rules.ticket_number(t.prefix, seq),
                             channel=ctx.rng.choice([TicketChannel.KIOSK] * 6 + [TicketChannel.GUIDE] * 2
                                                    + [TicketChannel.PHONE]),
                             status=plan.status, rank=plan.rank, priority_reason=plan.reason,
                             transfers=plan.transfers, region_path=hall.region.path, taken_at=plan.taken_at)
        if plan.status in (T.DONE, T.NO_SHOW, T.SERVING, T.CALLED, T.EXPIRED) and windows_of.get(t.pk):
            window = ctx.rng.choice(windows_of[t.pk])
            ticket.window, ticket.clerk = window, staff.get(window.pk)
            wait = timedelta(minutes=ctx.rng.uniform(3, 35 if not ctx.small else 20))
            ticket.called_at = ticket.first_called_at = min(plan.taken_at + wait, end)
            ticket.call_count = 2 if plan.status == T.NO_SHOW else 1
            if plan.status in (T.DONE, T.SERVING):
                ticket.serve_started_at = min(ticket.called_at + timedelta(minutes=1), end)
            if plan.status == T.DONE:
                started = ticket.serve_started_at or ticket.called_at
                ticket.finished_at = min(started + timedelta(minutes=ctx.rng.uniform(3, 25)), end)
            if plan.status == T.NO_SHOW:
                ticket.no_show_at = min(ticket.called_at + timedelta(minutes=3), end)
                ticket.recall_until = ticket.no_show_at + timedelta(minutes=15)
        elif plan.status == T.CANCELLED:
            ticket.finished_at = min(plan.taken_at + timedelta(minutes=10), end)
        if plan.status == T.EXPIRED:
            ticket.window = ticket.clerk = ticket.called_at = ticket.first_called_at = None
            ticket.call_count = 0
        rows.append(ticket)
    if live and citizen is not None:
        queued = [r for r in rows if r.status == T.WAITING and r.rank == Rank.NORMAL]
        if queued:
            queued[-1].user, queued[-1].channel = citizen, TicketChannel.PHONE
    QueueTicket.objects.bulk_create(rows, batch_size=500)
    for code_id, value in seqs.items():
        QueueCounter.objects.update_or_create(key=f"{code_id}:{day:%Y%m%d}", defaults={"value": value})
    calls: list[QueueCall] = []
    for ticket in rows:
        if ticket.called_at is not None and ticket.window is not None:
            calls.append(QueueCall(hall=hall, ticket=ticket, window=ticket.window, clerk=ticket.clerk,
                                   kind=CallKind.CALL, at=ticket.called_at))
            if ticket.call_count > 1:
                calls.append(QueueCall(hall=hall, ticket=ticket, window=ticket.window, clerk=ticket.clerk,
                                       kind=CallKind.RECALL, at=ticket.called_at + timedelta(minutes=1)))
    QueueCall.objects.bulk_create(sorted(calls, key=lambda c: c.at), batch_size=500)
    return rows


def _windows_at_work(hall: ServiceHall, tickets: list[QueueTicket], now: datetime) -> int:
    """The live day's windows: clerks signed on; windows with a called or served number hold
    it; the demo clerk's own window (A01) is open and idle; one is paused, two are closed."""
    staff = _window_staff(hall)
    holding = {t.window_id: t for t in tickets if t.status in (T.CALLED, T.SERVING) and t.window_id}
    states = []
    for window in ServiceWindow.objects.filter(hall=hall, is_active=True).order_by("number"):
        clerk = staff.get(window.pk)
        ticket = holding.get(window.pk)
        if window.number in ("A07", "A08") or clerk is None:
            status = WindowStatus.CLOSED
        elif window.number == "C01":
            status = WindowStatus.PAUSED
        else:
            status = WindowStatus.OPEN
        if window.number == "A01" and ticket is not None:
            ticket = None
        states.append(WindowState(window=window, hall=hall, clerk=clerk if status != WindowStatus.CLOSED else None,
                                  status=status, ticket=ticket if status == WindowStatus.OPEN else None,
                                  since=now - timedelta(minutes=7)))
    WindowState.objects.bulk_create(states, ignore_conflicts=True)
    # a number held by a window left closed goes back to waiting
    orphans = [t.pk for t in tickets if t.status in (T.CALLED, T.SERVING)
               and not any(s.ticket is not None and s.ticket.pk == t.pk for s in states)]
    QueueTicket.objects.filter(pk__in=orphans).update(status=T.WAITING, window=None, clerk=None, called_at=None,
                                                      first_called_at=None, serve_started_at=None, call_count=0)
    QueueCall.objects.filter(ticket_id__in=orphans).delete()
    return len(states)


# --- Appointments ---------------------------------------------------------------------------
def _bookers(ctx: _Ctx, count: int) -> list[tuple[User, Person | None]]:
    """Citizen accounts that book in the demo: the demo citizen and residents."""
    people = list(Person.objects.filter(user__isnull=True).order_by("id")[:count])
    out: list[tuple[User, Person | None]] = []
    citizen = User.objects.filter(username="citizen").first()
    if citizen is not None:
        out.append((citizen, Person.objects.filter(user=citizen).first()))
    for n, person in enumerate(people, start=1):
        username = f"hall_booker_{n:02d}"
        user = User.objects.filter(username=username).first() or user_create(
            username=username, password=None, kind=UserKind.CITIZEN, display_name=person.name)
        out.append((user, person))
    return out


def _slots_for_day(business_type: BusinessType, day: date) -> list[AppointmentSlot]:
    profile = HallProfile.objects.get(hall_id=business_type.hall_id)
    hours = rules.Hours(profile.opens_at, profile.closes_at, profile.last_take_minutes, profile.lunch_from,
                        profile.lunch_to)
    AppointmentSlot.objects.bulk_create([
        AppointmentSlot(hall_id=business_type.hall_id, business_type=business_type, day=day, starts_at=s, ends_at=e,
                        capacity=business_type.slot_capacity)
        for s, e in rules.slot_times(day, hours, business_type.slot_minutes)], ignore_conflicts=True)
    return list(AppointmentSlot.objects.filter(business_type=business_type, day=day).order_by("starts_at"))


def _week_of_appointments(ctx: _Ctx, halls: list[ServiceHall], day: date,
                          live_tickets: list[QueueTicket]) -> int:
    calendar = work_calendar()
    days: list[date] = []
    probe = day - timedelta(days=7)
    while probe <= day + timedelta(days=7):
        if is_working_day(calendar, probe):
            days.append(probe)
        probe += timedelta(days=1)
    bookers = _bookers(ctx, 6 if ctx.small else 20)
    codes = set(Appointment.objects.values_list("code", flat=True))
    made: list[Appointment] = []
    used: set[tuple[int, int, date]] = set()
    per_day = 3 if ctx.small else 6
    for hall in halls:
        types = list(BusinessType.objects.filter(hall=hall, booking_enabled=True, is_active=True).order_by("order"))
        for d in days:
            for business_type in types[:3]:
                slots = _slots_for_day(business_type, d)
                items = list(business_type.items.select_related("current_version")[:20])
                for _ in range(ctx.rng.randint(1, per_day)):
                    slot = ctx.rng.choice(slots)
                    user, person = ctx.rng.choice(bookers)
                    if slot.booked >= slot.capacity or (user.pk, business_type.pk, d) in used:
                        continue
                    used.add((user.pk, business_type.pk, d))
                    item = ctx.rng.choice(items) if items else None
                    code = f"{ctx.rng.randrange(10**6):06d}"
                    while code in codes:
                        code = f"{ctx.rng.randrange(10**6):06d}"
                    codes.add(code)
                    past = slot.ends_at < ctx.now
                    status = AppointmentStatus.BOOKED
                    if past:
                        status = ctx.rng.choices([AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW,
                                                  AppointmentStatus.CANCELLED], weights=[8, 1, 1])[0]
                    elif ctx.rng.random() < 0.1:
                        status = AppointmentStatus.CANCELLED
                    appointment = Appointment(
                        hall=hall, business_type=business_type, slot=slot, item=item,
                        item_name=(item.current_version.name if item and item.current_version else business_type.name),
                        user=user, person=person, name=person.name if person else user.display_name, code=code,
                        status=status, day=d, starts_at=slot.starts_at, ends_at=slot.ends_at,
                        region_path=hall.region.path,
                        reminded_at=slot.starts_at - timedelta(hours=18) if slot.starts_at - timedelta(
                            hours=18) < ctx.now else None,
                        cancelled_at=min(slot.starts_at - timedelta(hours=3), ctx.now)
                        if status == AppointmentStatus.CANCELLED else None,
                        checked_in_at=slot.starts_at - timedelta(minutes=10)
                        if status == AppointmentStatus.CHECKED_IN else None,
                        on_time=status == AppointmentStatus.CHECKED_IN,
                        no_show_at=(slot.ends_at + timedelta(minutes=30)
                                    if status == AppointmentStatus.NO_SHOW else None))
                    if status != AppointmentStatus.CANCELLED:
                        slot.booked += 1
                    made.append(appointment)
    Appointment.objects.bulk_create(made, batch_size=500)
    booked: dict[int, int] = {}
    for a in made:
        if a.status != AppointmentStatus.CANCELLED:
            booked[a.slot_id] = booked.get(a.slot_id, 0) + 1
    for slot_id, n in booked.items():
        AppointmentSlot.objects.filter(pk=slot_id).update(booked=n)
    # today's checked-in booking waits with the appointment rank (served next)
    waiting = [t for t in live_tickets if t.status == T.WAITING and t.rank == Rank.NORMAL]
    today_in = [a for a in made if a.day == day and a.status == AppointmentStatus.CHECKED_IN
                and a.hall_id == (waiting[0].hall_id if waiting else None)
                and a.business_type_id == (waiting[0].business_type_id if waiting else None)]
    if waiting and today_in:
        QueueTicket.objects.filter(pk=waiting[0].pk).update(
            rank=Rank.APPOINTMENT, priority_reason=PriorityReason.APPOINTMENT, appointment=today_in[0],
            channel=TicketChannel.APPOINTMENT, user=today_in[0].user)
    return len(made)


# --- The step ---------------------------------------------------------------------------------
def demo_load_hall(*, small: bool = False) -> dict[str, Any]:
    """The demo step of the hall (see portal demo_load)."""
    halls = _demo_halls()
    if not halls:
        raise RuntimeError("缺少服务大厅：请先加载人员与机构")
    ctx = _Ctx(now=timezone.now(), rng=random.Random(f"{SEED}-hall"), small=small)
    created_types = numbers = appointments = 0
    with transaction.atomic():
        created_types = _types_ensure(halls)
        busy = halls[:3]  # the district hall and the first two street halls
        if not QueueTicket.objects.filter(hall__in=busy).exists():
            day = _day(ctx)
            citizen = User.objects.filter(username="citizen").first()
            calendar = work_calendar()
            live_rows: list[QueueTicket] = []
            for n, hall in enumerate(busy):
                scale = 1.0 if n == 0 else 0.3
                live = _numbers_for_day(ctx, hall, day, int((40 if small else 120) * scale), live=True,
                                        citizen=citizen if n == 0 else None)
                numbers += len(live)
                if day == local_date(ctx.now):
                    _windows_at_work(hall, live, ctx.now)
                if n == 0:
                    live_rows = live
                past, back = day, 0
                while back < (3 if small else 5):
                    past -= timedelta(days=1)
                    if is_working_day(calendar, past):
                        back += 1
                        numbers += len(_numbers_for_day(ctx, hall, past, int((20 if small else 80) * scale),
                                                        live=False))
            appointments = _week_of_appointments(ctx, busy, day, live_rows)
            audit_record(actor=None, action="hall.demo_load", object_type="hall.queueticket",
                         summary={"numbers": numbers, "appointments": appointments, "source": "demo_load"})
    services.slots_ensure()
    return demo_hall_counts(created_types=created_types, numbers=numbers, appointments=appointments)


def demo_hall_counts(*, created_types: int = 0, numbers: int = 0, appointments: int = 0) -> dict[str, Any]:
    labels = dict(TicketStatus.choices)
    statuses: dict[str, int] = {}
    for status in QueueTicket.objects.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    counts: dict[str, Any] = {"本次新建业务类型": created_types, "业务类型": BusinessType.objects.count(),
                              "本次新建排队号": numbers, "本次新建预约": appointments}
    counts.update({f"排队号：{labels[k]}": v for k, v in sorted(statuses.items())})
    counts["预约（未来7天）"] = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now()).count()
    counts["叫号屏"] = "/hall/<大厅>/screen/（见 /hall/staff/）"
    return counts

