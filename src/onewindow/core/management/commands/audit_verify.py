from django.core.management.base import BaseCommand, CommandError

from onewindow.core.audit import audit_verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail and name the first tampered entry."

    def handle(self, *args: object, **options: object) -> None:
        verdict = audit_verify_chain()
        if verdict.ok:
            self.stdout.write(self.style.SUCCESS(f"审计链完整：已校验 {verdict.checked} 条记录"))
            return
        raise CommandError(
            f"审计链被篡改：第 {verdict.first_bad_seq} 条记录 —— {verdict.reason}"
            f"（此前 {verdict.checked} 条校验通过）"
        )
