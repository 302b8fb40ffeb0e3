"""Reads of the service hall: who may do what in a hall, the queue, a number's position and
wait, the calling screen, a clerk's panel, the manager's live view and bookable slots.

Staff reach: a hall is in a member of staff's reach when its region lies in their scope. Window
clerks (and guide-desk duty) serve and take numbers; supervisors, leaders, administrators
(and hall-manager duty) see the live state and figures. Anything else is NotFound.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import ServiceHall, ServiceWindow
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import staff_of_user
from onewindow.catalog.models import ServiceItem
from onewindow.core.errors import NotFound
from onewindow.core.selectors import by_public_id
from onewindow.core.workdays import SHANGHAI, local_date

from . import rules
from .constants import (
    ACTIVE_TICKET_STATUSES,
    AppointmentStatus,
    HallDutyKind,
    PriorityReason,
    TicketStatus,
    WindowStatus,
)
from .models import (
    Appointment,
    AppointmentSlot,
    BusinessType,
    HallDuty,
    HallProfile,
    QueueCall,
    QueueTicket,
    TicketCase,
    WindowState,
)

MANAGER_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR)
PRIORITY_LABELS = dict(PriorityReason.choices)


def today(now: datetime | None = None) -> date:
    return local_date(now or timezone.now())


# --- Halls and reach --------------------------------------------------------------------------
def hall_get(*, public_id: UUID | str) -> ServiceHall:
    hall = by_public_id(ServiceHall.objects.select_related("region"), public_id)
    if hall is None:
        raise NotFound("找不到该服务大厅", code="hall_not_found")
    return hall


def hall_list() -> QuerySet[ServiceHall]:
    return ServiceHall.objects.select_related("region").order_by("region__code", "name")


def profile_of(hall: ServiceHall) -> HallProfile:
    """The hall's settings (defaults, unsaved, when none were made)."""
    cached = getattr(hall, "_hall_profile_cache", None)
    if cached is not None:
        return cached
    profile = HallProfile.objects.filter(hall=hall).first() or HallProfile(hall=hall)
    hall._hall_profile_cache = profile  # type: ignore[attr-defined]
    return profile


def hours_of(profile: HallProfile) -> rules.Hours:
    return rules.Hours(profile.opens_at, profile.closes_at, profile.last_take_minutes,
                       profile.lunch_from, profile.lunch_to)


def priority_rules_of(profile: HallProfile) -> rules.PriorityRules:
    return rules.PriorityRules(prereview=profile.priority_prereview, guide_check=profile.priority_guide_check,
                               age=profile.priority_age, disabled=profile.priority_disabled,
                               pregnant=profile.priority_pregnant, appointment=profile.priority_appointment)


def _duties(actor: Any, hall: ServiceHall) -> set[str]:
    staff = staff_of_user(user=actor)
    if staff is None:
        return set()
    return set(HallDuty.objects.filter(hall=hall, staff=staff).values_list("duty", flat=True))


def _in_scope(actor: Any, hall: ServiceHall) -> bool:
    return scope_for(actor).covers_region_path(hall.region.path)


def can_serve(actor: Any, hall: ServiceHall) -> bool:
    """Window clerks of the hall's area serve numbers; guide-desk duty too."""
    scope = scope_for(actor)
    return bool((scope.has_role(Role.WINDOW_CLERK) and _in_scope(actor, hall))
                or HallDutyKind.GUIDE in _duties(actor, hall))


def can_manage(actor: Any, hall: ServiceHall) -> bool:
    scope = scope_for(actor)
    return bool((scope.has_role(*MANAGER_ROLES) and _in_scope(actor, hall))
                or HallDutyKind.MANAGER in _duties(actor, hall))


def hall_for_staff(*, actor: Any, public_id: UUID | str, manage: bool = False) -> ServiceHall:
    """A hall the actor may serve in (or manage); NotFound otherwise."""
    hall = hall_get(public_id=public_id)
    allowed = can_manage(actor, hall) if manage else (can_serve(actor, hall) or can_manage(actor, hall))
    if not allowed:
        raise NotFound("找不到该服务大厅", code="hall_not_found")
    return hall


