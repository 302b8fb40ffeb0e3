"""Audit append before/after (issue 18): the 0001 append (row lock with SELECT … FOR UPDATE,
INSERT, UPDATE of the head inside a savepoint, plain SHA-256) against today's (HMAC, head
``UPDATE … RETURNING`` + one INSERT-and-UPDATE statement), interleaved in blocks so that both
see the same machine load; then verification and checkpoint costs.

Usage:  .venv/bin/python bench/bench_audit.py [--appends 2000] [--verify 20000]
Runs against DATABASE_URL with a "_bench" suffix (PostgreSQL) or a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from _common import percentile as pct  # noqa: E402
from _common import small_bench_environment, small_bench_migrate  # noqa: E402

small_bench_environment()


def line(label: str, samples: list[float], extra: str = "") -> None:
    print(f"{label:<58} median {statistics.median(samples):6.3f} ms  p95 {pct(samples, 95):6.3f} ms  "
          f"p99 {pct(samples, 99):6.3f} ms{extra}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--verify", type=int, default=20000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    small_bench_migrate()

    from onewindow.core.audit import (
        _masked,
        audit_checkpoint_write,
        audit_record,
        audit_verify_chain,
        entry_digest,
    )
    from onewindow.core.context import current_client_ip, current_request_id
    from onewindow.core.models import AuditChainHead, AuditEntry

    def legacy_record(*, action: str, summary: dict) -> None:
        """The 0001 append, verbatim but for the table it shares with the new one."""
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
            seq = head.last_seq + 1
            at = timezone.now()
            clean = _masked(summary)
            digest = entry_digest(prev_hash=head.last_hash, seq=seq, at=at, actor_id=None,
                                  actor_label="system", action=action, object_type="bench",
                                  object_id="1", summary=clean, request_id=current_request_id(),
                                  ip=current_client_ip())
            AuditEntry.objects.create(seq=seq, at=at, actor_id=None, actor_label="system", action=action,
                                      object_type="bench", object_id="1", summary=clean,
                                      request_id=current_request_id(), ip=current_client_ip(),
                                      prev_hash=head.last_hash, hash=digest)
            head.last_seq = seq
            head.last_hash = digest
            head.save(update_fields=["last_seq", "last_hash"])

    summary = {"phone": "13812345678", "number": "530103-2026-000123", "state": "accepted"}

    def new_one() -> None:
        with transaction.atomic():
            audit_record(actor=None, action="bench.write", object_type="bench", object_id="1",
                         summary=summary)

    def old_one() -> None:
        with transaction.atomic():
            legacy_record(action="bench.write", summary=summary)

    for f in (new_one, old_one):
        with CaptureQueriesContext(connection) as ctx:
            f()
        sql = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
        print(f"{f.__name__}: {len(sql)} statements {sql}")

    old: list[float] = []
    new: list[float] = []
    block = 50
    for _ in range(max(1, args.appends // block)):
        for f, out in ((old_one, old), (new_one, new)):
            for _ in range(block):
                start = time.perf_counter()
                f()
                out.append((time.perf_counter() - start) * 1000)

    # Inside one open transaction: the statements alone, without the commit's fsync.
    old_in: list[float] = []
    new_in: list[float] = []
    for _ in range(max(1, args.appends // block)):
        for f, out in ((legacy_record, old_in), (None, new_in)):
            with transaction.atomic():
                for _ in range(block):
                    start = time.perf_counter()
                    if f is None:
                        audit_record(actor=None, action="bench.write", object_type="bench",
                                     object_id="1", summary=summary)
                    else:
                        f(action="bench.write", summary=summary)
                    out.append((time.perf_counter() - start) * 1000)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"database {connection.vendor}, load average {os.getloadavg()[0]:.1f}")
    line("audit append, 0001 (lock+insert+update, savepoint)", old)
    line("audit append, now (UPDATE…RETURNING + INSERT/UPDATE)", new)
    line("  the same inside an open transaction: 0001", old_in)
    line("  the same inside an open transaction: now", new_in)

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry" if connection.vendor == "sqlite"
                       else "TRUNCATE core_auditentry")
        cursor.execute("DELETE FROM core_auditchainhead")
    batch = max(1, min(500, args.verify))
    for _ in range(max(1, args.verify // batch)):
        with transaction.atomic():
            for _ in range(batch):
                audit_record(actor=None, action="bench.write", object_type="bench", object_id="1",
                             summary=summary)
    start = time.perf_counter()
    cp = audit_checkpoint_write()
    first_cp = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    verdict = audit_verify_chain()
    elapsed = time.perf_counter() - start
    print(f"audit_verify_chain over {verdict.checked:,} entries: {elapsed * 1000:.0f} ms "
          f"({verdict.checked / elapsed:,.0f} entries/s, ok={verdict.ok})")
    print(f"first checkpoint (checks all {cp.seq:,} entries): {first_cp:.0f} ms")
    for _ in range(100):
        new_one()
    start = time.perf_counter()
    audit_checkpoint_write()
    print(f"next checkpoint (checks 100 new entries): {(time.perf_counter() - start) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
