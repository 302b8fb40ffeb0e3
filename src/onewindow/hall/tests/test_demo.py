"""The hall's demo step: types and windows of every demo hall, a day of numbers in every state,
a week of appointments, something on the calling screen, and nothing added by a second run."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from onewindow.accounts.models import ServiceHall, User
from onewindow.hall import selectors
from onewindow.hall.constants import AppointmentStatus, TicketStatus
from onewindow.hall.demo import demo_load_hall
from onewindow.hall.figures import hall_figures
from onewindow.hall.models import Appointment, BusinessType, QueueCall, QueueTicket, WindowState


@pytest.mark.django_db
def test_demo_hall_step(settings):
    call_command("demo_load", "--small", stdout=StringIO())
    district = ServiceHall.objects.get(region__code=settings.ONEWINDOW_DISTRICT_CODE)
    assert set(BusinessType.objects.filter(hall=district).values_list("prefix", flat=True)) == set("ABCDEF")
    assert BusinessType.objects.filter(hall__region__level="street").exists()
    assert selectors.types_for_item(item=BusinessType.objects.get(hall=district, code="general").items.first()).exists()
    statuses = set(QueueTicket.objects.values_list("status", flat=True))
    assert statuses >= {TicketStatus.WAITING, TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED,
                        TicketStatus.EXPIRED}
    assert QueueTicket.objects.filter(transfers=1).exists() and QueueTicket.objects.exclude(priority_reason="").exists()
    assert not QueueTicket.objects.filter(taken_at__gt=timezone.now()).exists()
    assert not QueueCall.objects.filter(at__gt=timezone.now()).exists()
    appointment_states = set(Appointment.objects.values_list("status", flat=True))
    assert appointment_states >= {AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW}
    assert Appointment.objects.filter(user__username="citizen").exists()
    day = QueueTicket.objects.order_by("-day").values_list("day", flat=True).first()
    if day == selectors.today():
        assert selectors.screen_snapshot(hall=district)["calls"]
        assert WindowState.objects.filter(hall=district, status="open", clerk__user__username="clerk",
                                          ticket__isnull=True).exists()  # the demo clerk can call at once
    leader = User.objects.get(username="leader")
    figures = hall_figures(actor=leader, start=day, end=day)
    assert figures.total["taken"] > 0 and figures.total["served"] > 0 and figures.by_window
    before = (QueueTicket.objects.count(), Appointment.objects.count(), BusinessType.objects.count())
    counts = demo_load_hall(small=True)
    assert counts["本次新建排队号"] == 0 and counts["本次新建预约"] == 0 and counts["本次新建业务类型"] == 0
    assert (QueueTicket.objects.count(), Appointment.objects.count(), BusinessType.objects.count()) == before