def halls_for_staff(*, actor: Any, manage: bool = False) -> list[ServiceHall]:
    scope = scope_for(actor)
    if scope.is_empty:
        return []
    staff = staff_of_user(user=actor)
    duty_halls = set(HallDuty.objects.filter(staff=staff).values_list("hall_id", flat=True)) if staff else set()
    roles = MANAGER_ROLES if manage else (Role.WINDOW_CLERK, *MANAGER_ROLES)
    qs = hall_list()
    if scope.has_role(*roles):
        qs = qs.filter(Q(region__path__startswith=scope.region_path) | Q(id__in=duty_halls))
    else:
        qs = qs.filter(id__in=duty_halls)
    return list(qs)


# --- Business types and the queue -------------------------------------------------------------
def business_types(*, hall: ServiceHall, active_only: bool = True) -> list[BusinessType]:
    qs = BusinessType.objects.filter(hall=hall)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("order", "prefix"))


def business_type_get(*, hall: ServiceHall, public_id: UUID | str) -> BusinessType:
    found = by_public_id(BusinessType.objects.filter(hall=hall), public_id)
    if found is None:
        raise NotFound("找不到该业务类型", code="hall_type_not_found")
    return found


def waiting_counts(*, hall: ServiceHall, day: date | None = None) -> dict[str, int]:
    """Waiting numbers per business type code (every active type present)."""
    day = day or today()
    counts = dict(QueueTicket.objects.filter(hall=hall, day=day, status=TicketStatus.WAITING)
                  .values_list("business_type__code").annotate(n=Count("id")).order_by())
    return {t.code: int(counts.get(t.code, 0)) for t in business_types(hall=hall)}


def items_of_type(*, business_type: BusinessType) -> list[ServiceItem]:
    """The items a business type names that have a version in force (the booking form's choice)."""
    return list(ServiceItem.objects.filter(hall_business_types=business_type, current_version__isnull=False)
                .select_related("current_version"))


def window_find(*, public_id: UUID | str | None, hall: ServiceHall | int | None = None) -> ServiceWindow | None:
    """A window by its public id (of one hall when given), or None, also for a malformed id. What a
    clerk may do at it is checked by the service that signs on or transfers."""
    qs = ServiceWindow.objects.all()
    if hall is not None:
        qs = qs.filter(hall_id=hall if isinstance(hall, int) else hall.pk)
    return by_public_id(qs, public_id)  # type: ignore[no-any-return]


def types_for_item(*, item: ServiceItem) -> QuerySet[BusinessType]:
    """Business types (of any hall) that take this item: named, or through one of its themes."""
    theme_ids = list(item.themes.values_list("id", flat=True))
    return (BusinessType.objects.filter(is_active=True)
            .filter(Q(items=item) | Q(themes__in=theme_ids)).distinct()
            .select_related("hall", "hall__region").order_by("hall__region__code", "hall__name", "order"))


def ticket_get(*, public_id: UUID | str) -> QueueTicket:
    """A number by its public id (the citizen's link: unguessable, shows no personal data)."""
    ticket = by_public_id(QueueTicket.objects.select_related("hall", "business_type", "window"), public_id)
    if ticket is None:
        raise NotFound("找不到该排队号", code="hall_ticket_not_found")
    return ticket


def ticket_of_appointment(*, appointment: Appointment) -> QueueTicket | None:
    """The number taken for an appointment (on arrival), if any."""
    return QueueTicket.objects.filter(appointment=appointment).first()


def ticket_calls(*, ticket: QueueTicket) -> list[QueueCall]:
    """The calls of a number, oldest first, with window and clerk."""
    return list(QueueCall.objects.filter(ticket=ticket).select_related("window", "clerk").order_by("id"))


