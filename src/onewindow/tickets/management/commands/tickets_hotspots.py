"""Print the top hot spots (热点问题) of a board export or of the tickets of one month."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from onewindow.tickets import hotspots

DEFAULT_CSV = Path("tickets") / "taidi2020_hotspot_messages.csv"


class Command(BaseCommand):
    help = "Find groups of messages about the same problem in the same place; print the hottest."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--csv", help="board export (留言主题, 留言时间, 留言详情, 点赞数); default: shared data")
        parser.add_argument("--month", help="use the tickets received in this month (YYYY-MM) instead of a CSV")
        parser.add_argument("--top", type=int, default=5)
        parser.add_argument("--window-days", type=int, default=60)
        parser.add_argument("--threshold", type=float, default=0.35)
        parser.add_argument("--members", type=int, default=3, help="titles shown per hot spot")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("month"):
            from onewindow.tickets.models import Ticket
            from onewindow.tickets.reports import Period

            period = Period.month(options["month"])
            qs = Ticket.objects.filter(received_at__gte=period.start, received_at__lt=period.end)
            rows = list(qs.values_list("number", "title", "text", "received_at", "supporters"))
            messages = [hotspots.Message(id=n, title=t, text=x, at=r, likes=s) for n, t, x, r, s in rows]
            source = f"{period.label}的工单（{len(messages)} 件）"
        else:
            path = Path(options["csv"]) if options.get("csv") else Path(settings.SHARED_DATA_DIR) / DEFAULT_CSV
            if not path.is_file():
                if options.get("csv"):
                    raise CommandError(f"找不到文件：{path}")
                self.stdout.write(f"共享数据不存在（{path}），跳过。")
                return
            messages, skipped = hotspots.read_messages_csv(path)
            source = f"{path.name}（{len(messages)} 条留言，跳过 {skipped} 条）"
        spots = hotspots.find_hotspots(messages, limit=options["top"], window_days=options["window_days"],
                                       threshold=options["threshold"])
        self.stdout.write(f"数据：{source}；时间窗 {options['window_days']} 天")
        for line, spot in zip(hotspots.describe(spots), spots, strict=True):
            self.stdout.write(line)
            for member in spot.members[: options["members"]]:
                self.stdout.write(f"     · {member.at:%Y-%m-%d} {member.title}（赞 {member.likes}）")
