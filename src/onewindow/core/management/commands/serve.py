"""Start the whole platform: web server, background task worker and periodic timer.

The children are supervised (see core.supervisor): one that dies is restarted with back-off
while the others keep running; Ctrl+C or SIGTERM stops every process group, and the children
die with ``serve`` even when it is killed. Production runs the same three commands under
systemd (deploy/systemd) or a container platform instead (docs/deploy.md).
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from onewindow.core.realtime import web_workers
from onewindow.core.supervisor import ChildSpec, Supervisor


def serve_children(*, bind: str, workers: int, listen_fd: int | None = None) -> list[ChildSpec]:
    """The supervised commands, by name. Each must stop cleanly on SIGTERM.

    The web server is ASGI (gunicorn with the uvicorn worker class): pages, the API and the
    WebSockets of live screens in one server; on the in-memory channel layer one process (see
    core.realtime.web_workers). With ``listen_fd`` it serves the socket ``serve`` holds open
    (``fd://``) instead of binding the address itself, so connections wait while it restarts."""
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    return [
        ChildSpec("web", [
            sys.executable, "-m", "gunicorn", "config.asgi:application",
            "--worker-class", "onewindow.core.asgi_worker.Worker",
            "--config", str(settings.BASE_DIR / "gunicorn.conf.py"),  # warm-up before serving
            "--bind", f"fd://{listen_fd}" if listen_fd is not None else bind,
            "--workers", str(web_workers(workers)),
            "--access-logfile", "-", "--chdir", str(settings.BASE_DIR),
            "--pythonpath", f"{settings.BASE_DIR},{settings.BASE_DIR / 'src'}",
        ], pass_fds=(listen_fd,) if listen_fd is not None else ()),
        ChildSpec("worker", [*manage, "worker", "--interval", "1", "--skip-checks"]),  # serve checked once
        ChildSpec("timer", [*manage, "timer", "--skip-checks"]),
    ]


def _listen(bind: str) -> socket.socket | None:
    """Open the web server's listening socket here, so that it outlives a web server crash.
    ``host:port`` and ``[v6]:port``; anything else (``unix:…``) is left to the web server."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or host.startswith("unix"):
        return None
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, int(port)), family=family, backlog=2048)
    except OSError as exc:
        raise CommandError(f"无法监听 {bind}：{exc.strerror}") from exc


class Command(BaseCommand):
    help = "Serve OneWindow (gunicorn, ASGI), with the task worker and the timer, until interrupted."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--bind", default=os.environ.get("ONEWINDOW_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int,
                            default=int(os.environ.get("ONEWINDOW_WEB_WORKERS", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        host = str(options["bind"])
        listener = _listen(host)
        supervisor = Supervisor(
            serve_children(bind=host, workers=int(options["workers"]),
                           listen_fd=listener.fileno() if listener else None),
            cwd=settings.BASE_DIR, log=self._log)
        supervisor.install_signal_handlers()
        self.stdout.write(self.style.SUCCESS(
            f"\n  OneWindow 一窗通办 正在运行 / is running at  http://{host}/\n"
            f"  API 文档 / API docs:  http://{host}/api/v1/docs\n"
            "  按 Ctrl+C 停止 / press Ctrl+C to stop\n"
        ))
        self.stdout.flush()
        try:
            supervisor.run()
        finally:
            if listener is not None:
                listener.close()
        self.stdout.write("已停止 / stopped")

    def _log(self, line: str) -> None:
        self.stderr.write(f"serve: {line}")
        self.stderr.flush()