def ticket_cases(*, ticket: QueueTicket) -> list[TicketCase]:
    """The cases taken in under a number, with their departments."""
    return list(TicketCase.objects.filter(ticket=ticket).select_related("case", "case__department"))


def ticket_for_staff(*, actor: Any, public_id: UUID | str) -> QueueTicket:
    ticket = ticket_get(public_id=public_id)
    if not (can_serve(actor, ticket.hall) or can_manage(actor, ticket.hall)):
        raise NotFound("找不到该排队号", code="hall_ticket_not_found")
    return ticket


def open_windows_for_type(*, business_type: BusinessType) -> int:
    return WindowState.objects.filter(window__in=business_type.windows.all(),
                                      status=WindowStatus.OPEN).count()


def _service_minutes(business_type: BusinessType, day: date) -> float:
    """Median service time of the type over its last 50 numbers served before today, else the
    type's configured estimate."""
    rows = list(QueueTicket.objects.filter(business_type=business_type, status=TicketStatus.DONE,
                                           serve_started_at__isnull=False, finished_at__isnull=False,
                                           day__gte=day - timedelta(days=30))
                .order_by("-id").values_list("serve_started_at", "finished_at")[:50])
    minutes = [(end - start).total_seconds() / 60 for start, end in rows if start and end]
    median = rules.percentile(minutes, 50)
    return median if median and median > 0.5 else float(business_type.service_minutes)


@dataclass
class Position:
    ahead: int
    wait_minutes: int
    windows: int


def ticket_position(ticket: QueueTicket) -> Position:
    """People ahead of a waiting number (same type, served before it) and the estimated wait."""
    if ticket.status != TicketStatus.WAITING:
        return Position(0, 0, 0)
    same = QueueTicket.objects.filter(hall_id=ticket.hall_id, day=ticket.day, status=TicketStatus.WAITING,
                                      business_type_id=ticket.business_type_id)
    ahead = same.filter(Q(rank__lt=ticket.rank)
                        | Q(rank=ticket.rank, taken_at__lt=ticket.taken_at)
                        | Q(rank=ticket.rank, taken_at=ticket.taken_at, id__lt=ticket.id)).count()
    windows = open_windows_for_type(business_type=ticket.business_type)
    minutes = _service_minutes(ticket.business_type, ticket.day)
    return Position(ahead, rules.estimate_wait_minutes(ahead=ahead, service_minutes=minutes, windows=windows),
                    windows)


def ticket_status_payload(ticket: QueueTicket) -> dict[str, Any]:
    """What a citizen's phone (and the kiosk slip) shows: no personal data."""
    position = ticket_position(ticket)
    return {
        "id": str(ticket.public_id), "number": ticket.number, "status": ticket.status,
        "status_label": str(TicketStatus(ticket.status).label), "hall": ticket.hall.name,
        "hall_id": str(ticket.hall.public_id), "business_type": ticket.business_type.name,
        "priority": bool(ticket.priority_reason),
        "priority_label": PRIORITY_LABELS.get(ticket.priority_reason, "") if ticket.priority_reason else "",
        "ahead": position.ahead, "wait_minutes": position.wait_minutes,
        "window": ticket.window.number if ticket.window is not None and ticket.status in (
            TicketStatus.CALLED, TicketStatus.SERVING) else "",
        "taken_at": ticket.taken_at, "day": ticket.day,
    }


# --- The calling screen -----------------------------------------------------------------------
def call_payload(call: QueueCall, ticket: QueueTicket, window: ServiceWindow) -> dict[str, Any]:
    return {"id": call.id, "number": ticket.number, "window": window.number, "window_name": window.name,
            "business_type": ticket.business_type.name if ticket.business_type_id else "",
            "kind": call.kind, "at": call.at.astimezone(SHANGHAI).strftime("%H:%M:%S"),
            "speech": rules.call_speech(ticket.number, window.number)}


