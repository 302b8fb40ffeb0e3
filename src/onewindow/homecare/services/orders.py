"""Orders from placement to payment (dispatch, assignment, check-in and check-out at the
elder's home, confirmation and rating, payment, cancellation, complaints) and alerts.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from onewindow.accounts.selectors import actor_label
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.grid.services import PhotoIn, photos_check

from .. import constants as c
from .. import rules, selectors
from ..models import (
    Alert,
    Carer,
    Elder,
    FamilyContact,
    Order,
    Payment,
    Provider,
    Service,
)
from ..payments import gateway
from ._common import (
    S,
    _alert,
    _choice,
    _counter,
    _load_down,
    _locked_order,
    _now,
    _text,
)


# --- Orders -----------------------------------------------------------------------------------
def _ordered_by(actor: Any, elder: Elder) -> str:
    """Who is ordering for this elder, or NotFound/PermissionDenied."""
    if actor is None:
        return c.OrderedBy.BUREAU
    from onewindow.accounts.constants import Role

    scope = selectors.region_scope(actor)
    if scope is not None:
        if not scope.covers_region_path(elder.region_path):
            raise NotFound("找不到该老人，或您无权查看", code="elder_not_found")
        if scope.has_role(Role.HOTLINE_OPERATOR):
            return c.OrderedBy.OPERATOR
        if scope.has_role(Role.GRID_WORKER):
            return c.OrderedBy.WORKER
        return c.OrderedBy.BUREAU
    if not getattr(actor, "is_authenticated", False):
        raise NotFound("找不到该老人，或您无权查看", code="elder_not_found")
    if elder.person.user_id is not None and elder.person.user_id == actor.pk:
        return c.OrderedBy.ELDER
    contact = FamilyContact.objects.filter(elder=elder, user=actor).first()
    if contact is None:
        raise NotFound("找不到该老人，或您无权查看", code="elder_not_found")
    if not contact.may_order:
        raise PermissionDenied("您不是可代老人下单的家属联系人", code="family_may_not_order")
    return c.OrderedBy.FAMILY


def _candidates(service: Service, elder: Elder) -> list[rules.Candidate]:
    parent = elder.community.parent
    street_path = parent.path if parent is not None else ""
    qs = (Provider.objects.filter(status=c.ProviderStatus.APPROVED, services=service, streets__path=street_path)
          .distinct())
    if service.provider_kinds:
        qs = qs.filter(kind__in=service.provider_kinds)
    from django.db.models import Count

    qs = qs.annotate(n_carers=Count("carers", filter=Q(carers__is_active=True), distinct=True))
    return [rules.Candidate(p.pk, p.name, p.rating, p.open_orders, p.n_carers) for p in qs]


def order_place(*, actor: Any, elder: Elder, service: Service, scheduled_at: datetime,
                provider: Provider | None = None, note: str = "", channel: str = c.OrderChannel.WEB,
                allowance_only: bool = False, now: datetime | None = None) -> Order:
    """Order a service for an elder; split the price (allowance first), dispatch by the rules or to
    the provider the elder chose."""
    now = _now(now)
    ordered_by = _ordered_by(actor, elder)
    channel = _choice(channel, c.OrderChannel, field="channel", label="下单渠道")
    if elder.status != c.ElderStatus.ACTIVE:
        raise Conflict("该老人不在册，不能下单", code="elder_inactive")
    if not service.is_active:
        raise NotFound("找不到该服务项目", code="service_not_found")
    if timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    if scheduled_at < now - timedelta(minutes=10) or scheduled_at > now + timedelta(days=60):
        msg = "预约时间应在现在到60天之内"
        raise ValidationFailed(msg, code="scheduled_at_invalid", fields={"scheduled_at": msg})
    note = (note or "").strip()[:300]
    candidates = _candidates(service, elder)
    if provider is not None:
        if provider.pk not in {cand.id for cand in candidates}:
            msg = "所选机构不提供该服务、不服务老人所在街道或已暂停接单"
            raise ValidationFailed(msg, code="provider_not_eligible", fields={"provider": msg})
        chosen_id: int | None = provider.pk
        mode, dispatch_note = c.DispatchMode.CHOICE, "老人自选机构"
    else:
        best = rules.dispatch_choose(candidates)
        chosen_id, mode = (best.id if best else None), c.DispatchMode.RULES
        dispatch_note = (f"按规则派单：{len(candidates)} 家可选，评分与负荷最优" if best
                         else "暂无可派单的机构，等待人工派单")
    month = rules.month_start(timezone.localdate(scheduled_at))
    with transaction.atomic():
        locked = Elder.objects.select_for_update().get(pk=elder.pk)  # one order at a time draws on the allowance
        left = selectors.allowance_left(elder=locked, month=month)
        allowance, own = rules.payment_split(price=service.price, covered=service.allowance_covered,
                                             allowance_left=left, allowance_only=allowance_only)
        day = timezone.localtime(now).strftime("%Y%m%d")
        order = Order.objects.create(
            number=f"YL{day}{_counter(f'order:{day}'):06d}", elder=elder, region_path=elder.region_path,
            service=service, provider_id=chosen_id, status=S.DISPATCHED if chosen_id else S.PLACED,
            ordered_by=ordered_by, channel=channel, placed_by=actor if getattr(actor, "pk", None) else None,
            placed_at=now, dispatch_mode=mode, dispatch_note=dispatch_note, scheduled_at=scheduled_at, note=note,
            price=service.price, allowance_part=allowance, own_part=own, month=month)
        if chosen_id:
            Provider.objects.filter(pk=chosen_id).update(open_orders=F("open_orders") + 1)
        audit_record(actor=actor, action=c.AUDIT_ORDER_PLACE, obj=order, summary={
            "number": order.number, "elder": elder.name, "service": service.code, "ordered_by": ordered_by,
            "provider": chosen_id or "", "allowance": str(allowance), "own": str(own), "mode": mode})
    return order


def order_dispatch(*, actor: Any, order: Order, provider: Provider) -> Order:
    """Manual dispatch of an order no provider was found for (bureau or hotline)."""
    if actor is not None and selectors.region_scope(actor) is None:
        raise PermissionDenied("只有民政部门或养老服务热线可以人工派单", code="not_dispatcher")
    with transaction.atomic():
        order = _locked_order(order)
        rules.transition_check(order.status, "dispatch")
        if provider.pk not in {cand.id for cand in _candidates(order.service, order.elder)}:
            msg = "所选机构不提供该服务、不服务老人所在街道或已暂停接单"
            raise ValidationFailed(msg, code="provider_not_eligible", fields={"provider": msg})
        order.provider, order.status, order.dispatch_note = provider, S.DISPATCHED, f"人工派单（{actor_label(actor)}）"
        order.save(update_fields=["provider", "status", "dispatch_note", "updated_at"])
        Provider.objects.filter(pk=provider.pk).update(open_orders=F("open_orders") + 1)
        audit_record(actor=actor, action=c.AUDIT_ORDER_ASSIGN, obj=order, summary={"provider": provider.name})
    return order


def order_assign(*, actor: Any, order: Order, carer: Carer) -> Order:
    """The provider's manager assigns (or reassigns before the visit) a carer of its own."""
    if order.provider is None or (actor is not None and not selectors.is_provider_manager(actor, order.provider)):
        raise PermissionDenied("只有承接机构的管理人员可以指派护理员", code="not_provider_manager")
    if carer.provider_id != order.provider_id or not carer.is_active:
        msg = "该护理员不属于承接机构"
        raise ValidationFailed(msg, code="carer_not_of_provider", fields={"carer": msg})
    with transaction.atomic():
        order = _locked_order(order)
        rules.transition_check(order.status, "assign")
        order.carer, order.status = carer, S.ASSIGNED
        order.save(update_fields=["carer", "status", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_ORDER_ASSIGN, obj=order, summary={"carer": carer.name})
    return order


def _require_carer(actor: Any, order: Order) -> None:
    carer = selectors.carer_of(actor)
    if carer is None or carer.pk != order.carer_id:
        raise PermissionDenied("只有被指派的护理员可以签到签退", code="not_assigned_carer")


def _photo_save(photo: PhotoIn | None, *, required: bool, field: str) -> Any:
    if photo is None:
        if required:
            msg = "请拍摄现场照片"
            raise ValidationFailed(msg, code="photo_required", fields={field: msg})
        return None
    checked = photos_check([photo])[0]
    return checked


def _home(order: Order) -> tuple[float, float] | None:
    e = order.elder
    return (e.lng, e.lat) if e.lng is not None and e.lat is not None else None


def order_checkin(*, actor: Any, order: Order, lng: Any, lat: Any, location_note: str = "",
                  photo: PhotoIn | None = None, now: datetime | None = None) -> Order:
    """The carer arrives: time, position (checked against the elder's home) and a photo."""
    now = _now(now)
    _require_carer(actor, order)
    order.refresh_from_db(fields=["status"])
    rules.transition_check(order.status, "checkin")
    point = rules.point_clean(lng, lat)
    check, meters = rules.visit_location(home=_home(order), point=point, note=location_note)
    checked = _photo_save(photo, required=True, field="photo")
    saved: list[str] = []
    try:
        with transaction.atomic():
            order = _locked_order(order)
            rules.transition_check(order.status, "checkin")
            order.checkin_at = now
            order.checkin_lng, order.checkin_lat = point if point else (None, None)
            order.checkin_distance_m, order.checkin_check = meters, check
            order.checkin_note = (location_note or "").strip()[:300]
            order.checkin_photo.save(f"in.{checked.extension}", ContentFile(checked.content), save=False)
            saved.append(str(order.checkin_photo.name))
            order.status = S.IN_SERVICE
            order.save()
            if check in (c.LocationCheck.FAR, c.LocationCheck.NONE):
                where = f"距住址约 {meters} 米" if meters is not None else "无定位"
                _alert(kind=c.AlertKind.FAR_CHECKIN, elder=order.elder, order=order, provider=order.provider,
                       key=f"far:{order.pk}", at=now,
                       message=f"{order.number} 护理员{order.carer.name if order.carer else ''}"
                               f"签到位置异常（{where}）：{order.checkin_note}")
            audit_record(actor=actor, action=c.AUDIT_ORDER_CHECKIN, obj=order, summary={
                "number": order.number, "check": check, "distance_m": meters})
    except BaseException:
        for path in saved:
            with contextlib.suppress(OSError):
                default_storage.delete(path)
        raise
    return order


def order_checkout(*, actor: Any, order: Order, lng: Any = None, lat: Any = None, work_notes: str = "",
                   photo: PhotoIn | None = None, now: datetime | None = None) -> Order:
    """The carer leaves: what was done; a visit much shorter than booked raises an alert."""
    now = _now(now)
    _require_carer(actor, order)
    order.refresh_from_db(fields=["status"])
    rules.transition_check(order.status, "checkout")
    work_notes = _text(work_notes, field="work_notes", label="服务记录", min_len=2, max_len=c.MAX_TEXT)
    point = rules.point_clean(lng, lat)
    home = _home(order)
    meters = round(rules.distance_m(point[0], point[1], home[0], home[1])) if point and home else None
    checked = _photo_save(photo, required=False, field="photo")
    saved: list[str] = []
    try:
        with transaction.atomic():
            order = _locked_order(order)
            rules.transition_check(order.status, "checkout")
            order.checkout_at, order.checkout_distance_m, order.work_notes = now, meters, work_notes
            if checked is not None:
                order.checkout_photo.save(f"out.{checked.extension}", ContentFile(checked.content), save=False)
                saved.append(str(order.checkout_photo.name))
            order.status = S.DELIVERED
            order.save()
            _load_down(order.provider_id)
            Elder.objects.filter(pk=order.elder_id).update(last_served_at=now)
            minutes = (now - order.checkin_at).total_seconds() / 60 if order.checkin_at else 0
            if rules.short_visit(minutes, order.service.duration_minutes):
                _alert(kind=c.AlertKind.SHORT_VISIT, elder=order.elder, order=order, provider=order.provider,
                       key=f"short:{order.pk}", at=now,
                       message=f"{order.number} 服务 {round(minutes)} 分钟，预约 {order.service.duration_minutes} 分钟")
            audit_record(actor=actor, action=c.AUDIT_ORDER_CHECKOUT, obj=order, summary={
                "number": order.number, "minutes": round(minutes), "distance_m": meters})
    except BaseException:
        for path in saved:
            with contextlib.suppress(OSError):
                default_storage.delete(path)
        raise
    return order


def _require_elder_side(actor: Any, order: Order) -> None:
    """The elder, a family contact, or staff covering the elder (on their behalf)."""
    if actor is None:  # the platform itself (demo, imports)
        return
    if not getattr(actor, "is_authenticated", False):
        raise NotFound("找不到该订单，或您无权查看", code="order_not_found")
    scope = selectors.region_scope(actor)
    if scope is not None and scope.covers_region_path(order.region_path):
        return
    if order.elder.person.user_id is not None and order.elder.person.user_id == actor.pk:
        return
    if FamilyContact.objects.filter(elder=order.elder, user=actor).exists():
        return
    raise NotFound("找不到该订单，或您无权查看", code="order_not_found")


def order_confirm(*, actor: Any, order: Order, rating: Any, comment: str = "", now: datetime | None = None) -> Order:
    """The elder or family confirms the visit and rates it; the allowance part is booked for the
    monthly settlement and the own part waits for payment."""
    now = _now(now)
    _require_elder_side(actor, order)
    stars = rules.rating_clean(rating)
    comment = (comment or "").strip()[:300]
    with transaction.atomic():
        order = _locked_order(order)
        rules.transition_check(order.status, "confirm")
        order.status, order.confirmed_at, order.rating, order.rating_comment = S.CONFIRMED, now, stars, comment
        order.save(update_fields=["status", "confirmed_at", "rating", "rating_comment", "updated_at"])
        Provider.objects.filter(id=order.provider_id or 0).update(rating_sum=F("rating_sum") + stars,
                                                             rating_count=F("rating_count") + 1)
        if order.allowance_part > 0:
            Payment.objects.create(order=order, kind=c.PaymentKind.ALLOWANCE, amount=order.allowance_part,
                                   gateway="allowance")
        if order.own_part > 0:
            Payment.objects.create(order=order, kind=c.PaymentKind.OWN, amount=order.own_part)
        audit_record(actor=actor, action=c.AUDIT_ORDER_CONFIRM, obj=order, summary={
            "number": order.number, "rating": stars})
    return order


def order_pay(*, actor: Any, order: Order, now: datetime | None = None) -> Payment:
    """Pay the elder's own part through the payment gateway; a receipt number is issued."""
    now = _now(now)
    _require_elder_side(actor, order)
    payment = order.payments.filter(kind=c.PaymentKind.OWN).first()
    if payment is None:
        raise Conflict("该订单没有需要个人支付的金额，或尚未确认", code="nothing_to_pay")
    if payment.status == c.PaymentStatus.PAID:
        raise Conflict("该订单已支付", code="already_paid")
    gw = gateway()
    reference = gw.charge(reference=order.number, amount=payment.amount, description=order.service.name)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == c.PaymentStatus.PAID:
            raise Conflict("该订单已支付", code="already_paid")
        day = timezone.localtime(now).strftime("%Y%m%d")
        payment.status, payment.gateway = c.PaymentStatus.PAID, gw.name
        payment.reference, payment.paid_at = reference, now
        payment.receipt_no = f"SJ{day}{_counter(f'receipt:{day}'):06d}"
        payment.save()
        audit_record(actor=actor, action=c.AUDIT_ORDER_PAY, obj=order, summary={
            "number": order.number, "amount": str(payment.amount), "receipt": payment.receipt_no})
    return payment


def order_cancel(*, actor: Any, order: Order, reason: str, now: datetime | None = None) -> Order:
    """Cancel before the visit (elder side, the provider, or staff); the allowance is freed."""
    now = _now(now)
    provider = order.provider
    if not (provider is not None and actor is not None and selectors.is_provider_manager(actor, provider)):
        _require_elder_side(actor, order)
    reason = _text(reason, field="reason", label="取消原因", min_len=2)
    with transaction.atomic():
        order = _locked_order(order)
        rules.transition_check(order.status, "cancel")
        if order.provider_id:
            _load_down(order.provider_id)
        order.status, order.cancelled_at, order.cancel_reason = S.CANCELLED, now, reason
        order.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_ORDER_CANCEL, obj=order, summary={"number": order.number,
                                                                                   "reason": reason})
    return order


