"""Browser journeys of grid work (Playwright on Chromium; the ``page`` fixture fails on any CSP
violation): a grid worker on a phone visits a household and reports an event with a photo, which
the hotline dispatches, the department handles and the worker confirms on site; a landlord
declares a new tenant, the worker verifies it, and the tenant's residence permit application
finds the published residence registration."""

from __future__ import annotations

import pytest

from conftest import browser_login, wait_for_js
from onewindow.grid.constants import HouseUse, Relation, ResidenceType
from onewindow.grid.models import GridEvent, Visit
from onewindow.grid.tests.factories import house_make, household_make, jpeg_bytes, resident_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
INSIDE = {"longitude": 102.7051, "latitude": 25.0052}  # in 拓东社区第1网格


def login(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    browser_login(page, username)


def on_a_phone(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(INSIDE)


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def photo(name: str = "现场.jpg") -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes((64, 48))}


def test_a_phone_visit_and_an_event_dispatched_handled_and_confirmed_on_site(page, grids, hotline):
    elder = resident_person(region=grids.grid, born="19400202", name="王秀英")
    household = household_make(grids.grid, members=[(elder, Relation.HEAD, ResidenceType.REGISTERED)],
                               tags=["elderly_alone"])
    household_make(grids.grid, house=house_make(grids.grid, room="602"))
    on_a_phone(page)
    login(page, "wg1")
    page.goto("/staff/grid/")
    assert no_sideways_scroll(page)
    assert "0 / 30" in page.get_by_test_id("quota").inner_text()
    first = page.get_by_test_id("due-list").locator("li").first
    assert "王秀英" in first.inner_text() and "重点关爱" in first.inner_text()

    # the visit: position from the phone, notes, a photo
    page.get_by_test_id(f"visit-{household.number}").click()
    page.get_by_test_id("geo-status").filter(has_text="已定位").wait_for()
    assert no_sideways_scroll(page)
    page.locator("#notes").fill("老人独居，身体尚好，提醒注意用电安全。")
    page.locator("#photos").set_input_files(photo("入户.jpg"))
    with page.expect_navigation():
        page.get_by_test_id("save-visit").click()
    assert "已记录走访" in page.locator(".messages").inner_text()
    assert "1 / 30" in page.get_by_test_id("quota").inner_text()
    visit = Visit.objects.get()
    assert visit.location_check == "inside" and visit.photos.count() == 1
    assert abs(visit.lng - INSIDE["longitude"]) < 1e-4

    # an event with a photo, into the 12345 pipeline
    page.get_by_test_id("report-event").click()
    page.get_by_test_id("geo-status").filter(has_text="已定位").wait_for()
    page.locator("#category").select_option("facility")
    page.locator("#text").fill("拓东路12号小区门口自来水管破裂，停水且路面大量积水。")
    page.locator("#address").fill("拓东路12号小区门口")
    page.locator("#photos").set_input_files(photo())
    with page.expect_navigation():
        page.get_by_test_id("submit-event").click()
    assert no_sideways_scroll(page)
    event = GridEvent.objects.get()
    ticket = event.ticket
    assert ticket.channel == "grid" and ticket.attachments.count() == 1 and event.photos.count() == 1
    assert page.get_by_test_id("event-state").get_attribute("data-state") == "dispatched"
    assert page.get_by_test_id("event-department").inner_text() == "区水务局"

    # the water bureau accepts and replies in the hotline
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "water")
    page.goto(f"/staff/hotline/tickets/{ticket.public_id}/")
    page.get_by_test_id("accept").click()
    page.locator("#reply-text").wait_for()
    page.locator("#reply-text").fill("已组织抢修，更换破损水管，恢复供水并清理积水。")
    page.get_by_test_id("reply").click()
    page.get_by_test_id("badge-site-check").wait_for()

    # back on the phone: the worker checks on site and the ticket closes
    on_a_phone(page)
    login(page, "wg1")
    page.goto("/staff/grid/")
    page.get_by_test_id(f"check-{event.number}").click()
    assert "恢复供水" in page.get_by_test_id("event-reply").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("confirm-fix").click()
    assert page.get_by_test_id("event-state").get_attribute("data-state") == "closed"
    steps = page.get_by_test_id("event-timeline").locator("li").evaluate_all(
        "els => els.map(e => e.dataset.action)")
    assert steps[-4:] == ["accept", "reply", "site_check", "close"]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction, ticket.solved) == ("closed", "satisfied", True)


