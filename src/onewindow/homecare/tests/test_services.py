from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from onewindow.core.audit import AuditEntry
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.tests.helpers import raises_code
from onewindow.homecare import constants as c
from onewindow.homecare import selectors, services
from onewindow.homecare.models import Alert, Elder, Order, Payment, SettlementLine

from .conftest import Care, full_scores
from .factories import FAR, NEAR, elder_id_number, photo

pytestmark = pytest.mark.django_db
S = c.OrderStatus


def _delivered(care: Care, *, service=None, minutes: int = 40) -> Order:  # type: ignore[no-untyped-def]
    start = care.at(9) - timedelta(days=1) if care.at(9).day > 1 else care.at(9)
    order = services.order_place(actor=care.family, elder=care.elder, service=service or care.meal,
                                 scheduled_at=start, now=start - timedelta(hours=2))
    order = services.order_assign(actor=care.manager.user, order=order, carer=care.carer)
    order = services.order_checkin(actor=care.carer.user, order=order, lng=NEAR[0], lat=NEAR[1], photo=photo(),
                                   now=start)
    return services.order_checkout(actor=care.carer.user, order=order, work_notes="送餐到家，协助用餐",
                                   now=start + timedelta(minutes=minutes))


# --- Elders -------------------------------------------------------------------------------------
def test_register_elder_links_person_encrypts_and_audits(care: Care) -> None:
    elder = Elder.objects.get(pk=care.elder.pk)
    assert elder.person.birth_date.year == 1940
    assert elder.health_notes.startswith("高血压")
    from django.db import connection
    with connection.cursor() as cur:
        cur.execute("SELECT health_notes, address FROM homecare_elder WHERE id = %s", [elder.pk])
        raw = cur.fetchone()
    assert "高血压" not in raw[0] and "拓东路" not in raw[1]
    entry = AuditEntry.objects.filter(action=c.AUDIT_ELDER_CREATE).get()
    assert "高血压" not in str(entry.summary) and elder_id_number(1, born="19400315") not in str(entry.summary)
    # 80+ base 100 + low-income extra 100 before any assessment
    assert elder.monthly_allowance == Decimal("200.00")


def test_register_refuses_under_60_and_duplicates(care: Care) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.elder_register(actor=care.worker.user, name="李年轻", id_number=elder_id_number(2, born="19900101"),
                                community=care.district.community_a1, address="拓东路1号")
    assert exc.value.code == "elder_too_young" and "id_number" in exc.value.fields
    with pytest.raises(Conflict) as exc2:
        services.elder_register(actor=care.worker.user, name="张桂英", id_number=elder_id_number(1, born="19400315"),
                                community=care.district.community_a1, address="拓东路18号")
    assert exc2.value.code == "elder_exists"


def test_register_outside_scope_and_by_provider(care: Care) -> None:
    with pytest.raises(NotFound) as exc:
        services.elder_register(actor=care.other_worker.user, name="赵某", id_number=elder_id_number(3),
                                community=care.district.community_a1, address="拓东路2号")
    assert exc.value.code == "region_out_of_scope"
    with pytest.raises(PermissionDenied) as exc2:
        services.elder_register(actor=care.manager.user, name="赵某", id_number=elder_id_number(3),
                                community=care.district.community_a1, address="拓东路2号")
    assert exc2.value.code == "not_care_staff"
    assert Elder.objects.count() == 1


def test_assessment_sets_level_and_allowance(care: Care) -> None:
    s = full_scores()
    for code in ("bathing", "stairs", "walking", "bed_chair", "dress_lower"):
        s[code] = 0
    s.update({"eating": 1, "grooming": 1, "dress_upper": 1, "urine": 1, "bowel": 1, "bed_position": 1})
    a = services.assessment_record(actor=care.worker.user, elder=care.elder, scores=s)
    assert a.total == 90 - 19 - 18  # stairs scores 0–3 (GB/T 42195-2022 B.2.4)
    assert a.level == c.CareLevel.MODERATE
    care.elder.refresh_from_db()
    assert care.elder.care_level == 2
    assert care.elder.monthly_allowance == Decimal("400.00")  # 失能 300 (highest base) + 低保 100
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_record(actor=care.worker.user, elder=care.elder, scores={"eating": 4})
    assert exc.value.code == "assessment_incomplete"


