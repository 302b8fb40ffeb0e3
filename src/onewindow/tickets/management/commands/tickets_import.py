"""Bulk intake of messages (CSV or Excel) from another board, as a hotline operator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from onewindow.core.errors import DomainError
from onewindow.tickets.services import tickets_import


class Command(BaseCommand):
    help = "Import messages (标题/留言主题, 内容/留言详情, 时间, 地址, 电话, 编号, 点赞数 …) as tickets"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="hotline operator's username")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("找不到该用户")
        content = path.read_bytes()
        try:
            result = tickets_import(actor=user, content=content, filename=path.name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for problem in result.problems[:50]:
            self.stderr.write(problem)
        self.stdout.write(f"导入 {result.created} 件，已存在跳过 {result.duplicates} 件，"
                          f"有误 {len(result.problems)} 行")
