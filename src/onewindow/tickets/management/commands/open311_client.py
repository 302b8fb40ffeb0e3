"""Issue, rotate, revoke and list Open311 api_keys from the command line.

    manage.py open311_client create "FixMyStreet 盘龙" --contact ops@example.org --by admin
    manage.py open311_client rotate <client public id> --by admin
    manage.py open311_client revoke <client public id> --by admin
    manage.py open311_client list

A key is printed once (stored hashed); every change is audited under the --by account.
"""

from collections.abc import Iterable
from typing import Any

from django.core.management.base import CommandError

from onewindow.accounts.credential_commands import CredentialCommand
from onewindow.tickets import services
from onewindow.tickets.models import Open311Client


class Command(CredentialCommand):
    help = "Open311 clients: create (prints the api_key once), rotate, revoke, list"

    def find(self, target: str) -> Open311Client:
        client = Open311Client.objects.filter(public_id=target).first() if len(target) == 36 else None
        if client is None:
            raise CommandError("找不到该 Open311 客户端（请给出 list 中的编号）")
        return client

    def list_lines(self) -> Iterable[str]:
        for client in Open311Client.objects.order_by("name"):
            state = "有效" if client.is_active else "已吊销"
            yield f"{client.public_id}  {client.key_prefix}…  {state}  {client.name}  {client.contact}"

    def create(self, *, actor: Any, name: str, options: dict[str, Any]) -> tuple[Any, str]:
        return services.open311_client_create(actor=actor, name=name, contact=options["contact"])

    def rotate(self, *, actor: Any, client: Any) -> tuple[Any, str]:
        return services.open311_client_rotate(actor=actor, client=client)

    def revoke(self, *, actor: Any, client: Any) -> Any:
        return services.open311_client_revoke(actor=actor, client=client)

    def revoked_lines(self, client: Any) -> Iterable[str]:
        yield f"已吊销 {client.name} 的 api_key"

    def secret_lines(self, client: Any, secret: str) -> Iterable[str]:
        yield f"客户端 {client.name}（{client.public_id}）的 api_key，只显示这一次："
        yield secret
