"""Ticket and case creation: the former path against the current one, in one process (issue 18).

Usage (the databases loaded once by bench_tickets.py / bench_cases.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_perf_tickets nice -n 10 \
        .venv/bin/python bench/bench_create_paths.py --system tickets [--rounds 6] [--repeat 20]

Draws the create requests of bench_http_load.py's mix (``POST /api/v1/tickets``, ``POST
/api/v1/cases/intake`` with 3 files) and sends them through Django's test client, alternating
rounds of the former path and the current one so that both meet the same load on a shared
machine. Former: the duplicate candidates of a ticket read through the ORM queryset, and the
201 answer validated into the declared schema, dumped and rendered, its ``Location`` found by
the API's path matcher (what ninja did). Prints the median process CPU (incl. the test client)
and SQL statements per request of each path.
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

    from config.api import api as ninja_api
    from onewindow.cases import api as case_api
    from onewindow.core.api import api_json
    from onewindow.tickets import api as ticket_api
    from onewindow.tickets.services import intake

    settings.ALLOWED_HOSTS = ["*"]
    draw = (load.cases_mix if args.system == "cases" else load.tickets_mix)(random.Random(11))

    def former_created(schema, detail):  # type: ignore[no-untyped-def]
        def created(request, obj):  # type: ignore[no-untyped-def]
            body = schema.model_validate(detail(request, obj)).model_dump()
            response = api_json(body, status=201)
            response["Location"] = ninja_api.created_location(request, body)
            return response
        return created

    def former_candidates(ticket, *, window):  # type: ignore[no-untyped-def]
        codes = [p for p in ticket.region_path.split("/") if p]
        prefix = "/" + "/".join(codes[:3]) + "/" if codes else ""
        ids = (intake.selectors.category_ids_under(ticket.category.path[:4])
               if ticket.category is not None else None)
        return list(intake._duplicate_candidates_orm(ticket, window=window, prefix=prefix, category_ids=ids))

    saved = (ticket_api._created_response, case_api._created_response, intake._duplicate_candidates)

    def use_former() -> None:
        ticket_api._created_response = former_created(ticket_api.TicketOut, ticket_api._detail_out)  # type: ignore[assignment]
        case_api._created_response = former_created(case_api.CaseOut, case_api._detail)  # type: ignore[assignment]
        intake._duplicate_candidates = former_candidates  # type: ignore[assignment]

    def use_current() -> None:
        ticket_api._created_response, case_api._created_response, intake._duplicate_candidates = saved  # type: ignore[assignment]

    paths = {"former": use_former, "current": use_current}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    queries: dict[str, list[int]] = {name: [] for name in paths}
    client = Client()
    for _ in range(args.rounds):
        for name, use in paths.items():
            use()
            sent = 0
            while sent < args.repeat + 3:
                req = draw()
                if req.kind != "create":
                    continue
                with CaptureQueriesContext(connection) as captured:
                    start = time.process_time()
                    response = client.generic(req.method, req.path, req.body, content_type=req.content_type,
                                              HTTP_AUTHORIZATION=f"Bearer {req.token}")
                    elapsed = time.process_time() - start
                assert response.status_code == 201, (req.path, response.status_code, response.content[:300])
                if sent >= 3:
                    cpu[name].append(elapsed * 1000)
                    queries[name].append(len(captured.captured_queries))
                sent += 1
    import os

    print(f"{args.system} creates, {args.rounds} alternating rounds of {args.repeat}; load average "
          f"{os.getloadavg()[0]:.1f}")
    for name in paths:
        print(f"  {name:<8} CPU median {statistics.median(cpu[name]):5.1f} ms (p25 "
              f"{statistics.quantiles(cpu[name], n=4)[0]:.1f}, p75 {statistics.quantiles(cpu[name], n=4)[2]:.1f})"
              f"   SQL statements median {statistics.median(queries[name]):.0f}", flush=True)


if __name__ == "__main__":
    main()
