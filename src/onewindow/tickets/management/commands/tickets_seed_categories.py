"""Seed the three-level category tree (taxonomy CSV from the shared data, else a built-in tree)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.core.errors import DomainError
from onewindow.tickets.services import category_rows_read, category_seed


class Command(BaseCommand):
    help = "Create the 12345 category tree (idempotent). Default: shared taidi2020_taxonomy.csv, else built-in."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--csv", help="CSV with columns 一级分类,二级分类,三级分类")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = None
        source = ""
        problems: list[str] = []
        if options.get("csv"):
            path = Path(options["csv"])
            if not path.is_file():
                raise CommandError(f"找不到文件：{path}")
            try:
                rows, problems = category_rows_read(path)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            source = path.name
        result = category_seed(rows=rows, source=source)
        for problem in [*problems, *result.skipped_rows]:
            self.stderr.write(f"跳过 {problem}")
        self.stdout.write(f"分类来源：{result.source}；新建 {result.created} 个，已有 {result.existing} 次命中")
