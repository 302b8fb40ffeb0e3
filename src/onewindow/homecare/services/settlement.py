"""Supervision: spot checks on delivered orders and the monthly settlement with providers
(set-based on PostgreSQL, ADR 0021).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, PermissionDenied, ValidationFailed

from .. import constants as c
from .. import rules, selectors
from ..models import (
    Order,
    Payment,
    Settlement,
    SettlementLine,
    SpotCheck,
)
from ._common import (
    S,
    _choice,
    _now,
    _require_bureau,
    _text,
)


# --- Supervision --------------------------------------------------------------------------------
def spot_check_record(*, actor: Any, order: Order, result: str, note: str = "",
                      now: datetime | None = None) -> SpotCheck:
    """抽查回访: the bureau calls back on a delivered order and records the answer."""
    _require_bureau(actor)
    result = _choice(result, c.SpotCheckResult, field="result", label="回访结果")
    if order.status not in c.DONE_STATUSES:
        raise Conflict("只能抽查已完成上门的订单", code="order_not_delivered")
    with transaction.atomic():
        row = SpotCheck.objects.create(order=order, checker=actor, checked_at=_now(now), result=result,
                                       note=(note or "").strip()[:500])
        audit_record(actor=actor, action=c.AUDIT_SPOT_CHECK, obj=order, summary={"number": order.number,
                                                                                 "result": result})
    return row


def settlement_run(*, actor: Any, month: date, now: datetime | None = None,
                   set_based: bool | None = None) -> list[Settlement]:
    """The monthly settlement: every confirmed order of ``month`` (or earlier, confirmed late) with
    an allowance part and not yet settled goes on its provider's statement for the month. Running
    again adds only what is new; the unique order of a settlement line makes paying twice impossible.
    On PostgreSQL set-based SQL (``set_based=False`` forces the row-by-row path used on SQLite;
    the tests prove both give the same statements)."""
    _require_bureau(actor)
    now = _now(now)
    month = rules.month_start(month)
    if month >= rules.month_start(timezone.localdate(now)) and month != rules.month_start(timezone.localdate(now)):
        raise ValidationFailed("不能结算未来的月份", code="month_in_future", fields={"month": "不能结算未来的月份"})
    set_based = connection.vendor == "postgresql" if set_based is None else set_based
    with transaction.atomic():
        out = _settlement_sql(actor=actor, month=month, now=now) if set_based else _settlement_rows(
            actor=actor, month=month, now=now)
        audit_record(actor=actor, action=c.AUDIT_SETTLEMENT, object_type="homecare.settlement",
                     object_id=f"{month:%Y-%m}", summary={"month": f"{month:%Y-%m}", "providers": len(out),
                                                          "orders": sum(s.order_count for s in out)})
    return out


def _settlement_sql(*, actor: Any, month: date, now: datetime) -> list[Settlement]:
    """PostgreSQL, set-based (ADR 0021): three statements whatever the number of orders — the
    statements of providers with unsettled orders (``ON CONFLICT`` keeps existing ones), every
    unsettled order's line by ``INSERT … SELECT`` (the anti-join on the line's unique order, and
    ``ON CONFLICT (order_id) DO NOTHING`` against a concurrent run), the totals by one
    ``UPDATE … FROM (GROUP BY)``. Runs are serialised by a transaction advisory lock."""
    orders, lines, statements = Order._meta.db_table, SettlementLine._meta.db_table, Settlement._meta.db_table
    pending = (f"o.status = %s AND o.month <= %s AND o.allowance_part > 0 AND o.provider_id IS NOT NULL "  # noqa: S608
               f"AND NOT EXISTS (SELECT 1 FROM {lines} x WHERE x.order_id = o.id)")
    pending_args: list[Any] = [S.CONFIRMED, month]
    issued_by = getattr(actor, "pk", None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('homecare.settlement_run'))")
        cursor.execute(
            f"INSERT INTO {statements} (public_id, created_at, updated_at, provider_id, month, number, status, "  # noqa: S608
            f"order_count, elder_count, total_allowance, issued_at, issued_by_id, dispute_note) "
            f"SELECT gen_random_uuid(), %s, %s, p.provider_id, %s, "
            f"%s || lpad(p.provider_id::text, greatest(5, length(p.provider_id::text)), '0'), %s, 0, 0, 0, %s, %s, '' "
            f"FROM (SELECT DISTINCT o.provider_id FROM {orders} o WHERE {pending}) p "
            f"ON CONFLICT (provider_id, month) DO NOTHING",
            [now, now, month, f"JS{month:%Y%m}-", c.SettlementStatus.ISSUED, now, issued_by, *pending_args])
        cursor.execute(
            f"WITH added AS (INSERT INTO {lines} (settlement_id, order_id, elder_id, amount) "  # noqa: S608
            f"SELECT st.id, o.id, o.elder_id, o.allowance_part FROM {orders} o "
            f"JOIN {statements} st ON st.provider_id = o.provider_id AND st.month = %s AND st.status = %s "
            f"WHERE {pending} ON CONFLICT (order_id) DO NOTHING RETURNING settlement_id) "
            f"SELECT DISTINCT settlement_id FROM added",
            [month, c.SettlementStatus.ISSUED, *pending_args])
        touched = [row[0] for row in cursor.fetchall()]
        if touched:
            cursor.execute(
                f"UPDATE {statements} st SET order_count = a.n, elder_count = a.e, total_allowance = a.t, "  # noqa: S608
                f"updated_at = %s FROM (SELECT settlement_id, count(*) AS n, count(DISTINCT elder_id) AS e, "
                f"coalesce(sum(amount), 0) AS t FROM {lines} WHERE settlement_id = ANY(%s) "
                f"GROUP BY settlement_id) a WHERE st.id = a.settlement_id",
                [now, touched])
    return list(Settlement.objects.filter(pk__in=touched).order_by("provider_id"))


def _settlement_rows(*, actor: Any, month: date, now: datetime) -> list[Settlement]:
    """Any database, row by row: one pass over the unsettled confirmed orders (an anti-join on
    the line's unique order), streamed in provider order; lines go in by batches."""
    out = []
    settled = SettlementLine.objects.filter(order=OuterRef("pk"))
    pending = (Order.objects.filter(status=S.CONFIRMED, month__lte=month, allowance_part__gt=0,
                                    provider__isnull=False)
               .exclude(Exists(settled)).order_by("provider_id", "pk")
               .values_list("provider_id", "pk", "elder_id", "allowance_part"))
    # PostgreSQL streams through a server-side cursor; SQLite reads the list first (it would see
    # the lines being inserted through the still-open cursor).
    stream = pending.iterator(chunk_size=5000) if connection.vendor == "postgresql" else iter(list(pending))
    for provider_id, rows in groupby(stream, key=itemgetter(0)):
        settlement = Settlement.objects.select_for_update().filter(provider_id=provider_id, month=month).first()
        if settlement is not None and settlement.status != c.SettlementStatus.ISSUED:
            continue  # confirmed statements are closed; late orders go on next month's
        if settlement is None:
            settlement = Settlement.objects.create(
                provider_id=provider_id, month=month, issued_at=now, issued_by=actor if actor else None,
                number=f"JS{month:%Y%m}-{provider_id:05d}")
        batch: list[SettlementLine] = []
        for _p, pk, elder_id, amount in rows:
            batch.append(SettlementLine(settlement=settlement, order_id=pk, elder_id=elder_id, amount=amount))
            if len(batch) >= 5000:
                SettlementLine.objects.bulk_create(batch)
                batch = []
        SettlementLine.objects.bulk_create(batch)
        _settlement_totals(settlement)
        out.append(settlement)
    return out


def _settlement_totals(settlement: Settlement) -> None:
    from django.db.models import Count, Sum

    agg = settlement.lines.aggregate(n=Count("id"), e=Count("elder", distinct=True), s=Sum("amount"))
    settlement.order_count, settlement.elder_count = agg["n"] or 0, agg["e"] or 0
    settlement.total_allowance = agg["s"] or Decimal("0.00")
    settlement.save(update_fields=["order_count", "elder_count", "total_allowance", "updated_at"])


def settlement_confirm(*, actor: Any, settlement: Settlement, agree: bool = True, note: str = "",
                       now: datetime | None = None) -> Settlement:
    """The provider's manager confirms the statement (or disputes it with a note); the allowance
    payments of its orders are then marked paid."""
    if not selectors.is_provider_manager(actor, settlement.provider):
        raise PermissionDenied("只有该机构的管理人员可以确认结算单", code="not_provider_manager")
    now = _now(now)
    with transaction.atomic():
        settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if settlement.status != c.SettlementStatus.ISSUED:
            raise Conflict("该结算单已确认或已提出异议", code="settlement_closed")
        if agree:
            settlement.status = c.SettlementStatus.CONFIRMED
            Payment.objects.filter(order__settlement_line__settlement=settlement, kind=c.PaymentKind.ALLOWANCE,
                                   status=c.PaymentStatus.PENDING).update(
                status=c.PaymentStatus.PAID, paid_at=now, reference=settlement.number, updated_at=now)
        else:
            settlement.status = c.SettlementStatus.DISPUTED
            settlement.dispute_note = _text(note, field="note", label="异议说明", min_len=4, max_len=500)
        settlement.confirmed_at, settlement.confirmed_by = now, actor
        settlement.save(update_fields=["status", "dispute_note", "confirmed_at", "confirmed_by", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_SETTLEMENT_CONFIRM, obj=settlement, summary={
            "number": settlement.number, "agree": bool(agree), "total": str(settlement.total_allowance)})
    return settlement
