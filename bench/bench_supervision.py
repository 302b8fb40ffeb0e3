"""Supervision benchmark on PostgreSQL at the issue's size: daily figures refresh, the monthly
assessment run, the dashboard's figure APIs and page, the monitor, and a streamed open-data CSV
export.

Usage (the issue's size; the build takes a few minutes and is skipped when the bench database
already holds the data):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_h14 nice -n 10 .venv/bin/python \
        bench/bench_supervision.py [--cases 1000000] [--tickets 1000000] [--rows 1000000] [--repeat 30]

Runs against "<database>_bench". The district: 10 streets × 5 communities × 2 grids with polygons,
30 departments, 40 clerks; cases and tickets spread over the last 365 days and built set-based
(``INSERT … SELECT generate_series``, one statement per table, secondary indexes dropped during
the load and rebuilt after). Shape, closer to a real district than a uniform spread:

- cases: ~5 % open (submitted in the last 25 days, plus 0.5 % stuck long past their deadline),
  3 % of decided cases late; an ACCEPT and an APPROVE event per decided case (the anomaly
  rules read them), 1 in 5,000 accepted and approved by the same clerk;
- tickets: ~2 % open (received in the last week, plus 1 % stuck and overdue), 4 % of closed
  tickets replied late; 20 categories, 200 places; 20,000 returns;
- each record's department and grid follow ``g mod 300``: 300 department × grid pairs, so the
  daily table holds ~110,000 rows a year per source (the sparse case).

Then measures, each after a warm-up: the timer's figures refresh, the monthly assessment run
(time, peak Python memory), each dashboard figure API for the district over 90 days and the
dashboard page (median, p99), the monitor API and page, and the open-data CSV export of
``--rows`` rows streamed (time, RSS sampled while streaming).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")

from _common import (  # noqa: E402
    bench_url,
    indexes_create,
    indexes_drop,
    insert_select,
    loaded_count,
    recreate_database,
    report,
    setval,
    timed_cpu,
)

BENCH_URL = bench_url(os.environ.get("DATABASE_URL", ""), "bench_supervision")
os.environ["DATABASE_URL"] = BENCH_URL


def square(lng: float, lat: float, w: float, h: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + w, lat], [lng + w, lat + h], [lng, lat + h],
                                                [lng, lat]]]}


def build_district():  # type: ignore[no-untyped-def]
    from onewindow.accounts.models import Department, Staff, User
    from onewindow.regions.models import Region

    district = Region.objects.create(code="530103000000", name="盘龙区", level="district", path="/530103000000/",
                                     geometry=square(102.7, 25.0, 0.2, 0.1))
    grids: list[Region] = []
    for s in range(10):
        sc = f"5301030{s + 1:02d}000"
        street = Region.objects.create(code=sc, name=f"街道{s + 1}", level="street", parent=district,
                                       path=f"{district.path}{sc}/", geometry=square(102.7 + s * 0.02, 25, 0.02, 0.1))
        for c in range(5):
            cc = f"5301030{s + 1:02d}{c + 1:03d}"
            community = Region.objects.create(code=cc, name=f"街道{s + 1}社区{c + 1}", level="community",
                                              parent=street, path=f"{street.path}{cc}/",
                                              geometry=square(102.7 + s * 0.02, 25 + c * 0.02, 0.02, 0.02))
            for g in range(2):
                gc = f"{cc}{g + 1:03d}"
                grids.append(Region.objects.create(code=gc, name=f"{community.name}网格{g + 1}", level="grid",
                                                   parent=community, path=f"{community.path}{gc}/",
                                                   geometry=square(102.7 + s * 0.02 + g * 0.01, 25 + c * 0.02,
                                                                   0.01, 0.02)))
    departments = [Department.objects.create(code=f"D{i:02d}", name=f"部门{i}", kind="bureau", region=district)
                   for i in range(30)]
    user = User.objects.create_user(username="bench_supervisor", password="x", kind="staff")
    Staff.objects.create(user=user, name="监督员", employee_no="S1", roles=["supervisor", "leader"], region=district)
    clerks = [User.objects.create_user(username=f"bench_clerk{i}", password="x", kind="staff") for i in range(40)]
    return district, grids, departments, clerks, user


# Pseudo-random numbers per row, reproducible (setseed before the statement).
SERIES = ("(SELECT g, random() AS r1, random() AS r2, random() AS r3 FROM generate_series(1, {n}) g) s, "
          "(SELECT %s::text[] AS grids, %s::bigint[] AS depts, %s::timestamptz AS now) a")


def build(n_cases: int, n_tickets: int):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.utils import timezone

    from onewindow.cases.models import Case, CaseEvent
    from onewindow.cases.tests.factories import person_make, service_item_make
    from onewindow.tickets.models import Category, Ticket, TicketReturn

    _district, grids, departments, clerks, user = build_district()
    item = service_item_make(department=departments[0])
    person = person_make(name="申请人")
    version = item.current_version
    top = Category.objects.create(code="01", name="城乡建设", level=1, path="/01/", full_name="城乡建设")
    categories = [Category.objects.create(code=f"01{i:02d}", name=f"分类{i}", level=2, parent=top,
                                          path=f"/01/01{i:02d}/", full_name=f"城乡建设/分类{i}") for i in range(20)]
    now = timezone.now()
    # department and grid both follow g mod 300 (300 pairs); arrays are 1-based.
    params = [[g.path for g in grids], [d.id for d in departments], now]
    grid = "a.grids[1 + mod(mod(g, 300), 100)]"
    dept = "a.depts[1 + mod(g, 30)]"
    tables = ["cases_case", "cases_caseevent", "tickets_ticket", "tickets_ticketreturn"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.14)")
    dropped = indexes_drop(tables)

    start = time.perf_counter()
    # age in days r1 * 365; open: the last 25 days (70 %) or stuck (0.5 %); due 20 days after.
    at = "a.now - make_interval(secs => r1 * 365 * 86400)"
    is_open = "((r1 * 365 < 25 AND r2 < 0.7) OR r2 < 0.005)"
    decided = f"LEAST(a.now, {at} + make_interval(days => 1 + floor(r3 * 19)::int))"
    late = f"(NOT {is_open} AND r3 > 0.97)"
    due = f"{at} + interval '20 days'"
    n = insert_select(Case, {
        "public_id": "gen_random_uuid()", "created_at": at, "updated_at": at,
        "number": "'B' || lpad(g::text, 10, '0')", "item_id": str(item.id), "item_version_id": str(version.id),
        "item_name": f"'{version.name}'", "department_id": dept, "region_path": grid,
        "channel": "CASE WHEN mod(g, 3) = 1 THEN 'window' ELSE 'online' END",
        "status": f"CASE WHEN {is_open} THEN (ARRAY['submitted', 'accepted', 'in_review'])[1 + mod(g, 3)] "
                  "ELSE 'closed' END",
        "submitted_at": at, "decided_at": f"CASE WHEN {is_open} THEN NULL ELSE {decided} END", "due_at": due,
        "legal_limit_days": "20",
        "working_days_used": f"CASE WHEN {is_open} THEN NULL ELSE 1 + floor(r3 * 20)::int END",
        "completed_early": f"(NOT {is_open} AND NOT {late} AND r3 < 0.6)", "overdue": late,
        "warning_level": f"CASE WHEN NOT {is_open} THEN 'none' WHEN {due} < a.now THEN 'red' "
                         f"WHEN {due} < a.now + interval '3 days' THEN 'yellow' ELSE 'none' END",
        "applicant_kind": "'person'", "applicant_person_id": str(person.id), "applicant_name": "'申请人'",
    }, SERIES.format(n=n_cases), params)
    print(f"load {n} cases: {time.perf_counter() - start:.1f} s", flush=True)

    start = time.perf_counter()
    clerk_ids = [u.id for u in clerks]
    ev = ("cases_case c, (SELECT %s::bigint[] AS clerks) k, (VALUES ('accept', 0), ('approve', 1)) v(action, step) "
          "WHERE c.decided_at IS NOT NULL")
    n = insert_select(CaseEvent, {
        "case_id": "c.id", "action": "v.action",
        "at": "CASE WHEN v.step = 0 THEN c.submitted_at + interval '1 hour' ELSE c.decided_at END",
        "from_status": "''", "to_status": "CASE WHEN v.step = 0 THEN 'accepted' ELSE 'approved' END",
        # 1 in 5,000 decided cases accepted and approved by the same clerk
        "actor_id": "k.clerks[1 + mod(c.id + CASE WHEN v.step = 1 AND mod(c.id, 5000) <> 0 THEN 1 ELSE 0 END, 40)]",
        "actor_label": "'窗口' || mod(c.id + CASE WHEN v.step = 1 AND mod(c.id, 5000) <> 0 THEN 1 ELSE 0 END, 40)",
        "role": "'clerk'", "title": "CASE WHEN v.step = 0 THEN '受理' ELSE '准予许可' END",
    }, ev, [clerk_ids])
    print(f"load {n} case events: {time.perf_counter() - start:.1f} s", flush=True)

    start = time.perf_counter()
    at = "a.now - make_interval(secs => r1 * 365 * 86400)"
    is_open = "((r1 * 365 < 7 AND r2 < 0.6) OR r2 < 0.01)"
    due = f"{at} + interval '5 days'"
    late_closed = f"(NOT {is_open} AND r3 < 0.04)"
    overdue = f"(({is_open} AND {due} < a.now) OR {late_closed})"
    replied = f"LEAST(a.now, {at} + CASE WHEN {late_closed} THEN interval '6 days' ELSE interval '2 days' END)"
    params_t = [*params[:2], now]
    n = insert_select(Ticket, {
        "public_id": "gen_random_uuid()", "created_at": at, "updated_at": at,
        "number": "'T' || lpad(g::text, 12, '0')", "kind": "'help'", "title": "'诉求'", "text": "'诉求内容'",
        "channel": "'hotline'", "urgency": "'normal'", "limit_class": "'general'", "received_at": at,
        "region_path": grid, "place_name": "'小区' || mod(g, 200)", "department_id": dept,
        "category_id": f"(ARRAY{[c.id for c in categories]}::bigint[])[1 + mod(g, 20)]",
        "status": f"CASE WHEN {is_open} THEN (ARRAY['dispatched', 'accepted'])[1 + mod(g, 2)] ELSE 'closed' END",
        "due_at": due, "warned": f"({is_open} AND {due} < a.now + interval '1 day')", "overdue": overdue,
        "dispatched_at": f"{at} + interval '5 minutes'",
        "accepted_at": f"{at} + make_interval(hours => 1 + floor(r3 * 30)::int)",
        "replied_at": f"CASE WHEN {is_open} THEN NULL ELSE {replied} END",
        "callback_at": f"CASE WHEN {is_open} THEN NULL ELSE LEAST(a.now, {replied} + interval '1 day') END",
        "dispatch_via": "'rule'",
        "satisfaction": f"CASE WHEN {is_open} THEN '' WHEN r3 < 0.9 THEN 'satisfied' ELSE 'unsatisfied' END",
        "solved": f"(NOT {is_open} AND r3 < 0.92)",
    }, SERIES.format(n=n_tickets), params_t)
    print(f"load {n} tickets: {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    n = insert_select(TicketReturn, {
        "public_id": "gen_random_uuid()", "created_at": "t.received_at", "updated_at": "t.received_at",
        "ticket_id": "t.id", "department_id": "t.department_id", "reason": "'非本单位职责'",
        "dispatched_by_id": "k.clerks[1 + mod(t.id, 40)]", "dispatch_via": "'rule'",
        "returned_at": "t.received_at + interval '1 hour'",
    }, "tickets_ticket t, (SELECT %s::bigint[] AS clerks) k WHERE mod(t.id, 50) = 7", [clerk_ids])
    print(f"load {n} ticket returns: {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    indexes_create(dropped)
    for model in (Case, CaseEvent, Ticket, TicketReturn):
        setval(model)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"indexes + analyze: {time.perf_counter() - start:.1f} s", flush=True)
    return user


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="drop and build the bench database again")
    parser.add_argument("--only", default="refresh,assessment,dashboard,monitor,explain,csv", help="parts to measure")
    args = parser.parse_args()
    loaded = (loaded_count(BENCH_URL, "cases_case") >= args.cases
              and loaded_count(BENCH_URL, "tickets_ticket") >= args.tickets)
    if args.rebuild or not loaded:
        recreate_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from onewindow.accounts.models import User
    from onewindow.supervision import rules
    from onewindow.supervision.models import AssessmentRun, DailyFigure
    from onewindow.supervision.services import assessment, opendata
    from onewindow.supervision.services.figures import figures_refresh, today_local

    call_command("migrate", verbosity=0)
    last = today_local()
    if args.rebuild or not loaded:
        build(args.cases, args.tickets)
    else:
        print(f"reusing {BENCH_URL.rpartition('/')[2]}: {args.cases} cases, {args.tickets} tickets", flush=True)
    user = User.objects.get(username="bench_supervisor")
    AssessmentRun.objects.all().delete()
    if not DailyFigure.objects.exists():
        start = time.perf_counter()
        figures_refresh(first=last - timedelta(days=365), last=last)
        print(f"daily figures, full year rebuild: {time.perf_counter() - start:.1f} s", flush=True)
    from onewindow.supervision.models import ClerkDecisionsCoverage
    from onewindow.supervision.services.figures import clerk_decisions_rebuild

    if not ClerkDecisionsCoverage.objects.exists():  # what the nightly refresh fills (5 weeks)
        start = time.perf_counter()
        rows = clerk_decisions_rebuild(first=last - timedelta(days=35), last=last, now=timezone.now())
        print(f"clerks' daily decisions, 5 weeks: {rows} rows, {time.perf_counter() - start:.1f} s", flush=True)
    parts = set(args.only.split(","))
    from django.db import connection

    with connection.cursor() as cursor:  # what autovacuum does within a minute of a bulk refresh
        for table in ("supervision_regiondailyfigure", "supervision_regiondailytop",
                      "supervision_clerkdailydecisions"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    if "refresh" in parts:
        start = time.perf_counter()
        figures_refresh()
        print(f"daily figures, timer run (3 days): {(time.perf_counter() - start) * 1000:.0f} ms", flush=True)
    assessment.rules_seed()
    period = rules.previous_month(timezone.localdate()).label
    if "assessment" in parts:
        measure_assessment(assessment, period)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    if "dashboard" in parts:
        measure_dashboard(client, last, args.repeat)
    if "monitor" in parts:
        measure_monitor(client, args.repeat)
    if "explain" in parts:
        explain_slowest(client, last)
    if "paint" in parts:
        try:
            measure_paint(client, last, max(5, args.repeat // 2))
        except Exception as exc:  # a missing browser must not cost the other figures
            print(f"dashboard in Chromium: not measured ({exc.__class__.__name__}: {exc})", flush=True)
    if "csv" in parts:
        measure_csv(client, opendata, args.rows)


def explain_slowest(client, last, limit: int = 4) -> None:  # type: ignore[no-untyped-def]
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest queries behind the monitor and the dashboard."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    q = f"first={(last - timedelta(days=89)).isoformat()}&last={last.isoformat()}"
    for url in ("/api/v1/monitor", f"/api/v1/dashboard/figures?{q}", f"/api/v1/dashboard/regions?{q}",
                f"/api/v1/dashboard/top?kind=place&{q}"):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        print(f"== {url}: {len(ctx.captured_queries)} queries", flush=True)
        for query in sorted(ctx.captured_queries, key=lambda x: -float(x["time"]))[:limit]:
            if float(query["time"]) < 0.003:
                continue
            print(f"-- {float(query['time']) * 1000:.1f} ms: {query['sql'][:400]}", flush=True)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                for (line,) in cursor.fetchall():
                    print("   " + line, flush=True)


def measure_assessment(assessment, period: str) -> None:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    start = time.perf_counter()
    run = assessment.assessment_run(actor=None, period=period)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"assessment run {period}: {elapsed:.1f} s, peak Python memory {peak:.0f} MB, "
          f"rss {rss_mb():.0f} MB ({run.scores.count()} scores)", flush=True)


def measure(label: str, func, repeat: int) -> None:  # type: ignore[no-untyped-def]
    """Wall-clock median/p95/p99, and the median CPU of this process (Django + driver, not the
    database): on the shared machine the wall clock includes waiting for a core."""
    wall, cpu = timed_cpu(func, repeat)
    report(label, wall, extra=f"   cpu median {statistics.median(cpu):6.1f} ms")


def measure_dashboard(client, last, repeat: int) -> None:  # type: ignore[no-untyped-def]
    q = f"first={(last - timedelta(days=89)).isoformat()}&last={last.isoformat()}"
    for name in ("figures", "regions", "trend", "top?kind=item&", "top?kind=category&", "top?kind=place&",
                 "hall-waits"):
        url = f"/api/v1/dashboard/{name}" + ("" if "?" in name else "?") + q
        assert client.get(url).status_code == 200, url
        measure(f"GET /api/v1/dashboard/{name.rstrip('&')}", lambda u=url: client.get(u), repeat)
    street = "530103001000"
    url = f"/api/v1/dashboard/figures?region={street}&{q}"
    assert client.get(url).status_code == 200, url
    measure("GET /api/v1/dashboard/figures (a street)", lambda: client.get(url), repeat)
    assert client.get("/staff/dashboard/?" + q).status_code == 200
    measure("GET /staff/dashboard/ (page HTML)", lambda: client.get("/staff/dashboard/?" + q), repeat)


def measure_monitor(client, repeat: int) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    assert client.get("/api/v1/monitor").status_code == 200
    measure("GET /api/v1/monitor", lambda: client.get("/api/v1/monitor"), repeat)
    assert client.get("/staff/monitor/").status_code == 200
    measure("GET /staff/monitor/ (page HTML)", lambda: client.get("/staff/monitor/"), repeat)
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/monitor")
    slow = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:5]
    for q in slow:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:150]}", flush=True)


def measure_paint(client, last, repeat: int, port: int = 8714) -> None:  # type: ignore[no-untyped-def]
    """The dashboard in Chromium against gunicorn (1 sync worker) on the bench database: first
    contentful paint, and the time until the trend chart (the figure APIs' answers) is drawn."""
    import http.client
    import signal
    import subprocess

    from playwright.sync_api import sync_playwright

    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}", "DATABASE_URL": BENCH_URL}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--chdir", str(ROOT), "--timeout", "120", "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(120):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(1)
        session = client.cookies["sessionid"].value
        url = (f"http://127.0.0.1:{port}/staff/dashboard/?first={(last - timedelta(days=89)).isoformat()}"
               f"&last={last.isoformat()}")
        fcp, drawn = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("ONEWINDOW_CHROMIUM", "/usr/bin/chromium"),
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            context = browser.new_context(locale="zh-CN", bypass_csp=True)
            context.add_cookies([{"name": "sessionid", "value": session, "domain": "127.0.0.1", "path": "/"}])
            page = context.new_page()
            for i in range(repeat + 2):
                page.goto(url, wait_until="load")
                page.wait_for_selector("#chart-trend canvas", timeout=120_000)
                paint, now_ms = page.evaluate(
                    "() => [(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0,"
                    " performance.now()]")
                if i >= 2:
                    fcp.append(float(paint))
                    drawn.append(float(now_ms))
            browser.close()
        report("dashboard in Chromium: first contentful paint", fcp)
        report("dashboard in Chromium: trend chart drawn", drawn)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure_csv(client, opendata, rows: int) -> None:  # type: ignore[no-untyped-def]
    """Time and resident memory of a streamed CSV export, RSS sampled every 100 chunks while
    streaming (flat memory: the last samples equal the first)."""
    from onewindow.supervision.models import Dataset, DatasetRow

    opendata.catalogue_seed()
    d = Dataset.objects.get(slug="hotline-ticket-records")
    if DatasetRow.objects.filter(dataset=d).count() != rows:
        DatasetRow.objects.filter(dataset=d).delete()
        start = time.perf_counter()
        insert_select(DatasetRow, {"dataset_id": str(d.id), "seq": "g", "data": (
            "jsonb_build_object('month', '2026-11', 'street', '街道' || (1 + mod(g, 10)), 'category', '城乡建设', "
            "'channel', 'hotline', 'status', 'closed', 'satisfaction', 'satisfied')")},
            f"generate_series(1, {rows}) g")
        print(f"load {rows} dataset rows: {time.perf_counter() - start:.1f} s", flush=True)
    Dataset.objects.filter(pk=d.pk).update(tier="open", row_count=rows)
    samples = [rss_mb()]
    start, start_cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/data/{d.slug}.csv")
    size = 0
    for i, chunk in enumerate(response.streaming_content):
        size += len(chunk)
        if i % 100 == 0:
            samples.append(rss_mb())
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    samples.append(rss_mb())
    quarter = max(1, len(samples) // 4)
    print(f"open-data CSV {rows} rows streamed: {elapsed:.1f} s ({rows / elapsed:.0f} rows/s), {size / 1e6:.1f} MB, "
          f"process CPU {cpu:.1f} s; "
          f"RSS before {samples[0]:.0f} MB, max {max(samples):.0f} MB, "
          f"max in first quarter {max(samples[:quarter]):.0f} MB, in last quarter {max(samples[-quarter:]):.0f} MB, "
          f"after {samples[-1]:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
