"""Registry of periodic jobs run by ``manage.py timer`` (deadline warnings and housekeeping).

Apps register jobs in ``AppConfig.ready`` with ``@periodic("name")`` (every run of the timer)
or ``@periodic("name", every=3600)`` (at most once per period). Each run of the timer calls
every due job once; a failing job is logged and does not stop the others.

Like a web request or a task in the worker, every job starts with database connections that
are known to be usable: a connection the server dropped (restart, fail-over,
``pg_terminate_backend``) is closed and reopened before the next job instead of failing every
job forever. Each job's last start, success and error are kept in ``PeriodicJobState`` so that
administrators (and the recovery drill) can see that every job runs again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

Job = Callable[[], object]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Job
    every: int | None  # seconds between two runs; None: every run of the timer


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: int | None = None) -> Callable[[Job], Job]:
    def register(func: Job) -> Job:
        _jobs[name] = PeriodicJob(name=name, func=func, every=every)
        return func

    return register


def periodic_jobs() -> dict[str, Job]:
    return {name: job.func for name, job in _jobs.items()}


def periodic_job_periods() -> dict[str, int | None]:
    return {name: job.every for name, job in _jobs.items()}


def connections_renew() -> None:
    """Close every connection that is broken or past CONN_MAX_AGE (outside transactions).

    The same hygiene Django applies at the start and end of each request and the task worker
    after each task: the next query opens a fresh connection (with CONN_HEALTH_CHECKS, a
    connection kept open is pinged first). Inside an atomic block (a test, a caller's
    transaction) nothing is closed.
    """
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        try:
            conn.close_if_unusable_or_obsolete()
        except DatabaseError:  # closing a connection the server already dropped
            logger.debug("closing a broken connection failed", exc_info=True)
            conn.connection = None


def connections_close() -> None:
    """Close every connection outside a transaction (between two runs of the timer)."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        try:
            conn.close()
        except DatabaseError:
            conn.connection = None


def _states() -> dict[str, datetime | None]:
    from .models import PeriodicJobState

    try:
        return dict(PeriodicJobState.objects.values_list("name", "last_started_at"))
    except DatabaseError:
        logger.warning("periodic job states unreadable; running every job", exc_info=True)
        connections_renew()
        return {}


def _due(job: PeriodicJob, last_started: datetime | None, now: datetime) -> bool:
    if job.every is None or last_started is None:
        return True
    return last_started <= now - timedelta(seconds=job.every)


def _record(name: str, *, started: datetime, error: str) -> None:
    from django.db.models import F

    from .models import PeriodicJobState

    finished = timezone.now()
    try:
        connections_renew()
        fields: dict[str, object] = {"last_started_at": started, "last_finished_at": finished,
                                     "last_error": error[:2000]}
        if error:
            fields["failures"] = F("failures") + 1
        else:
            fields["last_ok_at"] = finished
            fields["failures"] = 0
        fields["runs"] = F("runs") + 1
        if not PeriodicJobState.objects.filter(name=name).update(**fields):
            PeriodicJobState.objects.get_or_create(name=name, defaults={
                "last_started_at": started, "last_finished_at": finished,
                "last_ok_at": None if error else finished, "last_error": error[:2000],
                "failures": 1 if error else 0, "runs": 1})
    except DatabaseError:
        logger.warning("could not record the run of periodic job %s", name, exc_info=True)


def timer_tick(*, now: datetime | None = None) -> dict[str, str]:
    """Run every due job once; returns job name -> 'ok', 'skipped' (not due) or the error."""
    now = now or timezone.now()
    connections_renew()
    last_started = _states()
    results: dict[str, str] = {}
    for name, job in sorted(_jobs.items()):
        if not _due(job, last_started.get(name), now):
            results[name] = "skipped"
            continue
        connections_renew()
        started = timezone.now()
        try:
            job.func()
            results[name] = "ok"
        except Exception as exc:
            logger.exception("periodic job %s failed", name)
            results[name] = f"error: {exc}"
        _record(name, started=started, error="" if results[name] == "ok" else results[name])
    connections_renew()
    return results
