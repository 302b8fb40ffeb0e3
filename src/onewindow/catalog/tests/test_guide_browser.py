"""Browser journey: a citizen on a phone finds the 社保 item by typing "sb", then "社保"."""

import pytest
from playwright.sync_api import expect

from conftest import wait_for_js
from onewindow.catalog.tests.guide_data import guide_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_citizen_finds_shebao_on_a_phone(page, admin, district):  # type: ignore[no-untyped-def]
    cat = guide_catalogue(admin, district.district)
    page.set_viewport_size(PHONE)
    page.goto("/guide/")
    search = page.get_by_role("searchbox")
    expect(search).to_be_visible()
    results = page.locator("#guide-results")
    expect(results).to_have_attribute("aria-live", "polite")
    first_title = results.locator(".guide-hit-title").first

    # Initials: the list refreshes while typing (htmx), no button press needed.
    search.click()
    page.keyboard.type("sb")
    # a slow machine may first search for "s" alone: wait for the answer to "sb" (its URL is
    # pushed when its results are in)
    wait_for_js(page, "new URLSearchParams(location.search).get('q') === 'sb'")
    expect(first_title).to_have_text("社会保险登记")
    expect(results.locator(".guide-hit-title mark").first).to_be_visible()

    # Chinese, submitted with the keyboard.
    search.fill("")
    search.type("社保")
    search.press("Enter")
    wait_for_js(page, "new URLSearchParams(location.search).get('q') === '社保'")
    expect(first_title).to_have_text("社会保险登记")
    expect(results).not_to_contain_text("食品经营许可")
    badges = results.locator(".guide-hit").first.locator(".gbadge")
    expect(badges.first).to_have_text("最多跑一次")

    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    first_title.locator("a").click()
    page.wait_for_url(f"**/guide/item/{cat.shebao.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("社会保险登记")
    expect(page.locator(".guide-item-head .gbadge", has_text="最多跑一次")).to_be_visible()
    materials = page.locator("#sec-materials")
    for name in ("居民身份证", "社会保险登记表", "授权委托书"):
        expect(materials).to_contain_text(name)
    expect(materials.locator("a[download]").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Large text for older users: the guide grows with it.
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    page.locator("[data-toggle-cookie=ow_text]").click()
    larger = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert larger > size

    # The printable view opens from the guide.
    page.locator(f"a[href='/guide/item/{cat.shebao.public_id}/print/']").click()
    expect(page.locator("[data-guide-print]")).to_be_visible()
    expect(page.locator(".guide-printable")).to_contain_text("可以委托他人办理吗？")
