"""Create, rotate, revoke and list service accounts (machine clients of the API).

    manage.py service_client create "12345话务系统" --scopes "tickets:create tickets:read" \\
        --region 530103000000 --roles hotline_operator --departments D01,D02 --by admin
    manage.py service_client rotate owc_0123456789abcdef --by admin
    manage.py service_client revoke owc_0123456789abcdef --by admin
    manage.py service_client list

The secret is printed once (stored as SHA-256); every change is audited under the --by account.
"""

from collections.abc import Iterable
from typing import Any

from django.core.management.base import CommandError

from onewindow.accounts import services
from onewindow.accounts.credential_commands import CredentialCommand
from onewindow.accounts.models import Department, ServiceClient
from onewindow.regions.selectors import region_get


class Command(CredentialCommand):
    help = "Service accounts: create (prints the secret once), rotate, revoke, list"

    def add_create_arguments(self, parser: Any) -> None:
        parser.add_argument("--scopes", default="", help="resource:action, space or comma separated")
        parser.add_argument("--region", default="", help="region code of the client's reach")
        parser.add_argument("--departments", default="", help="department codes, comma separated")
        parser.add_argument("--roles", default="", help="staff roles, comma separated")

    def find(self, target: str) -> ServiceClient:
        client = ServiceClient.objects.select_related("user__staff__region").filter(client_id=target).first()
        if client is None:
            raise CommandError("找不到该服务账户（请给出 list 中的客户端编号）")
        return client

    def list_lines(self) -> Iterable[str]:
        for client in ServiceClient.objects.order_by("name"):
            state = "有效" if client.is_active else "已吊销"
            yield f"{client.client_id}  {state}  {client.name}  {' '.join(client.scopes)}  {client.contact}"

    def create(self, *, actor: Any, name: str, options: dict[str, Any]) -> tuple[Any, str]:
        if not options["region"]:
            raise CommandError("请用 --region 指定服务账户可访问的区划代码")
        codes = [c for c in options["departments"].split(",") if c.strip()]
        departments = list(Department.objects.filter(code__in=codes))
        if len(departments) != len(set(codes)):
            raise CommandError("部门代码不存在")
        return services.service_client_create(
            actor=actor, name=name, contact=options["contact"], scopes=options["scopes"],
            region=region_get(code=options["region"]), departments=departments,
            roles=[r.strip() for r in options["roles"].split(",") if r.strip()])

    def rotate(self, *, actor: Any, client: Any) -> tuple[Any, str]:
        return services.service_client_rotate(actor=actor, client=client)

    def revoke(self, *, actor: Any, client: Any) -> Any:
        return services.service_client_revoke(actor=actor, client=client)

    def revoked_lines(self, client: Any) -> Iterable[str]:
        yield f"已吊销服务账户 {client.name}（{client.client_id}）"

    def secret_lines(self, client: Any, secret: str) -> Iterable[str]:
        yield f"服务账户 {client.name}"
        yield f"client_id: {client.client_id}"
        yield f"client_secret（只显示这一次）: {secret}"
