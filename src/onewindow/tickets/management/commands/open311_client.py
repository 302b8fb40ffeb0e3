"""Issue, rotate, revoke and list Open311 api_keys from the command line.

    manage.py open311_client create "FixMyStreet 盘龙" --contact ops@example.org --by admin
    manage.py open311_client rotate <client public id> --by admin
    manage.py open311_client revoke <client public id> --by admin
    manage.py open311_client list

A key is printed once (stored hashed); every change is audited under the --by account.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from onewindow.core.errors import DomainError
from onewindow.tickets import services
from onewindow.tickets.models import Open311Client


class Command(BaseCommand):
    help = "Open311 clients: create (prints the api_key once), rotate, revoke, list"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["create", "rotate", "revoke", "list"])
        parser.add_argument("target", nargs="?", default="", help="name (create) or client id (rotate/revoke)")
        parser.add_argument("--contact", default="")
        parser.add_argument("--by", default="", help="user name of the administrator doing it")

    def _actor(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username).first() if username else None
        if user is None:
            raise CommandError("请用 --by 指定执行操作的管理员账号")
        return user

    def _client(self, target: str) -> Open311Client:
        client = Open311Client.objects.filter(public_id=target).first() if len(target) == 36 else None
        if client is None:
            raise CommandError("找不到该 Open311 客户端（请给出 list 中的编号）")
        return client

    def handle(self, *args: Any, **options: Any) -> None:
        action, target = options["action"], options["target"]
        try:
            if action == "list":
                for client in Open311Client.objects.order_by("name"):
                    state = "有效" if client.is_active else "已吊销"
                    self.stdout.write(f"{client.public_id}  {client.key_prefix}…  {state}  {client.name}  "
                                      f"{client.contact}")
                return
            actor = self._actor(options["by"])
            if action == "create":
                client, key = services.open311_client_create(actor=actor, name=target, contact=options["contact"])
            elif action == "rotate":
                client, key = services.open311_client_rotate(actor=actor, client=self._client(target))
            else:
                client = services.open311_client_revoke(actor=actor, client=self._client(target))
                self.stdout.write(f"已吊销 {client.name} 的 api_key")
                return
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"客户端 {client.name}（{client.public_id}）的 api_key，只显示这一次：")
        self.stdout.write(key)
