"""Start the whole platform: web server, background task worker and periodic timer.

The children are supervised (see core.supervisor): one that dies is restarted with back-off
while the others keep running; Ctrl+C or SIGTERM stops every process group, and the children
die with ``serve`` even when it is killed. Production runs the same three commands under
systemd (deploy/systemd) or a container platform instead (docs/deploy.md).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from onewindow.core.realtime import web_workers
from onewindow.core.supervisor import ChildSpec, Supervisor


def serve_children(*, bind: str, workers: int) -> list[ChildSpec]:
    """The supervised commands, by name. Each must stop cleanly on SIGTERM.

    The web server is ASGI (gunicorn with the uvicorn worker class): pages, the API and the
    WebSockets of live screens in one server; on the in-memory channel layer one process (see
    core.realtime.web_workers)."""
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    return [
        ChildSpec("web", [
            sys.executable, "-m", "gunicorn", "config.asgi:application",
            "--worker-class", "onewindow.core.asgi_worker.Worker",
            "--bind", bind, "--workers", str(web_workers(workers)),
            "--access-logfile", "-", "--chdir", str(settings.BASE_DIR),
            "--pythonpath", f"{settings.BASE_DIR},{settings.BASE_DIR / 'src'}",
        ]),
        ChildSpec("worker", [*manage, "worker", "--interval", "1", "--skip-checks"]),  # serve checked once
        ChildSpec("timer", [*manage, "timer", "--skip-checks"]),
    ]


class Command(BaseCommand):
    help = "Serve OneWindow (gunicorn, ASGI), with the task worker and the timer, until interrupted."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--bind", default=os.environ.get("ONEWINDOW_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int,
                            default=int(os.environ.get("ONEWINDOW_WEB_WORKERS", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        host = str(options["bind"])
        supervisor = Supervisor(serve_children(bind=host, workers=int(options["workers"])),
                                cwd=settings.BASE_DIR, log=self._log)
        supervisor.install_signal_handlers()
        self.stdout.write(self.style.SUCCESS(
            f"\n  OneWindow 一窗通办 正在运行 / is running at  http://{host}/\n"
            f"  API 文档 / API docs:  http://{host}/api/v1/docs\n"
            "  按 Ctrl+C 停止 / press Ctrl+C to stop\n"
        ))
        self.stdout.flush()
        supervisor.run()
        self.stdout.write("已停止 / stopped")

    def _log(self, line: str) -> None:
        self.stderr.write(f"serve: {line}")
        self.stderr.flush()
