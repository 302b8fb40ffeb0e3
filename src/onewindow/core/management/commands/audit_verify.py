from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from onewindow.core.audit import audit_verify_chain
from onewindow.core.audit_anchor import checkpoint_store


class Command(BaseCommand):
    help = ("Verify the audit chain (keyed MACs) against the signed checkpoints and name the "
            "first tampered, missing or cut entry.")

    def handle(self, *args: object, **options: object) -> None:
        store = checkpoint_store()
        verdict = audit_verify_chain(store=store)
        anchor = "尚无检查点"
        if verdict.checkpoint_seq is not None and verdict.checkpoint_at is not None:
            anchor = (f"最近检查点：第 {verdict.checkpoint_seq} 条，"
                      f"{timezone.localtime(verdict.checkpoint_at):%Y-%m-%d %H:%M:%S}")
        if verdict.ok:
            self.stdout.write(self.style.SUCCESS(
                f"审计链完整：已校验 {verdict.checked} 条记录（{anchor}；{store.describe()}）"))
            for warning in verdict.warnings:
                self.stdout.write(self.style.WARNING(f"注意：{warning}"))
            return
        where = f"第 {verdict.first_bad_seq} 条记录 —— " if verdict.first_bad_seq else ""
        raise CommandError(
            f"审计链被篡改：{where}{verdict.reason}（此前 {verdict.checked} 条校验通过；{anchor}）"
        )
