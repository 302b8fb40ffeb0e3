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
