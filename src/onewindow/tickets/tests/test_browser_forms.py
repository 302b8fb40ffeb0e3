"""Browser: the citizens' 12345 form on a phone — the count of characters left, the Chinese
messages on the fields, the focus on the first problem, no codes in sight."""

from __future__ import annotations

import pytest

from onewindow.tickets.constants import MAX_TEXT
from onewindow.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_form_counts_down_and_marks_wrong_fields(page, hotline):
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/hotline/new/")
    count = page.locator("#pub-text-count")
    assert count.inner_text() == f"还可输入 {MAX_TEXT} 字"
    page.locator("#pub-text").fill("小区门口的垃圾桶满了三天没人清运。")
    assert count.inner_text() == f"还可输入 {MAX_TEXT - 17} 字"
    page.locator("#pub-text").fill("垃圾没人清运。" * 750)
    assert count.inner_text() == f"已超出 {750 * 7 - MAX_TEXT} 字，请删减后再提交"
    page.locator("#pub-phone").fill("12345")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert not Ticket.objects.exists()
    assert "12345 是热线号码" in page.locator("#requester_phone-error").inner_text()
    assert "请删减 250 字" in page.locator("#text-error").inner_text()
    # the first field with a problem has the focus; nothing technical is visible
    assert page.evaluate("document.activeElement.id") == "pub-text"
    assert page.locator("details.error-details code").first.is_hidden()
    assert "text_too_long" not in page.locator("main").inner_text()
    # corrected, it goes through
    page.locator("#pub-text").fill("小区门口的垃圾桶满了三天没人清运，气味很大。")
    page.locator("#pub-phone").fill("0871-63123456")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert Ticket.objects.get().requester_phone == "0871-63123456"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
