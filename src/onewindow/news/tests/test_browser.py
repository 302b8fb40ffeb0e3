"""On a phone: an editor fetches a feed, the leader approves the aggregated item, a citizen
reads it in the news stream (Chinese, no horizontal scroll, strict CSP)."""

import pytest

from conftest import browser_login
from onewindow.news import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_feed_item_is_approved_and_read_on_a_phone(page, newsroom):
    services.feed_register(actor=newsroom.editor.user, department=newsroom.bureau, name="市监局网站",
                           url="fixture:panlong-market.xml")
    page.set_viewport_size(PHONE)
    browser_login(page, "editor")
    page.goto("/staff/news/feeds/")
    page.get_by_test_id("feed-fetch").click()
    page.get_by_text("新增 3 条进入审核队列").wait_for()
    page.context.clear_cookies()
    browser_login(page, "news_leader")
    page.goto("/staff/news/")
    page.get_by_test_id("review-queue").get_by_role("link", name="个体工商户名称变更登记实现“全程网办”").click()
    page.get_by_test_id("news-approve").click()
    assert page.get_by_test_id("news-status").inner_text() == "已发布"
    page.context.clear_cookies()
    page.goto("/news/")
    assert no_horizontal_scroll(page)
    page.get_by_role("link", name="个体工商户名称变更登记实现“全程网办”").click()
    page.get_by_text("全程网上办理").wait_for()
    assert no_horizontal_scroll(page)
    page.goto("/open/")
    assert no_horizontal_scroll(page)
