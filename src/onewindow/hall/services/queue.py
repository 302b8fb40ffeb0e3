"""Writes of the queue: taking numbers, windows signing on, calling, serving, transferring,
finishing with the cases taken in, and closing the day.

Concurrency: a number's sequence comes from one atomic upsert per type and day; "call next"
locks the window's state row, then picks the first waiting number with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL (SQLite serialises writers) and changes it with a conditional UPDATE, so
two windows never get the same number. Pushes go out after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from onewindow.accounts.models import Person, ServiceHall, ServiceWindow, Staff
from onewindow.accounts.rules import id_number_parse
from onewindow.accounts.selectors import person_of_user, staff_of_user
from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.selectors import work_calendar
from onewindow.core.workdays import SHANGHAI, is_working_day, local_date

from .. import constants as c
from .. import push, rules, selectors
from ..constants import CallKind, PriorityReason, Rank, TicketChannel, TicketStatus, WindowStatus
from ..models import (
    Appointment,
    BusinessType,
    PriorityPass,
    QueueCall,
    QueueCounter,
    QueueTicket,
    TicketCase,
    WindowState,
)

T = TicketStatus


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, name, default)


# --- Numbers ----------------------------------------------------------------------------------
def counter_next(key: str) -> int:
    """The next value of a counter in one statement (row lock until the caller commits)."""
    table = connection.ops.quote_name(QueueCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (key, value) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
        f"ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    return int(row[0])


def _open_check(hall: ServiceHall, now: datetime) -> None:
    profile = selectors.profile_of(hall)
    rules.take_check(selectors.hours_of(profile), now=now,
                     working_day=is_working_day(work_calendar(), local_date(now)))


def _person_and_id(*, id_number: str, person: Person | None) -> tuple[Person | None, str, str, Any]:
    """The registered person (if any), the normalised ID number, its hash and birth date."""
    number = (id_number or "").strip().upper()
    if number:
        facts = id_number_parse(number)
        number = facts.number
        found = person or Person.objects.filter(id_number_hash=lookup_hash(number)).first()
        return found, number, lookup_hash(number), facts.birth_date
    if person is not None:
        birth = person.birth_date
        if birth is None and person.id_number:
            try:
                birth = id_number_parse(person.id_number).birth_date
            except ValidationFailed:
                birth = None
        return person, "", person.id_number_hash, birth
    return None, "", "", None


def _priority_pass(*, hall: ServiceHall, person: Person | None, user: Any, now: datetime) -> PriorityPass | None:
    days = int(_setting(c.SETTING_PASS_DAYS, c.DEFAULT_PASS_DAYS))
    who = Q(pk__in=[])
    if person is not None:
        who |= Q(person_ref=person.public_id)
    if user is not None and getattr(user, "pk", None):
        who |= Q(user_ref=user.pk)
    hall_path = hall.region.path
    for candidate in (PriorityPass.objects.filter(who, used_by__isnull=True,
                                                  granted_at__gte=now - timedelta(days=days))
                      .order_by("granted_at")):
        if hall_path.startswith(candidate.region_path) or candidate.region_path.startswith(hall_path):
            return candidate
    return None


def _existing(hall: ServiceHall, business_type: BusinessType, day: Any, *, id_hash: str,
              user: Any) -> QueueTicket | None:
    who = Q(pk__in=[])
    if id_hash:
        who |= Q(id_number_hash=id_hash)
    if user is not None and getattr(user, "pk", None):
        who |= Q(user_id=user.pk)
    return (QueueTicket.objects.filter(who, hall=hall, business_type=business_type, day=day,
                                       status__in=(T.WAITING, T.CALLED)).first())


def ticket_take(*, actor: Any, hall: ServiceHall, business_type: BusinessType, channel: str,
                person: Person | None = None, id_number: str = "", name: str = "",
                guide_checked: bool = False, disabled: bool = False, pregnant: bool = False,
                latitude: float | None = None, longitude: float | None = None,
                appointment: Appointment | None = None, appointment_on_time: bool = False,
                now: datetime | None = None) -> QueueTicket:
    """取号. At the kiosk (anyone; identified citizens get their priorities), at the guide desk
    (staff: may record a materials check, disability or pregnancy), on the phone or by API (a
    signed-in citizen near the hall or with a booking today), or by an appointment's check-in."""
    now = now or timezone.now()
    if business_type.hall_id != hall.pk or not business_type.is_active:
        raise NotFound("找不到该业务类型", code="hall_type_not_found")
    if channel not in TicketChannel.values:
        raise ValidationFailed("取号渠道无效", code="hall_channel_invalid")
    user = actor if getattr(actor, "is_authenticated", False) else None
    if channel == TicketChannel.GUIDE:
        if not selectors.can_serve(actor, hall):
            raise PermissionDenied("只有本大厅的导服或窗口人员可以在导服台取号", code="hall_role_forbidden")
        user = None  # the number belongs to the visitor, not to the member of staff
    else:
        guide_checked = disabled = pregnant = False  # declared and checked at the guide desk only
        if user is not None and getattr(user, "kind", "") == "staff" and channel != TicketChannel.KIOSK:
            raise PermissionDenied("工作人员请在导服台为群众取号", code="hall_role_forbidden")
        if channel == TicketChannel.KIOSK and user is not None and getattr(user, "kind", "") == "staff":
            user = None
        if channel in (TicketChannel.PHONE, TicketChannel.API):
            if user is None:
                raise PermissionDenied("请先登录后再在线取号", code="hall_sign_in_required", status=401)
            person = person or person_of_user(user=user)
            _near_or_booked(hall, user=user, latitude=latitude, longitude=longitude, now=now)
        elif user is not None and person is None:
            person = person_of_user(user=user)
    _open_check(hall, now)
    day = local_date(now)
    person, number, id_hash, birth = _person_and_id(id_number=id_number, person=person)
    profile = selectors.profile_of(hall)
    name = (name or (person.name if person else "")).strip()[:60]
    with transaction.atomic():
        existing = _existing(hall, business_type, day, id_hash=id_hash, user=user)
        if existing is not None:
            raise Conflict(f"您今天已取{business_type.name}的号（{existing.number}），请留意叫号",
                           code="hall_ticket_exists", detail={"ticket": str(existing.public_id),
                                                             "number": existing.number})
        if business_type.daily_limit is not None:
            taken = QueueTicket.objects.filter(business_type=business_type, day=day).count()
            if taken >= business_type.daily_limit:
                raise Conflict(f"{business_type.name}今日号源已发完，请明天再来或在线预约",
                               code="hall_type_full")
        granted = _priority_pass(hall=hall, person=person, user=user, now=now) if (
            person is not None or user is not None) else None
        reasons = rules.priority_reasons(
            selectors.priority_rules_of(profile), birth_date=birth, today=day,
            prereviewed=granted is not None, guide_checked=guide_checked, disabled=disabled,
            pregnant=pregnant)
        on_time = appointment_on_time and profile.priority_appointment
        if on_time:
            reasons = [PriorityReason.APPOINTMENT, *reasons]
        seq = counter_next(f"{business_type.pk}:{day:%Y%m%d}")
        ticket = QueueTicket.objects.create(
            hall=hall, business_type=business_type, day=day, seq=seq,
            number=rules.ticket_number(business_type.prefix, seq), channel=channel,
            rank=rules.queue_rank(reasons=reasons, appointment_on_time=on_time),
            priority_reason=reasons[0] if reasons else "", region_path=hall.region.path,
            person=person, user=user, name=name, id_number=number or "", id_number_hash=id_hash,
            appointment=appointment, taken_at=now)
        if granted is not None and profile.priority_prereview:
            PriorityPass.objects.filter(pk=granted.pk).update(used_by=ticket)
        audit_record(actor=actor if getattr(actor, "pk", None) else None, action=c.AUDIT_TICKET_TAKE,
                     obj=ticket, summary={"hall": hall.name, "number": ticket.number, "channel": channel,
                                          "priority": ",".join(reasons)})
        _queue_changed(hall, day, what="take", number=ticket.number)
    return ticket


