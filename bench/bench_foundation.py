"""Foundation benchmark: scoped resident lists, exact ID lookup, audit appends, API latency.

Usage:  .venv/bin/python bench/bench_foundation.py [--people 100000]
Runs against DATABASE_URL (a database named like the configured one with a "_bench" suffix
for PostgreSQL, a temporary file for SQLite) so it never touches real data. Prints figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from _common import report, small_bench_environment, small_bench_migrate, timed  # noqa: E402

small_bench_environment()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    small_bench_migrate()

    from onewindow.accounts.constants import Role
    from onewindow.accounts.models import Person
    from onewindow.accounts.rules import id_number_check_char
    from onewindow.accounts.services import api_token_create
    from onewindow.accounts.tests.factories import staff_make
    from onewindow.core.audit import audit_record
    from onewindow.core.crypto import lookup_hash
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.tests.factories import region_make

    district = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT)
    communities = []
    for s in range(12):
        street = region_make(f"530103{s + 1:03d}000", f"街道{s}", RegionLevel.STREET, district)
        for c in range(9):
            communities.append(region_make(f"530103{s + 1:03d}{c + 1:03d}", f"社区{s}-{c}",
                                           RegionLevel.COMMUNITY, street))
    clerk = staff_make(username="bench_clerk", region=communities[0].parent, roles=[Role.WINDOW_CLERK])

    start = time.perf_counter()
    batch: list[Person] = []
    for i in range(args.people):
        body = f"530103{1950 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        number = body + id_number_check_char(body)
        region = communities[i % len(communities)]
        batch.append(Person(name=f"居民{i}", id_number=number,
                            id_number_hash=lookup_hash(f"{number}-{i}"), phone=f"138{i:08d}",
                            phone_hash=lookup_hash(f"138{i:08d}"), region=region,
                            region_path=region.path))
        if len(batch) == 5000:
            Person.objects.bulk_create(batch)
            batch = []
    if batch:
        Person.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    load_s = time.perf_counter() - start

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"database {connection.vendor}")
    print(f"data: {args.people:,} people in {len(communities)} communities of 12 streets "
          f"(loaded in {load_s:.1f} s); the clerk's street holds {args.people // 12:,}")

    _, key = api_token_create(user=clerk.user, name="bench")
    client = Client(HTTP_HOST="localhost")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client.get("/api/v1/people", **auth)
    def get(path: str, params: dict | None = None):  # type: ignore[no-untyped-def]
        return lambda: client.get(path, params or {}, **auth)

    report("GET /api/v1/people (scoped page of 50 + count)", timed(get("/api/v1/people"), 50))
    report("GET /api/v1/people?page=100 (scoped)", timed(get("/api/v1/people", {"page": 100}), 50))
    sample = Person.objects.filter(region_path__startswith=communities[0].path).first()
    assert sample is not None
    phone = sample.phone
    report("POST /api/v1/people/search {q: <mobile>} (hash lookup)",
           timed(lambda: client.post("/api/v1/people/search", {"q": phone}, content_type="application/json", **auth),
                 50))
    report("GET /api/v1/people/{id} (scoped get)", timed(get(f"/api/v1/people/{sample.public_id}"), 50))
    client.force_login(clerk.user)
    report("GET /staff/people/ (page, scoped)", timed(lambda: client.get("/staff/people/"), 30))

    def one_audit() -> None:
        from django.db import transaction

        with transaction.atomic():
            audit_record(actor=None, action="bench.write", object_type="bench", object_id="1",
                         summary={"phone": "13812345678"})

    report("audit_record (one transaction each)", timed(one_audit, 300))
    from onewindow.core.audit import audit_verify_chain

    start = time.perf_counter()
    verdict = audit_verify_chain()
    elapsed = (time.perf_counter() - start) * 1000
    print(f"audit_verify_chain over {verdict.checked} entries: {elapsed:.0f} ms (ok={verdict.ok})")


if __name__ == "__main__":
    main()
