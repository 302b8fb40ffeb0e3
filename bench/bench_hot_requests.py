"""CPU and SQL of each request kind of the HTTP load mix, in process (issue 18).

Usage (the databases loaded once by bench_cases.py / bench_tickets.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_perf_tickets nice -n 10 \
        .venv/bin/python bench/bench_hot_requests.py --system tickets [--repeat 30] [--sql]

Draws the same requests as bench_http_load.py (list of 50, detail, create, bearer tokens) and
sends each kind ``--repeat`` times through Django's test client after 3 warm-up calls, with
production settings for the caches (auth 2 s, calendar 5 s, catalogue 5 s, counts 30 s). Prints per kind:
the median process CPU (application and test client; the database's own CPU is not in it),
the median wall time and the number of SQL statements per request; ``--sql`` also prints the
statements of the last request of each kind, to find per-request SQL that should not be there.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "bench")]
import tempfile  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_http_load_settings")  # + the bench classifier
os.environ.setdefault("BENCH_TICKETS_CLASSIFIER_DIR",
                      str(Path(tempfile.gettempdir()) / "onewindow-bench-ticket-models"))
for name, value in (("ONEWINDOW_AUTH_CACHE_SECONDS", "2"), ("ONEWINDOW_CALENDAR_CHECK_SECONDS", "5"),
                    ("ONEWINDOW_CATALOG_CHECK_SECONDS", "5"), ("ONEWINDOW_COUNT_MEMO_SECONDS", "30")):
    os.environ.setdefault(name, value)

import bench_http_load as load  # noqa: E402  (points DATABASE_URL at <database>_bench, as the load test)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--system", choices=("cases", "tickets"), required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print the SQL of the last request of each kind")
    parser.add_argument("--profile", default="", help="a kind (list, detail, create): print its cProfile top 30")
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    draw = (load.cases_mix if args.system == "cases" else load.tickets_mix)(random.Random(7))
    by_kind: dict[str, list] = {"list": [], "detail": [], "create": []}
    while any(len(v) < args.repeat + 3 for v in by_kind.values()):
        req = draw()
        if len(by_kind[req.kind]) < args.repeat + 3:
            by_kind[req.kind].append(req)
    client = Client()
    print(f"{args.system}: {args.repeat} requests per kind after 3 warm-up calls; load average "
          f"{os.getloadavg()[0]:.1f}")
    for kind, requests in by_kind.items():
        cpu, wall, queries = [], [], []
        last_sql: list[str] = []
        for i, req in enumerate(requests):
            extra = {"HTTP_AUTHORIZATION": f"Bearer {req.token}"}
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                start, start_cpu = time.perf_counter(), time.process_time()
                if req.method == "GET":
                    response = client.get(req.path, **extra)
                else:
                    response = client.generic(req.method, req.path, req.body, content_type=req.content_type, **extra)
                elapsed_cpu, elapsed = time.process_time() - start_cpu, time.perf_counter() - start
            assert 200 <= response.status_code < 300, (req.path, response.status_code, response.content[:300])
            if i >= 3:
                cpu.append(elapsed_cpu * 1000)
                wall.append(elapsed * 1000)
                queries.append(len(captured.captured_queries))
                last_sql = [q["sql"] for q in captured.captured_queries]
        print(f"  {kind:<7} CPU median {statistics.median(cpu):6.1f} ms   wall median {statistics.median(wall):6.1f} ms"
              f"   SQL statements median {statistics.median(queries):4.1f} (min {min(queries)}, max {max(queries)})",
              flush=True)
        if args.sql:
            for sql in last_sql:
                print(f"      {sql[:220]}")
        if args.profile == kind:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            for req in requests[3:]:
                extra = {"HTTP_AUTHORIZATION": f"Bearer {req.token}"}
                profiler.enable()
                if req.method == "GET":
                    client.get(req.path, **extra)
                else:
                    client.generic(req.method, req.path, req.body, content_type=req.content_type, **extra)
                profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
