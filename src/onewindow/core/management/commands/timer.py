import time

from django.conf import settings
from django.core.management.base import BaseCommand

from onewindow.core.timer import connections_close, periodic_jobs, timer_tick


class Command(BaseCommand):
    help = "Run the periodic jobs (deadline warnings, outbox retries, housekeeping) every N seconds."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument("--interval", type=int, default=settings.ONEWINDOW_TIMER_SECONDS)

    def handle(self, *args: object, **options: object) -> None:
        interval = int(options["interval"])  # type: ignore[call-overload]
        self.stdout.write(f"timer: {len(periodic_jobs())} jobs, every {interval}s")
        while True:
            started = time.monotonic()
            results = timer_tick()
            for name, outcome in results.items():
                if outcome not in ("ok", "skipped"):
                    self.stderr.write(f"{name}: {outcome}")
            if options["once"]:
                self.stdout.write(", ".join(f"{k}={v}" for k, v in results.items()))
                return
            # Hold no connection while sleeping: the next run opens a fresh one, so a
            # connection the server dropped in between costs nothing.
            connections_close()
            self.stdout.flush()
            time.sleep(max(1.0, interval - (time.monotonic() - started)))
