"""Change feeds of the hall: a hall's queue numbers and appointments for its staff (one page
shape, ``updated_since``), and the citizen's own appointments; a bad ``updated_since`` is a 422
before any query."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from django.utils import timezone

from onewindow.cases.tests.factories import service_item_make
from onewindow.hall import services
from onewindow.hall.constants import TicketChannel
from onewindow.hall.models import Appointment, AppointmentSlot, QueueTicket

from .factories import kit_make, monday

pytestmark = pytest.mark.django_db
API = "/api/v1"
BAD_SINCE = ["yesterday", "1989-12-31T23:59:59+08:00", "2201-01-01T00:00:00+08:00", "0464-07-04T04:40:26+21:52"]


@pytest.fixture
def kit(world, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(timezone, "now", lambda: monday(10))
    kit = kit_make(world, items=[service_item_make(department=world.dept_a, materials=1)])
    services.slots_ensure(hall=kit.hall, today=date(2026, 12, 7))
    return kit


def _two_tickets(kit):  # type: ignore[no-untyped-def]
    old, new = (services.ticket_take(actor=None, hall=kit.hall, business_type=kit.general,
                                     channel=TicketChannel.KIOSK) for _ in range(2))
    QueueTicket.objects.filter(pk=old.pk).update(updated_at=monday(10) - timedelta(days=2))
    return old, new


def test_staff_list_the_halls_queue_numbers_changed_since(client, kit):
    old, new = _two_tickets(kit)
    client.force_login(kit.clerk1.user)
    url = f"{API}/halls/{kit.hall.public_id}/tickets"
    everything = client.get(url).json()
    assert everything["count"] == 2 and [t["id"] for t in everything["items"]] == [str(old.public_id),
                                                                                 str(new.public_id)]
    since = (monday(10) - timedelta(days=1)).isoformat()
    changed = client.get(url, {"updated_since": since}).json()
    assert [t["number"] for t in changed["items"]] == [new.number] and changed["count"] == 1
    assert "name" not in changed["items"][0] and changed["items"][0]["status"] == "waiting"
    # the same instant written with another offset selects the same rows (compared in UTC)
    utc = (monday(10) - timedelta(days=1)).astimezone(UTC).isoformat()
    assert client.get(url, {"updated_since": utc}).json()["count"] == 1
    assert client.get(url, {"day": "2026-12-08"}).json()["count"] == 0


def test_hall_lists_are_for_its_staff_only(client, kit, citizen):
    client.force_login(citizen.user)
    for path in ("tickets", "appointments"):
        response = client.get(f"{API}/halls/{kit.hall.public_id}/{path}")
        assert response.status_code == 404 and response.json()["code"] == "hall_not_found"


def test_appointments_changed_since_for_staff_and_for_the_citizen(client, kit, citizen):
    slots = AppointmentSlot.objects.filter(business_type=kit.general, day=date(2026, 12, 8)).order_by("starts_at")
    first = services.appointment_book(actor=citizen.user, slot=slots[1], now=monday(8))
    Appointment.objects.filter(pk=first.pk).update(updated_at=monday(10) - timedelta(days=3))
    services.appointment_cancel(actor=citizen.user, appointment=first)  # a change: listed again
    other = services.appointment_book(actor=citizen.user, slot=slots[2], now=monday(8))
    Appointment.objects.filter(pk=other.pk).update(updated_at=monday(10) - timedelta(days=3))
    since = (monday(10) - timedelta(hours=1)).isoformat()
    client.force_login(kit.clerk1.user)
    staff = client.get(f"{API}/halls/{kit.hall.public_id}/appointments", {"updated_since": since}).json()
    assert [a["id"] for a in staff["items"]] == [str(first.public_id)] and staff["items"][0]["status"] == "cancelled"
    assert client.get(f"{API}/halls/{kit.hall.public_id}/appointments").json()["count"] == 2
    client.force_login(citizen.user)
    mine = client.get(f"{API}/me/appointments", {"updated_since": since}).json()
    assert [a["id"] for a in mine] == [str(first.public_id)]
    assert len(client.get(f"{API}/me/appointments").json()) == 2


@pytest.mark.parametrize("bad", BAD_SINCE)
def test_a_bad_updated_since_is_a_422_naming_it(client, kit, citizen, bad):
    client.force_login(kit.clerk1.user)
    for path in (f"/halls/{kit.hall.public_id}/tickets", f"/halls/{kit.hall.public_id}/appointments"):
        response = client.get(f"{API}{path}", {"updated_since": bad})
        assert response.status_code == 422 and response.json()["code"] == "validation_failed"
        assert "updated_since" in response.json()["fields"]
    client.force_login(citizen.user)
    response = client.get(f"{API}/me/appointments", {"updated_since": bad})
    assert response.status_code == 422 and "updated_since" in response.json()["fields"]
