"""Writes of appointments (预约): slots from the halls' hours and working days, booking for a
named item, change and cancel until the cut-off, check-in (a priority number when on time),
reminders the day before, and no-shows (which, repeated, limit booking for a while).

Capacity is kept by one conditional UPDATE of the slot's ``booked`` counter (``booked <
capacity``), plus a database check constraint: two citizens never get the last place both.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from onewindow.accounts.models import ServiceHall
from onewindow.accounts.selectors import person_of_user
from onewindow.catalog.models import ServiceItem
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.selectors import work_calendar
from onewindow.core.workdays import SHANGHAI, is_working_day, local_date

from .. import constants as c
from .. import rules, selectors
from ..constants import AppointmentStatus, TicketChannel
from ..models import Appointment, AppointmentSlot, BusinessType, QueueTicket
from .queue import ticket_take

A = AppointmentStatus


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, name, default)


# --- Slots ------------------------------------------------------------------------------------
def slots_ensure(*, hall: ServiceHall | None = None, today: date | None = None) -> int:
    """Create the slots of the next bookable working days (idempotent); returns how many."""
    today = today or local_date(timezone.now())
    calendar = work_calendar()
    types = BusinessType.objects.filter(is_active=True, booking_enabled=True).select_related("hall")
    if hall is not None:
        types = types.filter(hall=hall)
    rows: list[AppointmentSlot] = []
    for business_type in types:
        profile = selectors.profile_of(business_type.hall)
        hours = selectors.hours_of(profile)
        for offset in range(0, profile.booking_days_ahead + 1):
            day = today + timedelta(days=offset)
            if not is_working_day(calendar, day):
                continue
            for start, end in rules.slot_times(day, hours, business_type.slot_minutes):
                rows.append(AppointmentSlot(hall_id=business_type.hall_id, business_type=business_type,
                                            day=day, starts_at=start, ends_at=end,
                                            capacity=business_type.slot_capacity))
    if not rows:
        return 0
    before = AppointmentSlot.objects.count()
    AppointmentSlot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return AppointmentSlot.objects.count() - before


# --- Booking ----------------------------------------------------------------------------------
def _item_check(business_type: BusinessType, item: ServiceItem | None) -> str:
    if item is None:
        return business_type.name
    version = item.current_version
    name = version.name if version is not None else item.implementation_code
    if not selectors.types_for_item(item=item).filter(pk=business_type.pk).exists():
        raise ValidationFailed(f"“{business_type.name}”不办理“{name}”，请选择其他大厅或业务",
                               code="hall_item_not_here", fields={"item": "该业务不办理此事项"})
    return name


def _slot_usable(slot: AppointmentSlot, *, now: datetime) -> None:
    """A slot can be booked: in the future, on a working day, within the booking horizon."""
    if slot.starts_at <= now:
        raise Conflict("该时段已过，请选择其他时段", code="hall_slot_past")
    if not is_working_day(work_calendar(), slot.day):
        raise Conflict("该日为休息日或法定节假日，大厅不办公，请选择其他日期", code="hall_holiday")
    profile = selectors.profile_of(slot.hall)
    if slot.day > local_date(now) + timedelta(days=profile.booking_days_ahead):
        raise Conflict(f"只能预约{profile.booking_days_ahead}天内的时段", code="hall_slot_too_far")


def _take_place(slot: AppointmentSlot) -> None:
    try:
        with transaction.atomic():
            taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
                booked=F("booked") + 1)
    except IntegrityError:
        taken = 0
    if taken != 1:
        raise Conflict("该时段已约满，请选择其他时段", code="hall_slot_full")


def _give_place(slot_id: int) -> None:
    AppointmentSlot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _booking_limits(*, user: Any, hall: ServiceHall, business_type: BusinessType, day: date,
                    now: datetime) -> None:
    profile = selectors.profile_of(hall)
    no_shows = list(Appointment.objects.filter(user=user, status=A.NO_SHOW, no_show_at__isnull=False)
                    .order_by("-no_show_at").values_list("no_show_at", flat=True)[:50])
    until = rules.booking_blocked_until([x for x in no_shows if x is not None], now=now,
                                        limit=profile.no_show_limit, period_days=profile.no_show_period_days,
                                        block_days=profile.no_show_block_days)
    if until is not None:
        raise PermissionDenied(
            f"您近期多次预约未到（爽约），{until.astimezone(SHANGHAI):%Y年%m月%d日}前暂不能在线预约，"
            "可直接到大厅取号办理", code="hall_booking_blocked", detail={"until": until.isoformat()})
    if Appointment.objects.filter(user=user, business_type=business_type, day=day, status=A.BOOKED).exists():
        raise Conflict("您当天已预约该业务，如需调整请改约", code="hall_booking_exists")
    limit = int(_setting(c.SETTING_MAX_BOOKINGS, c.DEFAULT_MAX_BOOKINGS))
    if Appointment.objects.filter(user=user, status=A.BOOKED, starts_at__gt=now).count() >= limit:
        raise Conflict(f"您已有{limit}个未到期的预约，请办理或取消后再预约", code="hall_booking_limit")


def _code() -> str:
    for _ in range(20):
        code = f"{secrets.randbelow(10**6):06d}"
        if not Appointment.objects.filter(code=code).exists():
            return code
    return f"{secrets.randbelow(10**8):08d}"


def appointment_book(*, actor: Any, slot: AppointmentSlot, item: ServiceItem | None = None,
                     now: datetime | None = None) -> Appointment:
    """预约: a signed-in citizen books a place in a slot, for a named item."""
    from onewindow.cases import services as case_services
    from onewindow.cases.constants import NotificationKind

    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "kind", "") == "staff":
        raise PermissionDenied("请使用个人或企业账号登录后预约", code="hall_sign_in_required", status=401)
    business_type = slot.business_type
    if not business_type.is_active or not business_type.booking_enabled:
        raise Conflict("该业务暂不开放预约", code="hall_booking_closed")
    item_name = _item_check(business_type, item)
    _slot_usable(slot, now=now)
    person = person_of_user(user=actor)
    with transaction.atomic():
        _booking_limits(user=actor, hall=slot.hall, business_type=business_type, day=slot.day, now=now)
        _take_place(slot)
        appointment = Appointment.objects.create(
            hall_id=slot.hall_id, business_type=business_type, slot=slot, item=item, item_name=item_name[:200],
            user=actor, person=person, name=(person.name if person else str(actor))[:60], code=_code(),
            day=slot.day, starts_at=slot.starts_at, ends_at=slot.ends_at, region_path=slot.hall.region.path)
        audit_record(actor=actor, action=c.AUDIT_BOOK, obj=appointment, summary={
            "hall": slot.hall.name, "type": business_type.name, "item": item_name,
            "at": slot.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")})
        case_services.notification_send(
            recipient=actor, kind=NotificationKind.APPOINTMENT, title=f"预约成功：{item_name}",
            body=f"{slot.hall.name}，{_when(appointment)}。预约码{appointment.code}，请提前到大厅签到取号。",
            link=f"/hall/appointments/{appointment.public_id}/")
    return appointment


def _when(appointment: Appointment) -> str:
    start = appointment.starts_at.astimezone(SHANGHAI)
    end = appointment.ends_at.astimezone(SHANGHAI)
    return f"{start:%Y年%m月%d日 %H:%M}—{end:%H:%M}"


def _owned(actor: Any, appointment: Appointment) -> bool:
    return appointment.user_id == getattr(actor, "pk", None)


def _changeable(actor: Any, appointment: Appointment, *, now: datetime) -> None:
    staff = selectors.can_serve(actor, appointment.hall)
    if not _owned(actor, appointment) and not staff:
        raise NotFound("找不到该预约", code="hall_appointment_not_found")
    if appointment.status != A.BOOKED:
        raise Conflict(f"该预约当前为“{A(appointment.status).label}”，不能改约或取消",
                       code="hall_appointment_state")
    profile = selectors.profile_of(appointment.hall)
    deadline = rules.change_deadline(appointment.starts_at, profile.booking_cutoff_minutes)
    if now > deadline and not staff:
        raise Conflict(f"已过改约/取消截止时间（{deadline.astimezone(SHANGHAI):%m月%d日 %H:%M}），"
                       "如不能前来请致电大厅", code="hall_change_closed")


def appointment_change(*, actor: Any, appointment: Appointment, slot: AppointmentSlot,
                       now: datetime | None = None) -> Appointment:
    """改约: another slot of the same hall and business type, until the cut-off."""
    now = now or timezone.now()
    _changeable(actor, appointment, now=now)
    if slot.business_type_id != appointment.business_type_id:
        raise ValidationFailed("只能改约同一大厅同一业务的其他时段", code="hall_change_other_type",
                               fields={"slot": "请选择同一业务的时段"})
    if slot.pk == appointment.slot_id:
        return appointment
    _slot_usable(slot, now=now)
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != A.BOOKED:
            raise Conflict("该预约已变更，请刷新后重试", code="hall_appointment_state")
        _take_place(slot)
        _give_place(locked.slot_id)
        before = _when(locked)
        locked.slot = slot
        locked.day, locked.starts_at, locked.ends_at = slot.day, slot.starts_at, slot.ends_at
        locked.reminded_at = None
        locked.save(update_fields=["slot", "day", "starts_at", "ends_at", "reminded_at", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_BOOK_CHANGE, obj=locked,
                     summary={"from": before, "to": _when(locked)})
    return locked


def appointment_cancel(*, actor: Any, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """取消预约 until the cut-off (staff of the hall at any time); the place is given back."""
    now = now or timezone.now()
    _changeable(actor, appointment, now=now)
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != A.BOOKED:
            raise Conflict("该预约已变更，请刷新后重试", code="hall_appointment_state")
        locked.status = A.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at", "updated_at"])
        _give_place(locked.slot_id)
        audit_record(actor=actor, action=c.AUDIT_BOOK_CANCEL, obj=locked, summary={"when": _when(locked)})
    return locked


def appointment_check_in(*, actor: Any, hall: ServiceHall, appointment: Appointment, channel: str,
                         now: datetime | None = None) -> QueueTicket:
    """签到 at the kiosk or the guide desk: a queue number, served next when on time."""
    now = now or timezone.now()
    if appointment.hall_id != hall.pk:
        raise NotFound("该预约不是本大厅的预约", code="hall_appointment_not_found",
                       fields={"code": "该预约不是本大厅的预约"})
    if appointment.day != local_date(now):
        raise Conflict(f"该预约的日期是{appointment.day:%Y年%m月%d日}，请在预约当天签到",
                       code="hall_checkin_wrong_day")
    if appointment.status == A.CHECKED_IN:
        raise Conflict("该预约已签到，请留意叫号", code="hall_checkin_done")
    if appointment.status != A.BOOKED:
        raise Conflict(f"该预约当前为“{A(appointment.status).label}”，不能签到", code="hall_appointment_state")
    profile = selectors.profile_of(hall)
    timing = rules.checkin_timing(now=now, starts_at=appointment.starts_at, ends_at=appointment.ends_at,
                                  early_minutes=profile.checkin_early_minutes,
                                  late_minutes=profile.checkin_late_minutes)
    if timing == "early":
        opens = appointment.starts_at - timedelta(minutes=profile.checkin_early_minutes)
        raise Conflict(f"签到时间未到，请于{opens.astimezone(SHANGHAI):%H:%M}后签到",
                       code="hall_checkin_early")
    ticket_channel = TicketChannel.GUIDE if channel == TicketChannel.GUIDE else TicketChannel.APPOINTMENT
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != A.BOOKED:
            raise Conflict("该预约已签到，请留意叫号", code="hall_checkin_done")
        ticket = ticket_take(actor=actor if ticket_channel == TicketChannel.GUIDE else None, hall=hall,
                             business_type=locked.business_type, channel=ticket_channel,
                             person=locked.person, name=locked.name, appointment=locked,
                             appointment_on_time=timing == "on_time", now=now)
        if ticket.user_id is None and locked.user_id:
            QueueTicket.objects.filter(pk=ticket.pk).update(user_id=locked.user_id)
            ticket.user_id = locked.user_id
        locked.status = A.CHECKED_IN
        locked.checked_in_at = now
        locked.on_time = timing == "on_time"
        locked.save(update_fields=["status", "checked_in_at", "on_time", "updated_at"])
        audit_record(actor=actor if getattr(actor, "pk", None) else None, action=c.AUDIT_CHECK_IN, obj=locked,
                     summary={"number": ticket.number, "on_time": locked.on_time})
    return ticket


# --- Periodic -----------------------------------------------------------------------------------
def appointments_remind(*, now: datetime | None = None, limit: int = 500) -> int:
    """The day before: remind booked citizens (in-app and through the SMS adapters)."""
    from onewindow.cases import services as case_services
    from onewindow.cases.constants import NotificationKind

    now = now or timezone.now()
    tomorrow = local_date(now) + timedelta(days=1)
    sent = 0
    due = (Appointment.objects.filter(day=tomorrow, status=A.BOOKED, reminded_at__isnull=True)
           .select_related("hall", "user").order_by("id")[:limit])
    for appointment in due:
        with transaction.atomic():
            if not Appointment.objects.filter(pk=appointment.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            case_services.notification_send(
                recipient=appointment.user, kind=NotificationKind.APPOINTMENT,
                title=f"预约提醒：明天{appointment.starts_at.astimezone(SHANGHAI):%H:%M}到{appointment.hall.name}办理",
                body=f"{appointment.item_name}，{_when(appointment)}，预约码{appointment.code}。"
                     "请带齐材料按时到大厅签到；如不能前来请提前取消。",
                link=f"/hall/appointments/{appointment.public_id}/")
            audit_record(actor=None, action="hall.appointment_remind", obj=appointment,
                         summary={"when": _when(appointment)})
        sent += 1
    return sent


def appointments_mark_no_show(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Bookings whose time (plus the hall's grace) has passed without a check-in: 爽约."""
    now = now or timezone.now()
    marked = 0
    overdue = (Appointment.objects.filter(status=A.BOOKED, ends_at__lt=now).select_related("hall")
               .order_by("ends_at")[:limit])
    for appointment in overdue:
        profile = selectors.profile_of(appointment.hall)
        grace = max(appointment.ends_at, appointment.starts_at + timedelta(minutes=profile.checkin_late_minutes))
        if grace >= now:
            continue
        with transaction.atomic():
            if Appointment.objects.filter(pk=appointment.pk, status=A.BOOKED).update(
                    status=A.NO_SHOW, no_show_at=now, updated_at=now):
                audit_record(actor=None, action="hall.appointment_no_show", obj=appointment,
                             summary={"when": _when(appointment)})
                marked += 1
    return marked
