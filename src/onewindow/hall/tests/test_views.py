"""Pages of the hall: citizens' pages, the kiosk's 取号 and check-in, the calling screen, the
clerk's panel (htmx), the guide desk, the live view, the trace and figures (with Excel)."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.tests.factories import make_id_number
from onewindow.cases.tests.factories import service_item_make
from onewindow.core.errors import NotFound
from onewindow.core.tests.helpers import raises_code
from onewindow.hall import services
from onewindow.hall.constants import TicketChannel, TicketStatus
from onewindow.hall.models import Appointment, AppointmentSlot, QueueTicket

from .factories import kit_make, monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(world):  # type: ignore[no-untyped-def]
    return service_item_make(department=world.dept_a, materials=1, name="个体工商户设立登记")


@pytest.fixture
def kit(world, item):  # type: ignore[no-untyped-def]
    return kit_make(world, items=[item])


@pytest.fixture
def open_now(monkeypatch):  # type: ignore[no-untyped-def]
    """Pages use the clock: a Monday at 10:00, within opening hours."""
    monkeypatch.setattr(timezone, "now", lambda: monday(10))


def login(client, staff_or_person):  # type: ignore[no-untyped-def]
    client.force_login(staff_or_person.user)


# --- Citizens -------------------------------------------------------------------------------
def test_halls_page_lists_types_and_waiting(client, kit, open_now):
    services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    response = client.get(reverse("hall:halls"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "盘龙区政务服务中心" in body and "综合业务" in body
    assert reverse("hall:take", args=[kit.hall.public_id]) in body


def test_phone_take_far_away_is_a_clear_409_and_near_gives_a_number(client, kit, citizen, open_now):
    login(client, citizen)
    url = reverse("hall:take", args=[kit.hall.public_id])
    far = client.post(url, {"business_type": str(kit.general.public_id), "latitude": "25.2", "longitude": "102.72"})
    assert far.status_code == 409
    assert "请到大厅附近" in far.content.decode()
    near = client.post(url, {"business_type": str(kit.general.public_id), "latitude": "25.0401",
                             "longitude": "102.7201"})
    ticket = QueueTicket.objects.get()
    assert near.status_code == 302 and near["Location"] == reverse("hall:ticket", args=[ticket.public_id])
    page = client.get(near["Location"]).content.decode()
    assert "A001" in page and 'data-push-token="' in page


def test_ticket_page_needs_no_sign_in_and_shows_no_personal_data(client, kit, open_now):
    ticket = services.ticket_take(actor=kit.clerk1.user, hall=kit.hall, business_type=kit.general,
                                  channel=TicketChannel.GUIDE, id_number=make_id_number(5), name="赵六")
    response = client.get(reverse("hall:ticket", args=[ticket.public_id]))
    body = response.content.decode()
    assert response.status_code == 200 and "A001" in body
    assert "赵六" not in body and make_id_number(5) not in body


def test_book_item_flow_and_cancel(client, kit, item, citizen, open_now):
    services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7))
    start = client.get(reverse("hall:book_item", args=[item.public_id]))
    assert start.status_code == 302
    page = client.get(start["Location"])
    assert page.status_code == 200 and "个体工商户设立登记" in page.content.decode()
    slot = AppointmentSlot.objects.filter(business_type=kit.general, day=date(2026, 12, 8)).first()
    anonymous = client.post(start["Location"], {"slot": str(slot.public_id), "item": str(item.public_id)})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    login(client, citizen)
    booked = client.post(start["Location"], {"slot": str(slot.public_id), "item": str(item.public_id)})
    appointment = Appointment.objects.get()
    assert booked.status_code == 302
    detail = client.get(booked["Location"]).content.decode()
    assert appointment.code in detail
    cancelled = client.post(reverse("hall:appointment_cancel", args=[appointment.public_id]))
    assert cancelled.status_code == 302
    assert Appointment.objects.get().status == "cancelled"


def test_booking_a_full_slot_is_a_clear_409_on_the_page(client, kit, item, citizen, open_now):
    services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7))
    slot = AppointmentSlot.objects.filter(business_type=kit.general, day=date(2026, 12, 8)).first()
    AppointmentSlot.objects.filter(pk=slot.pk).update(booked=slot.capacity)
    login(client, citizen)
    url = reverse("hall:book", args=[kit.hall.public_id, kit.general.public_id])
    response = client.post(url, {"slot": str(slot.public_id), "item": str(item.public_id)})
    assert response.status_code == 409
    assert "该时段已约满" in response.content.decode()


def test_book_item_without_a_hall_says_so(client, world):
    lonely = service_item_make(department=world.dept_b, materials=1, name="无大厅事项")
    response = client.get(reverse("hall:book_item", args=[lonely.public_id]))
    assert response.status_code == 200 and 'id="book-none"' in response.content.decode()


# --- Kiosk ----------------------------------------------------------------------------------
def test_kiosk_home_has_take_and_checkin_tiles_a_heading_and_allows_zoom(client, kit):
    body = client.get(reverse("kiosk:home", args=[kit.hall.public_id])).content.decode()
    assert 'id="tile-take"' in body and 'id="tile-checkin"' in body
    assert "user-scalable=no" not in body
    halls = client.get(reverse("kiosk:halls")).content.decode()
    assert "<h1" in halls


def test_kiosk_take_gives_a_slip_with_a_qr_code(client, kit, open_now):
    response = client.post(reverse("kiosk:take", args=[kit.hall.public_id]),
                           {"business_type": str(kit.general.public_id)})
    ticket = QueueTicket.objects.get()
    assert response.status_code == 302 and str(ticket.public_id) in response["Location"]
    slip = client.get(response["Location"]).content.decode()
    assert "A001" in slip and "data:image/svg+xml" in slip


def test_kiosk_take_outside_hours_is_a_clear_409(client, kit, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: monday(18))
    response = client.post(reverse("kiosk:take", args=[kit.hall.public_id]),
                           {"business_type": str(kit.general.public_id)})
    assert response.status_code == 409
    assert "今日取号已结束" in response.content.decode()


def test_kiosk_check_in_with_the_code(client, kit, citizen, monkeypatch):
    services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7))
    slot = AppointmentSlot.objects.filter(business_type=kit.general, day=date(2026, 12, 7),
                                          starts_at__hour=10).get()
    appointment = services.appointment_book(actor=citizen.user, slot=slot, now=monday(8))
    monkeypatch.setattr(timezone, "now", lambda: monday(9, 45))
    url = reverse("kiosk:checkin", args=[kit.hall.public_id])
    wrong = client.post(url, {"code": "000000" if appointment.code != "000000" else "111111"})
    assert wrong.status_code == 404 and "没有找到该预约码" in wrong.content.decode()
    response = client.post(url, {"code": appointment.code})
    assert response.status_code == 302
    ticket = QueueTicket.objects.get()
    assert ticket.appointment_id == appointment.pk and ticket.rank == 0


# --- The calling screen -----------------------------------------------------------------------
def test_screen_page_and_api_snapshot(client, kit, open_now):
    ticket = services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    services.window_sign_on(actor=kit.clerk1.user, window=kit.window1)
    services.ticket_call_next(actor=kit.clerk1.user)
    page = client.get(reverse("hall:screen", args=[kit.hall.public_id]))
    assert page.status_code == 200 and 'id="screen-snapshot"' in page.content.decode()
    snapshot = client.get(f"/api/v1/halls/{kit.hall.public_id}/screen").json()
    assert snapshot["calls"][0]["number"] == ticket.number
    assert snapshot["calls"][0]["speech"] == "请A零零一号到零一号窗口办理"
    assert snapshot["windows"] == [{"window": "01", "name": kit.window1.name, "status": "open", "number": "A001",
                                    "serving": False}]
    assert snapshot["push_url"].startswith("/ws/push/?t=")


# --- Staff ----------------------------------------------------------------------------------
def test_panel_htmx_flow_call_start_finish(client, kit, open_now):
    services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    login(client, kit.clerk1)
    page = client.get(reverse("hall:panel")).content.decode()
    assert 'id="panel-sign-on"' in page
    headers = {"HX-Request": "true"}
    opened = client.post(reverse("hall:panel_act", args=["sign_on"]), {"window": str(kit.window1.public_id)},
                         headers=headers)
    assert opened.status_code == 200 and 'id="panel-call-next"' in opened.content.decode()
    called = client.post(reverse("hall:panel_act", args=["call_next"]), headers=headers).content.decode()
    assert 'id="panel-number">A001' in called
    ticket = QueueTicket.objects.get()
    started = client.post(reverse("hall:panel_act", args=["start"]), {"ticket": str(ticket.public_id)},
                          headers=headers).content.decode()
    assert 'id="panel-finish"' in started
    finished = client.post(reverse("hall:panel_act", args=["finish"]), {"ticket": str(ticket.public_id)},
                           headers=headers).content.decode()
    assert 'id="panel-call-next"' in finished
    assert QueueTicket.objects.get().status == TicketStatus.DONE
    empty = client.post(reverse("hall:panel_act", args=["call_next"]), headers=headers).content.decode()
    assert "当前没有等候的号" in empty


def test_panel_is_for_staff_only(client, citizen):
    login(client, citizen)
    assert client.get(reverse("hall:panel")).status_code == 404


def test_workbench_embeds_the_compact_panel_for_clerks(client, kit):
    login(client, kit.clerk1)
    home = client.get(reverse("supervision:home")).content.decode()
    assert "hall/staff/panel/?compact=1" in home
    assert reverse("hall:staff") in home


def test_guide_desk_takes_priority_numbers_and_checks_in(client, kit, open_now):
    login(client, kit.clerk1)
    url = reverse("hall:guide", args=[kit.hall.public_id])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"business_type": str(kit.general.public_id), "id_number": "123"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()
    response = client.post(url, {"business_type": str(kit.general.public_id), "pregnant": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="guide-number">A001' in body and "孕妇" in body


def test_guide_desk_is_404_outside_reach(client, kit, world):
    login(client, world.street_clerk)
    assert client.get(reverse("hall:guide", args=[kit.hall.public_id])).status_code == 404


def test_live_view_for_the_manager(client, kit, world, open_now):
    services.window_sign_on(actor=kit.clerk1.user, window=kit.window1)
    services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    login(client, kit.clerk1)
    assert client.get(reverse("hall:live", args=[kit.hall.public_id])).status_code == 404  # a clerk
    login(client, world.supervisor)
    body = client.get(reverse("hall:live", args=[kit.hall.public_id])).content.decode()
    assert 'id="live-idle">1' in body and "A001" in body


def test_figures_page_and_excel(client, kit, world, open_now):
    services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    login(client, world.supervisor)
    page = client.get(reverse("hall:figures"), {"start": "2026-12-07", "end": "2026-12-07"})
    body = page.content.decode()
    assert page.status_code == 200 and 'id="fig-taken">1' in body and "echarts.min.js" in body
    xlsx = client.get(reverse("hall:figures"), {"start": "2026-12-07", "end": "2026-12-07", "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(xlsx.content))
    assert book["汇总"]["B5"].value == 1
    bad = client.get(reverse("hall:figures"), {"start": "2026-12-07", "end": "2026-12-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()


def test_trace_shows_calls_and_cases(client, kit, open_now):
    ticket = services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    services.window_sign_on(actor=kit.clerk1.user, window=kit.window1)
    services.ticket_call_next(actor=kit.clerk1.user)
    login(client, kit.clerk1)
    body = client.get(reverse("hall:trace", args=[ticket.public_id])).content.decode()
    assert "叫号" in body and "01" in body


def test_a_malformed_window_or_business_type_in_a_form_is_not_a_server_error():
    """Lookups by public id from posted forms answer NotFound/None, never a 500."""
    from onewindow.hall import selectors as hall_selectors

    assert hall_selectors.window_find(public_id="not-a-uuid") is None
    assert hall_selectors.window_find(public_id="") is None
    with raises_code(NotFound, "hall_not_found"):
        hall_selectors.hall_get(public_id="not-a-uuid")
    with raises_code(NotFound, "hall_ticket_not_found"):
        hall_selectors.ticket_get(public_id="not-a-uuid")
