"""Mixed HTTP load on loopback: 80 % reads / 20 % creates against gunicorn, 1 and 2 workers.

Usage (the databases loaded once by bench_cases.py / bench_tickets.py, reused here):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_perf_cases nice -n 10 \
        .venv/bin/python bench/bench_http_load.py --system cases [--workers 1,2] [--seconds 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_perf_tickets nice -n 10 \
        .venv/bin/python bench/bench_http_load.py --system tickets

Runs against ``<database>_bench`` (nothing is loaded here: run the system's bench script once
first). For each worker count it starts gunicorn (sync workers, ``gunicorn.conf.py`` warm-up)
on 127.0.0.1, keeps ``--connections`` client threads busy for ``--seconds`` (at most 120),
each picking at random: 40 % a scoped list of 50, 40 % a detail, 20 % a create (a window intake
with 3 files, or a 12345 ticket), all with bearer tokens. It prints requests per second, p50,
p99, errors, and the CPU per request of the server side: the gunicorn workers' user+system
time and that of the PostgreSQL backends serving them (read from /proc), divided by the
requests served. The client threads run on the same cores; their CPU is not counted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")  # the fixed test keys the bench data was sealed with
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")
os.environ.setdefault("ONEWINDOW_TEST_DB_TASKS", "1")
os.environ.setdefault("ONEWINDOW_STORAGE_DIR", str(ROOT / "var" / "bench-storage"))

from _common import bench_url, loaded_count, percentile  # noqa: E402

BENCH_URL = bench_url(os.environ.get("DATABASE_URL", ""), "bench_http_load")
os.environ["DATABASE_URL"] = BENCH_URL
MAX_SECONDS = 120
CLK_TCK = os.sysconf("SC_CLK_TCK")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
       b"endobj\ntrailer<</Root 1 0 R>>\n" + b"%" * 20_000 + b"\n%%EOF\n")


# --- What the clients send -----------------------------------------------------------------------
class Request:
    def __init__(self, kind: str, method: str, path: str, token: str, body: bytes = b"",
                 content_type: str = "") -> None:
        self.kind, self.method, self.path, self.token = kind, method, path, token
        self.body, self.content_type = body, content_type


def multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, data in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.pdf"\r\n'
                     f"Content-Type: application/pdf\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def cases_mix(rng: random.Random):  # type: ignore[no-untyped-def]
    """Tokens and samples for the cases mix, and a function drawing one request."""
    from onewindow.accounts.models import Person, Staff
    from onewindow.accounts.services import api_token_create
    from onewindow.cases.models import Case
    from onewindow.catalog.models import ServiceItem

    staff = {s.user.username: s for s in Staff.objects.select_related("user").filter(
        user__username__in=["clerk", "reviewer0", "street_clerk"])}
    tokens = {name: api_token_create(user=s.user, name="load")[1] for name, s in staff.items()}
    item = ServiceItem.objects.select_related("current_version").order_by("id").first()
    assert item is not None and item.current_version is not None
    materials = [str(m.public_id) for m in item.current_version.materials.order_by("order")]
    people = [str(p) for p in Person.objects.order_by("id").values_list("public_id", flat=True)[:5000]]
    dept = staff["reviewer0"].departments.first()
    details = [str(p) for p in Case.objects.filter(department=dept, status="in_review")
               .values_list("public_id", flat=True)[:2000]]

    def draw() -> Request:
        roll = rng.random()
        if roll < 0.2:
            body, ctype = multipart({"data": json.dumps({"item_id": str(item.public_id),
                                                         "person_id": rng.choice(people)})},
                                    {f"file_{m}": PDF for m in materials})
            return Request("create", "POST", "/api/v1/cases/intake", tokens["clerk"], body, ctype)
        if roll < 0.6:
            who, tab = rng.choice((("reviewer0", "department"), ("street_clerk", "open"), ("reviewer0", "all")))
            return Request("list", "GET", f"/api/v1/cases?tab={tab}", tokens[who])
        return Request("detail", "GET", f"/api/v1/cases/{rng.choice(details)}", tokens["reviewer0"])

    return draw


def tickets_mix(rng: random.Random):  # type: ignore[no-untyped-def]
    from onewindow.accounts.models import Staff
    from onewindow.accounts.services import api_token_create
    from onewindow.regions.models import Region
    from onewindow.tickets.models import Ticket

    staff = {s.user.username: s for s in Staff.objects.select_related("user", "region").filter(
        user__username__in=["operator", "street1", "bureau0", "supervisor"])}
    tokens = {name: api_token_create(user=s.user, name="load")[1] for name, s in staff.items()}
    communities = list(Region.objects.filter(level="community").order_by("code"))
    street_path = staff["street1"].region.path
    details = [str(p) for p in Ticket.objects.filter(region_path__startswith=street_path,
                                                     status__in=["dispatched", "accepted"])
               .values_list("public_id", flat=True)[:2000]]
    titles = ["小区停水三天", "夜间施工噪音扰民", "路灯不亮", "垃圾清运不及时", "学校门口交通拥堵",
              "医院挂号难", "下水道堵塞", "违章停车占道"]

    def draw() -> Request:
        roll = rng.random()
        if roll < 0.2:
            community = rng.choice(communities)
            title = rng.choice(titles)
            body = json.dumps({
                "kind": "help", "channel": "hotline", "title": title, "text": f"{community.name}{title}，请尽快处理",
                "address": community.name, "lng": (community.min_lng + community.max_lng) / 2,
                "lat": (community.min_lat + community.max_lat) / 2, "requester_name": "王秀英",
                "requester_phone": f"138{rng.randrange(10**8):08d}"}, ensure_ascii=False).encode()
            return Request("create", "POST", "/api/v1/tickets", tokens["operator"], body, "application/json")
        if roll < 0.6:
            who = rng.choice(("street1", "bureau0", "supervisor"))
            query = "status=dispatched,accepted" + ("&overdue=true" if who == "supervisor" else "")
            return Request("list", "GET", f"/api/v1/tickets?{query}", tokens[who])
        return Request("detail", "GET", f"/api/v1/tickets/{rng.choice(details)}", tokens["street1"])

    return draw


# --- CPU accounting -------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def db_backends() -> list[int]:
    import psycopg

    name = BENCH_URL.rpartition("/")[2]
    with psycopg.connect(BENCH_URL.replace("postgres://", "postgresql://", 1)) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            [name]).fetchall()
    return [int(r[0]) for r in rows]


# --- One run ----------------------------------------------------------------------------------------
def run(args, workers: int, draw_factory) -> dict:  # type: ignore[no-untyped-def]
    port = args.port
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_http_load_settings",
           "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}:{ROOT / 'src'}", "DATABASE_URL": BENCH_URL,
           "BENCH_TICKETS_CLASSIFIER_DIR": str(Path(tempfile.gettempdir()) / "onewindow-bench-ticket-models")}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-c", str(ROOT / "gunicorn.conf.py"),
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT),
         "--timeout", "120"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(1)
        else:
            raise SystemExit("gunicorn did not start")
        rngs = [random.Random(1000 * workers + i) for i in range(args.connections)]
        draws = [draw_factory(r) for r in rngs]
        results: list[tuple[str, int, float]] = []
        lock = threading.Lock()

        def client(draw, stop_at: float) -> None:  # type: ignore[no-untyped-def]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine = []
            while time.monotonic() < stop_at:
                req = draw()
                headers = {"Authorization": f"Bearer {req.token}", "Host": "localhost"}
                if req.content_type:
                    headers["Content-Type"] = req.content_type
                start = time.perf_counter()
                try:
                    conn.request(req.method, req.path, body=req.body or None, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    status = 0
                mine.append((req.kind, status, (time.perf_counter() - start) * 1000))
            with lock:
                results.extend(mine)

        def phase(seconds: float) -> None:
            stop_at = time.monotonic() + seconds
            threads = [threading.Thread(target=client, args=(d, stop_at)) for d in draws]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        phase(min(5.0, args.seconds))  # warm-up: every worker connected, caches filled
        results.clear()
        pids = children(server.pid)
        backends = db_backends()
        app0 = sum(cpu_seconds(p) for p in pids)
        db0 = sum(cpu_seconds(p) for p in backends)
        load0 = os.getloadavg()[0]
        started = time.perf_counter()
        phase(min(args.seconds, MAX_SECONDS))
        elapsed = time.perf_counter() - started
        app_cpu = sum(cpu_seconds(p) for p in pids) - app0
        db_cpu = sum(cpu_seconds(p) for p in backends) - db0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    done = len(results)
    errors = [r for r in results if not 200 <= r[1] < 300]
    latencies = [r[2] for r in results]
    out = {"workers": workers, "requests": done, "rps": done / elapsed, "p50": statistics.median(latencies),
           "p99": percentile(latencies, 99), "errors": len(errors), "app_ms": app_cpu * 1000 / max(done, 1),
           "db_ms": db_cpu * 1000 / max(done, 1), "load": (load0 + os.getloadavg()[0]) / 2,
           "by_kind": {}}
    for kind in ("list", "detail", "create"):
        mine = [r[2] for r in results if r[0] == kind]
        if mine:
            out["by_kind"][kind] = (len(mine), statistics.median(mine), percentile(mine, 99))
    if errors:
        out["error_sample"] = sorted({(r[0], r[1]) for r in errors})[:5]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--system", choices=("cases", "tickets"), required=True)
    parser.add_argument("--workers", default="1,2", help="comma-separated gunicorn worker counts")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=18790)
    args = parser.parse_args()
    table = "cases_case" if args.system == "cases" else "tickets_ticket"
    rows = loaded_count(BENCH_URL, table)
    if rows == 0:
        raise SystemExit(f"{BENCH_URL.rpartition('/')[2]} holds no {table}: run bench/bench_{args.system}.py first")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # indexes added since the data was loaded
    draw_factory = cases_mix if args.system == "cases" else tickets_mix
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{rows:,} rows in {table}; {args.connections} client threads on the same cores; "
          f"{args.seconds:.0f} s per run after a 5 s warm-up; mix 40 % list / 40 % detail / 20 % create")
    for workers in [int(w) for w in args.workers.split(",")]:
        r = run(args, workers, draw_factory)
        kinds = "  ".join(f"{k} n={n} p50 {m:.1f} p99 {p:.1f}" for k, (n, m, p) in r["by_kind"].items())
        print(f"{args.system} gunicorn -w {workers}: {r['rps']:6.1f} req/s  p50 {r['p50']:6.1f} ms  "
              f"p99 {r['p99']:6.1f} ms  errors {r['errors']}/{r['requests']}  CPU/request "
              f"{r['app_ms'] + r['db_ms']:.1f} ms (app {r['app_ms']:.1f} + db {r['db_ms']:.1f})  "
              f"load avg {r['load']:.1f}", flush=True)
        print(f"    {kinds}", flush=True)
        if r.get("error_sample"):
            print(f"    errors: {r['error_sample']}", flush=True)


if __name__ == "__main__":
    main()
