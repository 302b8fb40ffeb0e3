"""Load (or refresh) a district's streets, communities and demo grids from a division CSV."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.core.errors import DomainError
from onewindow.regions.constants import RegionLevel
from onewindow.regions.services import region_csv_default, regions_import_csv


class Command(BaseCommand):
    help = "从区划代码 CSV 导入一个区县的街道、社区（可重复执行，不会产生重复记录）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", dest="csv", default="",
                            help="CSV 文件（默认：共享数据目录中的 hierarchy_selected_districts.csv，"
                                 "缺失时使用随项目提供的盘龙区样例）")
        parser.add_argument("--district", default=settings.ONEWINDOW_DISTRICT_CODE[:6],
                            help="区县代码，6位或12位（默认：ONEWINDOW_DISTRICT_CODE）")
        parser.add_argument("--strict", action="store_true",
                            help="任何一行有误即整体放弃（默认跳过有误的行并列出）")
        parser.add_argument("--no-grids", action="store_true", help="不生成示例网格")
        parser.add_argument("--no-geometry", action="store_true", help="不生成示意边界")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["csv"] or region_csv_default()
        try:
            result = regions_import_csv(
                path=path, district_code=options["district"], strict=options["strict"],
                grids=not options["no_grids"], geometry=not options["no_geometry"],
            )
        except DomainError as exc:
            details = "\n".join(f"  {d}" for d in exc.detail or []) if isinstance(
                exc.detail, list) else ""
            raise CommandError(f"{exc.message}\n{details}".rstrip()) from None
        for problem in result.problems:
            self.stderr.write(self.style.WARNING(f"跳过 {problem}"))
        labels = dict(RegionLevel.choices)
        created = "，".join(f"{labels.get(k, k)} {v}" for k, v in result.created.items())
        renamed = sum(result.renamed.values())
        self.stdout.write(self.style.SUCCESS(
            f"{result.district.name}（{result.district.code}）来自 {result.source}："
            f"新建 {created}；更名 {renamed}；边界更新 {result.geometry_updated}"
            f"（{result.geometry_note or '未生成'}）；跳过 {len(result.problems)} 行"))