def screen_snapshot(*, hall: ServiceHall, now: datetime | None = None, last: int = 8) -> dict[str, Any]:
    """Everything the calling screen shows, rebuilt from the database (after a reconnect or a
    restart): each window's current number, the last calls and the queue per type."""
    day = today(now)
    start = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)
    calls = list(QueueCall.objects.filter(hall=hall, at__gte=start)
                 .select_related("ticket", "ticket__business_type", "window").order_by("-id")[:last])
    states = list(WindowState.objects.filter(hall=hall).select_related("window", "ticket"))
    windows = []
    for state in sorted(states, key=lambda s: s.window.number):
        if state.status == WindowStatus.CLOSED:
            continue
        current = state.ticket if state.ticket is not None and state.ticket.status in (
            TicketStatus.CALLED, TicketStatus.SERVING) else None
        windows.append({"window": state.window.number, "name": state.window.name, "status": state.status,
                        "number": current.number if current else "",
                        "serving": bool(current and current.status == TicketStatus.SERVING)})
    types = business_types(hall=hall)
    counts = waiting_counts(hall=hall, day=day)
    return {
        "hall": {"id": str(hall.public_id), "name": hall.name},
        "windows": windows,
        "calls": [call_payload(c, c.ticket, c.window) for c in calls],
        "last_call_id": calls[0].id if calls else 0,
        "waiting": [{"code": t.code, "name": t.name, "prefix": t.prefix, "count": counts.get(t.code, 0)}
                    for t in types],
    }


# --- The clerk's panel ------------------------------------------------------------------------
def window_of_clerk(*, actor: Any) -> WindowState | None:
    """The window the clerk has signed on to, else their assigned window (if in reach)."""
    staff = staff_of_user(user=actor)
    if staff is None:
        return None
    state = (WindowState.objects.select_related("window", "window__hall", "window__hall__region", "ticket")
             .filter(clerk=staff).exclude(status=WindowStatus.CLOSED).first())
    if state is not None:
        return state
    if staff.window_id is None:
        return None
    window = ServiceWindow.objects.select_related("hall", "hall__region").get(pk=staff.window_id)
    existing = WindowState.objects.select_related("ticket").filter(window=window).first()
    return existing or WindowState(window=window, hall=window.hall, status=WindowStatus.CLOSED)


def window_types(window: ServiceWindow) -> list[BusinessType]:
    return list(BusinessType.objects.filter(windows=window, is_active=True).order_by("order", "prefix"))


def windows_for_staff(*, actor: Any) -> list[ServiceWindow]:
    halls = [h for h in halls_for_staff(actor=actor) if can_serve(actor, h)]
    return list(ServiceWindow.objects.filter(hall__in=halls, is_active=True)
                .select_related("hall").order_by("hall__name", "number"))


@dataclass
class Panel:
    state: WindowState | None
    ticket: QueueTicket | None = None
    types: list[BusinessType] = field(default_factory=list)
    type_counts: list[tuple[BusinessType, int]] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)
    waiting_total: int = 0
    recallable: list[QueueTicket] = field(default_factory=list)
    candidates: list[Any] = field(default_factory=list)
    hall_types: list[BusinessType] = field(default_factory=list)
    hall_windows: list[ServiceWindow] = field(default_factory=list)
    priority_label: str = ""
    person_label: str = ""
    served_today: int = 0


