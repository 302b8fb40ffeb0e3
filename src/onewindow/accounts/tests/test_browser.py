"""Browser journey: a street clerk signs in and sees only their own street's residents."""

import pytest

from conftest import browser_login
from onewindow.accounts import services
from onewindow.accounts.tests.factories import make_id_number
from onewindow.core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_signs_in_and_sees_only_their_scope(page, district, clerk_a, clerk_b):
    mine = services.person_create(actor=None, name="张丽华", id_number=make_id_number(31),
                                  phone="13812345678", region=district.community_a1)
    theirs = services.person_create(actor=None, name="赵国强", id_number=make_id_number(32),
                                    region=district.community_b1)

    browser_login(page, "clerk_a")
    assert page.url.endswith("/staff/")
    assert page.get_by_test_id("scope-region").inner_text() == "拓东街道"
    assert page.get_by_test_id("people-count").inner_text() == "1"

    page.get_by_role("link", name="居民信息").first.click()
    page.wait_for_load_state("networkidle")
    table = page.locator("table").inner_text()
    assert "张丽华" in table and "赵国强" not in table
    assert "138****5678" in table and "13812345678" not in table

    # Searching for the other street's resident by full ID number finds nobody.
    page.get_by_label("姓名、完整身份证号或手机号").fill(make_id_number(32))
    page.get_by_role("button", name="查询").click()
    page.locator("#people-rows").get_by_text("没有找到").wait_for()
    assert "张丽华" not in page.locator("#people-rows").inner_text()

    # Typing a URL of the other street's record by hand shows a not-found page.
    response = page.goto(f"/staff/people/{theirs.public_id}/")
    assert response is not None and response.status == 404
    assert "找不到该记录" in page.content()

    # The own resident opens; showing full data needs a reason and is audited.
    page.goto(f"/staff/people/{mine.public_id}/")
    assert make_id_number(31) not in page.content()
    page.get_by_label("查看完整信息的事由（将记入审计）").fill("核对身份")
    page.get_by_role("button", name="查看完整信息").click()
    page.get_by_text("本次查看已记入审计记录").wait_for()
    assert make_id_number(31) in page.locator("#reveal").inner_text()
    assert AuditEntry.objects.filter(action="person.unmask", actor_id=clerk_a.user_id).count() == 1


def test_large_text_mode_sticks_across_pages(page, district, clerk_a):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="大字模式").click()
    assert "text-large" in (page.locator("html").get_attribute("class") or "")
    page.goto("/accounts/login/")
    assert "text-large" in (page.locator("html").get_attribute("class") or "")
