"""The set-based monthly settlement (PostgreSQL: INSERT … SELECT and one grouped UPDATE) gives
exactly the statements of the row-by-row path: the same providers, lines, elders and totals,
late orders from earlier months included, confirmed statements left closed, orders with no
allowance or no provider left out, and a second run adding only what is new."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from onewindow.homecare import constants as c
from onewindow.homecare import rules, services
from onewindow.homecare.models import Order, Settlement, SettlementLine

from .conftest import Care
from .test_services import _delivered

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _clone(template: Order, i: int, **fields) -> Order:  # type: ignore[no-untyped-def]
    values = {f.name: getattr(template, f.name) for f in Order._meta.concrete_fields
              if f.name not in ("id", "public_id", "created_at", "updated_at")}
    values.update(number=f"T{i:010d}", **fields)
    return Order.objects.create(**values)


def _world(care: Care) -> tuple[object, object]:
    template = _delivered(care)
    services.order_confirm(actor=care.family, order=template, rating=5)
    template.refresh_from_db()
    month = rules.month_start(template.month)
    earlier = rules.month_start(month - timedelta(days=1))
    amounts = [Decimal("15.00"), Decimal("8.50"), Decimal("0.01"), Decimal("30.00")]
    for i in range(60):
        provider = care.provider if i % 3 else care.provider_b
        amount = amounts[i % 4]
        status = c.OrderStatus.CONFIRMED if i % 7 else c.OrderStatus.DELIVERED  # some not confirmed yet
        _clone(template, i, provider=provider, allowance_part=amount, own_part=Decimal("2.00"),
               price=amount + Decimal("2.00"), status=status, month=earlier if i % 5 == 0 else month)
    _clone(template, 100, allowance_part=Decimal("0.00"), own_part=Decimal("20.00"), price=Decimal("20.00"))
    _clone(template, 101, provider=None)
    return month, earlier


def _snapshot() -> list[tuple]:
    statements = [(s.provider_id, s.month, s.number, s.status, s.order_count, s.elder_count, s.total_allowance)
                  for s in Settlement.objects.order_by("provider_id", "month")]
    lines = sorted(SettlementLine.objects.values_list("settlement__provider_id", "settlement__month", "order_id",
                                                      "elder_id", "amount"))
    return [statements, lines]


def _run(care: Care, month, *, set_based: bool) -> tuple[list, list, list]:  # type: ignore[no-untyped-def]
    first = services.settlement_run(actor=care.bureau.user, month=month, set_based=set_based)
    after_first = _snapshot()
    # a late confirmation, then a second run: only the new order goes on
    late = Order.objects.filter(status=c.OrderStatus.DELIVERED, provider=care.provider).order_by("pk").first()
    Order.objects.filter(pk=late.pk).update(status=c.OrderStatus.CONFIRMED)
    second = services.settlement_run(actor=care.bureau.user, month=month, set_based=set_based)
    return ([(s.provider_id, s.order_count, s.total_allowance) for s in first],
            [(s.provider_id, s.order_count, s.total_allowance) for s in second], [after_first, _snapshot()])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's")
def test_set_based_settlement_equals_the_row_by_row_one(care: Care) -> None:
    month, _earlier = _world(care)
    expected = Order.objects.filter(status=c.OrderStatus.CONFIRMED, allowance_part__gt=0,
                                    provider__isnull=False).count()
    results = {}
    for set_based in (False, True):
        try:
            with transaction.atomic():
                results[set_based] = _run(care, month, set_based=set_based)
                raise _Rollback
        except _Rollback:
            pass
    assert results[True] == results[False]
    first, second, (after_first, after_second) = results[True]
    statements, lines = after_first
    assert expected == 52  # 51 of the 60 clones (every 7th is only delivered) and the template
    assert sum(n for _p, n, _t in first) == len(lines) == expected and len(statements) == 2
    assert sum(t for _p, _n, t in first) == sum(line[4] for line in lines)
    assert {line[1] for line in lines} == {month}  # earlier months' late orders go on this month's statement
    by_provider = {p: n for p, n, _t in first}
    assert [(p, n) for p, n, _t in second] == [(care.provider.pk, by_provider[care.provider.pk] + 1)]
    assert len(after_second[1]) == expected + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's")
def test_a_confirmed_statement_stays_closed(care: Care) -> None:
    month, _ = _world(care)
    first = services.settlement_run(actor=care.bureau.user, month=month)
    confirmed = next(s for s in first if s.provider_id == care.provider_b.pk)
    services.settlement_confirm(actor=care.manager_b.user, settlement=confirmed)
    before = confirmed.lines.count()
    _clone(Order.objects.get(number="T0000000000"), 200, status=c.OrderStatus.CONFIRMED)  # provider_b, new
    again = services.settlement_run(actor=care.bureau.user, month=month)
    assert again == [] and confirmed.lines.count() == before
    assert not SettlementLine.objects.filter(order__number="T0000000200").exists()