def panel_state(*, actor: Any, now: datetime | None = None) -> Panel:
    from onewindow.cases.selectors import case_list_for_visit
    from onewindow.core.masking import mask_id_number, mask_name

    now = now or timezone.now()
    state = window_of_clerk(actor=actor)
    if state is None:
        return Panel(state=None)
    window = state.window
    hall = window.hall
    day = today(now)
    types = window_types(window)
    counts = waiting_counts(hall=hall, day=day)
    panel = Panel(state=state, types=types, waiting={t.code: counts.get(t.code, 0) for t in types},
                  type_counts=[(t, counts.get(t.code, 0)) for t in types])
    panel.waiting_total = sum(panel.waiting.values())
    ticket = state.ticket if state.pk and state.ticket_id else None
    if ticket is not None and ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING):
        ticket = (QueueTicket.objects.select_related("business_type", "person", "appointment")
                  .get(pk=ticket.pk))
        panel.ticket = ticket
        panel.priority_label = PRIORITY_LABELS.get(ticket.priority_reason, "") if ticket.priority_reason else ""
        who = ticket.person.name if ticket.person_id and ticket.person else ticket.name
        id_number = ticket.person.id_number if ticket.person_id and ticket.person else ticket.id_number
        panel.person_label = " ".join(x for x in (mask_name(who) if who else "",
                                                  mask_id_number(id_number) if id_number else "") if x)
        staff = staff_of_user(user=actor)
        panel.candidates = case_list_for_visit(
            actor=actor, person_id=ticket.person_id, id_number_hash=ticket.id_number_hash,
            clerk_staff_id=staff.id if staff else None,
            since=ticket.serve_started_at or ticket.called_at)
    panel.recallable = list(QueueTicket.objects.filter(
        hall=hall, day=day, status=TicketStatus.NO_SHOW, recall_until__gt=now,
        business_type__in=types).order_by("no_show_at")[:10])
    panel.hall_types = business_types(hall=hall)
    panel.hall_windows = list(ServiceWindow.objects.filter(hall=hall, is_active=True).order_by("number"))
    panel.served_today = QueueTicket.objects.filter(hall=hall, day=day, window=window,
                                                    status=TicketStatus.DONE).count()
    return panel


# --- The manager's live view ------------------------------------------------------------------
@dataclass
class LiveWindow:
    window: ServiceWindow
    status: str
    clerk: str
    number: str
    ticket_status: str
    since_minutes: int | None
    idle: bool


@dataclass
class LiveState:
    hall: ServiceHall
    windows: list[LiveWindow]
    waiting: list[dict[str, Any]]
    counts: dict[str, int]
    by_type: list[dict[str, Any]]
    idle_windows: int
    open_windows: int