def test_policy_edit_recomputes_allowances(care: Care) -> None:
    services.allowance_rule_save(actor=care.bureau.user, name="独居空巢叠加", kind=c.RuleKind.EXTRA,
                                 monthly_amount="50", alone_only=True)
    care.elder.refresh_from_db()
    assert care.elder.monthly_allowance == Decimal("250.00")
    with pytest.raises(PermissionDenied) as exc:
        services.allowance_rule_save(actor=care.worker.user, name="x", monthly_amount="1")
    assert exc.value.code == "not_bureau"


def test_reveal_is_audited_and_scoped(care: Care) -> None:
    data = services.elder_reveal(actor=care.worker.user, elder=care.elder, reason="上门核实")
    assert data["phone"] == "13900002222"
    assert AuditEntry.objects.filter(action=c.AUDIT_ELDER_REVEAL).count() == 1
    with raises_code(NotFound, "elder_not_found"):
        services.elder_reveal(actor=care.other_worker.user, elder=care.elder, reason="看看")


# --- Orders -------------------------------------------------------------------------------------
def test_family_orders_meal_dispatched_by_rules_with_allowance_first(care: Care) -> None:
    when = care.at(11) + timedelta(days=1)
    order = services.order_place(actor=care.family, elder=care.elder, service=care.meal, scheduled_at=when,
                                 now=when - timedelta(hours=5))
    assert order.ordered_by == c.OrderedBy.FAMILY
    assert order.provider == care.provider  # the only one serving 拓东街道
    assert order.status == S.DISPATCHED and order.dispatch_mode == c.DispatchMode.RULES
    assert (order.allowance_part, order.own_part) == (Decimal("15.00"), Decimal("0.00"))
    care.provider.refresh_from_db()
    assert care.provider.open_orders == 1


def test_allowance_runs_out_then_own_part(care: Care) -> None:
    when = care.at(11) + timedelta(days=1)
    now = when - timedelta(hours=5)
    orders = [services.order_place(actor=care.worker.user, elder=care.elder, service=care.bath, scheduled_at=when,
                                   now=now) for _ in range(3)]
    assert [(o.allowance_part, o.own_part) for o in orders] == [
        (Decimal("80.00"), Decimal("0.00")), (Decimal("80.00"), Decimal("0.00")), (Decimal("40.00"), Decimal("40.00"))]
    with pytest.raises(Conflict) as exc:
        services.order_place(actor=care.worker.user, elder=care.elder, service=care.bath, scheduled_at=when, now=now,
                             allowance_only=True)
    assert exc.value.code == "allowance_exceeded"
    services.order_cancel(actor=care.family, order=orders[0], reason="老人住院", now=now)
    assert selectors.allowance_left(elder=care.elder, month=orders[0].month) == Decimal("80.00")


def test_who_may_order(care: Care) -> None:
    when = care.at(11) + timedelta(days=1)
    now = when - timedelta(hours=5)
    with pytest.raises(NotFound) as exc:
        services.order_place(actor=care.stranger, elder=care.elder, service=care.meal, scheduled_at=when, now=now)
    assert exc.value.code == "elder_not_found"
    with pytest.raises(NotFound):
        services.order_place(actor=care.other_worker.user, elder=care.elder, service=care.meal, scheduled_at=when,
                             now=now)
    care.elder.contacts.update(may_order=False)
    with pytest.raises(PermissionDenied) as exc2:
        services.order_place(actor=care.family, elder=care.elder, service=care.meal, scheduled_at=when, now=now)
    assert exc2.value.code == "family_may_not_order"
    order = services.order_place(actor=care.operator.user, elder=care.elder, service=care.meal, scheduled_at=when,
                                 now=now, channel=c.OrderChannel.PHONE)
    assert order.ordered_by == c.OrderedBy.OPERATOR


