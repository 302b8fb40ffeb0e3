"""Every hall page on a 360 px phone (the smallest the platform supports): no sideways scroll,
and on citizens' pages no visible text below 18 px (适老化). Over the ASGI server, so the pages'
WebSockets connect as in production; a CSP violation fails the test (see conftest)."""

from __future__ import annotations

from datetime import date

import pytest

from onewindow.cases.tests.factories import service_item_make
from onewindow.hall import services
from onewindow.hall.constants import TicketChannel
from onewindow.hall.models import AppointmentSlot

from .factories import kit_make, monday
from .test_hall_browser import clock, sign_in  # noqa: F401  (fixture and helper)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
SMALL_TEXT = """() => {
  const out = [];
  for (const el of document.querySelectorAll('.hall-citizen *')) {
    if (!el.getClientRects().length) { continue; }
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) { continue; }
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 18) { out.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 24)}" ${size}px`); }
  }
  return out;
}"""


def _fits(page, path: str, *, citizen: bool) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways: {width} px"
    if citizen:
        assert page.locator(".hall-citizen").count() >= 1, path
        small = page.evaluate(SMALL_TEXT)
        assert not small, f"{path}: text below 18 px: {small[:5]}"


def test_every_hall_page_fits_a_360_px_phone(asgi_context, world, citizen, clock):  # noqa: F811
    item = service_item_make(department=world.dept_a, materials=1, name="个体工商户设立登记")
    kit = kit_make(world, items=[item])
    services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7))
    slot = AppointmentSlot.objects.filter(business_type=kit.general, day=date(2026, 12, 8)).order_by("starts_at")[0]
    appointment = services.appointment_book(actor=citizen.user, slot=slot, item=item, now=monday(10))
    mine = services.ticket_take(actor=citizen.user, hall=kit.hall, business_type=kit.general,
                                channel=TicketChannel.PHONE, latitude=25.04, longitude=102.72, now=monday(10))
    services.ticket_take(actor=kit.clerk1.user, hall=kit.hall, business_type=kit.general,
                         channel=TicketChannel.GUIDE, name="李四", guide_checked=True, now=monday(10))
    services.window_sign_on(actor=kit.clerk1.user, window=kit.window1, now=monday(10))
    called = services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 1))
    assert called is not None
    hall, general = kit.hall.public_id, kit.general.public_id

    phone = asgi_context(viewport=PHONE)
    phone.set_default_timeout(60_000)  # a loaded machine: the measure is the layout, not the speed
    sign_in(phone, "citizen")
    for path in ("/hall/", f"/hall/{hall}/take/", f"/hall/t/{mine.public_id}/", f"/hall/book/item/{item.public_id}/",
                 f"/hall/{hall}/book/{general}/", "/hall/appointments/",
                 f"/hall/appointments/{appointment.public_id}/"):
        _fits(phone, path, citizen=True)

    staff = asgi_context(viewport=PHONE)
    staff.set_default_timeout(60_000)  # a loaded machine: the measure is the layout, not the speed
    sign_in(staff, "clerk")
    for path in ("/hall/staff/", "/hall/staff/panel/", f"/hall/staff/{hall}/guide/",
                 f"/hall/staff/tickets/{called.public_id}/"):
        _fits(staff, path, citizen=False)

    manager = asgi_context(viewport=PHONE)
    manager.set_default_timeout(60_000)  # a loaded machine: the measure is the layout, not the speed
    sign_in(manager, "supervisor_d")
    for path in (f"/hall/staff/{hall}/live/", "/hall/staff/figures/"):
        _fits(manager, path, citizen=False)
