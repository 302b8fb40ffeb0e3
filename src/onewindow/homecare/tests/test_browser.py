"""Browser journey of home care (Playwright on Chromium; the ``page`` fixture fails on any CSP
violation): a family member orders a meal delivery for her father, the provider assigns a carer,
the carer checks in and out on a 360 px phone, the elder rates the visit, the supervisor sees it
in the providers' figures and the monthly settlement includes it exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import browser_login
from onewindow.accounts.tests.factories import UserFactory
from onewindow.homecare.models import Order, SettlementLine

from .conftest import Care
from .factories import NEAR, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def login(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    browser_login(page, username)


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("load")  # a form just posted may still be navigating
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_meal_ordered_delivered_rated_supervised_and_settled_once(page, care: Care) -> None:
    elder_user = UserFactory(username="elder1", display_name="张桂英")
    care.elder.person.user = elder_user
    care.elder.person.save(update_fields=["user"])

    page.set_default_timeout(60_000)  # a loaded shared machine: the first requests warm the server up
    # the public care page fits a phone
    page.set_viewport_size(PHONE)
    page.goto("/care/")
    assert no_sideways_scroll(page)
    assert "居家养老" in page.get_by_test_id("categories").inner_text()

    # a family member orders a meal delivery
    login(page, "family1")
    page.goto("/my/care/")
    assert "张桂英" in page.get_by_test_id("my-elders").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("order-new").click()
    assert no_sideways_scroll(page)
    page.get_by_test_id("service").select_option(label="助餐送餐 ¥15.00 · 补贴")
    soon = timezone.localtime() + timedelta(minutes=20)
    page.locator("#day").fill(soon.date().isoformat())
    page.locator("#time").fill(soon.strftime("%H:%M"))
    page.locator("#note").fill("少盐，软一点")
    with page.expect_navigation():
        page.get_by_test_id("place-order").click()
    assert "待指派护理员" in page.get_by_test_id("order-status").inner_text()
    order = Order.objects.get()
    assert order.ordered_by == "family" and order.provider == care.provider
    Order.objects.filter(pk=order.pk).update(scheduled_at=timezone.now())  # the visit is due now

    # the provider assigns its carer
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "jg1")
    page.goto(f"/staff/care/orders/{order.public_id}/")
    page.get_by_test_id("carer").select_option(label="何护理")
    with page.expect_navigation():
        page.get_by_test_id("assign").click()
    assert "待上门" in page.get_by_test_id("order-status").inner_text()

    # the carer checks in and out on a phone at the elder's home
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": NEAR[0], "latitude": NEAR[1]})
    login(page, "hl1")
    page.goto("/staff/care/today/")
    assert no_sideways_scroll(page)
    page.get_by_test_id("visit-1").click()
    page.get_by_test_id("geo-status").filter(has_text="已定位").wait_for()
    assert no_sideways_scroll(page)
    page.locator("#photo").set_input_files({"name": "门口.png", "mimeType": "image/png", "buffer": png_bytes()})
    with page.expect_navigation():
        page.get_by_test_id("checkin").click()
    assert "服务中" in page.get_by_test_id("order-status").inner_text()
    page.get_by_test_id("geo-status").filter(has_text="已定位").wait_for()
    page.locator("#work_notes").fill("午餐已送到，协助老人用餐")
    with page.expect_navigation():
        page.get_by_test_id("checkout").click()
    order.refresh_from_db()
    assert order.status == "delivered" and order.checkin_check == "near"

    # the elder rates it
    login(page, "elder1")
    page.goto(f"/my/care/orders/{order.public_id}/")
    assert no_sideways_scroll(page)
    page.get_by_test_id("star-5").check()
    page.locator("#comment").fill("饭菜可口，准时")
    with page.expect_navigation():
        page.get_by_test_id("confirm").click()
    assert "已完成" in page.get_by_test_id("order-status").inner_text()

    # the supervisor sees it and settles the month twice: the order is paid once
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "supervisor")
    page.goto("/staff/care/figures/")
    row = page.get_by_test_id("figures").locator("tr", has_text="拓东居家养老服务中心")
    assert "5.0" in row.inner_text()
    for _ in range(2):
        with page.expect_navigation():
            page.get_by_test_id("run-settlement").click()
    page.get_by_test_id("settlements").get_by_role("link").first.click()
    assert page.get_by_test_id("order-count").inner_text().strip() == "1"
    assert order.number in page.get_by_test_id("lines").inner_text()
    assert SettlementLine.objects.filter(order=order).count() == 1
    page.set_viewport_size(PHONE)
    assert no_sideways_scroll(page)

    # the data page draws its charts under the strict CSP
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/staff/care/data/")
    page.locator('[data-chart="by_street"][data-ready="1"]').wait_for()
    assert "1" in page.get_by_test_id("kpis").inner_text()
