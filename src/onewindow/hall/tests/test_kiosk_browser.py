"""Browser journeys of the self-service kiosk (Playwright on Chromium, strict CSP enforced by
the ``page`` fixture): a citizen identifies, applies with scanned files and gets a receipt
that the clerk's workbench then shows as a 自助终端 case; and the idle timer signs out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from onewindow.cases.constants import Channel
from onewindow.cases.models import Case
from onewindow.cases.tests.factories import service_item_make
from onewindow.cases.tests.helpers import PDF_BYTES, png_bytes
from onewindow.licences.tests.factories import licence_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def kiosk_item(world):  # type: ignore[no-untyped-def]
    return service_item_make(department=world.dept_a, materials=3, licence_codes={0: "ID_CARD"},
                             name="居民身份证换领预约", service_object="natural", kiosk=True,
                             promised_limit_value=5, legal_limit_value=20)


def test_kiosk_application_from_identification_to_workbench(page, world, citizen):
    item = kiosk_item(world)
    service_item_make(department=world.dept_a, materials=1, name="烟草专卖零售许可", kiosk=False)
    licence_make(type_code="ID_CARD", holder=citizen)  # the ID card is fetched, not scanned
    page.set_viewport_size({"width": 1080, "height": 1920})  # a portrait kiosk screen

    page.goto(f"/kiosk/{world.hall.public_id}/")
    assert page.locator("body").get_attribute("data-idle-seconds") == "0"
    page.locator("#kiosk-identify").click()
    page.locator("#k-name").fill(citizen.name)
    page.locator("#k-id").fill(citizen.id_number[:17] + ("0" if citizen.id_number[17] != "0" else "1"))
    page.locator("#kiosk-identify-submit").click()
    assert "校验位不正确" in page.locator("#kiosk-error").inner_text()
    page.locator("#k-name").fill(citizen.name)
    page.locator("#k-id").fill(citizen.id_number)
    page.locator("#kiosk-identify-submit").click()
    page.locator("#kiosk-exit").wait_for()
    assert "张*" in page.locator("#kiosk-greeting").inner_text()

    page.locator("#tile-apply").click()
    page.locator(f"[data-item='{item.public_id}']").wait_for()  # the list is there
    assert page.locator("text=烟草专卖零售许可").count() == 0
    page.locator(f"[data-item='{item.public_id}']").click()
    page.locator("#kiosk-apply").wait_for()
    expect(page.locator(".kiosk-badge-ok")).to_have_count(1)  # 已自动调取，无需提交
    page.locator("#kiosk-apply").click()
    page.locator("#kiosk-submit").wait_for()

    case = Case.objects.get()
    materials = list(case.materials.order_by("order"))
    page.locator(f"#file-{materials[1].public_id}").set_input_files(
        {"name": "户口簿.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    page.locator(f"#file-{materials[2].public_id}").set_input_files(
        {"name": "照片.png", "mimeType": "image/png", "buffer": png_bytes()})
    page.locator("#kiosk-submit").click()

    number = page.locator("#kiosk-case-number").inner_text().strip()
    case.refresh_from_db()
    assert number == case.number
    assert case.channel == Channel.KIOSK and case.hall_id == world.hall.id
    assert page.locator("#kiosk-print").is_visible()

    page.locator("#kiosk-exit").click()
    page.locator("#kiosk-identify").wait_for()

    # The clerk of the hall finds it in the workbench, marked 自助终端.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, "clerk")
    page.goto("/cases/staff/?tab=open")
    row = page.locator("tr", has_text=number)
    assert "自助终端" in row.inner_text()


def test_kiosk_idle_timer_signs_out(page, world, citizen, settings):
    # the warning shows for the last third (here 2 s): with 4 s it showed for 1 s only, which
    # a loaded machine's delayed timer or Playwright's polling could miss
    settings.ONEWINDOW_KIOSK_IDLE_SECONDS = 6
    page.goto(f"/kiosk/{world.hall.public_id}/identify/")
    page.locator("#k-name").fill(citizen.name)
    page.locator("#k-id").fill(citizen.id_number)
    page.locator("#kiosk-identify-submit").click()
    page.locator("#kiosk-exit").wait_for()
    page.locator("#kiosk-idle").wait_for(state="visible", timeout=10_000)  # "still there?"
    page.locator("#kiosk-identify").wait_for(timeout=10_000)  # back on the home screen
    assert page.locator("#kiosk-exit").count() == 0
    page.goto(f"/kiosk/{world.hall.public_id}/licences/")
    assert "/identify/" in page.url
