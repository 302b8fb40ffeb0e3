"""The hall API: taking numbers (citizen near the hall, staff at the guide desk), following a
number, the clerk's calling, appointments (book, full slot, change, cancel, check-in), the live
state and figures; error shapes with stable codes; a query bound for call next."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from onewindow.accounts.tests.factories import make_id_number
from onewindow.cases import services as case_services
from onewindow.cases.tests.factories import service_item_make
from onewindow.hall import services
from onewindow.hall.constants import TicketChannel
from onewindow.hall.models import Appointment, AppointmentSlot, QueueTicket, TicketCase

from .factories import at, kit_make, monday

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def item(world):  # type: ignore[no-untyped-def]
    return service_item_make(department=world.dept_a, materials=1, name="个体工商户设立登记")


@pytest.fixture
def kit(world, item, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(timezone, "now", lambda: monday(10))
    kit = kit_make(world, items=[item])
    services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7))
    return kit


def test_public_hall_listing(client, kit):
    halls = client.get(f"{API}/halls").json()
    assert [h["name"] for h in halls] == [kit.hall.name]
    detail = client.get(f"{API}/halls/{kit.hall.public_id}").json()
    assert [t["prefix"] for t in detail["business_types"]] == ["A", "B"]
    assert client.get(f"{API}/halls/00000000-0000-0000-0000-000000000000").json()["code"] == "hall_not_found"


def test_citizen_takes_a_number_near_the_hall_and_follows_it(client, kit, citizen):
    url = f"{API}/halls/{kit.hall.public_id}/tickets"
    body = {"business_type_id": str(kit.general.public_id), "latitude": 25.0401, "longitude": 102.7201}
    assert client.post(url, body, content_type="application/json").status_code == 401
    client.force_login(citizen.user)
    created = client.post(url, body, content_type="application/json")
    assert created.status_code == 201
    data = created.json()
    assert data["number"] == "A001" and data["ahead"] == 0 and data["status"] == "waiting"
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "hall_ticket_exists"
    status = client.get(f"{API}/hall-tickets/{data['id']}").json()
    assert status["number"] == "A001"
    cancelled = client.post(f"{API}/hall-tickets/{data['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"


def test_out_of_hours_is_a_chinese_409_with_a_code(client, kit, citizen, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: monday(17, 30))
    client.force_login(citizen.user)
    response = client.post(f"{API}/halls/{kit.hall.public_id}/tickets",
                           {"business_type_id": str(kit.general.public_id), "latitude": 25.04, "longitude": 102.72},
                           content_type="application/json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "hall_closed" and "今日取号已结束" in body["message"] and "request_id" in body


def test_clerk_calls_serves_and_links_through_the_api(client, kit, citizen):
    client.force_login(kit.clerk1.user)
    taken = client.post(f"{API}/halls/{kit.hall.public_id}/tickets",
                        {"business_type_id": str(kit.general.public_id), "id_number": citizen.id_number,
                         "guide_checked": True}, content_type="application/json")
    assert taken.status_code == 201 and taken.json()["priority"] is True
    empty = client.post(f"{API}/hall-windows/mine/call-next")
    assert empty.status_code == 409 and empty.json()["code"] == "hall_window_not_signed_on"
    panel = client.post(f"{API}/hall-windows/{kit.window1.public_id}/sign-on").json()
    assert panel["window"] == "01" and panel["status"] == "open" and panel["waiting"] == {"general": 1}
    called = client.post(f"{API}/hall-windows/mine/call-next").json()["ticket"]
    assert called["number"] == "A001" and called["window"] == "01"
    assert client.post(f"{API}/hall-tickets/{called['id']}/recall").json()["status"] == "called"
    assert client.post(f"{API}/hall-tickets/{called['id']}/start").json()["status"] == "serving"
    case = case_services.case_window_intake(
        actor=kit.clerk1.user, item=kit.general.items.first(), person=citizen,
        paper=[str(m.public_id) for m in kit.general.items.first().current_version.materials.all()])
    mine = client.get(f"{API}/hall-windows/mine").json()
    assert mine["ticket"]["person"].startswith("张*") and citizen.id_number not in mine["ticket"]["person"]
    assert [c["number"] for c in mine["candidates"]] == [case.number]
    finished = client.post(f"{API}/hall-tickets/{called['id']}/finish", {"case_ids": [str(case.public_id)]},
                           content_type="application/json")
    assert finished.status_code == 200 and finished.json()["status"] == "done"
    assert TicketCase.objects.filter(case=case).count() == 1
    assert client.post(f"{API}/hall-windows/mine/call-next").json() == {"ticket": None}


def test_transfer_and_no_show_through_the_api(client, kit):
    client.force_login(kit.clerk1.user)
    services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    client.post(f"{API}/hall-windows/{kit.window1.public_id}/sign-on")
    called = client.post(f"{API}/hall-windows/mine/call-next").json()["ticket"]
    bad = client.post(f"{API}/hall-tickets/{called['id']}/transfer", {}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "hall_transfer_target"
    moved = client.post(f"{API}/hall-tickets/{called['id']}/transfer",
                        {"business_type_id": str(kit.estate.public_id)}, content_type="application/json").json()
    assert moved["business_type"] == "不动产登记" and moved["status"] == "waiting"


def test_staff_out_of_reach_cannot_see_a_number(client, kit, world):
    ticket = services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    client.force_login(world.street_clerk.user)
    response = client.post(f"{API}/hall-tickets/{ticket.public_id}/start")
    assert response.status_code == 404 and response.json()["code"] == "hall_ticket_not_found"


def test_appointments_through_the_api(client, kit, item, citizen):
    slots = client.get(f"{API}/halls/{kit.hall.public_id}/slots",
                       {"business_type_id": str(kit.estate.public_id), "start": "2026-12-08", "end": "2026-12-08"})
    assert slots.status_code == 200 and len(slots.json()) == 7 and slots.json()[0]["left"] == 2
    client.force_login(citizen.user)
    general = AppointmentSlot.objects.filter(business_type=kit.general, day=date(2026, 12, 8)).order_by("starts_at")
    booked = client.post(f"{API}/appointments", {"slot_id": str(general[1].public_id), "item_id": str(item.public_id)},
                         content_type="application/json")
    assert booked.status_code == 201
    data = booked.json()
    assert data["item_name"] == "个体工商户设立登记" and len(data["code"]) == 6
    assert [a["id"] for a in client.get(f"{API}/me/appointments").json()] == [data["id"]]
    changed = client.post(f"{API}/appointments/{data['id']}/change", {"slot_id": str(general[2].public_id)},
                          content_type="application/json").json()
    assert changed["starts_at"] != data["starts_at"]
    full = general[3]
    AppointmentSlot.objects.filter(pk=full.pk).update(booked=full.capacity)
    refused = client.post(f"{API}/appointments", {"slot_id": str(full.public_id)}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] in ("hall_slot_full", "hall_booking_exists")
    past = AppointmentSlot.objects.filter(business_type=kit.estate, day=date(2026, 12, 7)).order_by("starts_at")[0]
    gone = client.post(f"{API}/appointments", {"slot_id": str(past.public_id)}, content_type="application/json")
    assert gone.status_code == 409 and gone.json()["code"] == "hall_slot_past"
    assert client.post(f"{API}/appointments/{data['id']}/cancel").json()["status"] == "cancelled"


def test_guide_desk_check_in_through_the_api(client, kit, citizen, monkeypatch):
    slot = AppointmentSlot.objects.filter(business_type=kit.general, day=date(2026, 12, 7)).order_by("starts_at")[2]
    appointment = services.appointment_book(actor=citizen.user, slot=slot, now=monday(8))
    monkeypatch.setattr(timezone, "now", lambda: slot.starts_at - timezone.timedelta(minutes=10))
    client.force_login(kit.clerk1.user)
    response = client.post(f"{API}/halls/{kit.hall.public_id}/check-in", {"code": appointment.code},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["priority"] is True
    again = client.post(f"{API}/halls/{kit.hall.public_id}/check-in", {"code": appointment.code},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "hall_checkin_done"


def test_live_and_figures_for_managers_only(client, kit, world):
    services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    client.force_login(kit.clerk1.user)
    assert client.get(f"{API}/halls/{kit.hall.public_id}/live").status_code == 404
    client.force_login(world.supervisor.user)
    live = client.get(f"{API}/halls/{kit.hall.public_id}/live").json()
    assert live["counts"]["waiting"] == 1 and live["waiting"][0]["number"] == "A001"
    figures = client.get(f"{API}/hall-figures", {"start": "2026-12-07", "end": "2026-12-07"}).json()
    assert figures["total"]["taken"] == 1 and figures["longest_waits"][0]["number"] == "A001"
    bad = client.get(f"{API}/hall-figures", {"start": "2026-12-07", "end": "2026-12-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "hall_period_invalid"


def test_call_next_query_bound(kit, django_assert_max_num_queries):
    for n in range(30):
        services.ticket_take(actor=kit.clerk1.user, hall=kit.hall, business_type=kit.general,
                             channel=TicketChannel.GUIDE, id_number=make_id_number(100 + n))
    services.window_sign_on(actor=kit.clerk1.user, window=kit.window1)
    with django_assert_max_num_queries(20):
        ticket = services.ticket_call_next(actor=kit.clerk1.user)
    assert ticket is not None and QueueTicket.objects.filter(status="called").count() == 1


def test_holiday_full_and_past_are_clear_chinese_409s_through_the_api(client, kit, item, citizen, monkeypatch):
    """Taking a number on a holiday, booking a full slot, a past slot or a holiday: each a 409
    with its own code and a Chinese sentence, and nothing written."""
    from onewindow.cases.tests.factories import citizen_make
    from onewindow.core.models import CalendarDay
    from onewindow.core.selectors import work_calendar_invalidate

    saturday = at(2026, 12, 12, 10)
    monkeypatch.setattr(timezone, "now", lambda: saturday)
    client.force_login(citizen.user)
    took = client.post(f"{API}/halls/{kit.hall.public_id}/tickets",
                       {"business_type_id": str(kit.general.public_id), "latitude": 25.04, "longitude": 102.72},
                       content_type="application/json")
    assert took.status_code == 409 and took.json()["code"] == "hall_holiday" and "节假日" in took.json()["message"]
    assert not QueueTicket.objects.exists()
    monkeypatch.setattr(timezone, "now", lambda: monday(10))
    client.force_login(citizen.user)

    estate = AppointmentSlot.objects.filter(business_type=kit.estate, day=date(2026, 12, 8)).order_by("starts_at")[0]
    for _ in range(estate.capacity):  # capacity 2, taken by others
        services.appointment_book(actor=citizen_make().user, slot=estate)
    full = client.post(f"{API}/appointments", {"slot_id": str(estate.public_id)}, content_type="application/json")
    assert full.status_code == 409 and full.json()["code"] == "hall_slot_full" and "约满" in full.json()["message"]

    past = AppointmentSlot.objects.filter(business_type=kit.general, day=date(2026, 12, 7)).order_by("starts_at")[0]
    gone = client.post(f"{API}/appointments", {"slot_id": str(past.public_id), "item_id": str(item.public_id)},
                       content_type="application/json")
    assert gone.status_code == 409 and gone.json()["code"] == "hall_slot_past" and "已过" in gone.json()["message"]

    tuesday = AppointmentSlot.objects.filter(business_type=kit.general, day=date(2026, 12, 8)).order_by("starts_at")[0]
    CalendarDay.objects.create(date=date(2026, 12, 8), kind=CalendarDay.Kind.HOLIDAY, name="临时调整")
    work_calendar_invalidate()
    try:
        closed = client.post(f"{API}/appointments", {"slot_id": str(tuesday.public_id), "item_id": str(item.public_id)},
                             content_type="application/json")
    finally:
        work_calendar_invalidate()
    assert closed.status_code == 409 and closed.json()["code"] == "hall_holiday"
    assert "节假日" in closed.json()["message"]
    assert AppointmentSlot.objects.get(pk=tuesday.pk).booked == 0
    assert not Appointment.objects.filter(user=citizen.user).exists()