def _near_or_booked(hall: ServiceHall, *, user: Any, latitude: float | None, longitude: float | None,
                    now: datetime) -> None:
    """On the phone, a number is for people near the hall or with a booking there today."""
    if Appointment.objects.filter(hall=hall, user=user, day=local_date(now),
                                  status__in=("booked", "checked_in")).exists():
        return
    profile = selectors.profile_of(hall)
    if profile.latitude is None or profile.longitude is None:
        raise PermissionDenied("该大厅暂不支持远程取号，请到大厅取号或先在线预约",
                               code="hall_remote_take_unavailable")
    if latitude is None or longitude is None:
        raise ValidationFailed("手机取号需要您所在的位置：请允许获取位置后重试，或到大厅自助终端取号",
                               code="hall_location_required",
                               fields={"location": "请允许获取位置"})
    distance = rules.distance_m(profile.latitude, profile.longitude, float(latitude), float(longitude))
    if distance > profile.phone_take_distance_m:
        raise Conflict(f"您距离大厅约{int(distance)}米，请到大厅附近（{profile.phone_take_distance_m}米内）"
                       "再取号，或在线预约", code="hall_too_far")


def _queue_changed(hall: ServiceHall, day: Any, *, what: str, number: str = "") -> None:
    """Push the new queue lengths after commit (computed then, so they are current)."""

    def send() -> None:
        push.queue_pushed(hall, selectors.waiting_counts(hall=hall, day=day), what=what, number=number)

    transaction.on_commit(send)


