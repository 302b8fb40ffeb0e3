"""Service hall benchmark on PostgreSQL: call next with 50 windows at once over 1,000,000
historical numbers, push latency from a call to the calling screen through the real ASGI
server, and how many screens one server process holds.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_hall .venv/bin/python bench/bench_hall.py \
        [--numbers 1000000] [--per-day 2000] [--windows 50] [--rounds 20] [--bursts 10] \
        [--push-samples 200] [--screens 1000,2500,4000] [--redis redis://127.0.0.1:6379/8] [--keep]

Runs against "<database>_bench" (dropped and created afresh unless --keep finds it loaded). One
district hall (盘龙区政务服务中心) with ``--windows`` windows and a clerk at each, four business
types (A 综合受理 at every window; B 不动产, C 社保医保, D 企业开办 at a third of them each), and
``--numbers`` historical numbers (``--per-day`` a day, every state: done, no-show, cancelled,
expired) with their calls, bulk-loaded by INSERT … SELECT generate_series; today's waiting
numbers are added the same way. Then, each after a warm-up:

1. call next, one window alone (the latency without contention);
2. call next, every window at the same instant (``--bursts`` rounds, a barrier before each):
   the latency each clerk sees, and that no number is given twice;
3. call next, every window free-running for ``--rounds`` calls (call, start, finish): the
   throughput of the hall and the latency of call next under that load; each clerk is a
   thread with its own database connection;
4. the push: a clerk's call-next over HTTP (bearer token) to the real ASGI server (gunicorn
   with the platform's uvicorn worker class and gunicorn.conf.py, as ``manage.py serve`` starts
   it, one worker) until the "call" message arrives at connected calling-screen WebSockets:
   median and p99, on the in-memory channel layer and (``--redis``) on Redis;
5. screens held: ``--screens`` WebSockets opened on one server process, its resident memory,
   and how long one call takes to reach all of them.

The figures of a shared, loaded machine are noisy: the script prints the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")  # no pool in this process: a connection per clerk thread
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")
# The same keys in this process and in the server it starts (screen subscriptions are signed).
for _name, _value in (("ONEWINDOW_SECRET_KEY", "bench-hall-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"),
                      ("ONEWINDOW_DATA_KEYS", "1:YmVuY2gtaGFsbC1kYXRhLWtleS0wMTIzNDU2Nzg5YWI="),
                      ("ONEWINDOW_LOOKUP_KEY", "YmVuY2gtaGFsbC1sb29rdXAta2V5LTAxMjM0NTY3ODk="),
                      ("ONEWINDOW_AUDIT_KEY", "1:YmVuY2gtaGFsbC1hdWRpdC1rZXktMDEyMzQ1Njc4OWE=")):
    os.environ.setdefault(_name, _value)

import _common  # noqa: E402
from _common import bench_url, percentile  # noqa: E402

BENCH_URL = bench_url(os.environ.get("DATABASE_URL", ""), "bench_hall")
os.environ["DATABASE_URL"] = BENCH_URL
TYPES = (("general", "综合受理", "A"), ("estate", "不动产登记", "B"), ("social", "社保医保", "C"),
         ("company", "企业开办", "D"))


def report(label: str, samples: list[float], extra: str = "") -> None:
    if not samples:
        print(f"{label:<64} no samples {extra}", flush=True)
        return
    med, p95, p99 = statistics.median(samples), percentile(samples, 95), percentile(samples, 99)
    print(f"{label:<64} median {med:8.2f} ms   p95 {p95:8.2f} ms   p99 {p99:8.2f} ms   max {max(samples):8.2f} ms"
          f"   n={len(samples)} {extra}", flush=True)


# --- Database ---------------------------------------------------------------------------------
def _window_ranges(windows: int) -> list[tuple[int, int]]:
    """(first index, how many) of the windows serving each business type."""
    third = max(windows * 3 // 10, 1)
    return [(0, windows), (0, third), (third, third), (2 * third, windows - 2 * third)]


def build_world(windows: int) -> None:
    from onewindow.accounts.constants import Role, WindowKind
    from onewindow.accounts.models import ServiceHall, ServiceWindow
    from onewindow.accounts.tests.factories import staff_make
    from onewindow.core.services import calendar_seed_from_library
    from onewindow.hall.models import BusinessType, HallProfile
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.tests.factories import region_make

    calendar_seed_from_library()
    square = {"type": "Polygon", "coordinates": [[[102.70, 25.00], [102.90, 25.00], [102.90, 25.20],
                                                  [102.70, 25.20], [102.70, 25.00]]]}
    district = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT, None, square)
    hall = ServiceHall.objects.create(name="盘龙区政务服务中心", region=district, address="北京路1号")
    HallProfile.objects.create(hall=hall, latitude=25.04, longitude=102.72)
    made = [ServiceWindow.objects.create(hall=hall, number=f"{i + 1:02d}", name=f"综合受理{i + 1}号窗",
                                         kind=WindowKind.COMPREHENSIVE) for i in range(windows)]
    for order, ((code, name, prefix), (first, count)) in enumerate(zip(TYPES, _window_ranges(windows), strict=True)):
        business_type = BusinessType.objects.create(hall=hall, code=code, name=name, prefix=prefix, order=order)
        business_type.windows.set(made[first:first + count])
    for i, window in enumerate(made):
        staff = staff_make(username=f"clerk{i + 1:02d}", region=district, roles=[Role.WINDOW_CLERK],
                           name=f"窗口{i + 1:02d}")
        staff.window = window
        staff.save(update_fields=["window"])


def _ids() -> dict[str, Any]:
    from onewindow.accounts.models import ServiceHall, ServiceWindow, Staff
    from onewindow.hall.models import BusinessType

    hall = ServiceHall.objects.select_related("region").get(name="盘龙区政务服务中心")
    windows = list(ServiceWindow.objects.filter(hall=hall).order_by("number"))
    by_window = {s.window_id: s for s in Staff.objects.filter(window__hall=hall).select_related("user")}
    types = [BusinessType.objects.get(hall=hall, code=code) for code, _, _ in TYPES]
    return {"hall": hall, "windows": windows, "clerks": [by_window[w.id] for w in windows], "types": types}


def load_history(world: dict[str, Any], numbers: int, per_day: int) -> None:
    """``numbers`` past numbers, ``per_day`` a day going back from yesterday, with their calls."""
    from django.db import connection
    from django.utils import timezone

    windows = len(world["windows"])
    ranges = _window_ranges(windows)
    params = {
        "total": numbers, "per_day": per_day, "today": timezone.localdate(), "hall": world["hall"].id,
        "path": world["hall"].region.path, "types": [t.id for t in world["types"]],
        "prefixes": [t.prefix for t in world["types"]], "windows": [w.id for w in world["windows"]],
        "clerks": [c.id for c in world["clerks"]], "first": [r[0] for r in ranges], "count": [r[1] for r in ranges],
    }
    sql = """
    INSERT INTO hall_queueticket (public_id, created_at, updated_at, hall_id, business_type_id, day, seq, number,
        channel, status, rank, priority_reason, region_path, name, id_number, id_number_hash, window_id, clerk_id,
        taken_at, called_at, first_called_at, call_count, serve_started_at, finished_at, no_show_at, transfers, note)
    SELECT gen_random_uuid(), taken, coalesce(finished, called, taken), %(hall)s, (%(types)s::bigint[])[ty + 1],
        day, seq, (%(prefixes)s::text[])[ty + 1] || lpad(seq::text, greatest(3, length(seq::text)), '0'),
        'kiosk', status,
        CASE WHEN mod(n, 10) = 0 THEN 2 ELSE 3 END, CASE WHEN mod(n, 10) = 0 THEN 'elderly' ELSE '' END,
        %(path)s, '', '', '', CASE WHEN called IS NULL THEN NULL ELSE (%(windows)s::bigint[])[w + 1] END,
        CASE WHEN called IS NULL THEN NULL ELSE (%(clerks)s::bigint[])[w + 1] END,
        taken, called, called, CASE WHEN called IS NULL THEN 0 ELSE 1 END,
        CASE WHEN status = 'done' THEN called + interval '1 minute' END, finished,
        CASE WHEN status = 'no_show' THEN called + interval '3 minutes' END, 0, ''
    FROM (
        SELECT n, ty, day, seq, w, status, taken,
            CASE WHEN status IN ('cancelled', 'expired') THEN NULL ELSE called END AS called,
            CASE WHEN status = 'done' THEN called + make_interval(secs => 120 + mod(n * 17, 1500))
                 WHEN status = 'cancelled' THEN taken + interval '10 minutes' END AS finished
        FROM (
            SELECT n, ty, day, seq,
                (%(first)s::int[])[ty + 1] + mod(n * 7, (%(count)s::int[])[ty + 1]) AS w,
                CASE WHEN r < 86 THEN 'done' WHEN r < 94 THEN 'no_show' WHEN r < 97 THEN 'cancelled'
                     ELSE 'expired' END AS status,
                taken, taken + make_interval(secs => 60 + mod(n * 131, 2400)) AS called
            FROM (
                SELECT n, mod(k, 4) AS ty, (%(today)s::date - 1 - d) AS day, k / 4 + 1 AS seq,
                    mod(n * 37 + d * 11, 100) AS r,
                    ((%(today)s::date - 1 - d) + time '08:30') AT TIME ZONE 'Asia/Shanghai'
                        + make_interval(secs => k * 28800.0 / %(per_day)s) AS taken
                FROM (SELECT n, n / %(per_day)s AS d, mod(n, %(per_day)s) AS k
                      FROM generate_series(0, %(total)s - 1) AS n) AS g
            ) AS a
        ) AS b
    ) AS c
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("""
            INSERT INTO hall_queuecall (hall_id, ticket_id, window_id, clerk_id, kind, at)
            SELECT hall_id, id, window_id, clerk_id, 'call', called_at FROM hall_queueticket
            WHERE called_at IS NOT NULL ORDER BY called_at""")
        cursor.execute("VACUUM ANALYZE hall_queueticket")
        cursor.execute("VACUUM ANALYZE hall_queuecall")