def order_complain(*, actor: Any, order: Order, text: str, now: datetime | None = None) -> str:
    """A complaint about a service becomes a 12345 ticket (投诉) through the hotline's intake."""
    from onewindow.tickets.constants import Channel, TicketKind
    from onewindow.tickets.services import ticket_intake

    now = _now(now)
    _require_elder_side(actor, order)
    rules.transition_check(order.status, "complain")
    if order.complaint_ticket:
        raise Conflict(f"该订单已投诉（工单 {order.complaint_ticket}）", code="already_complained")
    text = _text(text, field="text", label="投诉内容", min_len=5, max_len=c.MAX_TEXT)
    with transaction.atomic():
        order = _locked_order(order)
        provider = order.provider.name if order.provider else "（未派单）"
        ticket = ticket_intake(
            actor=actor, kind=TicketKind.COMPLAINT, channel=Channel.WEB, title=f"养老服务投诉：{order.service.name}",
            text=f"【居家养老服务投诉】订单 {order.number}，服务机构：{provider}，服务：{order.service.name}。{text}",
            region=order.elder.community, address=order.elder.community.name, requester_name=actor_label(actor),
            requester_user=actor if getattr(actor, "pk", None) else None, now=now, received_at=now)
        order.complaint_ticket = ticket.number
        order.save(update_fields=["complaint_ticket", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_COMPLAINT, obj=order, summary={"number": order.number,
                                                                                "ticket": ticket.number})
    return str(ticket.number)


# --- Alerts -----------------------------------------------------------------------------------
def alerts_scan(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: orders not started in time, elders living alone with no visit in N days.
    (Short visits and far check-ins are raised when they happen.)"""
    now = _now(now)
    late = 0
    limit = now - timedelta(minutes=c.LATE_START_MINUTES)
    for order in (Order.objects.select_related("elder", "provider")
                  .filter(status__in=[S.DISPATCHED, S.ASSIGNED, S.PLACED], scheduled_at__lt=limit)
                  .exclude(alerts__kind=c.AlertKind.LATE_START).iterator(chunk_size=500)):
        minutes = int((now - order.scheduled_at).total_seconds() // 60)
        if _alert(kind=c.AlertKind.LATE_START, elder=order.elder, order=order, provider=order.provider,
                  key=f"late:{order.pk}", at=now,
                  message=f"{order.number} 预约 {timezone.localtime(order.scheduled_at):%m-%d %H:%M}，"
                          f"已超过 {minutes} 分钟未签到"):
            late += 1
    alone = 0
    since = now - timedelta(days=c.ALONE_NO_VISIT_DAYS)
    week = timezone.localtime(now).strftime("%G%V")
    for elder in (Elder.objects.filter(status=c.ElderStatus.ACTIVE, living=c.Living.ALONE)
                  .filter(Q(last_served_at__isnull=True) | Q(last_served_at__lt=since))
                  .only("pk", "name", "region_path", "last_served_at").iterator(chunk_size=1000)):
        last = (f"最近一次服务 {timezone.localtime(elder.last_served_at):%m-%d}" if elder.last_served_at
                else "尚无服务记录")
        if _alert(kind=c.AlertKind.ALONE_NO_VISIT, elder=elder, key=f"alone:{elder.pk}:{week}", at=now,
                  message=f"独居老人{elder.name[:1]}**超过 {c.ALONE_NO_VISIT_DAYS} 天无上门服务（{last}）"):
            alone += 1
    return {"late_start": late, "alone_no_visit": alone}


def alert_resolve(*, actor: Any, alert: Alert, now: datetime | None = None) -> Alert:
    if selectors.alert_list(actor=actor).filter(pk=alert.pk).first() is None:
        raise NotFound("找不到该预警", code="alert_not_found")
    with transaction.atomic():
        alert.resolved_at = _now(now)
        alert.save(update_fields=["resolved_at", "updated_at"])
    return alert
