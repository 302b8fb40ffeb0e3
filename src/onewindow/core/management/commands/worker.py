"""``manage.py worker``: django-tasks' database worker with a heartbeat (core.background).

Same options as ``db_worker``. ``--worker-id`` becomes the prefix of an id unique to this
process, so a restarted worker is never mistaken for the one that died. Differences:

- a heartbeat thread marks the worker alive and, every ``ONEWINDOW_WORKER_LOST_SECONDS``,
  puts the running tasks of lost workers back in the queue (as the timer also does);
- the connection is renewed before a task's result is recorded: a connection the server
  dropped while a long task ran no longer crashes the worker with the task left RUNNING;
- never reloads on code changes (a reload would abandon the running task).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from onewindow.core.background import HeartbeatThread, worker_id_new
from onewindow.core.timer import connections_renew


class RenewingWorker(Worker):
    def run_task(self, db_task_result: DBTaskResult) -> None:
        for name in ("set_successful", "set_failed"):
            record = getattr(db_task_result, name)

            def renewed(*args: Any, _record: Any = record, **kwargs: Any) -> None:
                connections_renew()
                _record(*args, **kwargs)

            setattr(db_task_result, name, renewed)
        super().run_task(db_task_result)


class Command(DbWorkerCommand):
    help = "Run a background task worker (database queue) that reports a heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        prefix = options.get("worker_id") or ""
        # db_worker's default id is 32 random characters: use the host name instead.
        worker_id = worker_id_new("" if len(prefix) == 32 else prefix)
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = RenewingWorker(
            queue_names=queue_names, interval=options["interval"], batch=options["batch"],
            backend_name=options["backend_name"], startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"], worker_id=worker_id, excluded_queue_names=excluded,
        )
        beat = HeartbeatThread(worker_id, interval=settings.ONEWINDOW_WORKER_HEARTBEAT_SECONDS,
                               reap_every=settings.ONEWINDOW_WORKER_LOST_SECONDS)
        beat.start()
        try:
            worker.configure_signals()
            worker.run()
        finally:
            beat.stop()
