"""Setting up a hall in the admin: business types with a checked prefix and the hall's own
windows, hall settings with coherent hours; numbers and appointments read-only and masked."""

from __future__ import annotations

import pytest

from onewindow.accounts.tests.factories import UserFactory, make_id_number
from onewindow.hall import services
from onewindow.hall.constants import TicketChannel
from onewindow.hall.models import BusinessType, HallProfile

from .factories import kit_make, monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True, kind="staff"))
    return client


def _type_form(kit, **changes):  # type: ignore[no-untyped-def]
    data = {"hall": kit.hall.pk, "code": "social", "name": "社保医保", "prefix": "c", "order": 3, "is_active": "on",
            "windows": [kit.window1.pk], "service_minutes": 8, "daily_limit": "", "booking_enabled": "on",
            "slot_minutes": 60, "slot_capacity": 4}
    data.update(changes)
    return data


def test_a_business_type_is_set_up_with_a_checked_prefix_and_the_halls_windows(admin_client, world):
    kit = kit_make(world)
    index = admin_client.get("/admin/").content.decode()
    assert "服务大厅" in index and "业务类型" in index and "大厅设置" in index
    bad = admin_client.post("/admin/hall/businesstype/add/", _type_form(kit, prefix="1"))
    assert bad.status_code == 200 and "号码字头应为1至2个英文字母" in bad.content.decode()
    other_hall = world.hall.__class__.objects.create(name="另一个大厅", region=world.hall.region)
    foreign = other_hall.windows.create(number="09", name="外厅窗口")
    wrong = admin_client.post("/admin/hall/businesstype/add/", _type_form(kit, windows=[foreign.pk]))
    assert wrong.status_code == 200 and "不属于该大厅" in wrong.content.decode()
    assert not BusinessType.objects.filter(code="social").exists()
    made = admin_client.post("/admin/hall/businesstype/add/", _type_form(kit))
    assert made.status_code == 302
    social = BusinessType.objects.get(code="social")
    assert social.prefix == "C" and list(social.windows.all()) == [kit.window1]
    ticket = services.ticket_take(actor=None, hall=kit.hall, business_type=social, channel=TicketChannel.KIOSK,
                                  now=monday())
    assert ticket.number == "C001"


def test_hall_settings_refuse_incoherent_hours(admin_client, world):
    kit = kit_make(world)
    url = f"/admin/hall/hallprofile/{kit.profile.pk}/change/"
    assert admin_client.get(url).status_code == 200
    form = {f: getattr(kit.profile, f) for f in (
        "last_take_minutes", "priority_age", "no_show_recall_minutes", "phone_take_distance_m",
        "booking_days_ahead", "booking_cutoff_minutes", "checkin_early_minutes", "checkin_late_minutes",
        "no_show_limit", "no_show_period_days", "no_show_block_days", "latitude", "longitude")}
    form.update({"hall": kit.hall.pk, "opens_at": "17:00", "closes_at": "09:00", "lunch_from": "12:00",
                 "lunch_to": "", "priority_prereview": "on", "priority_age": 65})
    refused = admin_client.post(url, form)
    body = refused.content.decode()
    assert refused.status_code == 200 and "下班时间应晚于开始取号时间" in body and "须同时填写" in body
    form.update({"opens_at": "08:30", "closes_at": "17:30", "lunch_to": "13:30"})
    assert admin_client.post(url, form).status_code == 302
    profile = HallProfile.objects.get(pk=kit.profile.pk)
    assert (profile.priority_age, profile.priority_guide_check, str(profile.opens_at)) == (65, False, "08:30:00")


def test_numbers_are_read_only_with_the_name_masked_and_no_id_number(admin_client, world):
    kit = kit_make(world)
    number = make_id_number(7)
    services.ticket_take(actor=kit.clerk1.user, hall=kit.hall, business_type=kit.general,
                         channel=TicketChannel.GUIDE, id_number=number, name="欧阳明月", now=monday())
    listing = admin_client.get("/admin/hall/queueticket/").content.decode()
    assert "A001" in listing and "欧阳明月" not in listing and number not in listing
    assert admin_client.get("/admin/hall/queueticket/add/").status_code == 403
    assert admin_client.get("/admin/hall/appointment/add/").status_code == 403
