"""Browser journey on a phone: from the guide to a department's published lists to an item."""

import pytest
from playwright.sync_api import expect

from onewindow.catalog.tests.test_public_lists import lists  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_citizen_reads_a_departments_lists_on_a_phone(page, lists, dept):  # type: ignore[no-untyped-def]  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto("/guide/")
    page.get_by_role("link", name="权力清单和责任清单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("权力清单和责任清单")
    page.get_by_label("权力类型").select_option("05")
    page.get_by_role("button", name="筛选").click()
    table = page.get_by_test_id("list-departments")
    expect(table).to_contain_text(dept.name)
    table.get_by_role("link", name=dept.name).click()
    expect(page.get_by_test_id("power-list")).to_contain_text("食品经营许可")
    expect(page.get_by_test_id("responsibility-list")).to_contain_text("区纪委监委")
    page.get_by_test_id("power-list").get_by_role("link", name="食品经营许可").click()
    expect(page.locator("#sec-lists")).to_contain_text("受理责任")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
