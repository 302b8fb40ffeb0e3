"""Lost workers' tasks are retried or failed; failures are listed, retried and dismissed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from onewindow.core import background
from onewindow.core.background import (
    background_overview,
    background_task_dismiss,
    background_task_retry,
    heartbeat_beat,
    task_policy,
    tasks_reap,
)
from onewindow.core.errors import Conflict, NotFound
from onewindow.core.models import AuditEntry, BackgroundTaskDismissal, PeriodicJobState, WorkerHeartbeat
from onewindow.core.tests.background_tasks import always_fails, slow_touch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _running(worker: str, *, started_ago: float = 5, attempts: int = 1) -> DBTaskResult:
    row = slow_touch.enqueue("/dev/null", 0).db_result
    DBTaskResult.objects.filter(id=row.id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(seconds=started_ago),
        worker_ids=[f"old-{i}" for i in range(attempts - 1)] + [worker])
    return DBTaskResult.objects.get(id=row.id)


def test_tasks_of_a_silent_worker_are_requeued_then_failed(db_tasks):
    now = timezone.now()
    heartbeat_beat(worker_id="w-dead", now=now - timedelta(seconds=120))
    heartbeat_beat(worker_id="w-alive", now=now)
    lost = _running("w-dead")
    last_try = _running("w-dead", attempts=3)
    alive = _running("w-alive", started_ago=3600)
    result = tasks_reap(now=now)
    assert result.retried == [str(lost.id)] and result.failed == [str(last_try.id)]
    lost.refresh_from_db()
    assert lost.status == "READY" and lost.started_at is None
    last_try.refresh_from_db()
    assert last_try.status == "FAILED" and last_try.exception_class_path.endswith("WorkerLost")
    assert "w-dead" in last_try.traceback and "已执行 3 次" in last_try.traceback
    alive.refresh_from_db()
    assert alive.status == "RUNNING"  # its worker still beats: it may be a long task
    actions = list(AuditEntry.objects.filter(action=background.AUDIT_TASK_LOST)
                   .values_list("summary__outcome", flat=True))
    assert sorted(actions) == ["failed", "retried"]
    assert tasks_reap(now=now).retried == []  # nothing twice


def test_a_stopped_worker_and_a_worker_without_heartbeat(db_tasks):
    now = timezone.now()
    heartbeat_beat(worker_id="w-stopped", now=now)
    WorkerHeartbeat.objects.filter(worker_id="w-stopped").update(stopped_at=now)
    stopped = _running("w-stopped")
    task_policy(slow_touch, label="测试任务", max_seconds=60)
    try:
        old = _running("plain-db-worker", started_ago=61)
        young = _running("plain-db-worker", started_ago=30)
        assert set(tasks_reap(now=now).retried) == {str(stopped.id), str(old.id)}
        young.refresh_from_db()
        assert young.status == "RUNNING"
    finally:
        background._policies.pop(slow_touch.module_path)


def test_a_requeued_task_runs_again_to_success(db_tasks, tmp_path):
    marker = tmp_path / "marker"
    row = slow_touch.enqueue(str(marker), 0).db_result
    DBTaskResult.objects.filter(id=row.id).update(status="RUNNING", started_at=timezone.now(),
                                                  worker_ids=["w-killed"])
    heartbeat_beat(worker_id="w-killed", now=timezone.now() - timedelta(minutes=5))
    tasks_reap()
    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL" and marker.read_text() == "done"
    assert len(row.worker_ids) == 2


def test_failed_tasks_are_listed_retried_and_dismissed(db_tasks, django_user_model):
    admin = django_user_model.objects.create_user(username="admin_bg", password="x")
    failing = always_fails.enqueue().db_result
    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)
    failing.refresh_from_db()
    assert failing.status == "FAILED"
    overview = background_overview()
    assert [t.id for t in overview.failed] == [str(failing.id)]
    assert "证照库暂时不可用" in overview.failed[0].error
    assert overview.alert_count >= 1

    background_task_retry(actor=admin, task_id=str(failing.id))
    failing.refresh_from_db()
    assert failing.status == "READY"
    entry = AuditEntry.objects.get(action=background.AUDIT_TASK_RETRY)
    assert entry.actor_id == admin.pk and entry.object_id == str(failing.id)
    with pytest.raises(Conflict) as err:
        background_task_retry(actor=admin, task_id=str(failing.id))
    assert err.value.code == "background_task_not_failed"

    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)
    failing.refresh_from_db()
    assert failing.status == "FAILED" and len(failing.worker_ids) == 2
    background_task_dismiss(actor=admin, task_id=str(failing.id), note="证照库已人工补发")
    assert BackgroundTaskDismissal.objects.get(task_id=failing.id).by == admin
    assert background_overview().failed == []
    assert AuditEntry.objects.filter(action=background.AUDIT_TASK_DISMISS).count() == 1
    with pytest.raises(NotFound) as err:
        background_task_retry(actor=admin, task_id="00000000-0000-0000-0000-000000000000")
    assert err.value.code == "background_task_not_found"


def test_overview_flags_waiting_tasks_and_late_or_failing_jobs(db_tasks):
    now = timezone.now()
    waiting = slow_touch.enqueue("/dev/null", 0).db_result
    DBTaskResult.objects.filter(id=waiting.id).update(enqueued_at=now - timedelta(minutes=10))
    PeriodicJobState.objects.create(name="core.outbox", last_started_at=now - timedelta(hours=1),
                                    last_ok_at=now - timedelta(hours=1))
    PeriodicJobState.objects.create(name="licences.expire", last_started_at=now, failures=2,
                                    last_error="error: the connection is lost")
    overview = background_overview(now=now)
    assert [t.id for t in overview.waiting] == [str(waiting.id)]
    problems = {job.name: job for job in overview.problem_jobs}
    assert problems["core.outbox"].late and problems["licences.expire"].failures == 2
    assert overview.alert_count == 3


def test_worker_command_beats_and_stops(db_tasks):
    assert not WorkerHeartbeat.objects.exists()
    call_command("worker", batch=True, startup_delay=False, interval=0, verbosity=0,
                 worker_id="hall-pc")
    beat = WorkerHeartbeat.objects.get()
    assert beat.worker_id.startswith(f"hall-pc-{os.getpid()}-")
    assert beat.stopped_at is not None and beat.pid == os.getpid()


@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="a worker subprocess needs a database it can share (PostgreSQL)")
def test_worker_killed_mid_task_leaves_no_stuck_task(db_tasks, tmp_path):
    marker = tmp_path / "marker"
    row = slow_touch.enqueue(str(marker), 60).db_result
    env = {**os.environ, "DATABASE_URL": _url_of_test_db(), "ONEWINDOW_TEST_DB_TASKS": "1",
           "ONEWINDOW_TESTING": "1"}
    proc = subprocess.Popen([sys.executable, str(Path(django_settings.BASE_DIR) / "manage.py"), "worker",  # noqa: S603
                             "--interval", "0.2", "--no-startup-delay", "--skip-checks"], env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.read_text() == "started"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    row.refresh_from_db()
    assert row.status == "RUNNING"  # what the worker left behind
    assert tasks_reap().retried == []  # its heartbeat is still fresh
    later = timezone.now() + timedelta(seconds=django_settings.ONEWINDOW_WORKER_LOST_SECONDS + 1)
    assert tasks_reap(now=later).retried == [str(row.id)]
    row.refresh_from_db()
    assert row.status == "READY"


def _url_of_test_db() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