def test_a_landlord_declares_a_tenant_the_worker_verifies_and_the_residence_permit_reuses_it(page, grids, world):
    from onewindow.cases.constants import MaterialState
    from onewindow.cases.models import Case
    from onewindow.cases.tests.factories import citizen_make, service_item_make
    from onewindow.licences.models import Licence, LicenceUse

    landlord = citizen_make(username="landlord", name="李华", region=grids.grid)
    household_make(grids.grid, members=[(landlord, Relation.HEAD, ResidenceType.REGISTERED)])
    house_make(grids.grid, owner_person=landlord, room="1203", use=HouseUse.VACANT)
    from onewindow.accounts.tests.factories import make_id_number

    tenant = citizen_make(username="tenant", name="王小明", region=None,
                          id_number=make_id_number(321, division="520102", born="19950505"))
    item = service_item_make(department=world.dept_a, materials=2, licence_codes={1: "RESIDENCE_REGISTRATION"},
                             name="居住证办理", service_object="natural")
    item.current_version.materials.filter(order=1).update(name="居住证明")
    item.current_version.materials.filter(order=0).update(name="近期免冠证件照", is_required=False)

    # the landlord declares the new tenant (a phone, 适老化 text)
    page.set_viewport_size(PHONE)
    login(page, "landlord")
    page.goto("/my/household/")
    assert no_sideways_scroll(page)
    page.get_by_test_id("declare-tenant-1").click()
    page.locator("#d-name").fill("王小明")
    page.locator("#d-id").fill(tenant.id_number)
    page.locator("#d-phone").fill("13700001111")
    page.locator("#d-moved").fill("2026-12-05")
    page.locator("#d-planned").fill("2027-12-31")
    page.locator("#d-reason").select_option("work")
    with page.expect_navigation():
        page.get_by_test_id("declare-submit").click()
    assert "待核实" in page.get_by_test_id("my-declarations").inner_text()

    # the grid worker verifies it
    login(page, "wg1")
    page.goto("/staff/grid/")
    assert page.get_by_test_id("pending-count").inner_text() == "1"
    page.goto("/staff/grid/declarations/")
    page.get_by_test_id("declaration-1").click()
    assert tenant.id_number not in page.content()  # masked until the worker reveals it
    with page.expect_navigation():
        page.get_by_test_id("accept").click()
    assert page.get_by_test_id("declarations-empty").is_visible()
    licence = Licence.objects.get(licence_type__code="RESIDENCE_REGISTRATION", holder_person=tenant)
    assert licence.valid_until.isoformat() == "2027-12-31"

    # the tenant applies for the residence permit: the residence proof needs no paper
    login(page, "tenant")
    page.goto(f"/cases/apply/{item.public_id}/")
    assert page.locator(".badge-free").count() == 1
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    case = Case.objects.get(applicant_person=tenant)
    material = case.materials.get(licence_type_code="RESIDENCE_REGISTRATION")
    assert material.state == MaterialState.LICENCE and material.licence_ref == licence.public_id
    free = page.locator(".badge-free").locator("xpath=ancestor::li").inner_text()
    assert "居住证明" in free and licence.number in free
    assert not LicenceUse.objects.exists()  # used (and traced) once staff take the case over
    with page.expect_navigation():
        page.locator("#submit-application").click()

    # the department takes the case over: the licence library records the use of the registration
    from onewindow.cases import services as cases

    case.refresh_from_db()
    assert case.status == "submitted" and case.licence_materials == 1
    cases.case_prereview(actor=world.reviewer_a.user, case=case)
    cases.case_accept(actor=world.reviewer_a.user, case=case)
    use = LicenceUse.objects.get(licence=licence)
    assert use.case_ref == case.number
    login(page, "landlord")
    page.goto("/my/household/")
    assert "已核实采纳" in page.get_by_test_id("my-declarations").inner_text()


def test_the_grid_map_draws_the_streets_grids_without_tiles(page, grids, hotline):
    from onewindow.grid import services

    household_make(grids.grid)
    services.event_report(actor=grids.worker.user, grid=grids.grid, category="safety",
                          text="井盖缺失，行人容易踩空跌倒。", lng=102.706, lat=25.006)
    login(page, "jdwg")
    page.goto("/staff/grid/map/")
    page.wait_for_selector("#grid-map[data-loaded]")
    grids_drawn = page.locator("#grid-map path.leaflet-interactive")
    assert grids_drawn.count() == 2
    assert page.locator("#grid-map img").count() == 0  # no tiles
    grids_drawn.first.click()
    panel = page.get_by_test_id("grid-panel")
    panel.locator("h2").wait_for()
    assert "拓东社区第1网格" in panel.inner_text() and "马强" in panel.inner_text()
    wait_for_js(page, "document.querySelectorAll('#grid-map path').length > 2")
