"""Rebuild the daily figures (and optionally open data) for a window of days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.supervision.services.figures import figures_refresh, today_local
from onewindow.supervision.services.opendata import datasets_refresh


class Command(BaseCommand):
    help = "重建每日汇总数据（默认最近 35 天），可同时刷新开放数据"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=35, help="重建最近多少天（含今天）")
        parser.add_argument("--opendata", action="store_true", help="同时刷新开放数据集")

    def handle(self, *args: Any, **options: Any) -> None:
        last = today_local()
        days = max(1, min(int(options["days"]), 3660))
        for r in figures_refresh(first=last - timedelta(days=days - 1), last=last):
            self.stdout.write(f"{r.source}: {r.rows} 行，{r.milliseconds} 毫秒")
        if options["opendata"]:
            for slug, rows in datasets_refresh().items():
                self.stdout.write(f"开放数据 {slug}: {rows} 行")