# --- Windows ----------------------------------------------------------------------------------
def _clerk(actor: Any) -> Staff:
    staff = staff_of_user(user=actor)
    if staff is None:
        raise PermissionDenied("只有工作人员可以叫号", code="hall_role_forbidden")
    return staff


def window_sign_on(*, actor: Any, window: ServiceWindow, now: datetime | None = None) -> WindowState:
    """The clerk sits at ``window`` and opens it (leaving any other window they held)."""
    now = now or timezone.now()
    hall = ServiceHall.objects.select_related("region").get(pk=window.hall_id)
    if not selectors.can_serve(actor, hall) or not window.is_active:
        raise NotFound("找不到该窗口", code="hall_window_not_found")
    staff = _clerk(actor)
    with transaction.atomic():
        for other in WindowState.objects.select_for_update().filter(clerk=staff).exclude(window=window):
            if other.ticket_id and QueueTicket.objects.filter(
                    pk=other.ticket_id, status__in=(T.CALLED, T.SERVING)).exists():
                raise Conflict("您在另一窗口还有未办结的号，请先办结或过号", code="hall_window_busy")
            other.status, other.clerk, other.ticket, other.since = WindowStatus.CLOSED, None, None, now
            other.save(update_fields=["status", "clerk", "ticket", "since", "updated_at"])
        state, _ = WindowState.objects.select_for_update().get_or_create(
            window=window, defaults={"hall": hall, "status": WindowStatus.CLOSED})
        state.clerk = staff
        state.status = WindowStatus.OPEN
        state.since = now
        state.save(update_fields=["clerk", "status", "since", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_WINDOW, obj=window,
                     summary={"hall": hall.name, "window": window.number, "status": "open"})
        push.staff_pushed(hall, what="window")
        transaction.on_commit(lambda: push.queue_pushed(hall, selectors.waiting_counts(hall=hall),
                                                        what="window"))
    return state


def window_set_status(*, actor: Any, window: ServiceWindow, status: str, now: datetime | None = None) -> WindowState:
    """Pause (暂停), reopen or close (下班) one's window."""
    if status not in (WindowStatus.OPEN, WindowStatus.PAUSED, WindowStatus.CLOSED):
        raise ValidationFailed("窗口状态无效", code="hall_window_status")
    now = now or timezone.now()
    staff = _clerk(actor)
    with transaction.atomic():
        state = WindowState.objects.select_for_update().filter(window=window, clerk=staff).first()
        if state is None:
            raise Conflict("请先在本窗口签到开窗", code="hall_window_not_signed_on")
        if status == WindowStatus.CLOSED and state.ticket_id and QueueTicket.objects.filter(
                pk=state.ticket_id, status__in=(T.CALLED, T.SERVING)).exists():
            raise Conflict("请先办结或过号当前号，再关闭窗口", code="hall_window_busy")
        state.status = status
        state.since = now
        if status == WindowStatus.CLOSED:
            state.clerk = None
            state.ticket = None
        state.save(update_fields=["status", "since", "clerk", "ticket", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_WINDOW, obj=window,
                     summary={"window": window.number, "status": status})
        hall = ServiceHall.objects.get(pk=window.hall_id)
        push.staff_pushed(hall, what="window")
        transaction.on_commit(lambda: push.queue_pushed(hall, selectors.waiting_counts(hall=hall),
                                                        what="window"))
    return state


def _signed_on(actor: Any, window: ServiceWindow | None) -> tuple[Staff, WindowState]:
    """The caller's window state, locked; they must sit at it and it must be open."""
    staff = _clerk(actor)
    # lock only the window's own row (never the hall's, which every window shares)
    qs = (WindowState.objects.select_related("window", "hall", "hall__region")
          .select_for_update(of=("self",)).filter(clerk=staff))
    if window is not None:
        qs = qs.filter(window=window)
    state = qs.exclude(status=WindowStatus.CLOSED).first()
    if state is None:
        raise Conflict("请先在窗口签到开窗，再叫号", code="hall_window_not_signed_on")
    return staff, state


def _call_record(*, state: WindowState, staff: Staff, ticket: QueueTicket, kind: str,
                 now: datetime) -> QueueCall:
    call = QueueCall.objects.create(hall_id=state.hall_id, ticket=ticket, window_id=state.window_id,
                                    clerk=staff, kind=kind, at=now)
    push.call_pushed(state.hall, selectors.call_payload(call, ticket, state.window))
    return call


def _busy_check(state: WindowState) -> None:
    if state.ticket_id:
        current = QueueTicket.objects.filter(pk=state.ticket_id, status__in=(T.CALLED, T.SERVING)).first()
        if current is not None:
            raise Conflict(f"当前号{current.number}尚未办结，请先办结、转办或过号", code="hall_window_busy")


def ticket_call_next(*, actor: Any, window: ServiceWindow | None = None,
                     now: datetime | None = None) -> QueueTicket | None:
    """叫下一位: the first waiting number of the window's business types (or sent to this
    window), in service order. None when nobody waits."""
    now = now or timezone.now()
    with transaction.atomic():
        staff, state = _signed_on(actor, window)
        if state.status != WindowStatus.OPEN:
            raise Conflict("窗口暂停中，请先恢复开窗", code="hall_window_paused")
        _busy_check(state)
        type_ids = list(BusinessType.objects.filter(windows=state.window_id, is_active=True)
                        .values_list("id", flat=True))
        day = local_date(now)
        base = (QueueTicket.objects.filter(hall_id=state.hall_id, day=day, status=T.WAITING)
                .filter(Q(business_type_id__in=type_ids, target_window__isnull=True)
                        | Q(target_window_id=state.window_id))
                .order_by("rank", "taken_at", "id"))
        if connection.features.has_select_for_update_skip_locked:
            base = base.select_for_update(skip_locked=True)
        ticket: QueueTicket | None = None
        for _attempt in range(5):
            candidate = base.first()
            if candidate is None:
                break
            updated = QueueTicket.objects.filter(pk=candidate.pk, status=T.WAITING).update(
                status=T.CALLED, window_id=state.window_id, clerk=staff, called_at=now,
                first_called_at=now, call_count=F("call_count") + 1, target_window=None,
                updated_at=now)
            if updated == 1:
                ticket = QueueTicket.objects.select_related("business_type").get(pk=candidate.pk)
                break
        if ticket is None:
            return None
        state.ticket = ticket
        state.since = now
        state.save(update_fields=["ticket", "since", "updated_at"])
        _call_record(state=state, staff=staff, ticket=ticket, kind=CallKind.CALL, now=now)
        audit_record(actor=actor, action=c.AUDIT_TICKET_CALL, obj=ticket,
                     summary={"number": ticket.number, "window": state.window.number})
        _queue_changed(state.hall, day, what="call", number=ticket.number)
    return ticket


def _own_ticket(actor: Any, ticket: QueueTicket) -> tuple[Staff, WindowState, QueueTicket]:
    """The number at the caller's window, locked."""
    staff, state = _signed_on(actor, None)
    locked = QueueTicket.objects.select_for_update().select_related("business_type").get(pk=ticket.pk)
    if locked.window_id != state.window_id or state.ticket_id != locked.pk:
        raise Conflict("该号不在您的窗口", code="hall_ticket_not_yours")
    return staff, state, locked


def ticket_recall(*, actor: Any, ticket: QueueTicket, now: datetime | None = None) -> QueueTicket:
    """重呼: call the current number again (screen and voice)."""
    now = now or timezone.now()
    with transaction.atomic():
        staff, state, locked = _own_ticket(actor, ticket)
        rules.transition_check("recall", locked.status)
        locked.call_count += 1
        locked.called_at = now
        locked.save(update_fields=["call_count", "called_at", "updated_at"])
        _call_record(state=state, staff=staff, ticket=locked, kind=CallKind.RECALL, now=now)
        audit_record(actor=actor, action=c.AUDIT_TICKET_RECALL, obj=locked,
                     summary={"number": locked.number, "calls": locked.call_count})
    return locked


def ticket_start(*, actor: Any, ticket: QueueTicket, now: datetime | None = None) -> QueueTicket:
    """开始办理: the person has come to the window."""
    now = now or timezone.now()
    with transaction.atomic():
        _staff, state, locked = _own_ticket(actor, ticket)
        locked.status = rules.transition_check("start", locked.status)
        locked.serve_started_at = now
        locked.save(update_fields=["status", "serve_started_at", "updated_at"])
        state.since = now
        state.save(update_fields=["since", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_TICKET_START, obj=locked, summary={"number": locked.number})
        push.staff_pushed(state.hall, what="start", number=locked.number)
    return locked


def ticket_no_show(*, actor: Any, ticket: QueueTicket, now: datetime | None = None) -> QueueTicket:
    """过号: nobody came; the number may be called again for the hall's recall time."""
    now = now or timezone.now()
    with transaction.atomic():
        _staff, state, locked = _own_ticket(actor, ticket)
        locked.status = rules.transition_check("no_show", locked.status)
        hall = state.hall
        minutes = selectors.profile_of(hall).no_show_recall_minutes
        locked.no_show_at = now
        locked.recall_until = now + timedelta(minutes=minutes)
        locked.save(update_fields=["status", "no_show_at", "recall_until", "updated_at"])
        state.ticket = None
        state.since = now
        state.save(update_fields=["ticket", "since", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_TICKET_NO_SHOW, obj=locked, summary={"number": locked.number})
        push.staff_pushed(hall, what="no_show", number=locked.number)
    return locked


def ticket_no_show_recall(*, actor: Any, ticket: QueueTicket, now: datetime | None = None) -> QueueTicket:
    """过号重呼: a missed number whose holder turned up, called again to the caller's window."""
    now = now or timezone.now()
    with transaction.atomic():
        staff, state = _signed_on(actor, None)
        _busy_check(state)
        locked = QueueTicket.objects.select_for_update().select_related("business_type").get(pk=ticket.pk)
        if locked.hall_id != state.hall_id:
            raise NotFound("找不到该排队号", code="hall_ticket_not_found")
        rules.transition_check("no_show_recall", locked.status)
        if locked.recall_until is None or locked.recall_until < now:
            raise Conflict(f"{locked.number}过号已超过可重呼时间，请重新取号", code="hall_recall_expired")
        locked.status = T.CALLED
        locked.window_id = state.window_id
        locked.clerk = staff
        locked.called_at = now
        locked.call_count += 1
        locked.recall_until = None
        locked.save(update_fields=["status", "window", "clerk", "called_at", "call_count", "recall_until",
                                   "updated_at"])
        state.ticket = locked
        state.since = now
        state.save(update_fields=["ticket", "since", "updated_at"])
        _call_record(state=state, staff=staff, ticket=locked, kind=CallKind.NO_SHOW_RECALL, now=now)
        audit_record(actor=actor, action=c.AUDIT_TICKET_RECALL, obj=locked,
                     summary={"number": locked.number, "after_no_show": True})
    return locked


def ticket_transfer(*, actor: Any, ticket: QueueTicket, business_type: BusinessType | None = None,
                    window: ServiceWindow | None = None, note: str = "",
                    now: datetime | None = None) -> QueueTicket:
    """转办: back to the queue of another business type and/or to one window, ahead of numbers
    taken later (the person already waited once). The number stays the same."""
    now = now or timezone.now()
    if business_type is None and window is None:
        raise ValidationFailed("请选择转到的业务类型或窗口", code="hall_transfer_target",
                               fields={"business_type": "请选择转到的业务类型或窗口"})
    with transaction.atomic():
        _staff, state, locked = _own_ticket(actor, ticket)
        target = rules.transition_check("transfer", locked.status)
        if business_type is not None and (business_type.hall_id != locked.hall_id or not business_type.is_active):
            raise NotFound("找不到该业务类型", code="hall_type_not_found")
        if window is not None:
            if window.hall_id != locked.hall_id or not window.is_active:
                raise NotFound("找不到该窗口", code="hall_window_not_found")
            if window.pk == state.window_id:
                raise ValidationFailed("不能转给本窗口", code="hall_transfer_self",
                                       fields={"window": "不能转给本窗口"})
        new_type = business_type or locked.business_type
        if window is not None and not new_type.windows.filter(pk=window.pk).exists():
            raise ValidationFailed(f"{window.number}号窗口不办理“{new_type.name}”业务",
                                   code="hall_transfer_window_type", fields={"window": "该窗口不办理此业务"})
        locked.status = target
        locked.business_type = new_type
        locked.target_window = window
        locked.rank = min(locked.rank, Rank.TRANSFERRED)
        locked.transfers += 1
        locked.window = None
        locked.clerk = None
        locked.serve_started_at = None
        if note:
            locked.note = note.strip()[:200]
        locked.save(update_fields=["status", "business_type", "target_window", "rank", "transfers", "window",
                                   "clerk", "serve_started_at", "note", "updated_at"])
        state.ticket = None
        state.since = now
        state.save(update_fields=["ticket", "since", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_TICKET_TRANSFER, obj=locked, summary={
            "number": locked.number, "type": new_type.name, "window": window.number if window else ""})
        _queue_changed(state.hall, locked.day, what="transfer", number=locked.number)
    return locked


def ticket_finish(*, actor: Any, ticket: QueueTicket, cases: Sequence[Any] = (),
                  now: datetime | None = None) -> QueueTicket:
    """办结: the visit is over; the cases taken in are linked to the number (and the number
    is written on each case's timeline), so 取号 → 受理 → 办结 reads as one trace."""
    from onewindow.cases import selectors as case_selectors
    from onewindow.cases import services as case_services

    now = now or timezone.now()
    with transaction.atomic():
        staff, state, locked = _own_ticket(actor, ticket)
        locked.status = rules.transition_check("finish", locked.status)
        locked.finished_at = now
        locked.save(update_fields=["status", "finished_at", "updated_at"])
        state.ticket = None
        state.since = now
        state.save(update_fields=["ticket", "since", "updated_at"])
        linked = []
        for case in cases:
            if not case_selectors.case_visible(actor=actor, case=case):
                raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
            _, created = TicketCase.objects.get_or_create(ticket=locked, case=case,
                                                          defaults={"linked_at": now, "linked_by": staff})
            if created:
                linked.append(case.number or "")
                case_services.case_timeline_note(
                    actor=actor, case=case, title=f"大厅排队号{locked.number}",
                    note=f"{state.window.hall.name} {state.window.number}号窗口",
                    data={"ticket": str(locked.public_id), "number": locked.number,
                          "window": state.window.number, "taken_at": locked.taken_at.isoformat()},
                    at=now)
        audit_record(actor=actor, action=c.AUDIT_TICKET_FINISH, obj=locked,
                     summary={"number": locked.number, "cases": linked})
        push.staff_pushed(state.hall, what="finish", number=locked.number)
    return locked


def ticket_cancel(*, actor: Any, ticket: QueueTicket, now: datetime | None = None) -> QueueTicket:
    """The holder (or the hall's staff) gives a waiting number back."""
    now = now or timezone.now()
    hall = ServiceHall.objects.select_related("region").get(pk=ticket.hall_id)
    owner = ticket.user_id is not None and ticket.user_id == getattr(actor, "pk", None)
    if not owner and not selectors.can_serve(actor, hall):
        raise NotFound("找不到该排队号", code="hall_ticket_not_found")
    with transaction.atomic():
        locked = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
        locked.status = rules.transition_check("cancel", locked.status)
        locked.finished_at = now
        locked.save(update_fields=["status", "finished_at", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_TICKET_CANCEL, obj=locked, summary={"number": locked.number})
        _queue_changed(hall, locked.day, what="cancel", number=locked.number)
    return locked


def day_close(*, now: datetime | None = None) -> dict[str, int]:
    """Numbers of past days still open: waiting or called → 当日未办理 (missed ones stay 过号);
    in service → finished at the time they were last touched. Windows of past days close."""
    now = now or timezone.now()
    day = local_date(now)
    with transaction.atomic():
        expired = QueueTicket.objects.filter(day__lt=day, status__in=(T.WAITING, T.CALLED)).update(
            status=T.EXPIRED, updated_at=now)
        finished = QueueTicket.objects.filter(day__lt=day, status=T.SERVING).update(
            status=T.DONE, finished_at=F("updated_at"))
        start = timezone.make_aware(datetime.combine(day, datetime.min.time()), SHANGHAI)
        closed = WindowState.objects.filter(since__lt=start).exclude(status=WindowStatus.CLOSED).update(
            status=WindowStatus.CLOSED, clerk=None, ticket=None, since=now)
        if expired or finished or closed:
            audit_record(actor=None, action=c.AUDIT_DAY_CLOSE, object_type="hall.queueticket",
                         summary={"expired": expired, "finished": finished, "windows": closed})
    return {"expired": expired, "finished": finished, "windows": closed}


# --- Priority passes from pre-reviewed applications ---------------------------------------------
def priority_pass_grant(*, payload: dict[str, Any], now: datetime | None = None) -> PriorityPass | None:
    """``case.prereview_passed``: remember that the applicant may get a priority number; a
    number they already hold today in a hall of the area becomes a priority number."""
    now = now or timezone.now()
    try:
        case_ref = str(payload["case_id"])
    except (KeyError, TypeError):
        return None
    applicant = payload.get("applicant") or {}
    person_ref = applicant.get("person_id")
    user_ref = applicant.get("user_id")
    with transaction.atomic():
        granted, created = PriorityPass.objects.get_or_create(case_ref=case_ref, defaults={
            "case_number": str(payload.get("case_number") or "")[:24],
            "item_name": str(payload.get("item_name") or "")[:200],
            "person_ref": person_ref, "user_ref": user_ref,
            "region_path": str(payload.get("region_path") or "/"), "granted_at": now})
        if not created:
            return granted
        who = Q(pk__in=[])
        if person_ref:
            person_id = Person.objects.filter(public_id=person_ref).values_list("id", flat=True).first()
            if person_id:
                who |= Q(person_id=person_id)
        if user_ref:
            who |= Q(user_id=user_ref)
        for ticket in (QueueTicket.objects.select_for_update().filter(
                who, day=local_date(now), status=T.WAITING, rank=Rank.NORMAL).select_related("hall", "hall__region")):
            path = ticket.hall.region.path
            if not (path.startswith(granted.region_path) or granted.region_path.startswith(path)):
                continue
            if not selectors.profile_of(ticket.hall).priority_prereview:
                continue
            ticket.rank = Rank.PRIORITY
            ticket.priority_reason = PriorityReason.PREREVIEW
            ticket.save(update_fields=["rank", "priority_reason", "updated_at"])
            granted.used_by = ticket
            granted.save(update_fields=["used_by", "updated_at"])
            audit_record(actor=None, action=c.AUDIT_TICKET_TAKE, obj=ticket,
                         summary={"number": ticket.number, "priority": PriorityReason.PREREVIEW,
                                  "case": granted.case_number})
            _queue_changed(ticket.hall, ticket.day, what="priority", number=ticket.number)
            break
        audit_record(actor=None, action="hall.priority_pass", obj=granted,
                     summary={"case": granted.case_number})
    return granted
