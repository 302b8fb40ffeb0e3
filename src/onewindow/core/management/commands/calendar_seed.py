from django.core.management.base import BaseCommand

from onewindow.core.services import calendar_seed_from_library


class Command(BaseCommand):
    help = ("Fill the holiday/make-up workday table from the chinese_calendar package for the "
            "years it covers and mark them official (idempotent; imported years are kept).")

    def handle(self, *args: object, **options: object) -> None:
        written = calendar_seed_from_library(actor=None)
        if written:
            self.stdout.write(self.style.SUCCESS(
                f"已写入 {len(written)} 个年度：{written[0]}—{written[-1]}"))
        else:
            self.stdout.write("工作日历已是最新，无需写入")
