"""Case numbers (办件编号) without races, on SQLite and PostgreSQL alike.

One counter row per area and day is incremented by a single ``INSERT … ON CONFLICT DO UPDATE
… RETURNING`` statement: PostgreSQL takes the row lock for the rest of the caller's transaction
(so two transactions never read the same value) and SQLite holds its database write lock. A
rolled-back transaction gives its number back together with everything else it wrote.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from onewindow.core.workdays import local_date

from . import rules
from .models import CaseCounter


def counter_next(key: str) -> int:
    table = connection.ops.quote_name(CaseCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (key, value) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
        f"ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    return int(row[0])


def case_number_next(*, area_code: str, when: datetime | date | None = None) -> str:
    """The next 办件编号 of an area (first six digits of its division code) for a day."""
    day = local_date(when or timezone.now())
    key = rules.case_number_key(area_code, day)
    return rules.case_number_format(key, counter_next(key))
