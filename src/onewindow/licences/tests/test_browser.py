"""Browser journey: a citizen downloads an issued licence; anyone verifies it by QR URL or code."""

from __future__ import annotations

import pytest

from conftest import browser_login
from onewindow.licences import services

from .factories import citizen_make, person_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def issued(district, settings, live_server):  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_PUBLIC_URL = live_server.url
    from onewindow.accounts.tests.factories import DepartmentFactory

    market = DepartmentFactory(code="530103-SCJGJ", name="盘龙区市场监督管理局", region=district.district)
    citizen = citizen_make(username="verify_citizen", name="诸葛明亮")
    licence = services.licence_issue(actor=None, type_code="HEALTH_CERT", holder_person=citizen,
                                     data={"体检结论": "合格"}, source_ref="BJ20260518001", department=market)
    return citizen, licence


def test_public_verification_page_of_an_issued_licence(page, issued):
    citizen, licence = issued
    assert licence.verify_url.endswith(licence.verify_path)
    page.goto(licence.verify_path)
    verdict = page.locator("section.verify-result")
    assert verdict.get_attribute("data-status") == "valid"
    text = verdict.inner_text()
    assert "真实有效" in text and licence.number in text and "健康证明" in text
    assert "诸**亮" in text and citizen.id_number not in page.content()

    # typing the grouped code in lower case on the form finds the same document
    page.goto("/verify/")
    page.locator("#code").fill(licence.verification_code_display.lower())
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(f"**{licence.verify_path}")
    assert page.locator("section.verify-result").get_attribute("data-status") == "valid"

    page.goto("/verify/2345-6789-ABCD-EFGH/")
    assert page.locator("section.verify-result").get_attribute("data-status") == "unknown"


def test_holder_opens_my_licences_and_downloads_the_pdf(page, issued):
    _citizen, licence = issued
    person_make(name="旁人")
    browser_login(page, "verify_citizen")
    page.goto("/me/licences/")
    page.get_by_role("link", name="健康证明").click()
    page.wait_for_load_state()  # the click waits for the new page to start, not to be all there
    assert licence.verification_code_display in page.content()
    response = page.request.get(f"/me/licences/{licence.public_id}/pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF")
