"""Browser journey: an administrator sees failed background work on the workbench, opens 后台任务
on a phone and retries it (strict CSP enforced by the ``page`` fixture)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from conftest import browser_login
from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make
from onewindow.core.models import AuditEntry
from onewindow.core.tests.background_tasks import always_fails

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_retries_a_failed_task_from_the_workbench(page, settings, district):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    staff_make(username="sysadmin", region=district.district, roles=[Role.ADMINISTRATOR], name="系统管理员")
    row = always_fails.enqueue().db_result
    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)

    page.set_viewport_size({"width": 360, "height": 780})
    browser_login(page, "sysadmin")
    page.goto("/staff/")
    alert = page.get_by_test_id("background-alert")
    assert "1 项后台任务需要处理" in alert.inner_text()
    alert.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "后台任务"
    failed = page.get_by_test_id("background-failed")
    assert "证照库暂时不可用" in failed.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    with page.expect_navigation():
        failed.get_by_role("button", name="重试").click()
    assert "已重新排队" in page.locator(".messages").inner_text()
    assert DBTaskResult.objects.get(id=row.id).status == "READY"
    assert AuditEntry.objects.filter(action="background.task_retry").count() == 1
