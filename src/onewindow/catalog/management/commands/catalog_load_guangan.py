"""manage.py catalog_load_guangan [--path FILE]: load the 1,135 real items of 广安区."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.catalog.loaders import guangan_load, guangan_path
from onewindow.core.errors import DomainError


class Command(BaseCommand):
    help = "导入广安区公开事项目录（缺失要素以“待完善”占位）；可重复运行，不产生重复事项"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--path", type=Path, default=None,
                            help=f"CSV 文件（默认 {guangan_path()}）")

    def handle(self, *args: Any, path: Path | None = None, **options: Any) -> None:
        started = time.monotonic()
        try:
            outcome = guangan_load(path=path)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if outcome is None:
            self.stdout.write(f"未找到 {path or guangan_path()}，跳过广安区目录导入。")
            return
        r = outcome.result
        self.stdout.write(self.style.SUCCESS(
            f"广安区目录：读取 {outcome.rows} 行，新建部门 {outcome.departments_created} 个，"
            f"新建事项 {r.created} 个，更新 {r.versioned} 个，未变 {r.unchanged} 个，"
            f"已人工完善而跳过 {outcome.skipped_edited} 个，无效行 {outcome.skipped_invalid} 个"
            f"（{time.monotonic() - started:.1f} 秒）"))
