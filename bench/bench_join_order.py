"""The case detail with and without ``core.planning.joins_in_written_order``, in one process,
application and database CPU (issue 18).

Usage (the database loaded once by bench_cases.py; PostgreSQL on this machine):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_perf_cases nice -n 10 \
        .venv/bin/python bench/bench_join_order.py [--rounds 6] [--repeat 40]

Sends the detail requests of bench_http_load.py's cases mix through Django's test client in
alternating rounds: the current view, and the view with the planning hint turned into a no-op.
Prints per path the median process CPU per request (incl. the test client) and the CPU of the
PostgreSQL backend serving the connection (from /proc) per request.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import time

import bench_hot_requests  # noqa: F401  (settings, cache intervals, DATABASE_URL -> <database>_bench)
import bench_http_load as load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from onewindow.cases import api

    settings.ALLOWED_HOSTS = ["*"]
    draw = load.cases_mix(random.Random(9))
    requests = []
    while len(requests) < args.repeat:
        req = draw()
        if req.kind == "detail":
            requests.append(req)
    hint = api.joins_in_written_order
    paths = {"planner's join search": lambda model: contextlib.nullcontext(), "joins in written order": hint}
    client = Client()
    client.get(requests[0].path, HTTP_AUTHORIZATION=f"Bearer {requests[0].token}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    app: dict[str, list[float]] = {name: [] for name in paths}
    db: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.rounds):
        for name, helper in paths.items():
            api.joins_in_written_order = helper  # type: ignore[assignment]
            start, db0 = time.process_time(), load.cpu_seconds(pid)
            for req in requests:
                response = client.get(req.path, HTTP_AUTHORIZATION=f"Bearer {req.token}")
                assert response.status_code == 200, (req.path, response.status_code)
            app[name].append((time.process_time() - start) * 1000 / len(requests))
            db[name].append((load.cpu_seconds(pid) - db0) * 1000 / len(requests))
    api.joins_in_written_order = hint  # type: ignore[assignment]
    print(f"case detail, {args.rounds} alternating rounds of {args.repeat}; load average {os.getloadavg()[0]:.1f}")
    for name in paths:
        print(f"  {name:<22} app CPU {statistics.median(app[name]):5.2f} ms   database CPU "
              f"{statistics.median(db[name]):5.2f} ms per request (medians of the rounds)", flush=True)


if __name__ == "__main__":
    main()