def test_elders_choice_must_be_eligible(care: Care) -> None:
    when = care.at(11) + timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        services.order_place(actor=care.family, elder=care.elder, service=care.meal, scheduled_at=when,
                             provider=care.provider_b, now=when - timedelta(hours=1))
    assert exc.value.code == "provider_not_eligible"
    services.provider_set_status(actor=care.bureau.user, provider=care.provider, status=c.ProviderStatus.SUSPENDED,
                                 reason="投诉核查期间暂停")
    order = services.order_place(actor=care.family, elder=care.elder, service=care.meal, scheduled_at=when,
                                 now=when - timedelta(hours=1))
    assert order.provider is None and order.status == S.PLACED  # nobody else serves 拓东
    assert Order.objects.count() == 1


def test_bad_time_is_refused(care: Care) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.order_place(actor=care.family, elder=care.elder, service=care.meal,
                             scheduled_at=care.at(9) - timedelta(days=2), now=care.at(9))
    assert exc.value.code == "scheduled_at_invalid"


def test_visit_check_in_far_needs_reason_and_raises_alert(care: Care) -> None:
    when = care.at(11) + timedelta(days=1)
    order = services.order_place(actor=care.family, elder=care.elder, service=care.meal, scheduled_at=when,
                                 now=when - timedelta(hours=2))
    with pytest.raises(PermissionDenied) as exc0:
        services.order_checkin(actor=care.carer.user, order=order, lng=NEAR[0], lat=NEAR[1], photo=photo(), now=when)
    assert exc0.value.code == "not_assigned_carer"
    order = services.order_assign(actor=care.manager.user, order=order, carer=care.carer)
    with pytest.raises(ValidationFailed) as exc:
        services.order_checkin(actor=care.carer.user, order=order, lng=FAR[0], lat=FAR[1], photo=photo(), now=when)
    assert exc.value.code == "checkin_far_from_home"
    with pytest.raises(ValidationFailed) as exc2:
        services.order_checkin(actor=care.carer.user, order=order, lng=NEAR[0], lat=NEAR[1], photo=None, now=when)
    assert exc2.value.code == "photo_required"
    order.refresh_from_db()
    assert order.status == S.ASSIGNED and not order.checkin_photo
    order = services.order_checkin(actor=care.carer.user, order=order, lng=FAR[0], lat=FAR[1], photo=photo(),
                                   location_note="老人在女儿家", now=when)
    assert order.status == S.IN_SERVICE and order.checkin_check == c.LocationCheck.FAR
    assert Alert.objects.filter(kind=c.AlertKind.FAR_CHECKIN, order=order).count() == 1


def test_short_visit_alert_and_confirm_rate_pay(care: Care) -> None:
    order = _delivered(care, service=care.meal, minutes=5)
    assert order.status == S.DELIVERED
    assert Alert.objects.filter(kind=c.AlertKind.SHORT_VISIT, order=order).exists()
    with pytest.raises(ValidationFailed) as exc:
        services.order_confirm(actor=care.family, order=order, rating=0)
    assert exc.value.code == "rating_invalid"
    order = services.order_confirm(actor=care.family, order=order, rating=5, comment="饭菜可口")
    care.provider.refresh_from_db()
    assert care.provider.rating == 5.0 and care.provider.open_orders == 0
    assert Payment.objects.get(order=order).kind == c.PaymentKind.ALLOWANCE
    with pytest.raises(Conflict) as exc2:
        services.order_pay(actor=care.family, order=order)
    assert exc2.value.code == "nothing_to_pay"
    with pytest.raises(Conflict) as exc3:
        services.order_confirm(actor=care.family, order=order, rating=4)
    assert exc3.value.code == "order_state"


