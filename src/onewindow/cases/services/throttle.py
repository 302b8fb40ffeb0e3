"""Rate limits kept in the database (progress queries, kiosk identification).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import constants as c
from .. import rules
from ._common import _setting


# --- Rate limits ------------------------------------------------------------------------------
def throttle_hits(*, hits: Sequence[tuple[str, int, int]], now: datetime | None = None) -> bool:
    """Count one hit for each ``(key, limit, window_seconds)`` in its current fixed window;
    False when any is over its limit. One upsert statement shared by every web process; on
    PostgreSQL the counter's commit does not wait for the disk (a lost increment after a crash
    does not matter), so concurrent requests do not queue on the counter row."""
    import hashlib

    from django.db import connection

    from ..models import ThrottleBucket

    now = now or timezone.now()
    epoch = int(now.timestamp())
    rows: list[Any] = []
    limits: dict[str, int] = {}
    for key, limit, window in hits:
        start = datetime.fromtimestamp(epoch - epoch % window, tz=now.tzinfo)
        digest = hashlib.sha256(key.encode()).hexdigest()
        limits[digest] = limit
        rows += [digest, connection.ops.adapt_datetimefield_value(start)]
    if not rows:
        return True
    table = connection.ops.quote_name(ThrottleBucket._meta.db_table)
    values = ", ".join(["(%s, %s, 1)"] * (len(rows) // 2))
    sql = (f"INSERT INTO {table} (key, window_start, count) VALUES {values} "  # noqa: S608
           f"ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + 1 RETURNING key, count")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(sql, rows)
        counts = dict(cursor.fetchall())
    return all(int(counts[digest]) <= limit for digest, limit in limits.items())


def throttle_hit(*, key: str, limit: int, window_seconds: int = 60, now: datetime | None = None) -> bool:
    """Count one hit of ``key`` in the current fixed window; False when over ``limit``."""
    return throttle_hits(hits=[(key, limit, window_seconds)], now=now)


def progress_query_allowed(*, client_ip: str, number: str, now: datetime | None = None) -> bool:
    """The progress query's rate limits: per client address per minute, and per case number
    per hour (twice the per-minute rate), so ID tails cannot be guessed by brute force."""
    rate = int(_setting(c.SETTING_PROGRESS_RATE, c.DEFAULT_PROGRESS_RATE))
    hits = [(f"progress:ip:{client_ip}", rate, 60)]
    normalised = rules.case_number_normalise(number)
    if normalised:
        hits.append((f"progress:number:{normalised}", rate * 2, 3600))
    return throttle_hits(hits=hits, now=now)


def throttle_cleanup(*, now: datetime | None = None) -> int:
    from datetime import timedelta

    from ..models import ThrottleBucket

    now = now or timezone.now()
    deleted, _ = ThrottleBucket.objects.filter(window_start__lt=now - timedelta(hours=2)).delete()
    return deleted
