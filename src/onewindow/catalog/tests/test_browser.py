"""Browser journey: an administrator creates, publishes and versions a service item."""

import pytest

from conftest import browser_login
from onewindow.catalog.constants import VersionStatus
from onewindow.catalog.models import ServiceItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_creates_versions_and_publishes(page, admin, dept):  # type: ignore[no-untyped-def]
    browser_login(page, "cat_admin")
    page.goto("/staff/catalog/new/")
    page.select_option("#department_code", dept.code)
    page.fill("#implementation_code", "BROWSER-0001")
    page.fill("#name", "个体工商户设立登记")
    page.select_option("#item_type", "07")
    page.fill("#legal_limit_value", "15")
    page.fill("#promised_limit_value", "1")
    page.fill("#place", "区政务服务中心一楼")
    page.fill("#conditions", "有经营能力的公民")
    page.fill("#legal_basis", "促进个体工商户发展条例｜第八条｜")
    page.locator("form.cat-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    item = ServiceItem.objects.get(implementation_code="BROWSER-0001")
    assert f"/staff/catalog/items/{item.public_id}/" in page.url

    page.locator(f"a[href='/staff/catalog/items/{item.public_id}/materials/']").first.click()
    page.fill("#m-name", "经营者身份证明")
    page.fill("#m-licence", "ID_CARD")
    page.locator("form.stack button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert "经营者身份证明" in page.content()

    page.goto(f"/staff/catalog/items/{item.public_id}/")
    page.locator(f"form[action='/staff/catalog/items/{item.public_id}/publish/'] button").click()
    page.wait_for_load_state("networkidle")
    item.refresh_from_db()
    assert item.current_version is not None and item.current_version.number == 1

    # Edit the published item: a second version appears as a draft, then is published.
    page.goto(f"/staff/catalog/items/{item.public_id}/edit/")
    page.fill("#promised_limit_value", "0")
    page.fill("#change_note", "即办")
    page.locator("form.cat-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "即办" in page.content()
    page.locator(f"form[action='/staff/catalog/items/{item.public_id}/publish/'] button").click()
    page.wait_for_load_state("networkidle")
    item.refresh_from_db()
    assert item.current_version.number == 2 and item.current_version.promised_limit_value == 0
    assert item.versions.get(number=1).status == VersionStatus.RETIRED

    page.goto(f"/staff/catalog/items/{item.public_id}/versions/")
    assert page.locator("table.cat-diff").count() == 1
    assert "承诺时限" in page.locator("table.cat-diff").inner_text()
