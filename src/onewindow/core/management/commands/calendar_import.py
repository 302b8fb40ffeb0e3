from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.core.errors import DomainError
from onewindow.core.services import calendar_import


class Command(BaseCommand):
    help = ("Import one year's official holidays and make-up workdays from a CSV "
            "(date,kind,name) or YAML file; all or nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or YAML file: date, kind (holiday|workday), name")
        parser.add_argument("--year", type=int, default=None,
                            help="the year (default: the year the file names or its dates fall in)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        try:
            record = calendar_import(actor=None, year=options["year"], content=content,
                                     filename=path.name, source=f"导入：{path.name}")
        except DomainError as exc:
            lines = [exc.message]
            if isinstance(exc.detail, list):
                lines += [f"  - {item['message']}" for item in exc.detail]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{record.year} 年法定节假日安排已导入（{record.get_status_display()}）"))