def live_state(*, hall: ServiceHall, now: datetime | None = None) -> LiveState:
    """Who waits (longest first) and what every window does now."""
    now = now or timezone.now()
    day = today(now)
    states = {s.window_id: s for s in WindowState.objects.filter(hall=hall).select_related("clerk", "ticket")}
    rows: list[LiveWindow] = []
    for window in ServiceWindow.objects.filter(hall=hall, is_active=True).order_by("number"):
        state = states.get(window.pk)
        status = state.status if state else WindowStatus.CLOSED
        ticket = state.ticket if state and state.ticket_id else None
        busy = ticket is not None and ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING)
        since = state.since if state and state.since else None
        rows.append(LiveWindow(
            window=window, status=status, clerk=state.clerk.name if state and state.clerk_id and state.clerk else "",
            number=ticket.number if busy and ticket else "",
            ticket_status=ticket.status if busy and ticket else "",
            since_minutes=int((now - since).total_seconds() // 60) if since else None,
            idle=status == WindowStatus.OPEN and not busy))
    waiting_qs = (QueueTicket.objects.filter(hall=hall, day=day, status=TicketStatus.WAITING)
                  .select_related("business_type").order_by("taken_at")[:200])
    waiting = [{"number": t.number, "type": t.business_type.name, "rank": t.rank,
                "priority": PRIORITY_LABELS.get(t.priority_reason, "") if t.priority_reason else "",
                "minutes": int((now - t.taken_at).total_seconds() // 60)} for t in waiting_qs]
    status_counts = Counter(QueueTicket.objects.filter(hall=hall, day=day).values_list("status", flat=True))
    counts = {s: int(status_counts.get(s, 0)) for s, _ in TicketStatus.choices}
    per_type = waiting_counts(hall=hall, day=day)
    by_type = [{"name": t.name, "prefix": t.prefix, "waiting": per_type.get(t.code, 0)}
               for t in business_types(hall=hall)]
    return LiveState(hall=hall, windows=rows, waiting=waiting, counts=counts, by_type=by_type,
                     idle_windows=sum(1 for r in rows if r.idle),
                     open_windows=sum(1 for r in rows if r.status == WindowStatus.OPEN))


# --- Appointments -----------------------------------------------------------------------------
def slots_for(*, business_type: BusinessType, start: date, end: date,
              now: datetime | None = None) -> list[AppointmentSlot]:
    now = now or timezone.now()
    return list(AppointmentSlot.objects.filter(business_type=business_type, day__gte=start, day__lte=end,
                                               starts_at__gt=now).order_by("starts_at"))


def slot_get(*, public_id: UUID | str) -> AppointmentSlot:
    slot = by_public_id(AppointmentSlot.objects.select_related("business_type", "hall", "hall__region"), public_id)
    if slot is None:
        raise NotFound("找不到该预约时段", code="hall_slot_not_found")
    return slot


def appointments_of(*, user: Any, updated_since: datetime | None = None) -> QuerySet[Appointment]:
    if not getattr(user, "is_authenticated", False):
        return Appointment.objects.none()
    qs = Appointment.objects.filter(user=user).select_related("hall", "business_type", "ticket")
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.order_by("-starts_at")


def hall_appointments(*, hall: ServiceHall, day: date | None = None) -> QuerySet[Appointment]:
    """A hall's bookings for its staff (the hall is already checked: ``hall_for_staff``), in the
    order they changed, so a client syncing with ``updated_since`` pages forward."""
    qs = Appointment.objects.filter(hall=hall).select_related("hall", "business_type", "ticket")
    if day is not None:
        qs = qs.filter(day=day)
    return qs.order_by("updated_at", "id")


def hall_tickets(*, hall: ServiceHall, day: date | None = None) -> QuerySet[QueueTicket]:
    """A hall's queue numbers for its staff, in the order they changed (see hall_appointments)."""
    qs = QueueTicket.objects.filter(hall=hall).select_related("business_type", "window")
    if day is not None:
        qs = qs.filter(day=day)
    return qs.order_by("updated_at", "id")


def appointment_get(*, actor: Any, public_id: UUID | str) -> Appointment:
    """The citizen's own booking, or one in a hall the staff member serves; else NotFound."""
    appointment = by_public_id(
        Appointment.objects.select_related("hall", "hall__region", "business_type", "slot"), public_id)
    if appointment is None or not (appointment.user_id == getattr(actor, "pk", None)
                                   or can_serve(actor, appointment.hall) or can_manage(actor, appointment.hall)):
        raise NotFound("找不到该预约", code="hall_appointment_not_found")
    return appointment


def appointment_by_code(*, hall: ServiceHall, code: str) -> Appointment:
    found = (Appointment.objects.select_related("hall", "business_type", "slot")
             .filter(hall=hall, code=(code or "").strip()).first())
    if found is None:
        raise NotFound("没有找到该预约码的预约，请核对后重试", code="hall_appointment_not_found",
                       fields={"code": "没有找到该预约码的预约"})
    return found


def appointments_today(*, hall: ServiceHall, user: Any = None, now: datetime | None = None) -> list[Appointment]:
    qs = Appointment.objects.filter(hall=hall, day=today(now), status=AppointmentStatus.BOOKED)
    if user is not None:
        qs = qs.filter(user=user)
    return list(qs.select_related("business_type").order_by("starts_at"))


def tickets_today_of(*, user: Any, now: datetime | None = None) -> list[tuple[QueueTicket, Position]]:
    """The person's queue numbers of today that are still open (waiting, called, in service),
    each with the people ahead and the estimated wait: what 我的 shows next to appointments."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = (QueueTicket.objects.select_related("hall", "business_type", "window")
            .filter(user=user, day=today(now), status__in=ACTIVE_TICKET_STATUSES).order_by("taken_at"))
    return [(ticket, ticket_position(ticket)) for ticket in rows[:5]]


def active_statuses() -> tuple[str, ...]:
    return ACTIVE_TICKET_STATUSES
