"""Concurrency of calling (PostgreSQL): clerks pressing "call next" at the same moment never
get the same number, and draining a queue from many windows calls every number exactly once.

SQLite serialises writers (the whole database is locked per write transaction), so the race
only exists on PostgreSQL, where "call next" relies on row locks and ``SKIP LOCKED``; these
tests are skipped elsewhere. Run them with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_hall pytest src/onewindow/hall``.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from onewindow.accounts.constants import Role, WindowKind
from onewindow.accounts.models import ServiceWindow
from onewindow.accounts.tests.factories import staff_make
from onewindow.hall import services
from onewindow.hall.constants import TicketChannel, TicketStatus
from onewindow.hall.models import QueueCall, QueueTicket

from .factories import kit_make, monday

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("the call-next race needs row locks: run on PostgreSQL (SQLite serialises writers)")


def _run(workers: list[Any]) -> list[Any]:
    errors: list[BaseException] = []

    def wrap(fn: Any) -> Any:
        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # reported to the test below
                errors.append(exc)
            finally:
                connection.close()  # each thread has its own connection
        return run

    threads = [threading.Thread(target=wrap(w)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_two_clerks_pressing_call_next_at_the_same_moment_get_different_numbers(world):
    kit = kit_make(world)
    rounds = 25
    for i in range(rounds * 2):
        services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK,
                             now=monday(9, 0) + (monday(9, 1) - monday(9, 0)) * i / 10)
    for clerk, window in ((kit.clerk1, kit.window1), (kit.clerk2, kit.window2)):
        services.window_sign_on(actor=clerk.user, window=window, now=monday(9))
    barrier = threading.Barrier(2)
    got: dict[str, list[str]] = {"a": [], "b": []}

    def clerk_loop(name: str, clerk: Any) -> Any:
        def loop() -> None:
            for r in range(rounds):
                barrier.wait(timeout=30)  # both press "call next" together, every round
                ticket = services.ticket_call_next(actor=clerk.user, now=monday(10, r))
                assert ticket is not None
                got[name].append(ticket.number)
                services.ticket_no_show(actor=clerk.user, ticket=ticket, now=monday(10, r))
        return loop

    errors = _run([clerk_loop("a", kit.clerk1), clerk_loop("b", kit.clerk2)])
    assert not errors, errors
    numbers = got["a"] + got["b"]
    assert len(numbers) == rounds * 2
    assert len(set(numbers)) == len(numbers), Counter(numbers).most_common(3)
    assert QueueCall.objects.count() == rounds * 2


def test_many_windows_drain_the_queue_calling_every_number_exactly_once(world):
    kit = kit_make(world)
    clerks = [(kit.clerk1, kit.window1), (kit.clerk2, kit.window2)]
    for n in range(4, 10):
        window = ServiceWindow.objects.create(hall=kit.hall, number=f"{n:02d}", name=f"综合{n}号窗",
                                              kind=WindowKind.COMPREHENSIVE)
        kit.general.windows.add(window)
        clerks.append((staff_make(username=f"c{n}", region=kit.hall.region, roles=[Role.WINDOW_CLERK]), window))
    total = 150
    for i in range(total):
        services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general, channel=TicketChannel.KIOSK,
                             now=monday(9, i % 60))
    for clerk, window in clerks:
        services.window_sign_on(actor=clerk.user, window=window, now=monday(9))
    barrier = threading.Barrier(len(clerks))
    served: list[str] = []
    lock = threading.Lock()

    def drain(clerk: Any) -> Any:
        def loop() -> None:
            barrier.wait(timeout=30)
            while True:
                ticket = services.ticket_call_next(actor=clerk.user, now=monday(11))
                if ticket is None:
                    return
                services.ticket_start(actor=clerk.user, ticket=ticket, now=monday(11))
                services.ticket_finish(actor=clerk.user, ticket=ticket, now=monday(11, 5))
                with lock:
                    served.append(ticket.number)
        return loop

    errors = _run([drain(clerk) for clerk, _ in clerks])
    assert not errors, errors
    assert len(served) == total and len(set(served)) == total
    assert QueueTicket.objects.filter(status=TicketStatus.DONE).count() == total
    calls = Counter(QueueCall.objects.values_list("ticket_id", flat=True))
    assert len(calls) == total and set(calls.values()) == {1}


def test_kiosks_taking_numbers_at_the_same_moment_get_consecutive_different_numbers(world):
    """Several kiosks and the guide desk press 取号 together: the day's counter row gives each
    its own number, with no gap and no repeat, across two business types."""
    kit = kit_make(world)
    takers, per_taker = 8, 10
    barrier = threading.Barrier(takers)
    taken: list[str] = []
    lock = threading.Lock()

    def kiosk(index: int) -> Any:
        def loop() -> None:
            for r in range(per_taker):
                barrier.wait(timeout=30)
                business_type = kit.general if index % 4 else kit.estate
                ticket = services.ticket_take(actor=None, hall=kit.hall, business_type=business_type,
                                              channel=TicketChannel.KIOSK, now=monday(10, r))
                with lock:
                    taken.append(ticket.number)
        return loop

    errors = _run([kiosk(i) for i in range(takers)])
    assert not errors, errors
    general = sorted(n for n in taken if n.startswith("A"))
    estate = sorted(n for n in taken if n.startswith("B"))
    assert general == [f"A{i:03d}" for i in range(1, len(general) + 1)]
    assert estate == [f"B{i:03d}" for i in range(1, len(estate) + 1)]
    assert len(general) == 60 and len(estate) == 20
    assert QueueTicket.objects.count() == takers * per_taker
