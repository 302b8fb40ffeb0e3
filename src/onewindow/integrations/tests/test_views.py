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


def test_client_page_subscribes_shows_secret_once_and_the_delivery_log(client, admin_staff, district, settings):
    from onewindow.accounts import services as account_services
    from onewindow.core.events import event_publish, outbox_process
    from onewindow.integrations import services
    from onewindow.integrations.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

    settings.ONEWINDOW_WEBHOOK_ALLOW_PRIVATE = True
    settings.ONEWINDOW_WEBHOOK_ALLOW_HTTP = True
    sc, _ = account_services.service_client_create(actor=admin_staff.user, name="交换平台", scopes="tickets:read",
                                                   region=district.district)
    client.force_login(admin_staff.user)
    url = f"/staff/integrations/clients/{sc.client_id}/"
    refused = client.post(url, {"url": "ftp://x", "events": ["ticket.closed"]})
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.content.decode()
    created = client.post(url, {"url": "http://127.0.0.1:9/hook", "events": ["ticket.closed"]})
    assert created.status_code == 201
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in created.content.decode()
    assert subscription.secret not in client.get(url).content.decode()
    event_publish(name="ticket.closed", payload={"ticket": "1c7a5f0e-7d2b-4c1e-9a43-5b1f0c2d9e11",
                                                 "number": "T1", "status": "closed",
                                                 "region_path": district.community_b1.path})
    outbox_process()
    services.webhooks_deliver_due()  # nobody listens on port 9: a failed attempt
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    log = client.get(url, {"status": "failed"}).content.decode()
    assert str(delivery.public_id) in log and "失败待重试" in log
    assert str(delivery.public_id) not in client.get(url, {"status": "succeeded"}).content.decode()
    again = client.post(f"{url}deliveries/{delivery.public_id}/redeliver/")
    assert again.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
    assert client.post(f"{url}webhooks/{subscription.public_id}/delete/").status_code == 302
    subscription.refresh_from_db()
    assert not subscription.is_active


def test_demo_step_is_idempotent(district):
    from onewindow.integrations.demo import CLIENTS, integrations_demo_load

    staff_make(username="admin", region=district.district, roles=[Role.ADMINISTRATOR])
    assert integrations_demo_load() == {"服务账户": len(CLIENTS)}
    assert integrations_demo_load() == {"服务账户": 0}
    assert ServiceClient.objects.count() == len(CLIENTS)


def test_administrator_changes_scopes_and_reach(client, admin_staff, district):
    from onewindow.accounts import services as account_services
    from onewindow.core.models import AuditEntry

    sc, _ = account_services.service_client_create(actor=admin_staff.user, name="交换平台", scopes="cases:read",
                                                   region=district.street_a)
    client.force_login(admin_staff.user)
    url = f"/staff/integrations/clients/{sc.client_id}/"
    page = client.get(url).content.decode()
    assert 'value="cases:read"' in page
    bad = client.post(f"{url}edit/", {"scopes": "cases:fly", "region": district.street_b.pk})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()
    done = client.post(f"{url}edit/", {"scopes": "cases:read tickets:read", "region": district.street_b.pk,
                                       "roles": [Role.HOTLINE_OPERATOR]})
    assert done.status_code == 302
    sc.refresh_from_db()
    assert sc.scopes == ["cases:read", "tickets:read"]
    assert sc.user.staff.region == district.street_b and sc.user.staff.roles == [Role.HOTLINE_OPERATOR]
    entry = AuditEntry.objects.get(action="service_client.update")
    assert entry.summary["before"]["scopes"] == ["cases:read"] and entry.actor_label == "district_admin"
