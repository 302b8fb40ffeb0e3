"""Reads planned in their written join order (issue 18).

PostgreSQL searches the join orders of every statement it plans. For a row read by its key with
its related rows joined (``select_related``), that search is most of the statement's cost: the
case detail's case row, eight relations joined, plans in 2.8 ms and runs in 0.4 ms; with
``join_collapse_limit = 1`` (the joins taken in the order written: the keyed row first, then
each related row by its key, which is the best order for such a read) it plans in 0.75 ms.
Measured through the detail request: 6.2 → 2.8 ms of database CPU (docs/benchmarks.md).

The setting is ``SET LOCAL``: it ends with the transaction this opens around the read. Inside
a caller's transaction it would outlive the block, so there the read is left as it is. The
answer is the same either way (a plan changes how rows are found, never which).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, router, transaction


@contextmanager
def joins_in_written_order(model: Any) -> Iterator[None]:
    """Statements reading ``model`` inside the block are planned with ``join_collapse_limit = 1``
    (PostgreSQL, outside any transaction of the caller's; elsewhere a no-op)."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL join_collapse_limit = 1")
        yield
