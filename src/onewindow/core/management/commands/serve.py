"""Start the whole platform: web server, background task worker and periodic timer."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from onewindow.core.realtime import web_workers


class Command(BaseCommand):
    help = "Serve OneWindow (gunicorn, ASGI), with the task worker and the timer, until interrupted."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--bind", default=os.environ.get("ONEWINDOW_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int,
                            default=int(os.environ.get("ONEWINDOW_WEB_WORKERS", "2")))

    def handle(self, *args: object, **options: object) -> None:
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        # ASGI (uvicorn worker class): pages, the API and the WebSockets of live screens in one
        # server; on the in-memory channel layer one process (see core.realtime.web_workers).
        workers = web_workers(int(options["workers"]))  # type: ignore[call-overload]
        commands = {
            "web": [
                sys.executable, "-m", "gunicorn", "config.asgi:application",
                "--worker-class", "onewindow.core.asgi_worker.Worker",
                "--bind", str(options["bind"]), "--workers", str(workers),
                "--access-logfile", "-", "--chdir", str(settings.BASE_DIR),
                "--pythonpath", f"{settings.BASE_DIR},{settings.BASE_DIR / 'src'}",
            ],
            "worker": [*manage, "db_worker", "--interval", "1", "--skip-checks"],  # serve checked once
            "timer": [*manage, "timer", "--skip-checks"],
        }
        procs = {name: subprocess.Popen(cmd, cwd=settings.BASE_DIR)  # noqa: S603
                 for name, cmd in commands.items()}
        host = str(options["bind"])
        self.stdout.write(self.style.SUCCESS(
            f"\n  OneWindow 一窗通办 正在运行 / is running at  http://{host}/\n"
            f"  API 文档 / API docs:  http://{host}/api/v1/docs\n"
            "  按 Ctrl+C 停止 / press Ctrl+C to stop\n"
        ))
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping")
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