def test_own_part_paid_through_sandbox_with_receipt(care: Care) -> None:
    care.elder.monthly_allowance = Decimal("50.00")
    care.elder.save()
    order = _delivered(care, service=care.bath, minutes=60)
    assert (order.allowance_part, order.own_part) == (Decimal("50.00"), Decimal("30.00"))
    services.order_confirm(actor=care.family, order=order, rating=4)
    payment = services.order_pay(actor=care.family, order=order)
    assert payment.status == c.PaymentStatus.PAID and payment.receipt_no.startswith("SJ")
    assert payment.reference.startswith("SBX")
    with pytest.raises(Conflict) as exc:
        services.order_pay(actor=care.family, order=order)
    assert exc.value.code == "already_paid"


def test_complaint_becomes_a_12345_ticket(care: Care) -> None:
    from onewindow.tickets.models import Ticket

    order = _delivered(care)
    number = services.order_complain(actor=care.family, order=order, text="护理员迟到一小时，饭菜已凉")
    ticket = Ticket.objects.get(number=number)
    assert ticket.kind == "complaint" and order.number in ticket.text
    order.refresh_from_db()
    assert order.complaint_ticket == number
    with pytest.raises(Conflict) as exc:
        services.order_complain(actor=care.family, order=order, text="再投诉一次看看")
    assert exc.value.code == "already_complained"


# --- Alerts, scope, settlement ---------------------------------------------------------------------
def test_alert_scan_late_start_and_alone(care: Care) -> None:
    when = care.at(9) + timedelta(days=1)
    order = services.order_place(actor=care.family, elder=care.elder, service=care.meal, scheduled_at=when,
                                 now=when - timedelta(hours=2))
    counts = services.alerts_scan(now=when + timedelta(minutes=45))
    assert counts == {"late_start": 1, "alone_no_visit": 1}
    assert services.alerts_scan(now=when + timedelta(minutes=50)) == {"late_start": 0, "alone_no_visit": 0}
    alerts = selectors.alert_list(actor=care.manager.user)
    assert [a.kind for a in alerts] == [c.AlertKind.LATE_START]  # the provider sees its order's alert only
    assert selectors.alert_list(actor=care.worker.user).count() == 2
    assert selectors.alert_list(actor=care.other_worker.user).count() == 0
    assert order.number in alerts[0].message


def test_scope_provider_community_bureau(care: Care) -> None:
    order = _delivered(care)
    assert list(selectors.order_list(actor=care.manager.user)) == [order]
    assert list(selectors.order_list(actor=care.manager_b.user)) == []
    assert list(selectors.elder_list(actor=care.manager_b.user)) == []
    assert list(selectors.elder_list(actor=care.manager.user)) == [care.elder]
    assert list(selectors.elder_list(actor=care.other_worker.user)) == []
    assert list(selectors.elder_list(actor=care.bureau.user)) == [care.elder]
    assert list(selectors.order_list(actor=care.family)) == [order]
    assert list(selectors.order_list(actor=care.stranger)) == []
    with pytest.raises(NotFound) as exc:
        selectors.order_get(actor=care.manager_b.user, public_id=order.public_id)
    assert exc.value.code == "order_not_found"


def test_settlement_includes_each_order_exactly_once(care: Care) -> None:
    order = _delivered(care)
    services.order_confirm(actor=care.family, order=order, rating=5)
    month = order.month
    first = services.settlement_run(actor=care.bureau.user, month=month)
    assert len(first) == 1 and first[0].order_count == 1 and first[0].total_allowance == Decimal("15.00")
    again = services.settlement_run(actor=care.bureau.user, month=month)
    assert again == [] and SettlementLine.objects.filter(order=order).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementLine.objects.create(settlement=first[0], order=order, elder=care.elder, amount=Decimal("15.00"))
    with raises_code(PermissionDenied, "not_provider_manager"):
        services.settlement_confirm(actor=care.manager_b.user, settlement=first[0])
    s = services.settlement_confirm(actor=care.manager.user, settlement=first[0])
    assert s.status == c.SettlementStatus.CONFIRMED
    assert Payment.objects.get(order=order, kind=c.PaymentKind.ALLOWANCE).status == c.PaymentStatus.PAID
    with pytest.raises(Conflict) as exc:
        services.settlement_confirm(actor=care.manager.user, settlement=first[0])
    assert exc.value.code == "settlement_closed"
    with pytest.raises(PermissionDenied) as exc2:
        services.settlement_run(actor=care.manager.user, month=month)
    assert exc2.value.code == "not_bureau"


