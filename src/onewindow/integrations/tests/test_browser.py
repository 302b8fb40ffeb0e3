"""Browser journey: an administrator creates a service account, copies the secret shown once,
and the machine client exchanges it for a token."""

import pytest
from django.test import Client

from conftest import browser_login
from onewindow.accounts.constants import Role
from onewindow.accounts.models import ServiceClient
from onewindow.accounts.tests.factories import staff_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_creates_a_client_and_the_secret_works(page, district):
    admin = staff_make(username="district_admin", region=district.district, roles=[Role.ADMINISTRATOR])
    admin.user.set_password("Passw0rd!2026")
    admin.user.save()
    browser_login(page, "district_admin")
    page.goto("/staff/integrations/clients/")
    page.get_by_label("账户名称").fill("省数据交换平台")
    page.get_by_label("权限范围").fill("cases:read")
    page.get_by_label("可访问区划").select_option(label="盘龙区")
    page.get_by_role("button", name="创建并显示密钥").click()
    secret = page.locator("#client-secret").inner_text()
    client_id = page.locator("#client-id").inner_text()
    assert secret.startswith("ows_") and ServiceClient.objects.filter(client_id=client_id).exists()
    answer = Client().post("/api/v1/auth/client-tokens", {"client_id": client_id, "client_secret": secret},
                           content_type="application/json")
    assert answer.status_code == 201 and answer.json()["scope"] == "cases:read"
    page.get_by_role("link", name="返回服务账户").click()
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.locator(f"tr[data-client='{client_id}']").is_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_client_page_with_webhook_and_log_fits_a_phone(page, district, settings):
    from onewindow.accounts import services as account_services
    from onewindow.core.events import event_publish, outbox_process
    from onewindow.integrations import services

    settings.ONEWINDOW_WEBHOOK_ALLOW_PRIVATE = True
    settings.ONEWINDOW_WEBHOOK_ALLOW_HTTP = True
    admin = staff_make(username="district_admin", region=district.district, roles=[Role.ADMINISTRATOR])
    admin.user.set_password("Passw0rd!2026")
    admin.user.save()
    sc, _ = account_services.service_client_create(actor=admin.user, name="省政务服务数据交换平台",
                                                   scopes="tickets:read cases:read", region=district.district)
    browser_login(page, "district_admin")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/staff/integrations/clients/{sc.client_id}/")
    page.get_by_label("接收地址").fill("http://127.0.0.1:9/hooks/a-rather-long-path/onewindow/exchange/receiver")
    page.get_by_label("12345工单已办结（ticket.closed）").check()
    page.get_by_role("button", name="订阅").click()
    assert page.locator("#webhook-secret").inner_text().startswith("whsec_")
    event_publish(name="ticket.closed", payload={"ticket": "1c7a5f0e-7d2b-4c1e-9a43-5b1f0c2d9e11",
                                                 "number": "T1", "status": "closed",
                                                 "region_path": district.community_a1.path})
    outbox_process()
    services.webhooks_deliver_due()
    page.goto(f"/staff/integrations/clients/{sc.client_id}/")
    assert page.locator("#delivery-log").get_by_text("失败待重试").is_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
