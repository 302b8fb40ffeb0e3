"""Raw SQL in migrations that differs by database (triggers, functions, grants).

Migrations import this module, so it must stay stable: what it builds is a plain RunPython
operation that runs the statements listed for the connection's vendor, in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import migrations

Statements = Mapping[str, Sequence[str]]


def _runner(statements_by_vendor: Statements) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def run_sql_by_vendor(up: Statements, down: Statements) -> migrations.RunPython:
    """``up``/``down``: {"postgresql": [...], "sqlite": [...]}; a vendor not listed runs nothing."""
    return migrations.RunPython(_runner(up), _runner(down))
