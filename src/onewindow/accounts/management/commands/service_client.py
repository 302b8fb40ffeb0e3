"""Create, rotate, revoke and list service accounts (machine clients of the API).

    manage.py service_client create "12345话务系统" --scopes "tickets:create tickets:read" \\
        --region 530103000000 --roles hotline_operator --departments D01,D02 --by admin
    manage.py service_client rotate owc_0123456789abcdef --by admin
    manage.py service_client revoke owc_0123456789abcdef --by admin
    manage.py service_client list

The secret is printed once (stored as SHA-256); every change is audited under the --by account.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from onewindow.accounts import services
from onewindow.accounts.models import Department, ServiceClient
from onewindow.core.errors import DomainError
from onewindow.regions.selectors import region_get


class Command(BaseCommand):
    help = "Service accounts: create (prints the secret once), rotate, revoke, list"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["create", "rotate", "revoke", "list"])
        parser.add_argument("target", nargs="?", default="", help="name (create) or client id (rotate/revoke)")
        parser.add_argument("--contact", default="")
        parser.add_argument("--scopes", default="", help="resource:action, space or comma separated")
        parser.add_argument("--region", default="", help="region code of the client's reach")
        parser.add_argument("--departments", default="", help="department codes, comma separated")
        parser.add_argument("--roles", default="", help="staff roles, comma separated")
        parser.add_argument("--by", default="", help="user name of the administrator doing it")

    def _actor(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username).first() if username else None
        if user is None:
            raise CommandError("请用 --by 指定执行操作的管理员账号")
        return user

    def _client(self, target: str) -> ServiceClient:
        client = ServiceClient.objects.select_related("user__staff__region").filter(client_id=target).first()
        if client is None:
            raise CommandError("找不到该服务账户（请给出 list 中的客户端编号）")
        return client

    def handle(self, *args: Any, **options: Any) -> None:
        action, target = options["action"], options["target"]
        try:
            if action == "list":
                for client in ServiceClient.objects.order_by("name"):
                    state = "有效" if client.is_active else "已吊销"
                    self.stdout.write(f"{client.client_id}  {state}  {client.name}  {' '.join(client.scopes)}  "
                                      f"{client.contact}")
                return
            actor = self._actor(options["by"])
            if action == "create":
                if not options["region"]:
                    raise CommandError("请用 --region 指定服务账户可访问的区划代码")
                codes = [c for c in options["departments"].split(",") if c.strip()]
                departments = list(Department.objects.filter(code__in=codes))
                if len(departments) != len(set(codes)):
                    raise CommandError("部门代码不存在")
                client, secret = services.service_client_create(
                    actor=actor, name=target, contact=options["contact"], scopes=options["scopes"],
                    region=region_get(code=options["region"]), departments=departments,
                    roles=[r.strip() for r in options["roles"].split(",") if r.strip()])
            elif action == "rotate":
                client, secret = services.service_client_rotate(actor=actor, client=self._client(target))
            else:
                client = services.service_client_revoke(actor=actor, client=self._client(target))
                self.stdout.write(f"已吊销服务账户 {client.name}（{client.client_id}）")
                return
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"服务账户 {client.name}")
        self.stdout.write(f"client_id: {client.client_id}")
        self.stdout.write(f"client_secret（只显示这一次）: {secret}")
