"""Browser journey of issue 14: a supervisor sees an overdue ticket on the monitor and issues a
supervision order; the month's assessment deducts points for it with the ticket linked; the
department appeals; the leader opens the dashboard, drills down from the district to a grid
and downloads the report; an anonymous visitor downloads an unconditionally open dataset.
Strict CSP is enforced by the ``page`` fixture; pages are checked at 360 px."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import browser_login, wait_for_js
from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make
from onewindow.supervision.models import AssessmentDeduction
from onewindow.supervision.services import assessment as svc
from onewindow.supervision.services import opendata
from onewindow.supervision.services.figures import figures_refresh
from onewindow.supervision.tests.helpers import ticket_done, ticket_overdue
from onewindow.tickets.models import SupervisionOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_phone(page) -> bool:  # type: ignore[no-untyped-def]
    """No sideways scroll, once charts and the map have followed a viewport change (they resize
    on the window's resize event, a moment later). Polled from here: the page's CSP forbids the
    eval that Playwright's wait_for_function would use."""
    for _ in range(25):
        if page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            return True
        page.wait_for_timeout(200)
    return False


def test_monitor_order_assessment_appeal_dashboard_and_open_data(page, hotline, district):
    now = timezone.now()
    received = now - timedelta(days=2)
    ticket = ticket_overdue(hotline, now=received)
    for _ in range(5):
        ticket_done(hotline, now=received)
    period = timezone.localtime(ticket.due_at).strftime("%Y-%m")
    svc.rules_seed()
    figures_refresh(first=received.date() - timedelta(days=1), last=timezone.localdate())
    opendata.catalogue_seed()
    opendata.datasets_refresh()
    staff_make(username="leader", region=district.district, roles=[Role.LEADER], name="区长")

    # The shared machine is loaded: allow slow first requests of the live server.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)

    # 1. The supervisor sees the overdue ticket on the monitor (on a phone) and issues an order.
    page.set_viewport_size({"width": 360, "height": 780})
    browser_login(page, "supervisor")
    page.goto("/staff/monitor/")
    assert page.get_by_test_id("red-tickets").inner_text() == "1"
    row = page.locator(f'tr[data-number="{ticket.number}"]')
    assert fits_phone(page)
    with page.expect_navigation():
        row.get_by_role("button", name="督办").click()
    assert ticket.number in page.get_by_test_id("order-done").inner_text()
    assert SupervisionOrder.objects.filter(ticket=ticket).count() == 1

    # 2. The month's assessment deducts points for it, with the ticket linked; published.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/staff/assessment/")
    page.get_by_label("考核期").fill(period)
    with page.expect_navigation():
        page.get_by_role("button", name="计算").click()
    deduction_row = page.get_by_test_id("deductions").locator(f'tr[data-number="{ticket.number}"]').first
    assert "工单超期" in deduction_row.inner_text()
    link = deduction_row.get_by_role("link", name=ticket.number)
    assert link.get_attribute("href") == f"/staff/hotline/tickets/{ticket.public_id}/"
    with page.expect_navigation():
        page.get_by_role("button", name="发布考核结果").click()
    assert page.get_by_test_id("run-status").inner_text() == "已发布"

    # 3. The department appeals the deduction.
    page.context.clear_cookies()
    browser_login(page, "water")
    page.goto(f"/staff/assessment/{period}/")
    mine = page.get_by_test_id("deductions").locator(f'tr[data-number="{ticket.number}"]').first
    mine.get_by_label("申诉理由").fill("系市政主管网爆管，已按程序申请延期")
    with page.expect_navigation():
        mine.get_by_role("button", name="申诉").click()
    assert AssessmentDeduction.objects.get(score__department=hotline.water, object_number=ticket.number,
                                           event_kind="ticket_overdue").status == "appealed"

    # 4. The leader opens the dashboard, drills down to a grid and downloads the report.
    page.context.clear_cookies()
    browser_login(page, "leader")
    page.goto("/staff/dashboard/")
    assert page.get_by_test_id("dashboard-region").inner_text() == "盘龙区"
    assert page.get_by_test_id("figure-tickets_received").inner_text() == "6"
    for name in ("拓东街道", "拓东社区", "拓东社区第1网格"):
        with page.expect_navigation():
            page.get_by_test_id("children").get_by_role("link", name=name, exact=True).click()
        assert page.get_by_test_id("dashboard-region").inner_text() == name
    assert "拓东社区第1网格" in page.get_by_test_id("crumbs").inner_text()
    page.wait_for_selector("#dash-map path.leaflet-interactive", state="attached")  # the grid polygon drawn
    page.set_viewport_size({"width": 360, "height": 780})
    assert fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_test_id("fullscreen").click()
    page.goto(f"/staff/assessment/{period}/")
    with page.expect_download() as info:
        page.get_by_test_id("report-xlsx").click()
    assert info.value.suggested_filename == f"assessment-{period}.xlsx"

    # 5. An anonymous visitor downloads an unconditionally open dataset.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/data/")
    with page.expect_navigation():
        page.get_by_role("link", name="12345热线诉求量（按月、街道、类别）").click()
    assert page.get_by_test_id("tier").inner_text() == "无条件开放"
    assert fits_phone(page)
    with page.expect_download() as info:
        page.get_by_test_id("download-csv").click()
    content = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[0] == "月份,街道,诉求类别,诉求量" and "拓东街道" in content


def test_the_monitor_refresh_keeps_a_reason_being_written(page, hotline, district):
    """The monitor's body refreshes every minute; a refresh while the supervisor writes the
    reason of an order is skipped (it replaced the field, throwing the text away)."""
    ticket = ticket_overdue(hotline, now=timezone.now() - timedelta(days=2))
    browser_login(page, "supervisor")
    page.goto("/staff/monitor/")
    reason = page.locator(f"#reason-{ticket.public_id}")
    reason.fill("超期两天，请今日内答复并说明原因")
    # what the minute's poll does, now rather than in a minute
    refresh = ("htmx.ajax('GET', '/staff/monitor/', {source: '#monitor-body', target: '#monitor-body',"
               " swap: 'innerHTML'})")
    page.evaluate(refresh)
    wait_for_js(page, "document.getElementById('monitor-body').dataset.held === '1'")
    assert reason.input_value() == "超期两天，请今日内答复并说明原因"
    with page.expect_navigation():
        page.locator(f'tr[data-number="{ticket.number}"]').get_by_role("button", name="督办").click()
    assert SupervisionOrder.objects.get(ticket=ticket).reason == "超期两天，请今日内答复并说明原因"
    # nothing being written: the body refreshes
    page.evaluate(refresh)
    wait_for_js(page, "document.getElementById('monitor-body').dataset.refreshed === '1'")