def test_spot_check_and_figures(care: Care) -> None:
    order = _delivered(care)
    services.order_confirm(actor=care.family, order=order, rating=4)
    assert list(selectors.spot_check_candidates(actor=care.bureau.user, month=order.month)) == [order]
    services.spot_check_record(actor=care.bureau.user, order=order, result=c.SpotCheckResult.SATISFIED, note="电话回访")
    assert list(selectors.spot_check_candidates(actor=care.bureau.user, month=order.month)) == []
    figures = selectors.provider_figures(actor=care.bureau.user, month=order.month)
    assert len(figures) == 1
    f = figures[0]
    assert (f.orders, f.delivered, f.on_time, f.rating, f.allowance) == (1, 1, 1, 4.0, Decimal("15.00"))
    assert f.on_time_rate == 100.0
    data = selectors.data_figures(actor=care.bureau.user, month=order.month)
    assert data["elders"] == 1 and ("拓东街道", 1) in data["by_street"]


def test_provider_rules_and_the_periodic_job(care: Care) -> None:
    from onewindow.core.timer import periodic_jobs
    from onewindow.homecare.tests.factories import provider_make

    assert "homecare.alerts" in periodic_jobs()
    p = provider_make(None, "新机构", 9, [care.district.street_a], [care.meal], approve=False)
    p.contract_no = ""
    p.save()
    with pytest.raises(ValidationFailed) as exc:
        services.provider_set_status(actor=care.bureau.user, provider=p, status=c.ProviderStatus.APPROVED)
    assert exc.value.code == "contract_required"
    with pytest.raises(PermissionDenied) as exc2:
        services.provider_set_status(actor=care.manager.user, provider=care.provider,
                                     status=c.ProviderStatus.SUSPENDED, reason="x")
    assert exc2.value.code == "not_bureau"
    with pytest.raises(ValidationFailed) as exc3:
        services.provider_set_status(actor=care.bureau.user, provider=care.provider,
                                     status=c.ProviderStatus.SUSPENDED, reason="")
    assert exc3.value.code == "reason_required"
    with pytest.raises(PermissionDenied) as exc4:
        services.carer_add(actor=care.manager_b.user, provider=care.provider, name="别家护理员")
    assert exc4.value.code == "not_provider_manager"
    with pytest.raises(ValidationFailed) as exc5:
        services.carer_add(actor=care.manager.user, provider=care.provider, name="新护理员",
                           qualifications=["astronaut"])
    assert exc5.value.code == "qualifications_invalid"
    with pytest.raises(ValidationFailed) as exc6:
        services.service_save(actor=care.bureau.user, code="X1", name="测试", category="care", price="-1",
                              duration_minutes=30)
    assert exc6.value.code == "price_invalid"


def test_anonymous_never_orders_or_confirms(care: Care) -> None:
    from django.contrib.auth.models import AnonymousUser

    when = care.at(11) + timedelta(days=1)
    with raises_code(NotFound, "elder_not_found"):
        services.order_place(actor=AnonymousUser(), elder=care.elder, service=care.meal, scheduled_at=when,
                             now=when - timedelta(hours=1))
    order = _delivered(care)
    with raises_code(NotFound, "order_not_found"):
        services.order_confirm(actor=AnonymousUser(), order=order, rating=5)
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED
