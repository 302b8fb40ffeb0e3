"""Background work that administrators can trust: heartbeats, lost tasks, failures, retries.

django-tasks' database worker marks a task RUNNING when it claims it and SUCCESSFUL or FAILED
when it ends; a worker killed in between (SIGKILL, OOM, a lost machine) leaves the row RUNNING
forever. So:

- every worker started with ``manage.py worker`` writes a heartbeat (``WorkerHeartbeat``,
  every ``ONEWINDOW_WORKER_HEARTBEAT_SECONDS``) from a thread of its own, under a worker id
  unique to the process;
- the timer's ``core.tasks_reap`` job finds RUNNING tasks whose worker is lost (its heartbeat
  is older than ``ONEWINDOW_WORKER_LOST_SECONDS`` or it stopped) — or, for a worker that never
  wrote a heartbeat (a plain ``db_worker``), that have run longer than their type's limit —
  and puts them back in the queue, or marks them FAILED after their last attempt
  (``task_policy``). Tasks must therefore be idempotent, as outbox handlers already are;
- ``background_overview`` lists failed, stuck and long-waiting tasks, failing or late
  periodic jobs, undeliverable outbox events and the live workers for the administrators'
  page; ``background_task_retry`` and ``background_task_dismiss`` are audited.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.models import DBTaskResult

from .audit import audit_record
from .errors import Conflict, NotFound
from .models import BackgroundTaskDismissal, OutboxEvent, PeriodicJobState, WorkerHeartbeat
from .timer import connections_renew, periodic, periodic_job_periods

logger = logging.getLogger(__name__)

RUNNING, READY, FAILED, SUCCESSFUL = "RUNNING", "READY", "FAILED", "SUCCESSFUL"
AUDIT_TASK_LOST = "background.task_lost"
AUDIT_TASK_RETRY = "background.task_retry"
AUDIT_TASK_DISMISS = "background.task_dismiss"
# How long a failure stays on the administrators' page unless dismissed or retried.
FAILED_SHOWN_DAYS = 30
# A task ready to run but not picked up for this long means no worker is running.
WAITING_ALERT = timedelta(minutes=5)


class WorkerLost(Exception):
    """Recorded as the error of a task whose worker died while running it."""


# --- Per task type policies --------------------------------------------------------------------
@dataclass(frozen=True)
class TaskPolicy:
    label: str
    max_seconds: int = 900  # a task of a worker without heartbeat is lost after this long
    attempts: int = 3  # runs in all, counting the lost ones
    subject: Callable[..., str] | None = None  # describes the task's arguments for people


_policies: dict[str, TaskPolicy] = {}
DEFAULT_POLICY = TaskPolicy(label="")


def task_policy(task: Any, *, label: str, max_seconds: int = 900, attempts: int = 3,
                subject: Callable[..., str] | None = None) -> None:
    """Name a task for administrators and say how long it may run and how often it is retried
    after its worker was lost. ``subject(*args, **kwargs)`` describes what it works on."""
    path = task if isinstance(task, str) else task.module_path
    _policies[path] = TaskPolicy(label=label, max_seconds=max_seconds, attempts=attempts,
                                 subject=subject)


def policy_for(task_path: str) -> TaskPolicy:
    return _policies.get(task_path, DEFAULT_POLICY)


# --- Heartbeats ------------------------------------------------------------------------------
def worker_id_new(prefix: str = "") -> str:
    """A worker id unique to this process (a restarted worker is a new worker)."""
    base = (prefix or socket.gethostname() or "worker")[:40]
    return f"{base}-{os.getpid()}-{get_random_string(6)}"[:64]


def heartbeat_beat(*, worker_id: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(worker_id=worker_id, host=socket.gethostname()[:100],
                                       pid=os.getpid(), started_at=now, last_seen_at=now)


def heartbeat_stop(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(stopped_at=timezone.now())


class HeartbeatThread(threading.Thread):
    """Beats every ``interval`` seconds from its own database connection until stopped.

    ``start()`` writes the first beat from the calling thread and ``stop()`` records the stop
    from it too, so a worker is known from its first instant until its last.
    """

    def __init__(self, worker_id: str, *, interval: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self._stop_event = threading.Event()

    def start(self) -> None:
        self._safely(heartbeat_beat, worker_id=self.worker_id)
        super().start()

    def run(self) -> None:
        from django.db import connections

        try:
            while not self._stop_event.wait(self.interval):
                self._safely(heartbeat_beat, worker_id=self.worker_id)
        finally:
            connections.close_all()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_event.set()
        self.join(timeout)
        self._safely(heartbeat_stop, worker_id=self.worker_id)

    def _safely(self, func: Callable[..., None], **kwargs: Any) -> None:
        try:
            connections_renew()
            func(**kwargs)
        except DatabaseError:
            logger.warning("worker heartbeat failed; retrying", exc_info=True)


# --- Lost tasks ------------------------------------------------------------------------------
@dataclass
class ReapResult:
    retried: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _lost_after() -> timedelta:
    return timedelta(seconds=settings.ONEWINDOW_WORKER_LOST_SECONDS)


def _worker_states(worker_ids: set[str]) -> dict[str, WorkerHeartbeat]:
    return {hb.worker_id: hb for hb in WorkerHeartbeat.objects.filter(worker_id__in=worker_ids)}


def _lost_reason(row: DBTaskResult, beats: dict[str, WorkerHeartbeat], now: datetime) -> str | None:
    """Why the worker running ``row`` is considered gone, or None while it may be running."""
    worker = row.worker_ids[-1] if row.worker_ids else ""
    beat = beats.get(worker)
    if beat is not None:
        if beat.stopped_at is not None:
            return f"工作进程 {worker} 已停止，任务未执行完"
        if beat.last_seen_at < now - _lost_after():
            return (f"工作进程 {worker} 失联（最后心跳 "
                    f"{timezone.localtime(beat.last_seen_at):%Y-%m-%d %H:%M:%S}）")
        return None
    limit = policy_for(row.task_path).max_seconds
    if row.started_at is not None and row.started_at < now - timedelta(seconds=limit):
        return f"工作进程 {worker or '未知'} 无心跳记录，任务运行超过 {limit} 秒"
    return None


def tasks_reap(*, now: datetime | None = None) -> ReapResult:
    """Retry (or fail, after their last attempt) the RUNNING tasks of lost workers."""
    now = now or timezone.now()
    result = ReapResult()
    running = list(DBTaskResult.objects.filter(status=RUNNING).only(
        "id", "task_path", "worker_ids", "started_at", "args_kwargs"))
    if not running:
        return result
    beats = _worker_states({r.worker_ids[-1] for r in running if r.worker_ids})
    for row in running:
        reason = _lost_reason(row, beats, now)
        if reason is None:
            continue
        policy = policy_for(row.task_path)
        attempts = len(row.worker_ids)
        same = DBTaskResult.objects.filter(id=row.id, status=RUNNING, started_at=row.started_at)
        with transaction.atomic():
            if attempts < policy.attempts:
                changed = same.update(status=READY, started_at=None)
                outcome = "retried"
            else:
                changed = same.update(
                    status=FAILED, finished_at=now, return_value=None,
                    exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                    traceback=f"{reason}；已执行 {attempts} 次，不再自动重试。")
                outcome = "failed"
            if changed:
                audit_record(actor=None, action=AUDIT_TASK_LOST, object_type="django_tasks_db.dbtaskresult",
                             object_id=str(row.id), summary={
                                 "task": row.task_path, "reason": reason, "attempts": attempts,
                                 "outcome": outcome})
        if changed:
            (result.retried if outcome == "retried" else result.failed).append(str(row.id))
            logger.warning("task %s (%s): %s; %s", row.id, row.task_path, reason, outcome)
    return result


def heartbeats_prune(*, now: datetime | None = None, keep: timedelta = timedelta(days=2)) -> int:
    """Forget workers gone for a while (their tasks were reaped long before)."""
    now = now or timezone.now()
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen_at__lt=now - keep).delete()
    return deleted


@periodic("core.tasks_reap")
def tasks_reap_job() -> None:
    tasks_reap()
    heartbeats_prune()


# --- What administrators see -------------------------------------------------------------------
@dataclass(frozen=True)
class TaskRow:
    id: str
    task_path: str
    label: str
    subject: str
    status: str
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    error: str
    worker: str


@dataclass(frozen=True)
class JobRow:
    name: str
    every: int
    last_started_at: datetime | None
    last_ok_at: datetime | None
    failures: int
    last_error: str
    late: bool  # has not run for more than two periods (is the timer running?)

    @property
    def problem(self) -> bool:
        return self.late or self.failures > 0


@dataclass(frozen=True)
class BackgroundOverview:
    failed: list[TaskRow]
    stuck: list[TaskRow]
    waiting: list[TaskRow]
    jobs: list[JobRow]
    outbox_failed: list[OutboxEvent]
    workers: list[WorkerHeartbeat]

    @property
    def problem_jobs(self) -> list[JobRow]:
        return [job for job in self.jobs if job.problem]

    @property
    def alert_count(self) -> int:
        return (len(self.failed) + len(self.stuck) + len(self.waiting) + len(self.problem_jobs)
                + len(self.outbox_failed))


def _subject(row: DBTaskResult, policy: TaskPolicy) -> str:
    args = (row.args_kwargs or {}).get("args", [])
    kwargs = (row.args_kwargs or {}).get("kwargs", {})
    if policy.subject is not None:
        try:
            return policy.subject(*args, **kwargs)
        except Exception:  # a description must never break the page
            logger.warning("task subject of %s failed", row.task_path, exc_info=True)
    parts = [str(a) for a in args] + [f"{k}={v}" for k, v in kwargs.items()]
    return ", ".join(parts)[:120]


def _row(row: DBTaskResult) -> TaskRow:
    policy = policy_for(row.task_path)
    lines = [line for line in (row.traceback or "").strip().splitlines() if line.strip()]
    return TaskRow(
        id=str(row.id), task_path=row.task_path, label=policy.label or row.task_path.rsplit(".", 1)[-1],
        subject=_subject(row, policy), status=row.status, enqueued_at=row.enqueued_at,
        started_at=row.started_at, finished_at=row.finished_at, attempts=len(row.worker_ids or []),
        error=(lines[-1] if lines else "")[:300], worker=(row.worker_ids or [""])[-1])


def _failed_qs(now: datetime):  # type: ignore[no-untyped-def]
    dismissed = BackgroundTaskDismissal.objects.values("task_id")
    return (DBTaskResult.objects.filter(status=FAILED, finished_at__gte=now - timedelta(days=FAILED_SHOWN_DAYS))
            .exclude(id__in=dismissed))


def _waiting_qs(now: datetime):  # type: ignore[no-untyped-def]
    return DBTaskResult.objects.filter(status=READY, enqueued_at__lt=now - WAITING_ALERT).filter(
        Q(run_after__lte=now - WAITING_ALERT) | Q(run_after__year=9999))


def _stuck(now: datetime) -> list[DBTaskResult]:
    """RUNNING tasks that are lost (not reaped yet) or run longer than their type's limit."""
    running = list(DBTaskResult.objects.filter(status=RUNNING))
    beats = _worker_states({r.worker_ids[-1] for r in running if r.worker_ids})
    out = []
    for row in running:
        limit = timedelta(seconds=policy_for(row.task_path).max_seconds)
        if _lost_reason(row, beats, now) or (row.started_at and row.started_at < now - limit):
            out.append(row)
    return out


def _jobs(now: datetime) -> list[JobRow]:
    states = {s.name: s for s in PeriodicJobState.objects.all()}
    tick = settings.ONEWINDOW_TIMER_SECONDS
    rows = []
    for name, every in sorted(periodic_job_periods().items()):
        state = states.get(name)
        period = max(every or tick, tick)
        last = state.last_started_at if state else None
        rows.append(JobRow(
            name=name, every=period, last_started_at=last,
            last_ok_at=state.last_ok_at if state else None,
            failures=state.failures if state else 0, last_error=state.last_error if state else "",
            late=last is not None and last < now - timedelta(seconds=2 * period + 60)))
    return rows


def _outbox_failed() -> list[OutboxEvent]:
    from .events import MAX_ATTEMPTS

    return list(OutboxEvent.objects.filter(processed_at__isnull=True, attempts__gte=min(3, MAX_ATTEMPTS))
                .order_by("-id")[:100])


def background_overview(*, now: datetime | None = None, limit: int = 100) -> BackgroundOverview:
    now = now or timezone.now()
    live = now - _lost_after()
    return BackgroundOverview(
        failed=[_row(r) for r in _failed_qs(now).order_by("-finished_at")[:limit]],
        stuck=[_row(r) for r in _stuck(now)[:limit]],
        waiting=[_row(r) for r in _waiting_qs(now).order_by("enqueued_at")[:limit]],
        jobs=_jobs(now),
        outbox_failed=_outbox_failed(),
        workers=list(WorkerHeartbeat.objects.filter(stopped_at__isnull=True, last_seen_at__gte=live)
                     .order_by("started_at")),
    )


