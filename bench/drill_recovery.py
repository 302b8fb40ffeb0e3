"""Recovery drill (issue 9): kill every kind of process under load, show nothing is lost.

Starts ``manage.py serve`` (gunicorn + task worker + timer, supervised) on a fresh PostgreSQL
database, runs a bounded write load through the API on loopback (staff registering residents:
each 201 answer is an acknowledged write, audited in the chain), and while it runs kills with
SIGKILL, one after the other: the gunicorn master, the task worker in the middle of a task,
the timer, and every database connection of the platform (pg_terminate_backend). Then checks:

- 0 lost acknowledged writes (every resident answered with 201 is in the database) and the
  audit chain verifies (gapless, no entry lost or half-written);
- 0 stuck tasks (the task whose worker was killed ran again to success; nothing RUNNING);
- every periodic job ran successfully again within a minute of the last kill.

Usage:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_ops .venv/bin/python bench/drill_recovery.py
        [--port 8391] [--threads 4] [--load-seconds 100]
Uses the database "<name>_drill" (dropped and created) and a temporary var directory.
Loopback only; bounded: the load stops after --load-seconds, the whole drill after about
four minutes or --deadline seconds.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _environment() -> dict[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("The drill needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name>")
    base, _, name = url.rpartition("/")
    var = tempfile.mkdtemp(prefix="ow-drill-")
    return {
        "DATABASE_URL": f"{base}/{name or 'onewindow'}_drill",
        "ONEWINDOW_VAR_DIR": var,
        "ONEWINDOW_SECRET_KEY": secrets.token_urlsafe(48),
        "ONEWINDOW_DATA_KEYS": f"1:{_key()}",
        "ONEWINDOW_LOOKUP_KEY": _key(),
        "ONEWINDOW_AUDIT_KEY": f"1:{_key()}",
        "ONEWINDOW_AUDIT_CHECKPOINTS": f"file:{var}/audit/checkpoints.jsonl",
        "ONEWINDOW_LOG_LEVEL": "WARNING",
        "ONEWINDOW_TESTING": "0",
    }


ENV = _environment()
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Load:
    port: int
    token: str
    region: str
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: list[str] = field(default_factory=list)
    failures: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    last_ok: float = 0.0
    outages: list[tuple[float, float]] = field(default_factory=list)  # (first failure, next success)
    _down_since: float | None = None
    counter: int = 0

    def next_number(self) -> str:
        """A valid, unique ID number per request: birth date and sequence from a counter."""
        from datetime import date, timedelta

        from onewindow.accounts.rules import id_number_check_char

        with self.lock:
            self.counter += 1
            n = self.counter
        born = date(1950, 1, 1) + timedelta(days=n // 1000)
        body = f"530103{born:%Y%m%d}{n % 1000:03d}"
        return body + id_number_check_char(body)

    def worker(self) -> None:
        conn: http.client.HTTPConnection | None = None
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        while not self.stop.is_set():
            body = json.dumps({"name": "演练居民", "id_number": self.next_number(),
                               "region_code": self.region})
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("POST", "/api/v1/people", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.status == 201:
                    self._ok(json.loads(data)["id"])
                    continue
                self._fail(f"HTTP {response.status}")
                if response.status >= 500 or response.getheader("Connection") == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                self._fail(type(exc).__name__)
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.2)

    def _ok(self, public_id: str) -> None:
        now = time.monotonic()
        with self.lock:
            self.acknowledged.append(public_id)
            self.last_ok = now
            if self._down_since is not None:
                self.outages.append((self._down_since, now))
                self._down_since = None

    def _fail(self, kind: str) -> None:
        with self.lock:
            self.failures += 1
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if self._down_since is None:
                self._down_since = time.monotonic()


def children(pid: int) -> dict[str, int]:
    """The supervised children of serve, by name."""
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    found: dict[str, int] = {}
    for line in out.splitlines():
        child_pid, _, args = line.strip().partition(" ")
        if "gunicorn" in args:
            found["web"] = int(child_pid)
        elif "manage.py worker" in args:
            found["worker"] = int(child_pid)
        elif "manage.py timer" in args:
            found["timer"] = int(child_pid)
    return found


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (serve's children and the gunicorn workers)."""
    out: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True)
        for child in (int(x) for x in ps.stdout.split()):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def wait_for(cond, timeout: float, step: float = 0.5):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(step)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--load-seconds", type=int, default=100)
    parser.add_argument("--deadline", type=int, default=300)
    args = parser.parse_args()
    started_wall = time.monotonic()

    import django
    import psycopg

    db_url = ENV["DATABASE_URL"]
    db_name = db_url.rpartition("/")[2]
    admin_url = db_url.rpartition("/")[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{db_name}"')
    django.setup()
    from django.core.management import call_command
    from django.db import close_old_connections, connection

    call_command("migrate", verbosity=0)

    from django_tasks_db.models import DBTaskResult

    from bench.drill_tasks import drill_slow
    from onewindow.accounts.constants import Role
    from onewindow.accounts.models import Person
    from onewindow.accounts.services import api_token_create
    from onewindow.accounts.tests.factories import staff_make
    from onewindow.core.audit import audit_verify_chain
    from onewindow.core.models import PeriodicJobState, WorkerHeartbeat
    from onewindow.core.timer import periodic_job_periods
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.tests.factories import region_make

    district = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT)
    street = region_make("530103001000", "拓东街道", RegionLevel.STREET, district)
    community = region_make("530103001001", "拓东社区", RegionLevel.COMMUNITY, street)
    clerk = staff_make(username="drill_clerk", region=street, roles=[Role.WINDOW_CLERK])
    _, token = api_token_create(user=clerk.user, name="drill")

    serve_log = Path(ENV["ONEWINDOW_VAR_DIR"]) / "serve.log"
    serve = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "serve", "--bind", f"127.0.0.1:{args.port}",
         "--workers", "2"], cwd=ROOT, env={**os.environ, **ENV}, stdout=serve_log.open("w"),
        stderr=subprocess.STDOUT, start_new_session=True)
    report: list[str] = []
    seen: set[int] = set()
    ok = True
    try:
        def up() -> bool:
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                c.request("GET", "/api/v1/regions")
                return c.getresponse().status == 200
            except OSError:
                return False

        if not wait_for(up, 60):
            sys.exit(f"serve did not come up; see {serve_log}")
        procs = wait_for(lambda: (lambda c: c if len(c) == 3 else None)(children(serve.pid)), 30)
        log(f"serve up: {procs}")
        seen |= descendants(serve.pid)

        sessions_peak = [0]

        def sample_sessions() -> None:
            with psycopg.connect(admin_url, autocommit=True) as c:
                while not load.stop.is_set():
                    n = c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                  [db_name]).fetchone()[0]
                    sessions_peak[0] = max(sessions_peak[0], n)
                    time.sleep(1)

        load = Load(port=args.port, token=token, region=community.code)
        threading.Thread(target=sample_sessions, daemon=True).start()
        threads = [threading.Thread(target=load.worker, daemon=True) for _ in range(args.threads)]
        t0 = time.monotonic()
        for t in threads:
            t.start()

        def at(second: float) -> None:
            time.sleep(max(0.0, t0 + second - time.monotonic()))

        kills: dict[str, float] = {}
        # 1. The gunicorn master.
        at(10)
        seen |= descendants(serve.pid)
        web = children(serve.pid)["web"]
        os.kill(web, signal.SIGKILL)
        kills["web master"] = time.monotonic()
        log(f"killed the gunicorn master (pid {web})")
        # 2. The task worker, in the middle of a task.
        at(30)
        close_old_connections()
        slow = drill_slow.enqueue(15).db_result
        running = wait_for(lambda: DBTaskResult.objects.filter(id=slow.id, status="RUNNING").exists(), 30)
        seen |= descendants(serve.pid)
        worker = children(serve.pid)["worker"]
        os.kill(worker, signal.SIGKILL)
        kills["task worker"] = time.monotonic()
        kill_worker_wall = time.time()
        log(f"killed the task worker (pid {worker}) while it ran task {slow.id} (running: {bool(running)})")
        # 3. The timer.
        at(50)
        seen |= descendants(serve.pid)
        timer = children(serve.pid)["timer"]
        os.kill(timer, signal.SIGKILL)
        kills["timer"] = time.monotonic()
        log(f"killed the timer (pid {timer})")
        # 4. Every database connection of the platform.
        at(70)
        with psycopg.connect(admin_url, autocommit=True) as c:
            n = c.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", [db_name]).fetchone()[0]
        connection.close()
        kills["database connections"] = time.monotonic()
        kill_db_wall = time.time()
        log(f"terminated {n} database connections")
        at(args.load_seconds)
        seen |= descendants(serve.pid)
        load.stop.set()
        for t in threads:
            t.join(20)
        log(f"load stopped: {len(load.acknowledged)} acknowledged writes, {load.failures} failed requests")

        # --- Checks -------------------------------------------------------------------------
        close_old_connections()
        acknowledged = set(load.acknowledged)
        found = Person.objects.filter(public_id__in=acknowledged).count()
        lost = len(acknowledged) - found
        extra = Person.objects.count() - found
        ok &= lost == 0
        report.append(f"acknowledged writes: {len(acknowledged)}; found in the database: {found}; "
                      f"lost: {lost} (rows written without an answer reaching the client: {extra})")
        outages = [f"{b - a:.1f} s" for a, b in load.outages]
        report.append(f"database sessions during the drill: at most {sessions_peak[0]} "
                      "(web, worker and timer pools, and this script)")
        report.append(f"failed requests: {load.failures} {dict(sorted(load.errors.items()))}; "
                      f"outages seen by the clients: {', '.join(outages) or 'none'}")

        def slow_done() -> bool:
            close_old_connections()
            return DBTaskResult.objects.filter(id=slow.id, status="SUCCESSFUL").exists()

        done = wait_for(slow_done, max(10.0, args.deadline - (time.monotonic() - started_wall)), 2)
        close_old_connections()
        slow.refresh_from_db()
        stuck = DBTaskResult.objects.filter(status="RUNNING").count()
        ok &= bool(done) and stuck == 0
        from django.db.models import Count

        statuses = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")))
        back_after = (f"{slow.finished_at.timestamp() - kill_worker_wall:.0f} s after the kill"
                      if slow.finished_at else "never")
        report.append(f"task killed mid-run: {slow.status} after {len(slow.worker_ids)} attempts "
                      f"(requeued by core.tasks_reap; done {back_after}); RUNNING tasks now: {stuck}; "
                      f"all tasks by status: {statuses}")
        workers = list(WorkerHeartbeat.objects.order_by("started_at").values_list("worker_id", "stopped_at"))
        report.append(f"worker heartbeats: {len(workers)} workers seen (the killed one and its replacement)")

        # Periodic jobs: each ran OK after the timer kill and after the database kill.
        periods = periodic_job_periods()

        def jobs_back() -> list[str]:
            close_old_connections()
            states = {s.name: s for s in PeriodicJobState.objects.all()}
            missing = []
            for name, every in periods.items():
                state = states.get(name)
                if every:  # hourly jobs: ran at start, not due again (the timer keeps their time)
                    if state is None or state.failures:
                        missing.append(name)
                elif state is None or state.last_ok_at is None or state.last_ok_at.timestamp() < kill_db_wall:
                    missing.append(name)
            return missing

        wait_for(lambda: not jobs_back(), max(10.0, args.deadline - (time.monotonic() - started_wall)), 2)
        states = {s.name: s for s in PeriodicJobState.objects.all()}
        worst = 0.0
        lines = []
        for name, every in sorted(periods.items()):
            s = states.get(name)
            if every:
                lines.append(f"    {name:<26} every {every} s: ran at start (not due again), "
                             f"failures {s.failures}" if s and s.last_ok_at else f"    {name}: never ran")
                ok &= bool(s and s.last_ok_at and not s.failures)
                continue
            if s is None or s.last_ok_at is None or s.last_ok_at.timestamp() < kill_db_wall:
                lines.append(f"    {name:<26} NOT running again")
                ok = False
                continue
            after = s.last_ok_at.timestamp() - kill_db_wall
            worst = max(worst, after)
            lines.append(f"    {name:<26} ok again {after:5.1f} s after the database kill, "
                         f"{s.runs} runs, failures in a row {s.failures}")
        ok &= worst <= 60
        report.append(f"periodic jobs (timer killed at +50 s, connections at +70 s); slowest back "
                      f"after {worst:.1f} s:")
        report.extend(lines)
        verdict = audit_verify_chain()
        ok &= verdict.ok
        report.append(f"audit chain: {'intact' if verdict.ok else 'BROKEN: ' + verdict.reason}, "
                      f"{verdict.checked} entries, last checkpoint at entry {verdict.checkpoint_seq}")
        restarts = [line for line in serve_log.read_text(errors="replace").splitlines()
                    if line.startswith("serve:")]
        report.append("serve restarted: " + "; ".join(r.removeprefix("serve: ") for r in restarts))
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        time.sleep(1)

        def alive(pid: int) -> bool:
            try:
                return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
            except OSError:
                return False

        leftovers = [pid for pid in seen if alive(pid)]
        connection.close()
        if getattr(connection, "pool", None) is not None:  # this script's own pool
            connection.close_pool()
        with psycopg.connect(admin_url, autocommit=True) as c:
            sessions = c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                 [db_name]).fetchone()[0]
        report.append(f"after SIGTERM to serve: exit code {serve.returncode}; of the {len(seen)} "
                      f"processes it ran, still alive: {len(leftovers)}; database sessions left: {sessions}")
        ok &= not leftovers and sessions == 0

    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"PostgreSQL, load average {os.getloadavg()[0]:.1f}; {args.threads} client threads, "
          f"{args.load_seconds} s of load")
    for line in report:
        print(line)
    print("RESULT:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
