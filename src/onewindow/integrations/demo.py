"""Demo step: two service accounts an integrator would have (idempotent, by name).

Their secrets are not kept: an administrator issues one with “更换密钥” on
/staff/integrations/clients/ (or ``manage.py service_client rotate``) when trying the API."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from onewindow.accounts import services as account_services
from onewindow.accounts.constants import Role
from onewindow.accounts.models import ServiceClient, Staff

CLIENTS = (
    ("12345话务系统（演示）", "话务平台运维 ops@example.org", "tickets:create tickets:read", [Role.HOTLINE_OPERATOR]),
    ("省政务服务数据交换平台（演示）", "省数据交换中心 exchange@example.org", "cases:read", [Role.SUPERVISOR]),
)


def integrations_demo_load(*, small: bool = False) -> dict[str, int]:
    admin = get_user_model().objects.filter(username="admin").first()
    staff = Staff.objects.select_related("region").filter(user=admin).first() if admin else None
    if admin is None or staff is None:
        raise RuntimeError("演示账号 admin 尚未创建：请先运行 accounts 演示数据")
    created = 0
    for name, contact, scopes, roles in CLIENTS:
        if ServiceClient.objects.filter(name=name).exists():
            continue
        account_services.service_client_create(actor=admin, name=name, contact=contact, scopes=scopes,
                                               region=staff.region, roles=[str(r) for r in roles])
        created += 1
    return {"服务账户": created}
