"""Client-side binding (Django's default) against server-side binding and server-side prepared
statements (psycopg 3), in one process, application and database CPU (issue 18).

Usage (the databases loaded once by bench_tickets.py / bench_cases.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_perf_tickets nice -n 10 \
        .venv/bin/python bench/bench_db_binding.py --system tickets [--rounds 4] [--repeat 15]

Sends the list, detail and create requests of bench_http_load.py's mix through Django's test
client, in alternating rounds of three connection modes (the connection is closed and opened
again with the mode's OPTIONS, as ``ONEWINDOW_DB_SERVER_BINDING`` / ``ONEWINDOW_DB_PREPARE_THRESHOLD``
would set them): ``client`` (default), ``server`` (server_side_binding) and ``prepared``
(server_side_binding + prepare_threshold). Per kind and mode it prints the median process CPU
(incl. the test client) and the CPU of the PostgreSQL backend serving the connection (read from
/proc, so the database must run on this machine), per request.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import bench_hot_requests  # noqa: F401  (settings, cache intervals, DATABASE_URL -> <database>_bench)
import bench_http_load as load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--system", choices=("cases", "tickets"), default="tickets")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--threshold", type=int, default=2)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    draw = (load.cases_mix if args.system == "cases" else load.tickets_mix)(random.Random(5))
    modes = {"client": {}, "server": {"server_side_binding": True},
             "prepared": {"server_side_binding": True, "prepare_threshold": args.threshold}}
    base = {k: v for k, v in connection.settings_dict.get("OPTIONS", {}).items()
            if k not in ("server_side_binding", "prepare_threshold")}
    kinds = ("list", "detail", "create")
    app: dict[tuple[str, str], list[float]] = {(m, k): [] for m in modes for k in kinds}
    db: dict[tuple[str, str], list[float]] = {(m, k): [] for m in modes for k in kinds}
    client = Client()
    for _ in range(args.rounds):
        for mode, options in modes.items():
            connection.close()
            connection.settings_dict["OPTIONS"] = {**base, **options}
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = int(cursor.fetchone()[0])
            counts = dict.fromkeys(kinds, 0)
            while min(counts.values()) < args.repeat + 3:
                req = draw()
                if counts[req.kind] >= args.repeat + 3:
                    continue
                extra = {"HTTP_AUTHORIZATION": f"Bearer {req.token}"}
                db0, start = load.cpu_seconds(pid), time.process_time()
                if req.method == "GET":
                    response = client.get(req.path, **extra)
                else:
                    response = client.generic(req.method, req.path, req.body, content_type=req.content_type, **extra)
                elapsed, db_elapsed = time.process_time() - start, load.cpu_seconds(pid) - db0
                assert 200 <= response.status_code < 300, (mode, req.path, response.status_code, response.content[:300])
                assert connection.connection is not None
                if counts[req.kind] >= 3:
                    app[(mode, req.kind)].append(elapsed * 1000)
                    db[(mode, req.kind)].append(db_elapsed * 1000)
                counts[req.kind] += 1
    print(f"{args.system}: {args.rounds} alternating rounds of {args.repeat} per kind and mode; prepare threshold "
          f"{args.threshold}; load average {os.getloadavg()[0]:.1f}")
    for kind in kinds:
        for mode in modes:
            a, d = app[(mode, kind)], db[(mode, kind)]
            print(f"  {kind:<7} {mode:<9} app CPU median {statistics.median(a):5.1f} ms   database CPU mean "
                  f"{statistics.fmean(d):5.2f} ms   (app p25 {statistics.quantiles(a, n=4)[0]:.1f}, "
                  f"p75 {statistics.quantiles(a, n=4)[2]:.1f})", flush=True)


if __name__ == "__main__":
    main()
