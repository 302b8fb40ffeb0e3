"""Helpers shared by the benchmark scripts: timing, percentiles, the bench database and COPY.

Every large benchmark used to carry its own copy of these; a column added to a model then broke
each loader separately (a ``KeyError`` on the new field). ``copy_rows`` now fills every column a
loader does not name with the field's default, so a new field with a default needs no change
to the loaders.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any


# --- Timing ------------------------------------------------------------------------------------
def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (ms), ``pct`` in 0…100."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def timed(func: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    """Wall-clock milliseconds of ``repeat`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        func()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append((time.perf_counter() - start) * 1000)
    return out


def timed_cpu(func: Callable[[], Any], repeat: int, warmup: int = 3) -> tuple[list[float], list[float]]:
    """Wall-clock and process-CPU milliseconds of each call (CPU excludes waiting for a core)."""
    for _ in range(warmup):
        func()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


RESULTS: list[tuple[str, float, float, float]] = []


def report(label: str, samples: Sequence[float], width: int = 64, extra: str = "") -> None:
    med, p95, p99 = statistics.median(samples), percentile(samples, 95), percentile(samples, 99)
    RESULTS.append((label, med, p95, p99))
    print(f"{label:<{width}} median {med:7.2f} ms   p95 {p95:7.2f} ms   p99 {p99:7.2f} ms{extra}", flush=True)


# --- The bench database --------------------------------------------------------------------------
def small_bench_url(url: str) -> str:
    """The database of a small benchmark: ``<database>_bench`` next to a PostgreSQL
    ``DATABASE_URL``, else a fresh temporary SQLite file."""
    if url.startswith("postgres"):
        base, _, name = url.rpartition("/")
        return f"{base}/{name or 'onewindow'}_bench"
    return f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"


def small_bench_environment(**extra: str) -> None:
    """The environment of a small benchmark, set before ``django.setup()``: its database
    (``small_bench_url``), the test keys, a temporary audit checkpoint file, and ``extra``
    variables (e.g. ``ONEWINDOW_WEBHOOK_ALLOW_PRIVATE="1"``)."""
    os.environ["DATABASE_URL"] = small_bench_url(os.environ.get("DATABASE_URL", ""))
    os.environ.setdefault("ONEWINDOW_TESTING", "1")
    os.environ["ONEWINDOW_AUDIT_CHECKPOINTS"] = f"file:{tempfile.mkdtemp()}/checkpoints.jsonl"
    os.environ.update(extra)


def bench_url(url: str, script: str) -> str:
    """``<database>_bench`` next to the database of ``DATABASE_URL`` (PostgreSQL only)."""
    if not url.startswith("postgres"):
        raise SystemExit(f"{script} needs PostgreSQL: set DATABASE_URL=postgres://…/<name>")
    base, _, name = url.rpartition("/")
    return f"{base}/{name or 'onewindow'}_bench"


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def recreate_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(_libpq(f"{base}/postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def small_bench_migrate() -> None:
    """After ``django.setup()``: an empty, migrated small-bench database (PostgreSQL's is
    dropped and created afresh; SQLite's is a new temporary file already)."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        connection.close()
        recreate_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)


def loaded_count(url: str, table: str) -> int:
    """Rows in ``table`` of the bench database, 0 when it or the table does not exist."""
    import psycopg

    try:
        with psycopg.connect(_libpq(url)) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    except Exception:
        return 0


# --- COPY ------------------------------------------------------------------------------------------
def _copy_value(field: Any, value: Any) -> Any:
    from django.db import models

    if isinstance(field, models.JSONField) and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return value


def field_defaults(model: Any) -> dict[str, Any]:
    """attname → the value COPY should write for a column a loader leaves out."""
    out: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        value = field.get_default() if field.has_default() or not field.null else None
        if value is None and not field.null and field.empty_strings_allowed:
            value = ""
        out[field.attname] = _copy_value(field, value)
    return out


def row_of(values: dict[str, Any], fields: Sequence[str], defaults: dict[str, Any]) -> tuple[Any, ...]:
    """``values`` in ``fields`` order, the field's default for any name it does not hold."""
    return tuple(values[f] if f in values else defaults[f] for f in fields)


def copy_rows(model: Any, fields: list[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY tuples (in ``fields`` order, attnames) into the model's table.

    Columns the model has and ``fields`` does not name get the field's default (a NOT NULL
    column added by a later migration would otherwise fail the load)."""
    from django.db import connection

    defaults = field_defaults(model)
    missing = [name for name in defaults if name not in fields]
    tail = tuple(defaults[name] for name in missing)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in [*fields, *missing])
    table = connection.ops.quote_name(model._meta.db_table)
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *tail) if tail else row)
            n += 1
    return n


def indexes_drop(tables: list[str]) -> list[str]:
    """Drop the secondary (non-constraint) indexes of ``tables``; return their definitions."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                       "AND indexname NOT IN (SELECT conname FROM pg_constraint)", [tables])
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def indexes_create(definitions: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition)


def setval(model: Any) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")


# --- Set-based loading (INSERT … SELECT generate_series) ----------------------------------------
def insert_select(model: Any, exprs: dict[str, str], source: str, params: Sequence[Any] = ()) -> int:
    """``INSERT INTO <model> (…) SELECT <exprs>… FROM <source>`` in one statement.

    ``exprs`` maps attnames to SQL expressions over ``source`` (e.g. ``generate_series(1, n) g``);
    every column it leaves out gets the field's default, cast to the column's type, so a field
    added later with a default needs no change to the loaders. ``exprs`` hold no placeholders;
    ``params`` are those of ``source``. Returns the rows inserted."""
    from django.db import connection

    defaults = field_defaults(model)
    missing = [name for name in defaults if name not in exprs]
    columns, values, args = [], [], []
    for name, expr in exprs.items():
        columns.append(connection.ops.quote_name(model._meta.get_field(name).column))
        values.append(expr)
    for name in missing:
        field = next(f for f in model._meta.concrete_fields if f.attname == name)
        columns.append(connection.ops.quote_name(field.column))
        values.append(f"CAST(%s AS {field.db_type(connection)})")
        args.append(defaults[name])
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
           f"SELECT {', '.join(values)} FROM {source}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, *params])
        return int(cursor.rowcount)
