"""Helpers shared by the stages of home care's writes: clocks, validation of free text,
choices and money, counters, role checks, locks and alerts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from onewindow.core.errors import NotFound, PermissionDenied, ValidationFailed
from onewindow.core.inputs import choice, required_text

from .. import constants as c
from .. import selectors
from ..models import (
    Alert,
    Elder,
    HomecareCounter,
    Order,
    Provider,
)

S = c.OrderStatus


# --- Helpers ----------------------------------------------------------------------------------
def _now(now: datetime | None) -> datetime:
    return now or timezone.now()




def _text(value: str, *, field: str, label: str, min_len: int = 1, max_len: int = 300) -> str:
    return required_text(value, field=field, label=label, min_length=min_len, max_length=max_len)


_choice = choice


def _money(value: Any, *, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = Decimal("-1")
    if amount < 0 or amount > Decimal("100000"):
        msg = f"{label}应为 0 到 100000 元的金额"
        raise ValidationFailed(msg, code=f"{field}_invalid", fields={field: msg})
    return amount


def _counter(key: str) -> int:
    table = connection.ops.quote_name(HomecareCounter._meta.db_table)
    sql = (f"INSERT INTO {table} (key, value) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
           f"ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value")
    with connection.cursor() as cursor:
        cursor.execute(sql, [key[:40]])
        row = cursor.fetchone()
    return int(row[0])


def _require_bureau(actor: Any) -> None:
    if actor is None:  # the platform itself (demo, jobs)
        return
    if not selectors.is_bureau(actor):
        raise PermissionDenied("只有民政部门的监管人员可以执行此操作", code="not_bureau")


def _require_elder_staff(actor: Any, region_path: str) -> None:
    """Elder records are kept by community staff (grid workers) and the bureau, within their region."""
    if actor is None:
        return
    scope = selectors.region_scope(actor)
    if scope is None or not scope.has_role(*selectors.BUREAU_ROLES, c_role_grid()):
        raise PermissionDenied("只有社区工作人员或民政部门可以登记老人信息", code="not_care_staff")
    if not scope.covers_region_path(region_path):
        raise NotFound("该社区不在您的管辖范围内", code="region_out_of_scope")


def c_role_grid() -> str:
    from onewindow.accounts.constants import Role

    return str(Role.GRID_WORKER)


def _load_down(provider_id: int | None) -> None:
    if provider_id:
        Provider.objects.filter(id=provider_id, open_orders__gt=0).update(open_orders=F("open_orders") - 1)


def _locked_order(order: Order) -> Order:
    return (Order.objects.select_for_update(of=("self",)).select_related("elder", "service", "provider", "carer")
            .get(pk=order.pk))


def _alert(*, kind: str, elder: Elder, key: str, message: str, at: datetime, order: Order | None = None,
           provider: Provider | None = None) -> Alert | None:
    """Raise an alert once (its key is unique)."""
    if Alert.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            return Alert.objects.create(kind=kind, elder=elder, order=order, provider=provider,
                                        region_path=elder.region_path, raised_at=at, key=key[:80],
                                        message=message[:300])
    except IntegrityError:  # raised by a parallel run
        return None
