"""Ticket and case detail: the former model path against the plain-row path, in one process
(issue 18).

Usage (the databases loaded once by bench_tickets.py / bench_cases.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_perf_tickets nice -n 10 \
        .venv/bin/python bench/bench_detail_paths.py --system tickets [--rounds 6] [--repeat 20]

Draws the detail requests of bench_http_load.py's mix and sends them through Django's test
client, alternating rounds of the former path (tickets: ``selectors.ticket_get``,
``_detail_out``; cases: ``case_detail``; then validation and dump of the declared schema and the
renderer's JSON: what ninja did) and the current one (plain rows + ``api_json``). On a
shared machine alternating rounds lets both paths meet the same load. Prints the median process
CPU and SQL statements per request of each path.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import bench_hot_requests  # noqa: F401  (settings, cache intervals, DATABASE_URL -> <database>_bench)
import bench_http_load as load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--system", choices=("cases", "tickets"), default="tickets")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from onewindow.cases import api as case_api
    from onewindow.core.api import api_json
    from onewindow.tickets import api, selectors

    settings.ALLOWED_HOSTS = ["*"]
    draw = (load.cases_mix if args.system == "cases" else load.tickets_mix)(random.Random(7))
    requests = []
    while len(requests) < args.repeat + 3:
        req = draw()
        if req.kind == "detail":
            requests.append(req)

    def former_get(*, actor, public_id=None, number=None):  # type: ignore[no-untyped-def]
        return selectors.ticket_get(actor=actor, public_id=public_id)

    def former_response(request, t):  # type: ignore[no-untyped-def]
        return api_json(api.TicketOut.model_validate(api._detail_out(request, t)).model_dump())

    def former_case(request, case):  # type: ignore[no-untyped-def]
        return api_json(case_api.CaseOut.model_validate(case_api.case_detail(request, case)).model_dump())

    def use_former() -> None:
        selectors.ticket_detail_get, api._detail_response = former_get, former_response  # type: ignore[assignment]
        case_api.case_detail_response = former_case  # type: ignore[assignment]

    saved = (selectors.ticket_detail_get, api._detail_response, case_api.case_detail_response)

    def use_rows() -> None:
        selectors.ticket_detail_get, api._detail_response, case_api.case_detail_response = saved  # type: ignore[assignment]

    paths = {"former": use_former, "plain rows": use_rows}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    queries: dict[str, list[int]] = {name: [] for name in paths}
    client = Client()
    for _ in range(args.rounds):
        for name, use in paths.items():
            use()
            for i, req in enumerate(requests):
                with CaptureQueriesContext(connection) as captured:
                    start = time.process_time()
                    response = client.get(req.path, HTTP_AUTHORIZATION=f"Bearer {req.token}")
                    elapsed = time.process_time() - start
                assert response.status_code == 200, (req.path, response.status_code)
                if i >= 3:
                    cpu[name].append(elapsed * 1000)
                    queries[name].append(len(captured.captured_queries))
    for name in paths:
        print(f"  {name:<11} CPU median {statistics.median(cpu[name]):5.1f} ms (p25 "
              f"{statistics.quantiles(cpu[name], n=4)[0]:.1f}, p75 {statistics.quantiles(cpu[name], n=4)[2]:.1f})"
              f"   SQL statements median {statistics.median(queries[name]):.0f}", flush=True)


if __name__ == "__main__":
    main()
