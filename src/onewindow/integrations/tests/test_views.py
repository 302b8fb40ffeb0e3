"""The administrator's service account page: create (secret shown once), rotate, revoke."""

import pytest

from onewindow.accounts.constants import Role
from onewindow.accounts.models import ServiceClient
from onewindow.accounts.tests.factories import staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_staff(district):
    return staff_make(username="district_admin", region=district.district, roles=[Role.ADMINISTRATOR])


def test_only_administrators_see_the_page(client, clerk_a, admin_staff):
    client.force_login(clerk_a.user)
    assert client.get("/staff/integrations/clients/").status_code == 404
    client.force_login(admin_staff.user)
    page = client.get("/staff/integrations/clients/")
    assert page.status_code == 200 and "服务账户" in page.content.decode()


def test_create_shows_secret_once_then_rotate_and_revoke(client, admin_staff, district):
    client.force_login(admin_staff.user)
    created = client.post("/staff/integrations/clients/", {
        "name": "12345话务系统", "contact": "ops@example.org", "scopes": "tickets:create tickets:read",
        "region": district.street_a.pk, "roles": [Role.HOTLINE_OPERATOR]})
    assert created.status_code == 201
    html = created.content.decode()
    sc = ServiceClient.objects.get()
    assert sc.client_id in html and "ows_" in html and "只显示这一次" in html
    assert created["Cache-Control"].startswith("no-store")
    listing = client.get("/staff/integrations/clients/").content.decode()
    assert sc.client_id in listing and "ows_" not in listing
    rotated = client.post(f"/staff/integrations/clients/{sc.client_id}/rotate/")
    assert rotated.status_code == 200 and "ows_" in rotated.content.decode()
    assert client.post(f"/staff/integrations/clients/{sc.client_id}/revoke/").status_code == 302
    sc.refresh_from_db()
    assert sc.revoked_at is not None and not sc.user.is_active


def test_bad_scope_is_marked_on_its_field(client, admin_staff, district):
    client.force_login(admin_staff.user)
    answer = client.post("/staff/integrations/clients/", {"name": "x", "scopes": "tickets:delete",
                                                          "region": district.district.pk})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'aria-invalid="true"' in html and "无法识别的权限范围" in html
    assert not ServiceClient.objects.exists()


def test_other_regions_clients_are_not_found(client, admin_staff, district):
    from onewindow.accounts import services

    sc, _ = services.service_client_create(actor=admin_staff.user, name="甲", scopes="cases:read",
                                           region=district.street_a)
    street_b_admin = staff_make(username="b_admin", region=district.street_b, roles=[Role.ADMINISTRATOR])
    client.force_login(street_b_admin.user)
    assert sc.client_id not in client.get("/staff/integrations/clients/").content.decode()
    assert client.post(f"/staff/integrations/clients/{sc.client_id}/revoke/").status_code == 404
