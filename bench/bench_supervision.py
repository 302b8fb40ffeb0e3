"""Supervision benchmark on PostgreSQL: daily figures refresh, the monthly assessment run, the
dashboard's figure APIs, the monitor, and a streamed open-data CSV export.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_supervision .venv/bin/python \
        bench/bench_supervision.py [--cases 100000] [--tickets 100000] [--rows 200000] [--repeat 30]

Runs against "<database>_bench" (dropped and created afresh), bulk-loads (COPY) a district of
10 streets × 5 communities × 2 grids with polygons, 30 departments and the given numbers of
cases and tickets spread over the last 365 days (5 % of tickets overdue, 3 % of cases late),
then measures, each after a warm-up:

- the full rebuild of the daily figures over the year (what the nightly job does for 35 days),
- the monthly assessment run (time and peak Python memory, tracemalloc),
- each dashboard figure API for the district over 90 days (median, p99),
- the monitor API,
- an open-data CSV export of ``--rows`` rows, streamed (time, peak Python memory).

The issue asks for 1,000,000 cases and tickets; the defaults are smaller because the machine
is shared (docs/benchmarks.md says what was run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")


def _bench_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench_supervision needs PostgreSQL: set DATABASE_URL=postgres://…/ow_supervision")
    base, _, name = url.rpartition("/")
    return f"{base}/{name or 'onewindow'}_bench"


BENCH_URL = _bench_url()
os.environ["DATABASE_URL"] = BENCH_URL


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def timed(func, repeat: int, warmup: int = 2) -> list[float]:  # type: ignore[no-untyped-def]
    for _ in range(warmup):
        func()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(label: str, samples: list[float]) -> None:
    print(f"{label:<52} median {statistics.median(samples):9.2f} ms   p99 {percentile(samples, 99):9.2f} ms",
          flush=True)


def recreate_database() -> None:
    import psycopg

    base, _, name = BENCH_URL.rpartition("/")
    with psycopg.connect(f"{base}/postgres".replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def copy_rows(model, fields: list[str], rows) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection

    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def square(lng: float, lat: float, w: float, h: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + w, lat], [lng + w, lat + h], [lng, lat + h],
                                                [lng, lat]]]}


def build(n_cases: int, n_tickets: int):  # type: ignore[no-untyped-def]
    import random

    from django.utils import timezone

    from onewindow.accounts.models import Department, Staff, User
    from onewindow.cases.models import Case
    from onewindow.regions.models import Region
    from onewindow.tickets.models import Ticket

    rnd = random.Random(14)
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
    from onewindow.cases.tests.factories import person_make, service_item_make

    item = service_item_make(department=departments[0])
    person = person_make(name="申请人")
    version = item.current_version
    user = User.objects.create_user(username="bench_supervisor", password="x", kind="staff")
    Staff.objects.create(user=user, name="监督员", employee_no="S1", roles=["supervisor", "leader"], region=district)
    now = timezone.now()
    start = time.perf_counter()
    fields = ["public_id", "created_at", "updated_at", "number", "item", "item_version", "item_name", "department",
              "region_path", "channel", "status", "submitted_at", "decided_at", "due_at", "legal_limit_days",
              "working_days_used", "completed_early", "overdue", "applicant_kind", "applicant_person",
              "applicant_name", "form_data", "supplement_items", "paused_days", "current_step", "visits_saved",
              "licence_materials", "delivery_method", "legal_limit_unit", "promised_limit_unit", "warning_level",
              "deadline_provisional", "step_name", "resume_status", "decision_reason", "delivery_tracking_no",
              "contact_phone", "delivery_address", "proxy_consent"]

    def cases():  # type: ignore[no-untyped-def]
        for i in range(n_cases):
            at = now - timedelta(days=rnd.random() * 365)
            decided = at + timedelta(days=rnd.randint(1, 20)) if rnd.random() < 0.9 else None
            late = decided is not None and rnd.random() < 0.03
            yield [uuid.uuid4(), at, at, f"B{i:010d}", item.id, version.id, version.name,
                   departments[i % 30].id, grids[i % len(grids)].path, rnd.choice(["online", "window", "online"]),
                   "approved" if decided else "in_review", at, decided if decided and decided < now else None,
                   at + timedelta(days=20), 20, rnd.randint(1, 22) if decided else None,
                   bool(decided) and not late and rnd.random() < 0.6, late, "person", person.id, "申请人", "{}", "[]",
                   0, 0, 0, 0, "online", "working_day", "working_day", "none", False, "", "", "", "", "", "", ""]

    copy_rows(Case, fields, cases())
    print(f"load {n_cases} cases: {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    tfields = ["public_id", "created_at", "updated_at", "number", "kind", "title", "text", "channel", "urgency",
               "limit_class", "received_at", "address", "region_path", "place_name", "location_source",
               "requester_name", "requester_phone", "requester_phone_hash", "confidential", "department", "status",
               "due_at", "due_provisional", "warned", "overdue", "dispatched_at", "accepted_at", "replied_at",
               "callback_at", "dispatch_via", "dispatch_note", "classifier_label", "classifier_version",
               "classifier_alternatives", "reply_text", "satisfaction", "callback_note", "return_count",
               "reopen_count", "external_id", "supporters", "site_check"]

    def tickets():  # type: ignore[no-untyped-def]
        for i in range(n_tickets):
            at = now - timedelta(days=rnd.random() * 365)
            overdue = rnd.random() < 0.05
            done = not overdue and rnd.random() < 0.9
            yield [uuid.uuid4(), at, at, f"T{i:012d}", "help", "诉求", "诉求内容", "hotline", "normal", "general", at,
                   "", grids[i % len(grids)].path, f"小区{i % 200}", "", "", "", "", False,
                   departments[i % 30].id, "closed" if done else "accepted", at + timedelta(days=5), False,
                   overdue, overdue, at + timedelta(minutes=5), at + timedelta(hours=rnd.randint(1, 30)),
                   at + timedelta(days=2) if done else None, at + timedelta(days=3) if done else None, "rule", "",
                   "", "", "[]", "", "satisfied" if done and rnd.random() < 0.9 else "", "", 0, 0, "", 0, False]

    copy_rows(Ticket, tfields, tickets())
    print(f"load {n_tickets} tickets: {time.perf_counter() - start:.1f} s", flush=True)
    return user


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    user = build(args.cases, args.tickets)

    from onewindow.supervision import rules
    from onewindow.supervision.models import Dataset, DatasetRow
    from onewindow.supervision.services import assessment, opendata
    from onewindow.supervision.services.figures import figures_refresh, today_local

    last = today_local()
    start = time.perf_counter()
    figures_refresh(first=last - timedelta(days=365), last=last)
    print(f"daily figures, full year rebuild: {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    figures_refresh()
    print(f"daily figures, timer run (3 days): {(time.perf_counter() - start) * 1000:.0f} ms", flush=True)

    assessment.rules_seed()
    period = rules.previous_month(timezone.localdate()).label
    tracemalloc.start()
    start = time.perf_counter()
    assessment.assessment_run(actor=None, period=period)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"assessment run {period}: {elapsed:.1f} s, peak Python memory {peak:.0f} MB", flush=True)

    client = Client()
    client.force_login(user)
    q = f"first={(last - timedelta(days=89)).isoformat()}&last={last.isoformat()}"
    for name in ("figures", "regions", "trend", "top?kind=item&", "top?kind=place&", "hall-waits"):
        url = f"/api/v1/dashboard/{name}" + ("" if "?" in name else "?") + q
        report(f"GET /api/v1/dashboard/{name.split('&')[0]}", timed(lambda u=url: client.get(u), args.repeat))
    report("GET /staff/dashboard/ (page, first paint HTML)", timed(lambda: client.get("/staff/dashboard/?" + q),
                                                                   args.repeat))
    report("GET /api/v1/monitor", timed(lambda: client.get("/api/v1/monitor"), args.repeat))

    opendata.catalogue_seed()
    d = Dataset.objects.get(slug="hotline-ticket-records")
    DatasetRow.objects.filter(dataset=d).delete()
    copy_rows(DatasetRow, ["dataset", "seq", "data"],
              ([d.id, i, '{"month": "2026-11", "street": "街道1", "category": "城乡建设", "channel": "hotline", '
                '"status": "closed", "satisfaction": "satisfied"}'] for i in range(1, args.rows + 1)))
    Dataset.objects.filter(pk=d.pk).update(tier="open", row_count=args.rows)
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get(f"/data/{d.slug}.csv")
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"open-data CSV {args.rows} rows streamed: {elapsed:.1f} s, {size / 1e6:.1f} MB, "
          f"peak Python memory {peak:.1f} MB", flush=True)


if __name__ == "__main__":
    main()
