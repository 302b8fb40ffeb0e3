"""Browser journeys of the service hall over the ASGI server (pages and WebSockets together):

1. a visitor takes a number at the kiosk; the calling screen shows (and speaks) it as soon as
   the clerk presses "call next"; the clerk serves it and links it to the case taken in;
2. a citizen books a time online, checks in at the kiosk and is served before the walk-ins
   who came earlier;
3. the hall figures show both.

The server's clock is moved to a Monday morning (the hall is open); it runs on from there.
"""

from __future__ import annotations

import time
from datetime import date, datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from onewindow.cases import services as case_services
from onewindow.cases.models import CaseEvent
from onewindow.cases.tests.factories import service_item_make
from onewindow.hall import services
from onewindow.hall.constants import Rank, TicketChannel, TicketStatus
from onewindow.hall.models import Appointment, QueueTicket, TicketCase

from .factories import kit_make, monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Passw0rd!2026"


class Clock:
    """``timezone.now`` for the whole process (the server threads too): a chosen moment that
    runs on in real time."""

    def __init__(self, start: datetime) -> None:
        self.jump(start)

    def jump(self, moment: datetime) -> None:
        self.base, self.started = moment, time.monotonic()

    def __call__(self) -> datetime:
        return self.base + timezone.timedelta(seconds=time.monotonic() - self.started)


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    fake = Clock(monday(10))
    monkeypatch.setattr(timezone, "now", fake)
    return fake


def sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def test_a_day_in_the_hall(asgi_context, world, citizen, clock):
    item = service_item_make(department=world.dept_a, materials=1, name="个体工商户设立登记")
    kit = kit_make(world, items=[item])
    services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7))
    hall_id = kit.hall.public_id

    # --- 1. Kiosk number → calling screen → served and linked to a case ------------------------
    screen = asgi_context(viewport={"width": 1920, "height": 1080})
    screen.goto(f"/hall/{hall_id}/screen/")
    screen.locator("html[data-push='on']").wait_for()

    kiosk = asgi_context(viewport={"width": 1080, "height": 1920})
    kiosk.goto(f"/kiosk/{hall_id}/")
    kiosk.locator("#tile-take").click()
    kiosk.locator(f"[data-type='{kit.general.code}']").click()
    assert kiosk.locator("#kiosk-ticket-number").inner_text().strip() == "A001"
    expect(kiosk.locator(".kiosk-qr img")).to_have_count(1)
    expect(screen.locator("[data-waiting-code=general]")).to_have_text("1")

    clerk = asgi_context()
    sign_in(clerk, "clerk")
    clerk.goto("/hall/staff/panel/")
    clerk.locator("#panel-sign-on").click()
    clerk.locator("#panel-call-next").wait_for()
    # by push: the screen's own refresh comes once a minute, the wait gives up after 15 s (a
    # tighter bound measured the shared machine's load, not the push; the latency is in
    # bench/bench_hall.py, docs/benchmarks.md)
    clerk.locator("#panel-call-next").click()
    screen.locator("#screen[data-last-call='A001@01']").wait_for(state="attached", timeout=15_000)
    assert screen.locator("#screen-current-number").inner_text() == "A001"
    spoken = screen.evaluate("window.OneWindowScreen.spoken")
    assert spoken == ["请A零零一号到零一号窗口办理"]
    assert clerk.locator("#panel-number").inner_text() == "A001"

    clerk.locator("#panel-start").click()
    clerk.locator("#panel-finish").wait_for()
    ticket = QueueTicket.objects.get(number="A001")
    assert ticket.status == TicketStatus.SERVING
    # the clerk takes the application in at the window (the intake page is the cases app's)
    case = case_services.case_window_intake(
        actor=world.clerk.user, item=item, person=citizen,
        paper=[str(m.public_id) for m in item.current_version.materials.all()])
    clerk.goto("/hall/staff/panel/")
    clerk.locator(f"input[name=cases][value='{case.public_id}']").wait_for()
    clerk.locator("#panel-finish").click()
    clerk.locator("#panel-call-next").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE
    assert TicketCase.objects.filter(ticket=ticket, case=case).exists()
    assert CaseEvent.objects.filter(case=case, title="大厅排队号A001").exists()
    clerk.goto(f"/hall/staff/tickets/{ticket.public_id}/")
    assert case.number in clerk.locator("#trace-cases").inner_text()

    # --- 2. Book online, check in at the kiosk, served before earlier walk-ins -----------------
    phone = asgi_context(viewport={"width": 390, "height": 844})
    sign_in(phone, "citizen")
    phone.goto(f"/hall/book/item/{item.public_id}/")
    phone.locator("[data-slot='2026-12-07 11:00']").click()
    code = phone.locator("#appointment-code").inner_text().strip()
    appointment = Appointment.objects.get(code=code)
    assert appointment.item_name == "个体工商户设立登记"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    for _ in range(2):  # two walk-ins take numbers before the citizen arrives
        kiosk.goto(f"/kiosk/{hall_id}/take/")
        kiosk.locator(f"[data-type='{kit.general.code}']").click()
        kiosk.locator("#kiosk-ticket-number").wait_for()
    clock.jump(monday(10, 40))
    kiosk.goto(f"/kiosk/{hall_id}/")
    kiosk.locator("#tile-checkin").click()
    kiosk.locator("#k-code").fill(code)
    kiosk.locator("#kiosk-checkin-submit").click()
    booked_number = kiosk.locator("#kiosk-ticket-number").inner_text().strip()
    assert booked_number == "A004"
    assert "预约" in kiosk.locator("#kiosk-ticket-priority").inner_text()
    assert QueueTicket.objects.get(number="A004").rank == Rank.APPOINTMENT

    clerk.goto("/hall/staff/panel/")
    clerk.locator("#panel-call-next").click()
    assert clerk.locator("#panel-number").inner_text() == "A004"
    screen.locator("#screen[data-last-call='A004@01']").wait_for(state="attached", timeout=15_000)
    clerk.locator("#panel-start").click()
    clerk.locator("#panel-finish").click()
    clerk.locator("#panel-call-next").wait_for()
    assert QueueTicket.objects.get(number="A004").status == TicketStatus.DONE
    appointment.refresh_from_db()
    assert appointment.status == "checked_in" and appointment.on_time

    # the citizen's phone follows a waiting number live
    waiting = QueueTicket.objects.get(number="A002")
    phone.goto(f"/hall/t/{waiting.public_id}/")
    phone.locator("html[data-push='on']").wait_for()
    clerk.locator("#panel-call-next").click()
    phone.locator("#t-called").wait_for(state="visible", timeout=15_000)
    assert phone.locator("#t-window").inner_text() == "01"

    # --- 3. The figures show both ----------------------------------------------------------------
    manager = asgi_context()
    sign_in(manager, "supervisor_d")
    manager.goto("/hall/staff/figures/?start=2026-12-07&end=2026-12-07")
    assert manager.locator("#fig-taken").inner_text() == "4"
    assert manager.locator("#fig-served").inner_text() == "2"
    assert manager.locator("#fig-kept").inner_text().replace(" ", "") == "1/1"
    manager.locator("#chart-types[data-ready='1']").wait_for()
    manager.goto(f"/hall/staff/{hall_id}/live/")
    assert "A003" in manager.locator("#live-queue").inner_text()
    assert services.ticket_take  # the API and services were exercised through the pages


