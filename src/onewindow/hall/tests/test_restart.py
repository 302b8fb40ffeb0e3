"""A number is never lost or called twice across a restart or a failure half way: the state
is in the database, a call that fails before commit leaves the number waiting (and pushes
nothing), and after a restart the windows, the screen and the counters go on from the rows."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from onewindow.accounts.models import ServiceHall
from onewindow.core.errors import Conflict
from onewindow.core.selectors import work_calendar_invalidate
from onewindow.hall import selectors, services
from onewindow.hall.constants import AUDIT_TICKET_CALL, CallKind, TicketChannel, TicketStatus, WindowStatus
from onewindow.hall.models import QueueCall, QueueTicket, WindowState
from onewindow.hall.services import queue as queue_services

from .factories import at, kit_make, monday


def _take(kit, now):  # type: ignore[no-untyped-def]
    return services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general,
                                channel=TicketChannel.KIOSK, now=now)


@pytest.mark.django_db
def test_a_call_failing_before_commit_leaves_the_number_waiting_and_pushes_nothing(
        world, monkeypatch, django_capture_on_commit_callbacks):
    kit = kit_make(world)
    first = _take(kit, monday(9, 5))
    _take(kit, monday(9, 6))
    services.window_sign_on(actor=kit.clerk1.user, window=kit.window1, now=monday(9))
    real_audit = queue_services.audit_record

    def failing_audit(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("action") == AUDIT_TICKET_CALL:
            raise RuntimeError("the process died half way through the call")
        return real_audit(**kwargs)

    monkeypatch.setattr(queue_services, "audit_record", failing_audit)
    with django_capture_on_commit_callbacks() as pushes, pytest.raises(RuntimeError):
        services.ticket_call_next(actor=kit.clerk1.user, now=monday(10))
    assert pushes == []  # the screen never hears of a call that did not happen
    first.refresh_from_db()
    assert first.status == TicketStatus.WAITING and first.window_id is None and first.call_count == 0
    assert not QueueCall.objects.exists()
    assert WindowState.objects.get(window=kit.window1).ticket_id is None

    monkeypatch.setattr(queue_services, "audit_record", real_audit)
    again = services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 1))
    assert again is not None and again.number == "A001" and again.call_count == 1
    assert QueueCall.objects.filter(ticket=again).count() == 1


@pytest.mark.django_db
def test_a_take_failing_before_commit_gives_its_number_back(world, monkeypatch):
    kit = kit_make(world)
    _take(kit, monday(9, 5))
    real_create = QueueTicket.objects.create

    def failing_create(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the kiosk's process died before the number was written")

    monkeypatch.setattr(QueueTicket.objects, "create", failing_create)
    with pytest.raises(RuntimeError):
        _take(kit, monday(9, 6))
    monkeypatch.setattr(QueueTicket.objects, "create", real_create)
    assert _take(kit, monday(9, 7)).number == "A002"  # not A003: the failed take left no gap


@pytest.mark.django_db(transaction=True)
def test_after_a_restart_nothing_is_lost_or_called_twice(world):
    kit = kit_make(world)
    for minute in range(4):
        _take(kit, monday(9, minute))
    for clerk, window in ((kit.clerk1, kit.window1), (kit.clerk2, kit.window2)):
        services.window_sign_on(actor=clerk.user, window=window, now=monday(9))
    a001 = services.ticket_call_next(actor=kit.clerk1.user, now=monday(10))
    a002 = services.ticket_call_next(actor=kit.clerk2.user, now=monday(10, 1))
    services.ticket_start(actor=kit.clerk2.user, ticket=a002, now=monday(10, 2))
    assert (a001.number, a002.number) == ("A001", "A002")

    # The server restarts: connections, cached settings and calendars are gone; only rows remain.
    connection.close()
    work_calendar_invalidate()
    hall = ServiceHall.objects.select_related("region").get(pk=kit.hall.pk)

    screen = selectors.screen_snapshot(hall=hall, now=monday(10, 5))
    assert {w["window"]: (w["number"], w["serving"]) for w in screen["windows"]} == {
        "01": ("A001", False), "02": ("A002", True)}
    assert [c["number"] for c in screen["calls"]][:2] == ["A002", "A001"]
    assert WindowState.objects.get(window=kit.window1).status == WindowStatus.OPEN

    # The number called before the restart is still at its window: call next refuses until it is
    # dealt with, and nobody else gets it.
    with pytest.raises(Conflict) as busy:
        services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 6))
    assert busy.value.code == "hall_window_busy" and "尚未办结" in busy.value.message
    services.ticket_start(actor=kit.clerk1.user, ticket=a001, now=monday(10, 7))
    services.ticket_finish(actor=kit.clerk1.user, ticket=a001, now=monday(10, 9))
    services.ticket_finish(actor=kit.clerk2.user, ticket=a002, now=monday(10, 9))
    nexts = [services.ticket_call_next(actor=c.user, now=monday(10, 10)) for c in (kit.clerk1, kit.clerk2)]
    assert sorted(t.number for t in nexts if t) == ["A003", "A004"]
    assert _take(kit, monday(10, 11)).number == "A005"  # the day's counter goes on, never reused

    calls = Counter(QueueCall.objects.filter(kind=CallKind.CALL).values_list("ticket__number", flat=True))
    assert calls == {"A001": 1, "A002": 1, "A003": 1, "A004": 1}

    # The timer restarts too: closing the day twice changes nothing the second time.
    tomorrow = at(2026, 12, 8, 0, 5)
    first = services.day_close(now=tomorrow)
    assert first == {"expired": 3, "finished": 0, "windows": 2}  # A003, A004 called; A005 waiting
    assert services.day_close(now=tomorrow) == {"expired": 0, "finished": 0, "windows": 0}
    assert set(QueueTicket.objects.values_list("number", "status")) == {
        ("A001", "done"), ("A002", "done"), ("A003", "expired"), ("A004", "expired"), ("A005", "expired")}
