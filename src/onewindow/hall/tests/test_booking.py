"""Appointments: slots on working days, booking a named item with capacity, past slots and
holidays refused, change and cancel until the cut-off, check-in giving a number served first,
reminders the day before through the notifications, no-shows limiting booking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from onewindow.cases.constants import NotificationKind
from onewindow.cases.models import Notification
from onewindow.cases.notify import ConsoleSender
from onewindow.cases.tests.factories import citizen_make, service_item_make
from onewindow.core.errors import Conflict, PermissionDenied, ValidationFailed
from onewindow.core.models import CalendarDay
from onewindow.core.selectors import work_calendar_invalidate
from onewindow.core.workdays import SHANGHAI
from onewindow.hall import selectors, services
from onewindow.hall.constants import AppointmentStatus, PriorityReason, Rank, TicketChannel
from onewindow.hall.models import Appointment, AppointmentSlot

from .factories import at, kit_make, monday

pytestmark = pytest.mark.django_db

TUESDAY = date(2026, 12, 8)


@pytest.fixture
def item(world):  # type: ignore[no-untyped-def]
    return service_item_make(department=world.dept_a, materials=1, name="个体工商户设立登记")


@pytest.fixture
def kit(world, item):  # type: ignore[no-untyped-def]
    kit = kit_make(world, items=[item])
    services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7))
    return kit


def slot(kit, day=TUESDAY, hour=10, type_=None):  # type: ignore[no-untyped-def]
    return AppointmentSlot.objects.get(business_type=type_ or kit.general, day=day, starts_at__hour=hour)


def test_slots_cover_working_days_without_lunch_and_are_made_once(kit):
    days = sorted(set(AppointmentSlot.objects.filter(business_type=kit.general).values_list("day", flat=True)))
    assert date(2026, 12, 12) not in days and date(2026, 12, 13) not in days  # the weekend
    assert days[0] == date(2026, 12, 7) and days[-1] == date(2026, 12, 14)
    tuesday = AppointmentSlot.objects.filter(business_type=kit.general, day=TUESDAY)
    hours = [s.starts_at.astimezone(SHANGHAI).hour for s in tuesday]
    assert hours == [9, 10, 11, 13, 14, 15, 16]
    assert services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7)) == 0


def test_slots_skip_a_holiday(world, item):
    CalendarDay.objects.create(date=TUESDAY, kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    work_calendar_invalidate()
    try:
        kit = kit_make(world, items=[item])
        services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7))
        assert not AppointmentSlot.objects.filter(day=TUESDAY).exists()
    finally:
        work_calendar_invalidate()


def test_book_a_named_item_and_get_a_code(kit, item, citizen):
    ConsoleSender.sent = []
    appointment = services.appointment_book(actor=citizen.user, slot=slot(kit), item=item, now=monday())
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.item_name == "个体工商户设立登记" and len(appointment.code) == 6
    assert slot(kit).booked == 1
    note = Notification.objects.get(recipient=citizen.user, kind=NotificationKind.APPOINTMENT)
    assert "预约成功" in note.title and appointment.code in note.body


def test_item_must_belong_to_the_business_type(kit, world, citizen):
    other = service_item_make(department=world.dept_b, materials=1, name="户外广告设置")
    with pytest.raises(ValidationFailed) as err:
        services.appointment_book(actor=citizen.user, slot=slot(kit), item=other, now=monday())
    assert err.value.code == "hall_item_not_here"


def test_full_slot_past_slot_and_holiday_are_clear_4xx(kit, world, item):
    estate_slot = slot(kit, type_=kit.estate)  # capacity 2
    for _ in range(2):
        services.appointment_book(actor=citizen_make().user, slot=estate_slot, now=monday())
    with pytest.raises(Conflict) as full:
        services.appointment_book(actor=citizen_make().user, slot=estate_slot, now=monday())
    assert full.value.code == "hall_slot_full" and full.value.status == 409 and "约满" in full.value.message
    past = AppointmentSlot.objects.get(business_type=kit.general, day=date(2026, 12, 7), starts_at__hour=9)
    with pytest.raises(Conflict) as gone:
        services.appointment_book(actor=citizen_make().user, slot=past, item=item, now=monday(10))
    assert gone.value.code == "hall_slot_past"
    CalendarDay.objects.create(date=TUESDAY, kind=CalendarDay.Kind.HOLIDAY, name="临时调整")
    work_calendar_invalidate()
    try:
        with pytest.raises(Conflict) as holiday:
            services.appointment_book(actor=citizen_make().user, slot=slot(kit), item=item, now=monday())
        assert holiday.value.code == "hall_holiday"
    finally:
        work_calendar_invalidate()


def test_staff_and_anonymous_cannot_book(kit, world):
    with pytest.raises(PermissionDenied) as err:
        services.appointment_book(actor=world.clerk.user, slot=slot(kit), now=monday())
    assert err.value.code == "hall_sign_in_required"


def test_one_booking_per_type_and_day_and_a_limit_of_open_bookings(kit, citizen, settings):
    services.appointment_book(actor=citizen.user, slot=slot(kit), now=monday())
    with pytest.raises(Conflict) as err:
        services.appointment_book(actor=citizen.user, slot=slot(kit, hour=14), now=monday())
    assert err.value.code == "hall_booking_exists"
    settings.ONEWINDOW_HALL_MAX_BOOKINGS = 2
    services.appointment_book(actor=citizen.user, slot=slot(kit, day=date(2026, 12, 9)), now=monday())
    with pytest.raises(Conflict) as err2:
        services.appointment_book(actor=citizen.user, slot=slot(kit, day=date(2026, 12, 10)), now=monday())
    assert err2.value.code == "hall_booking_limit"


def test_change_and_cancel_until_the_cut_off(kit, citizen, other_citizen):
    appointment = services.appointment_book(actor=citizen.user, slot=slot(kit), now=monday())
    changed = services.appointment_change(actor=citizen.user, appointment=appointment, slot=slot(kit, hour=14),
                                          now=monday())
    assert changed.starts_at.astimezone(SHANGHAI).hour == 14
    assert slot(kit).booked == 0 and slot(kit, hour=14).booked == 1
    from onewindow.core.errors import NotFound

    with pytest.raises(NotFound):
        services.appointment_cancel(actor=other_citizen.user, appointment=changed, now=monday())
    late = at(2026, 12, 8, 13, 30)
    with pytest.raises(Conflict) as err:
        services.appointment_cancel(actor=citizen.user, appointment=changed, now=late)
    assert err.value.code == "hall_change_closed"
    cancelled = services.appointment_cancel(actor=citizen.user, appointment=changed, now=monday())
    assert cancelled.status == AppointmentStatus.CANCELLED and slot(kit, hour=14).booked == 0


def test_check_in_on_time_gives_the_first_number_to_be_served(kit, citizen):
    appointment = services.appointment_book(actor=citizen.user, slot=slot(kit), now=monday())
    walk_in = services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general,
                                   channel=TicketChannel.KIOSK, now=at(2026, 12, 8, 9, 10))
    elderly = services.ticket_take(actor=kit.clerk1.user, hall=kit.hall, business_type=kit.general,
                                   channel=TicketChannel.GUIDE, disabled=True, now=at(2026, 12, 8, 9, 20))
    with pytest.raises(Conflict) as early:
        services.appointment_check_in(actor=None, hall=kit.hall, appointment=appointment,
                                      channel=TicketChannel.KIOSK, now=at(2026, 12, 8, 9, 15))
    assert early.value.code == "hall_checkin_early" and "09:30" in early.value.message
    ticket = services.appointment_check_in(actor=None, hall=kit.hall, appointment=appointment,
                                           channel=TicketChannel.KIOSK, now=at(2026, 12, 8, 9, 40))
    assert ticket.rank == Rank.APPOINTMENT and ticket.priority_reason == PriorityReason.APPOINTMENT
    assert ticket.channel == TicketChannel.APPOINTMENT and ticket.user_id == citizen.user_id
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN and appointment.on_time
    with pytest.raises(Conflict) as twice:
        services.appointment_check_in(actor=None, hall=kit.hall, appointment=appointment,
                                      channel=TicketChannel.KIOSK, now=at(2026, 12, 8, 9, 41))
    assert twice.value.code == "hall_checkin_done"
    services.window_sign_on(actor=kit.clerk1.user, window=kit.window1, now=at(2026, 12, 8, 9))
    order = []
    for minute in range(3):
        called = services.ticket_call_next(actor=kit.clerk1.user, now=at(2026, 12, 8, 10, minute))
        order.append(called.number)
        services.ticket_no_show(actor=kit.clerk1.user, ticket=called, now=at(2026, 12, 8, 10, minute))
    assert order == [ticket.number, elderly.number, walk_in.number]


def test_late_check_in_gives_an_ordinary_number(kit, citizen):
    appointment = services.appointment_book(actor=citizen.user, slot=slot(kit), now=monday())
    ticket = services.appointment_check_in(actor=kit.clerk1.user, hall=kit.hall, appointment=appointment,
                                           channel=TicketChannel.GUIDE, now=at(2026, 12, 8, 11, 30))
    assert ticket.rank == Rank.NORMAL
    assert Appointment.objects.get(pk=appointment.pk).on_time is False


def test_check_in_on_another_day_is_refused(kit, citizen):
    appointment = services.appointment_book(actor=citizen.user, slot=slot(kit), now=monday())
    with pytest.raises(Conflict) as err:
        services.appointment_check_in(actor=None, hall=kit.hall, appointment=appointment,
                                      channel=TicketChannel.KIOSK, now=monday(10))
    assert err.value.code == "hall_checkin_wrong_day"


def test_reminder_the_day_before_once(kit, citizen, django_capture_on_commit_callbacks):
    services.appointment_book(actor=citizen.user, slot=slot(kit), now=monday())
    services.appointment_book(actor=citizen_make().user, slot=slot(kit, day=date(2026, 12, 9)), now=monday())
    ConsoleSender.sent = []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.appointments_remind(now=monday(18)) == 1
    assert services.appointments_remind(now=monday(19)) == 0
    reminder = Notification.objects.filter(recipient=citizen.user, title__startswith="预约提醒").get()
    assert "明天" in reminder.title and "预约码" in reminder.body
    assert any(m["title"].startswith("预约提醒") for m in ConsoleSender.sent)  # the SMS adapter


def test_repeated_no_shows_limit_booking(kit, citizen):
    for n, day in enumerate((date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10))):
        services.appointment_book(actor=citizen.user, slot=slot(kit, day=day, hour=9 + n), now=monday())
    assert services.appointments_mark_no_show(now=at(2026, 12, 10, 9)) == 2
    assert services.appointments_mark_no_show(now=at(2026, 12, 11, 9)) == 1
    assert Appointment.objects.filter(user=citizen.user, status=AppointmentStatus.NO_SHOW).count() == 3
    with pytest.raises(PermissionDenied) as err:
        services.appointment_book(actor=citizen.user, slot=slot(kit, day=date(2026, 12, 14)),
                                  now=at(2026, 12, 11, 10))
    assert err.value.code == "hall_booking_blocked" and "爽约" in err.value.message


def test_slots_listing_hides_the_past(kit):
    found = selectors.slots_for(business_type=kit.general, start=date(2026, 12, 7), end=date(2026, 12, 7),
                                now=monday(12))
    assert [s.starts_at.astimezone(SHANGHAI).hour for s in found] == [13, 14, 15, 16]
    assert selectors.types_for_item(item=kit.general.items.first()).get() == kit.general
    assert timedelta(0) < found[0].ends_at - found[0].starts_at