def test_screen_recovers_after_a_missed_push(asgi_context, world, clock):
    """A screen that was disconnected reloads the state (and speaks the missed call once)."""
    kit = kit_make(world)
    services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    screen = asgi_context()
    screen.goto(f"/hall/{kit.hall.public_id}/screen/")
    screen.locator("html[data-push='on']").wait_for()
    screen.evaluate("window.OneWindowPush.on('noop', function () {})")
    services.window_sign_on(actor=kit.clerk1.user, window=kit.window1)
    # a call the screen never heard about (made outside the server process's layer)
    from onewindow.hall.models import QueueCall

    ticket = QueueTicket.objects.get()
    QueueTicket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CALLED, window=kit.window1)
    QueueCall.objects.create(hall=kit.hall, ticket=ticket, window=kit.window1, at=timezone.now())
    screen.reload()  # same as the minute's reload or a reconnect: rebuilt from the database
    expect(screen.locator("#screen-current-number")).to_have_text("A001")
    assert screen.locator("#screen-calls li").count() == 1
    assert QueueTicket.objects.get().rank == Rank.NORMAL


def test_a_late_snapshot_does_not_roll_the_screen_back(asgi_context, world, clock):
    """The screen reloads its state every minute (and after a reconnect). A snapshot taken just
    before a call but answered after the call's push used to put the previous number back on the
    banner: the screen drops such a snapshot and asks again."""
    from conftest import wait_for_js

    kit = kit_make(world)
    for _ in range(2):
        services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK)
    services.window_sign_on(actor=kit.clerk1.user, window=kit.window1)
    first = services.ticket_call_next(actor=kit.clerk1.user)
    assert first is not None and first.number == "A001"
    services.ticket_start(actor=kit.clerk1.user, ticket=first)
    services.ticket_finish(actor=kit.clerk1.user, ticket=first)

    screen = asgi_context()
    screen.goto(f"/hall/{kit.hall.public_id}/screen/")
    screen.locator("html[data-push='on']").wait_for()
    # the next refresh is answered by the server now, but delivered only after the call below
    held: list = []

    def hold_the_first(route):  # type: ignore[no-untyped-def]
        if held:
            route.continue_()
        else:
            held.append((route, route.fetch()))

    screen.route(f"**/api/v1/halls/{kit.hall.public_id}/screen", hold_the_first)
    screen.evaluate("window.OneWindowScreen.refresh()")
    deadline = time.monotonic() + 15
    while not held:
        assert time.monotonic() < deadline, "the screen did not ask for its state"
        screen.wait_for_timeout(50)
    services.ticket_call_next(actor=kit.clerk1.user)
    screen.locator("#screen[data-last-call='A002@01']").wait_for(state="attached")
    route, stale = held[0]
    route.fulfill(response=stale)

    wait_for_js(screen, "document.getElementById('screen').getAttribute('data-snapshots') === '1'")
    assert screen.locator("#screen-current-number").inner_text() == "A002"
    assert screen.locator("#screen-windows [data-window='01'] .screen-window-number").inner_text() == "A002"
    assert screen.evaluate("window.OneWindowScreen.spoken") == ["请A零零二号到零一号窗口办理"]
