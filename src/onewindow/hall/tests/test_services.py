"""Queue services against a real database: taking numbers, priorities, calling in service order,
recall, no-show, transfer, finishing with the cases taken in, priority passes from pre-review,
and the day's close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onewindow.accounts.tests.factories import make_id_number
from onewindow.cases import services as case_services
from onewindow.cases.constants import CaseStatus
from onewindow.cases.models import CaseEvent
from onewindow.cases.tests.factories import citizen_make, service_item_make
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.events import outbox_process
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.hall import selectors, services
from onewindow.hall.constants import PriorityReason, Rank, TicketChannel, TicketStatus, WindowStatus
from onewindow.hall.models import PriorityPass, QueueCall, QueueTicket, TicketCase

from .factories import at, kit_make, monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def kit(world):  # type: ignore[no-untyped-def]
    return kit_make(world)


def take(kit, type_=None, *, channel=TicketChannel.KIOSK, actor=None, now=None, **kw):  # type: ignore[no-untyped-def]
    return services.ticket_take(actor=actor, hall=kit.hall, business_type=type_ or kit.general, channel=channel,
                                now=now or monday(), **kw)


def open_window(kit, clerk, window, now=None):  # type: ignore[no-untyped-def]
    return services.window_sign_on(actor=clerk.user, window=window, now=now or monday(9))


# --- Taking numbers ---------------------------------------------------------------------------
def test_numbers_run_per_type_and_restart_each_day(kit):
    first = take(kit)
    second = take(kit, now=monday(10, 5))
    other = take(kit, kit.estate)
    tomorrow = take(kit, now=at(2026, 12, 8, 10))
    assert [first.number, second.number, other.number, tomorrow.number] == ["A001", "A002", "B001", "A001"]
    assert first.status == TicketStatus.WAITING and first.rank == Rank.NORMAL
    assert first.region_path == kit.hall.region.path
    assert AuditEntry.objects.filter(action="hall.ticket_take", object_id=str(first.public_id)).exists()


@pytest.mark.parametrize(("now", "code"), [
    (monday(8, 30), "hall_not_open"), (monday(16, 45), "hall_closed"), (at(2026, 12, 12, 10), "hall_holiday"),
])
def test_no_numbers_outside_opening_hours(kit, now, code):
    with pytest.raises(Conflict) as err:
        take(kit, now=now)
    assert err.value.code == code
    assert err.value.status == 409
    assert not QueueTicket.objects.exists()


def test_guide_desk_records_priority_and_the_id_number_encrypted(kit):
    elderly_id = make_id_number(7, born="19500101")
    ticket = take(kit, channel=TicketChannel.GUIDE, actor=kit.clerk1.user, id_number=elderly_id, name="王大爷")
    assert ticket.rank == Rank.PRIORITY and ticket.priority_reason == PriorityReason.ELDERLY
    stored = QueueTicket.objects.filter(pk=ticket.pk).values_list("id_number", flat=True).get()
    assert elderly_id not in str(QueueTicket.objects.filter(pk=ticket.pk).values("id_number").query)
    assert stored == elderly_id  # decrypted by the field
    assert ticket.user_id is None  # the visitor's number, not the clerk's
    checked = take(kit, channel=TicketChannel.GUIDE, actor=kit.clerk1.user, guide_checked=True)
    assert checked.priority_reason == PriorityReason.GUIDE_CHECK
    pregnant = take(kit, channel=TicketChannel.GUIDE, actor=kit.clerk1.user, pregnant=True)
    assert pregnant.priority_reason == PriorityReason.PREGNANT


def test_priority_flags_count_only_at_the_guide_desk(kit):
    ticket = take(kit, disabled=True, guide_checked=True)
    assert ticket.rank == Rank.NORMAL and ticket.priority_reason == ""


def test_a_hall_may_switch_priorities_off(kit):
    kit.profile.priority_age = 0
    kit.profile.save()
    ticket = take(kit, channel=TicketChannel.GUIDE, actor=kit.clerk1.user,
                  id_number=make_id_number(8, born="19400101"))
    assert ticket.rank == Rank.NORMAL


def test_a_bad_id_number_is_refused_on_the_field(kit):
    with pytest.raises(ValidationFailed) as err:
        take(kit, channel=TicketChannel.GUIDE, actor=kit.clerk1.user, id_number="53010319500101000")
    assert err.value.code == "id_number_length"
    assert "id_number" in err.value.fields


def test_one_open_number_per_person_and_type(kit):
    number = make_id_number(9)
    take(kit, channel=TicketChannel.GUIDE, actor=kit.clerk1.user, id_number=number)
    with pytest.raises(Conflict) as err:
        take(kit, channel=TicketChannel.GUIDE, actor=kit.clerk1.user, id_number=number)
    assert err.value.code == "hall_ticket_exists"
    assert err.value.detail["number"] == "A001"
    assert take(kit, kit.estate, channel=TicketChannel.GUIDE, actor=kit.clerk1.user, id_number=number).number == "B001"


def test_daily_limit(kit):
    kit.general.daily_limit = 1
    kit.general.save()
    take(kit)
    with pytest.raises(Conflict) as err:
        take(kit)
    assert err.value.code == "hall_type_full"


def test_guide_desk_is_for_the_halls_staff(kit, world):
    with pytest.raises(PermissionDenied) as err:
        take(kit, channel=TicketChannel.GUIDE, actor=world.street_clerk.user)
    assert err.value.code == "hall_role_forbidden"


def test_phone_needs_sign_in_and_nearness_or_a_booking(kit, citizen):
    with pytest.raises(PermissionDenied) as err:
        take(kit, channel=TicketChannel.PHONE, actor=None)
    assert err.value.code == "hall_sign_in_required" and err.value.status == 401
    with pytest.raises(ValidationFailed) as err2:
        take(kit, channel=TicketChannel.PHONE, actor=citizen.user)
    assert err2.value.code == "hall_location_required"
    with pytest.raises(Conflict) as err3:
        take(kit, channel=TicketChannel.PHONE, actor=citizen.user, latitude=25.10, longitude=102.72)
    assert err3.value.code == "hall_too_far" and "米" in err3.value.message
    ticket = take(kit, channel=TicketChannel.PHONE, actor=citizen.user, latitude=25.041, longitude=102.721)
    assert ticket.user_id == citizen.user_id and ticket.person_id == citizen.pk
    with pytest.raises(Conflict) as err4:
        take(kit, channel=TicketChannel.PHONE, actor=citizen.user, latitude=25.041, longitude=102.721)
    assert err4.value.code == "hall_ticket_exists"


def test_staff_take_for_visitors_at_the_guide_desk_only(kit):
    with pytest.raises(PermissionDenied) as err:
        take(kit, channel=TicketChannel.PHONE, actor=kit.clerk1.user)
    assert err.value.code == "hall_role_forbidden"


# --- Calling ----------------------------------------------------------------------------------
def test_call_next_needs_an_open_window(kit):
    take(kit)
    with pytest.raises(Conflict) as err:
        services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 1))
    assert err.value.code == "hall_window_not_signed_on"


def test_call_next_in_service_order_and_by_the_windows_types(kit):
    normal = take(kit, now=monday(10, 0))
    estate = take(kit, kit.estate, now=monday(10, 1))
    priority = take(kit, channel=TicketChannel.GUIDE, actor=kit.clerk1.user, guide_checked=True, now=monday(10, 2))
    open_window(kit, kit.clerk1, kit.window1)
    first = services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 5))
    assert first is not None and first.pk == priority.pk
    assert first.status == TicketStatus.CALLED and first.window_id == kit.window1.pk
    assert first.clerk_id == kit.clerk1.pk and first.call_count == 1
    with pytest.raises(Conflict) as err:
        services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 6))
    assert err.value.code == "hall_window_busy"
    services.ticket_start(actor=kit.clerk1.user, ticket=first, now=monday(10, 6))
    services.ticket_finish(actor=kit.clerk1.user, ticket=first, now=monday(10, 10))
    second = services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 11))
    assert second is not None and second.pk == normal.pk
    services.ticket_no_show(actor=kit.clerk1.user, ticket=second, now=monday(10, 12))
    assert services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 13)) is None  # B is not ours
    open_window(kit, kit.clerk3, kit.window3)
    assert services.ticket_call_next(actor=kit.clerk3.user, now=monday(10, 14)).pk == estate.pk
    calls = list(QueueCall.objects.order_by("id").values_list("ticket__number", "window__number", "kind"))
    assert calls == [("A002", "01", "call"), ("A001", "01", "call"), ("B001", "03", "call")]


def test_paused_window_does_not_call(kit):
    take(kit)
    open_window(kit, kit.clerk1, kit.window1)
    services.window_set_status(actor=kit.clerk1.user, window=kit.window1, status=WindowStatus.PAUSED,
                               now=monday(10))
    with pytest.raises(Conflict) as err:
        services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 1))
    assert err.value.code == "hall_window_paused"


def test_recall_and_no_show_recall_within_the_halls_time(kit):
    ticket = take(kit)
    open_window(kit, kit.clerk1, kit.window1)
    services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 1))
    again = services.ticket_recall(actor=kit.clerk1.user, ticket=ticket, now=monday(10, 2))
    assert again.call_count == 2
    missed = services.ticket_no_show(actor=kit.clerk1.user, ticket=ticket, now=monday(10, 3))
    assert missed.status == TicketStatus.NO_SHOW
    assert missed.recall_until == monday(10, 3) + timedelta(minutes=kit.profile.no_show_recall_minutes)
    back = services.ticket_no_show_recall(actor=kit.clerk1.user, ticket=ticket, now=monday(10, 10))
    assert back.status == TicketStatus.CALLED and back.call_count == 3
    services.ticket_no_show(actor=kit.clerk1.user, ticket=ticket, now=monday(10, 11))
    with pytest.raises(Conflict) as err:
        services.ticket_no_show_recall(actor=kit.clerk1.user, ticket=ticket, now=monday(10, 40))
    assert err.value.code == "hall_recall_expired"
    kinds = list(QueueCall.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["call", "recall", "no_show_recall"]


def test_only_the_window_holding_a_number_acts_on_it(kit):
    ticket = take(kit)
    open_window(kit, kit.clerk1, kit.window1)
    open_window(kit, kit.clerk2, kit.window2)
    services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 1))
    with pytest.raises(Conflict) as err:
        services.ticket_start(actor=kit.clerk2.user, ticket=ticket, now=monday(10, 2))
    assert err.value.code == "hall_ticket_not_yours"
    with pytest.raises(Conflict) as err2:
        services.ticket_finish(actor=kit.clerk1.user, ticket=ticket, now=monday(10, 2))
    assert err2.value.code == "hall_ticket_state"


def test_transfer_to_another_type_goes_ahead_of_later_numbers(kit):
    moved = take(kit, now=monday(10, 0))
    later = take(kit, kit.estate, now=monday(10, 1))
    open_window(kit, kit.clerk1, kit.window1)
    services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 2))
    services.ticket_start(actor=kit.clerk1.user, ticket=moved, now=monday(10, 3))
    with pytest.raises(ValidationFailed) as err:
        services.ticket_transfer(actor=kit.clerk1.user, ticket=moved, business_type=kit.estate,
                                 window=kit.window2, now=monday(10, 4))
    assert err.value.code == "hall_transfer_window_type"
    transferred = services.ticket_transfer(actor=kit.clerk1.user, ticket=moved, business_type=kit.estate,
                                           note="需不动产专窗办理", now=monday(10, 4))
    assert transferred.status == TicketStatus.WAITING and transferred.number == "A001"
    assert transferred.rank == Rank.TRANSFERRED and transferred.transfers == 1
    open_window(kit, kit.clerk3, kit.window3)
    assert services.ticket_call_next(actor=kit.clerk3.user, now=monday(10, 5)).pk == moved.pk
    services.ticket_no_show(actor=kit.clerk3.user, ticket=moved, now=monday(10, 6))
    assert services.ticket_call_next(actor=kit.clerk3.user, now=monday(10, 7)).pk == later.pk


def test_transfer_to_a_window_reaches_that_window_only(kit):
    ticket = take(kit)
    take(kit, now=monday(10, 1))
    open_window(kit, kit.clerk1, kit.window1)
    open_window(kit, kit.clerk2, kit.window2)
    services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 2))
    services.ticket_transfer(actor=kit.clerk1.user, ticket=ticket, window=kit.window2, now=monday(10, 3))
    again = services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 4))
    assert again.number == "A002"
    assert services.ticket_call_next(actor=kit.clerk2.user, now=monday(10, 5)).pk == ticket.pk


def test_finish_links_the_cases_taken_in_as_one_trace(kit, world, citizen):
    item = service_item_make(department=world.dept_a, materials=1, name="个体工商户设立登记")
    ticket = take(kit, channel=TicketChannel.GUIDE, actor=kit.clerk1.user, id_number=citizen.id_number)
    assert ticket.person_id == citizen.pk
    open_window(kit, kit.clerk1, kit.window1)
    services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 1))
    services.ticket_start(actor=kit.clerk1.user, ticket=ticket, now=monday(10, 2))
    version = item.current_version
    case = case_services.case_window_intake(
        actor=kit.clerk1.user, item=item, person=citizen,
        paper=[str(m.public_id) for m in version.materials.all()], now=monday(10, 5))
    panel = selectors.panel_state(actor=kit.clerk1.user, now=monday(10, 6))
    assert panel.ticket.pk == ticket.pk
    assert [c.pk for c in panel.candidates] == [case.pk]
    assert "张*" in panel.person_label and citizen.id_number not in panel.person_label
    done = services.ticket_finish(actor=kit.clerk1.user, ticket=ticket, cases=[case], now=monday(10, 15))
    assert done.status == TicketStatus.DONE and done.finished_at == monday(10, 15)
    assert list(TicketCase.objects.filter(ticket=ticket).values_list("case_id", flat=True)) == [case.pk]
    note = CaseEvent.objects.get(case=case, action="note")
    assert note.title == "大厅排队号A001" and note.data["window"] == "01"
    assert selectors.window_of_clerk(actor=kit.clerk1.user).ticket_id is None


def test_finish_refuses_cases_out_of_reach(kit, world):
    from onewindow.cases.tests.factories import case_make

    item = service_item_make(department=world.dept_a, materials=1)
    hidden = case_make(item=item, region_path=world.street_clerk.region.path + "999/")
    open_window(kit, kit.clerk1, kit.window1)
    ticket = take(kit)
    services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 1))
    services.ticket_start(actor=kit.clerk1.user, ticket=ticket, now=monday(10, 2))
    hidden.region_path = "/999/"
    hidden.save(update_fields=["region_path"])
    with raises_code(NotFound, "case_not_found"):
        services.ticket_finish(actor=kit.clerk1.user, ticket=ticket, cases=[hidden], now=monday(10, 3))
    assert QueueTicket.objects.get(pk=ticket.pk).status == TicketStatus.SERVING  # nothing half-written


def test_citizen_cancels_own_waiting_number(kit, citizen, other_citizen):
    ticket = take(kit, channel=TicketChannel.PHONE, actor=citizen.user, latitude=25.04, longitude=102.72)
    with raises_code(NotFound, "hall_ticket_not_found"):
        services.ticket_cancel(actor=other_citizen.user, ticket=ticket, now=monday(10, 1))
    assert services.ticket_cancel(actor=citizen.user, ticket=ticket, now=monday(10, 1)).status == "cancelled"


# --- Priority passes from pre-review ----------------------------------------------------------
def _prereviewed_case(world, citizen):  # type: ignore[no-untyped-def]
    item = service_item_make(department=world.dept_a, materials=1, name="食品经营许可")
    draft = case_services.case_draft_create(actor=citizen.user, item=item)
    material = draft.materials.first()
    case_services.case_material_upload(actor=citizen.user, material=material, upload=_pdf())
    case = case_services.case_submit(actor=citizen.user, case=draft)
    return case_services.case_prereview(actor=world.reviewer_a.user, case=case)


def _pdf():  # type: ignore[no-untyped-def]
    from onewindow.cases.tests.helpers import pdf

    return pdf()


def test_prereview_event_gives_a_priority_number(kit, world, citizen):
    case = _prereviewed_case(world, citizen)
    assert case.status == CaseStatus.PREREVIEWED
    outbox_process()
    granted = PriorityPass.objects.get(case_ref=case.public_id)
    assert granted.person_ref == citizen.public_id
    ticket = take(kit, actor=citizen.user)  # identified at the kiosk
    assert ticket.rank == Rank.PRIORITY and ticket.priority_reason == PriorityReason.PREREVIEW
    granted.refresh_from_db()
    assert granted.used_by_id == ticket.pk
    outbox_process()  # handlers are idempotent: delivering again changes nothing
    assert PriorityPass.objects.count() == 1


def test_a_waiting_number_becomes_priority_when_the_prereview_arrives(kit, world, citizen):
    from django.utils import timezone

    now = timezone.now()
    ticket = QueueTicket.objects.create(
        hall=kit.hall, business_type=kit.general, day=selectors.today(now), seq=1, number="A001",
        channel=TicketChannel.KIOSK, region_path=kit.hall.region.path, person=citizen, taken_at=now)
    services.priority_pass_grant(payload={
        "case_id": "7a1c2b8e-0000-4000-8000-000000000001", "case_number": "X1", "item_name": "x",
        "region_path": kit.hall.region.path, "applicant": {"person_id": str(citizen.public_id), "user_id": None}})
    ticket.refresh_from_db()
    assert ticket.rank == Rank.PRIORITY and ticket.priority_reason == PriorityReason.PREREVIEW


# --- The day's close --------------------------------------------------------------------------
def test_day_close_ends_yesterdays_numbers_and_windows(kit):
    waiting = take(kit, now=monday(10))
    served = take(kit, now=monday(10, 1))
    open_window(kit, kit.clerk1, kit.window1)
    services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 2))  # calls A001
    services.ticket_no_show(actor=kit.clerk1.user, ticket=waiting, now=monday(10, 3))
    services.ticket_call_next(actor=kit.clerk1.user, now=monday(10, 4))
    services.ticket_start(actor=kit.clerk1.user, ticket=served, now=monday(10, 5))
    left = take(kit, now=monday(10, 6))
    result = services.day_close(now=at(2026, 12, 8, 7))
    assert result == {"expired": 1, "finished": 1, "windows": 1}
    assert QueueTicket.objects.get(pk=left.pk).status == TicketStatus.EXPIRED
    assert QueueTicket.objects.get(pk=waiting.pk).status == TicketStatus.NO_SHOW  # a miss stays a miss
    assert QueueTicket.objects.get(pk=served.pk).status == TicketStatus.DONE
    assert services.day_close(now=at(2026, 12, 8, 7)) == {"expired": 0, "finished": 0, "windows": 0}


def test_position_and_wait_for_the_citizens_phone(kit):
    open_window(kit, kit.clerk1, kit.window1)
    open_window(kit, kit.clerk2, kit.window2)
    tickets = [take(kit, now=monday(10, i)) for i in range(5)]
    payload = selectors.ticket_status_payload(tickets[4])
    assert payload["ahead"] == 4 and payload["number"] == "A005"
    assert payload["wait_minutes"] == 20  # 4 ahead × 10 minutes / 2 open windows
    assert "name" not in payload and "id_number" not in payload


def test_errors_are_domain_errors_with_codes(kit):
    with pytest.raises(DomainError) as err:
        services.ticket_transfer(actor=kit.clerk1.user, ticket=take(kit), now=monday(10, 1))
    assert err.value.code == "hall_transfer_target"


def test_panel_without_a_window(world):
    from onewindow.accounts.constants import Role
    from onewindow.accounts.tests.factories import staff_make

    loose = staff_make(username="loose", region=world.hall.region, roles=[Role.WINDOW_CLERK])
    assert selectors.panel_state(actor=loose.user).state is None
    citizen_make()