def add_waiting(world: dict[str, Any], count: int) -> None:
    """``count`` numbers waiting today (taken over the last hour): seven in ten 综合受理, one in ten
    a priority number, one in fifty an appointment checked in on time."""
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    types = world["types"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT business_type_id, coalesce(max(seq), 0) FROM hall_queueticket "
                       "WHERE hall_id = %s AND day = %s GROUP BY business_type_id", [world["hall"].id, today])
        start = dict(cursor.fetchall())
        for t in types:  # numbers the day's counter already gave (cancelled ones too)
            cursor.execute("SELECT value FROM hall_queuecounter WHERE key = %s", [f"{t.pk}:{today:%Y%m%d}"])
            row = cursor.fetchone()
            start[t.id] = max(start.get(t.id, 0), row[0] if row else 0)
        cursor.execute("""
            INSERT INTO hall_queueticket (public_id, created_at, updated_at, hall_id, business_type_id, day, seq,
                number, channel, status, rank, priority_reason, region_path, name, id_number, id_number_hash,
                taken_at, call_count, transfers, note)
            SELECT gen_random_uuid(), taken, taken, %(hall)s, (%(types)s::bigint[])[ty + 1], %(today)s, s,
                (%(prefixes)s::text[])[ty + 1] || lpad(s::text, greatest(3, length(s::text)), '0'),
                'kiosk', 'waiting', CASE WHEN mod(n, 50) = 0 THEN 0 WHEN mod(n, 10) = 0 THEN 2 ELSE 3 END,
                CASE WHEN mod(n, 50) = 0 THEN 'appointment' WHEN mod(n, 10) = 0 THEN 'elderly' ELSE '' END,
                %(path)s, '', '', '', taken, 0, 0, ''
            FROM (SELECT n, ty, taken, (%(start)s::int[])[ty + 1] + row_number() OVER (PARTITION BY ty ORDER BY n) AS s
                  FROM (SELECT n, CASE WHEN mod(n, 10) < 7 THEN 0 ELSE mod(n, 10) - 6 END AS ty,
                               now() - interval '1 hour' + make_interval(secs => n * 3600.0 / %(count)s) AS taken
                        FROM generate_series(0, %(count)s - 1) AS n) AS g) AS h
            """, {"hall": world["hall"].id, "types": [t.id for t in types], "today": today,
                  "start": [start.get(t.id, 0) for t in types], "prefixes": [t.prefix for t in types],
                  "path": world["hall"].region.path, "count": count})
        cursor.execute("SELECT business_type_id, max(seq) FROM hall_queueticket WHERE hall_id = %s AND day = %s "
                       "GROUP BY business_type_id", [world["hall"].id, today])
        tops = dict(cursor.fetchall())
    with connection.cursor() as cursor:  # the day's counters follow, so numbers taken later go on from there
        for t in types:
            cursor.execute("INSERT INTO hall_queuecounter (key, value) VALUES (%s, %s) ON CONFLICT (key) "
                           "DO UPDATE SET value = GREATEST(hall_queuecounter.value, excluded.value)",
                           [f"{t.pk}:{today:%Y%m%d}", tops.get(t.id, 0)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE hall_queueticket")


# --- 1–3: call next in one process, a thread per clerk ------------------------------------------
def _clerk_thread(clerk, window, barrier, rounds: int, synchronised: bool, out: dict) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from onewindow.hall import services

    latencies: list[float] = []
    called: list[int] = []
    errors: list[str] = []
    try:
        services.window_sign_on(actor=clerk.user, window=window)
        barrier.wait()
        for _ in range(rounds):
            if synchronised:
                barrier.wait()
            start = time.perf_counter()
            ticket = services.ticket_call_next(actor=clerk.user)
            latencies.append((time.perf_counter() - start) * 1000)
            if ticket is None:
                break
            called.append(ticket.pk)
            services.ticket_start(actor=clerk.user, ticket=ticket)
            services.ticket_finish(actor=clerk.user, ticket=ticket)
    except Exception as exc:  # reported, and the barrier released for the others
        errors.append(f"{type(exc).__name__}: {exc}")
        barrier.abort()
    finally:
        connection.close()
    out[window.number] = (latencies, called, errors)


def call_next_bench(world: dict[str, Any], args: argparse.Namespace) -> None:
    from django.db import connection

    from onewindow.hall import services
    from onewindow.hall.models import QueueCall, QueueTicket

    windows, clerks = world["windows"][:args.windows], world["clerks"][:args.windows]
    print(f"\n== call next (load average {os.getloadavg()[0]:.1f}; {QueueTicket.objects.count():,} "
          f"numbers in the table, "
          f"{QueueCall.objects.count():,} calls; {QueueTicket.objects.filter(status='waiting').count():,} "
          f"waiting today; {len(windows)} windows)", flush=True)

    # 1. one window alone
    clerk, window = clerks[0], windows[0]
    services.window_sign_on(actor=clerk.user, window=window)
    alone: list[float] = []
    cpu: list[float] = []
    for i in range(args.alone + 5):
        start, start_cpu = time.perf_counter(), time.process_time()
        ticket = services.ticket_call_next(actor=clerk.user)
        elapsed = (time.perf_counter() - start) * 1000
        if ticket is None:
            break
        if i >= 5:  # warm-up
            alone.append(elapsed)
            cpu.append((time.process_time() - start_cpu) * 1000)
        services.ticket_start(actor=clerk.user, ticket=ticket)
        services.ticket_finish(actor=clerk.user, ticket=ticket)
    report("one window alone: ticket_call_next", alone)
    report("    the same, CPU time of this process (unaffected by waiting for a core)", cpu)
    with connection.cursor() as cursor:
        trips = []
        for _ in range(200):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            trips.append((time.perf_counter() - start) * 1000)
    report("    database round trip (SELECT 1), for scale", trips)
    connection.close()

    for synchronised, rounds, label in ((True, args.bursts, f"{len(windows)} windows pressing at the same instant"),
                                        (False, args.rounds, f"{len(windows)} windows free-running")):
        before_calls = QueueCall.objects.count()
        barrier = threading.Barrier(len(windows) + 1)
        out: dict[str, tuple[list[float], list[int], list[str]]] = {}
        threads = [threading.Thread(target=_clerk_thread, args=(c, w, barrier, rounds, synchronised, out))
                   for c, w in zip(clerks, windows, strict=True)]
        for thread in threads:
            thread.start()
        barrier.wait()  # every window signed on
        start = time.perf_counter()
        if synchronised:
            for _ in range(rounds):
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    break
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        latencies = [x for lat, _, _ in out.values() for x in lat]
        called = [x for _, c, _ in out.values() for x in c]
        errors = [e for _, _, errs in out.values() for e in errs]
        duplicates = len(called) - len(set(called))
        calls_made = QueueCall.objects.count() - before_calls
        report(f"{label}: ticket_call_next", latencies,
               f"  {len(called) / wall:.0f} numbers/s (call, start, finish)" if not synchronised else "")
        print(f"    {len(called):,} numbers called in {wall:.1f} s, {duplicates} given twice, {calls_made:,} call "
              f"rows written, errors: {errors[:3] or 'none'}", flush=True)
        assert duplicates == 0 and calls_made == len(called), "a number was called twice"


# --- 4–5: the real ASGI server ----------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn with the platform's ASGI worker class and gunicorn.conf.py, one worker."""

    def __init__(self, *, redis_url: str = "") -> None:
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("ONEWINDOW_TESTING", "ONEWINDOW_REDIS_URL")}
        env.update({"DATABASE_URL": BENCH_URL, "ONEWINDOW_LOG_LEVEL": "WARNING", "ONEWINDOW_EMBEDDINGS": "off",
                    "ONEWINDOW_CHANNEL_LAYER": "redis" if redis_url else "memory", "PYTHONUNBUFFERED": "1"})
        if redis_url:
            env.update({"ONEWINDOW_REDIS_URL": redis_url, "ONEWINDOW_CHANNEL_PREFIX": "owbench"})
        self.layer = "Redis" if redis_url else "in-memory"
        self.failed = False
        # the server's own log goes to a file (a pipe nobody reads would fill and stop the server)
        self.log = tempfile.NamedTemporaryFile(prefix="bench_hall_server_", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.asgi:application", "--worker-class",
             "onewindow.core.asgi_worker.Worker", "--config", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--timeout", "120", "--chdir", str(ROOT),
             "--pythonpath", f"{ROOT},{ROOT / 'src'}"], env=env, cwd=ROOT,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while True:
            try:
                status, _ = self.request("GET", "/api/v1/halls")
                if status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start, see {self.log.name}")
            time.sleep(0.5)

    def request(self, method: str, path: str, token: str = "", body: dict | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, json.loads(data) if data else None

    def worker_rss_kb(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        total = 0
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        if self.failed:
            print(f"    server log kept: {self.log.name}")
        else:
            os.unlink(self.log.name)


class Screens:
    """Calling-screen WebSocket clients; each records when every "call" reaches it."""

    def __init__(self, server: Server, token: str) -> None:
        self.url = f"ws://127.0.0.1:{server.port}/ws/push/?t={token}"
        self.origin = f"http://127.0.0.1:{server.port}"
        self.sockets: list[Any] = []
        self.tasks: list[asyncio.Task] = []
        self.arrivals: dict[str, list[tuple[float, int]]] = {}  # number → [(received at, sent_at ms)]
        self.failed = 0

    async def _one(self) -> None:
        from websockets.asyncio.client import connect

        try:
            ws = await connect(self.url, origin=self.origin, open_timeout=60, ping_interval=None,  # type: ignore[arg-type]
                               close_timeout=1, compression=None)
            hello = json.loads(await ws.recv())
            assert hello["event"] == "hello", hello
        except Exception:
            self.failed += 1
            return
        self.sockets.append(ws)
        self.tasks.append(asyncio.create_task(self._listen(ws)))

    async def _listen(self, ws: Any) -> None:
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("event") == "call":
                    received = time.time()
                    self.arrivals.setdefault(message["data"]["number"], []).append((received, message["sent_at"]))
        except Exception:  # closed at the end
            return

    async def open(self, count: int, batch: int = 100) -> None:
        while count > 0:
            n = min(batch, count)
            await asyncio.gather(*(self._one() for _ in range(n)))
            count -= n

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        self.sockets.clear()
        self.tasks.clear()


def _window_ready(server: Server, window: Any, token: str) -> None:
    """The clerk signs on at ``window`` over HTTP; a number an interrupted run left there is a no-show."""
    status, body = server.request("POST", f"/api/v1/hall-windows/{window.public_id}/sign-on", token)
    assert status == 200, body
    if body.get("ticket"):
        ticket = body["ticket"]
        if ticket["status"] == "serving":
            server.request("POST", f"/api/v1/hall-tickets/{ticket['id']}/finish", token, {"case_ids": []})
        else:
            server.request("POST", f"/api/v1/hall-tickets/{ticket['id']}/no-show", token)


def _clerk_token(clerk) -> str:  # type: ignore[no-untyped-def]
    from onewindow.accounts.services import api_token_create

    _, key = api_token_create(user=clerk.user, name="bench", ttl_days=1)
    return key


async def _call_and_wait(server: Server, screens: Screens, token: str, expect: int,
                         timeout: float = 30) -> tuple[float, str, list[tuple[float, int]]]:
    """A clerk's call-next over HTTP; (time pressed, number, arrivals) once ``expect`` screens
    have it (or the timeout passed). Then the number is marked a no-show, freeing the window."""
    pressed = time.time()
    status, body = await asyncio.to_thread(server.request, "POST", "/api/v1/hall-windows/mine/call-next", token)
    if status != 200 or not body.get("ticket"):
        raise RuntimeError(f"call-next answered {status}: {body}")
    number = body["ticket"]["number"]
    deadline = time.monotonic() + timeout
    while len(screens.arrivals.get(number, ())) < expect and time.monotonic() < deadline:
        await asyncio.sleep(0.002)
    arrivals = list(screens.arrivals.get(number, ()))
    status, body = await asyncio.to_thread(server.request, "POST",
                                           f"/api/v1/hall-tickets/{body['ticket']['id']}/no-show", token)
    if status != 200:
        raise RuntimeError(f"no-show answered {status}: {body}")
    return pressed, number, arrivals


def push_bench(world: dict[str, Any], args: argparse.Namespace, *, redis_url: str = "") -> None:
    from onewindow.hall import push

    add_waiting(world, (args.push_samples + 20) * 2)  # enough for this clerk's types whatever ran before
    server = Server(redis_url=redis_url)
    clerk, window = world["clerks"][-1], world["windows"][-1]
    token = _clerk_token(clerk)
    try:
        _window_ready(server, window, token)
        print(f"\n== push: call-next over HTTP → calling screen ({server.layer} channel layer, one gunicorn "
              f"worker, {args.push_screens} screens connected)", flush=True)

        async def scenario() -> None:
            screens = Screens(server, push.screen_token(world["hall"]))
            await screens.open(args.push_screens)
            if screens.failed:
                print(f"    {screens.failed} screens failed to connect")
            end_to_end: list[float] = []
            layer_to_screen: list[float] = []
            for i in range(args.push_samples + 10):
                pressed, _number, arrivals = await _call_and_wait(server, screens, token, len(screens.sockets))
                if i < 10:  # warm-up
                    continue
                end_to_end += [(received - pressed) * 1000 for received, _ in arrivals]
                layer_to_screen += [received * 1000 - sent for received, sent in arrivals]
                await asyncio.sleep(0.02)
            report("call pressed → \"call\" on the screen (HTTP + commit + push)", end_to_end)
            report("published after commit → on the screen (ms clock)", layer_to_screen)
            await screens.close()

        asyncio.run(scenario())
    finally:
        server.request("POST", "/api/v1/hall-windows/mine/status", token, {"status": "closed"})
        server.stop()


def screens_bench(world: dict[str, Any], args: argparse.Namespace, *, redis_url: str = "") -> None:
    from onewindow.hall import push

    add_waiting(world, len(args.screens) * 4 + 20)
    server = Server(redis_url=redis_url)
    clerk, window = world["clerks"][-2], world["windows"][-2]
    token = _clerk_token(clerk)
    try:
        _window_ready(server, window, token)
        baseline = server.worker_rss_kb()
        print(f"\n== screens held by one server process ({server.layer} channel layer); worker RSS after "
              f"warm-up {baseline / 1024:.0f} MB", flush=True)

        async def scenario() -> None:
            screens = Screens(server, push.screen_token(world["hall"]))
            for target in args.screens:
                start = time.perf_counter()
                await screens.open(target - len(screens.sockets))
                opened = time.perf_counter() - start
                await asyncio.sleep(1)
                rss = server.worker_rss_kb()
                held = len(screens.sockets)
                try:
                    pressed, _number, arrivals = await _call_and_wait(server, screens, token, held, timeout=120)
                except (OSError, RuntimeError) as exc:  # TimeoutError is an OSError
                    server.failed = True
                    print(f"    {held:>6,} screens open ({screens.failed} failed; opened in {opened:.1f} s): worker "
                          f"RSS {rss / 1024:.0f} MB; the call was not answered: {type(exc).__name__} {exc}")
                    break
                reached = [(received - pressed) * 1000 for received, _ in arrivals]
                per = (rss - baseline) / max(held, 1)
                print(f"    {held:>6,} screens open ({screens.failed} failed; opened in {opened:.1f} s): worker RSS "
                      f"{rss / 1024:.0f} MB (+{per:.1f} KB a screen); one call reached {len(arrivals):,}: "
                      f"median {statistics.median(reached) if reached else 0:.0f} ms, "
                      f"p99 {percentile(reached, 99) if reached else 0:.0f} ms, "
                      f"last {max(reached) if reached else 0:.0f} ms", flush=True)
                if screens.failed > target // 20:  # more than one in twenty refused: the process is full
                    break
            await screens.close()

        asyncio.run(scenario())
    finally:
        server.request("POST", "/api/v1/hall-windows/mine/status", token, {"status": "closed"})
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--numbers", type=int, default=1_000_000, help="historical numbers")
    parser.add_argument("--per-day", type=int, default=2_000)
    parser.add_argument("--windows", type=int, default=50)
    parser.add_argument("--alone", type=int, default=100, help="calls of one window alone")
    parser.add_argument("--bursts", type=int, default=10, help="rounds of every window pressing at once")
    parser.add_argument("--rounds", type=int, default=20, help="calls of each window free-running")
    parser.add_argument("--push-samples", type=int, default=200)
    parser.add_argument("--push-screens", type=int, default=10)
    parser.add_argument("--screens", default="1000,2500,4000", help="open screens, in steps")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8", help="'' to skip the Redis layer")
    parser.add_argument("--skip", default="",
                        help="comma-separated: callnext, push, screens, screens-memory, screens-redis")
    parser.add_argument("--keep", action="store_true", help="reuse a loaded bench database")
    args = parser.parse_args()
    args.screens = [int(x) for x in str(args.screens).split(",") if x.strip()]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    reuse = args.keep and _common.loaded_count(BENCH_URL, "hall_queueticket") >= args.numbers * 0.99
    if not reuse:
        _common.recreate_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"PostgreSQL {connection.cursor().connection.info.server_version}, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    if not reuse:
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - start:.1f} s")
        build_world(args.windows)
        world = _ids()
        start = time.perf_counter()
        load_history(world, args.numbers, args.per_day)
        print(f"{args.numbers:,} historical numbers ({args.per_day:,} a day) and their calls loaded in "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    else:
        world = _ids()
        print(f"reusing {_common.loaded_count(BENCH_URL, 'hall_queueticket'):,} numbers in "
              f"{BENCH_URL.rpartition('/')[2]}")
    from django.utils import timezone

    from onewindow.hall import services
    from onewindow.hall.models import QueueTicket

    services.day_close()  # yesterday's leftovers of an earlier run
    needed = args.alone + 5 + args.windows * (args.bursts + args.rounds) + (
        args.push_samples + 10) * 2 + len(args.screens) * 2 + 100
    waiting = QueueTicket.objects.filter(day=timezone.localdate(), status="waiting").count()
    if waiting < needed:
        add_waiting(world, needed - waiting)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c "
                       "WHERE c.relname LIKE 'hall_%' AND c.relkind = 'r'")
        print(f"hall tables: {cursor.fetchone()[0]} (with indexes)", flush=True)
    connection.close()
    if "callnext" not in skip:
        call_next_bench(world, args)
    if "push" not in skip:
        push_bench(world, args)
        if args.redis:
            push_bench(world, args, redis_url=args.redis)
    if "screens" not in skip and args.screens:
        if "screens-memory" not in skip:
            screens_bench(world, args)
        if args.redis and "screens-redis" not in skip:
            screens_bench(world, args, redis_url=args.redis)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
