"""后台任务 page: administrators see failed and stuck background work, retry it, audited."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make
from onewindow.cases import services
from onewindow.cases.constants import CaseStatus
from onewindow.cases.tests.helpers import online_accepted, review_to_decision
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def admin(district):
    return staff_make(username="sysadmin", region=district.district, roles=[Role.ADMINISTRATOR],
                      name="系统管理员")


def run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)


def test_only_administrators_open_the_page(client, clerk_a, admin):
    client.force_login(clerk_a.user)
    assert client.get("/staff/background/").status_code == 404
    client.force_login(admin.user)
    response = client.get("/staff/background/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "后台任务" in html and "core.tasks_reap" in html
    assert 'data-testid="background-ok"' in html


def test_a_failed_result_after_approval_surfaces_and_is_retried(client, db_tasks, admin, world, citizen,
                                                                  item_a, monkeypatch):
    import onewindow.licences.services as licence_services

    real_issue = licence_services.licence_issue

    def broken(**kwargs):
        raise RuntimeError("证照库签章服务不可用")

    monkeypatch.setattr(licence_services, "licence_issue", broken)
    case = online_accepted(citizen.user, item_a, world.clerk.user)
    case = review_to_decision(case, world.reviewer_a.user)
    case = services.case_decide(actor=world.leader_a.user, case=case, approve=True)
    run_worker()
    task = DBTaskResult.objects.get(task_path__endswith="case_result_issue_task")
    assert task.status == "FAILED"

    client.force_login(admin.user)
    home = client.get("/staff/").content.decode()
    assert 'data-testid="background-alert"' in home and "/staff/background/" in home
    page = client.get("/staff/background/").content.decode()
    assert "办件结果出具" in page and f"办件 {case.number}" in page
    assert "证照库签章服务不可用" in page
    assert f"/staff/background/{task.id}/retry/" in page

    monkeypatch.setattr(licence_services, "licence_issue", real_issue)
    response = client.post(f"/staff/background/{task.id}/retry/")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="background.task_retry")
    assert entry.actor_id == admin.user.pk and "证照库签章服务不可用" in entry.summary["error"]
    run_worker()
    task.refresh_from_db()
    case.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert case.status == CaseStatus.APPROVED and case.result_issued_at is not None
    assert 'data-testid="background-alert"' not in client.get("/staff/").content.decode()


def test_dismiss_and_retry_are_post_only_and_checked(client, db_tasks, admin, clerk_a):
    from onewindow.core.tests.background_tasks import always_fails

    row = always_fails.enqueue().db_result
    run_worker()
    client.force_login(clerk_a.user)
    assert client.post(f"/staff/background/{row.id}/retry/").status_code == 404
    client.force_login(admin.user)
    assert client.get(f"/staff/background/{row.id}/dismiss/").status_code == 405
    response = client.post(f"/staff/background/{row.id}/dismiss/", {"note": "已人工处理"})
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="background.task_dismiss").summary["note"] == "已人工处理"
    response = client.post(f"/staff/background/{row.id}/dismiss/")
    assert response.status_code == 302  # idempotent
    response = client.post("/staff/background/00000000-0000-0000-0000-000000000000/retry/")
    assert response.status_code == 404
    assert "找不到该后台任务" in response.content.decode()
