"""Browser: error pages are Chinese, in the layout, without CSP violations; a form submitted
after its token expired shows the Chinese 403 instead of Django's technical page."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_error_pages_in_chinese_with_details_folded(page):
    page.goto("/no-such-page/")
    assert page.locator("h1").inner_text() == "页面不存在"
    details = page.locator("details.error-details")
    assert not details.locator("code").first.is_visible()  # folded
    details.locator("summary").click()
    assert details.locator("code").first.inner_text() == "not_found"


def test_expired_form_token_shows_the_chinese_403(page):
    page.goto("/hotline/new/")
    page.context.clear_cookies()  # the CSRF cookie is gone, as after a long pause
    page.locator("#pub-text").fill("小区门口的垃圾桶满了三天没人清运。")
    page.locator("#pub-phone").fill("13812345678")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "页面已过期，请刷新后重新提交"
    assert page.locator("header.topbar").count() == 1
