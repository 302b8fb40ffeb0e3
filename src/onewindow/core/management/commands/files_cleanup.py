from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.core.files import files_cleanup


class Command(BaseCommand):
    help = ("Delete uploaded files that no row references (replaced or orphaned uploads) and that "
            "are older than the grace period.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")
        parser.add_argument("--grace-hours", type=float, default=None,
                            help="keep files younger than this (default ONEWINDOW_FILES_CLEANUP_GRACE_HOURS)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = files_cleanup(grace_hours=options["grace_hours"], dry_run=options["dry_run"])
        if options["verbosity"] > 1:
            for name in result.deleted:
                self.stdout.write(name)
        verb = "可删除" if result.dry_run else "已删除"
        self.stdout.write(self.style.SUCCESS(
            f"检查 {result.scanned} 个文件：{verb} {len(result.deleted)} 个无引用文件"
            f"（{result.bytes_freed / 1024:.0f} KB），{result.kept_referenced} 个仍被引用，"
            f"{result.kept_young} 个在保留期内"))
