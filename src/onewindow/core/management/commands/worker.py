"""``manage.py worker``: django-tasks' database worker with a heartbeat (core.background).

Same options as ``db_worker``; ``--worker-id`` becomes the prefix of an id that is unique to
this process, so that a restarted worker is never mistaken for the one that died. Never
reloads on code changes (a reload would abandon the running task).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from onewindow.core.background import HeartbeatThread, worker_id_new


class Command(DbWorkerCommand):
    help = "Run a background task worker (database queue) that reports a heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = options.get("worker_id") or ""
        # db_worker's default id is 32 random characters: use the host name instead.
        options["worker_id"] = worker_id_new("" if len(prefix) == 32 else prefix)
        options["reload"] = False
        beat = HeartbeatThread(options["worker_id"],
                               interval=settings.ONEWINDOW_WORKER_HEARTBEAT_SECONDS)
        beat.start()
        try:
            super().handle(*args, **options)
        finally:
            beat.stop()