def background_alert_count(*, now: datetime | None = None) -> int:
    """How many things on the background page need an administrator (for the workbench)."""
    now = now or timezone.now()
    return background_overview(now=now, limit=100).alert_count


def _task_for_update(task_id: str) -> DBTaskResult:
    try:
        return DBTaskResult.objects.select_for_update().get(id=task_id)
    except (DBTaskResult.DoesNotExist, ValueError, DatabaseError) as exc:
        raise NotFound("找不到该后台任务", code="background_task_not_found") from exc


def background_task_retry(*, actor: Any, task_id: str) -> DBTaskResult:
    """Run a failed task again (same arguments); audited."""
    with transaction.atomic():
        row = _task_for_update(task_id)
        if row.status != FAILED:
            raise Conflict("只有失败的后台任务可以重试", code="background_task_not_failed")
        previous_error = (row.traceback or "").strip().splitlines()[-1:] or [""]
        row.status = READY
        row.started_at = None
        row.finished_at = None
        row.save(update_fields=["status", "started_at", "finished_at"])
        BackgroundTaskDismissal.objects.filter(task_id=row.id).delete()
        audit_record(actor=actor, action=AUDIT_TASK_RETRY, object_type="django_tasks_db.dbtaskresult",
                     object_id=str(row.id), summary={"task": row.task_path,
                                                     "error": previous_error[0][:300]})
    return row


def background_task_dismiss(*, actor: Any, task_id: str, note: str = "") -> BackgroundTaskDismissal:
    """Take a failed task off the page without running it again (e.g. handled by hand); audited."""
    with transaction.atomic():
        row = _task_for_update(task_id)
        if row.status != FAILED:
            raise Conflict("只有失败的后台任务可以标记为已处理", code="background_task_not_failed")
        dismissal, _ = BackgroundTaskDismissal.objects.get_or_create(
            task_id=row.id, defaults={"by": actor if getattr(actor, "pk", None) else None,
                                      "note": note[:500]})
        audit_record(actor=actor, action=AUDIT_TASK_DISMISS, object_type="django_tasks_db.dbtaskresult",
                     object_id=str(row.id), summary={"task": row.task_path, "note": note[:500]})
    return dismissal
