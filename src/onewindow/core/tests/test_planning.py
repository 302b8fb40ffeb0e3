"""``joins_in_written_order``: the setting holds inside the block only, and never inside a
caller's transaction (where ``SET LOCAL`` would outlive the block)."""

import pytest
from django.db import connection, transaction

from onewindow.accounts.models import Person
from onewindow.core.planning import joins_in_written_order


def _limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_inside_the_block_and_ends_with_it():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    before = _limit()
    assert before != "1"
    with joins_in_written_order(Person):
        assert _limit() == "1"
        assert connection.in_atomic_block
    assert _limit() == before and not connection.in_atomic_block
    with pytest.raises(ZeroDivisionError), joins_in_written_order(Person):
        1 / 0  # noqa: B018
    assert _limit() == before


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_nothing_is_set():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    before = _limit()
    with transaction.atomic():
        with joins_in_written_order(Person):
            assert _limit() == before
        assert _limit() == before
