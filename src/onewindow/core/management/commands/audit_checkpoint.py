from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.core.audit import AuditChainBroken, audit_checkpoint_write
from onewindow.core.audit_anchor import checkpoint_store


class Command(BaseCommand):
    help = ("Write a signed checkpoint of the audit chain now (the timer does it every minute). "
            "--restored re-anchors the chain after the database was restored from a backup.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--restored", default="", metavar="NOTE",
                            help="the database was restored from a backup: why, from when "
                                 "(supersedes the checkpoints of entries that are gone)")

    def handle(self, *args: Any, **options: Any) -> None:
        store = checkpoint_store()
        try:
            cp = audit_checkpoint_write(store=store, restore_note=options["restored"].strip())
        except AuditChainBroken as exc:
            v = exc.verdict
            raise CommandError(f"未写入检查点：{v.reason}"
                               + (f"（第 {v.first_bad_seq} 条）" if v.first_bad_seq else "")) from exc
        if cp is None:
            self.stdout.write("无新记录，未写入检查点")
            return
        self.stdout.write(self.style.SUCCESS(f"已写入检查点：第 {cp.seq} 条（{store.describe()}）"))
