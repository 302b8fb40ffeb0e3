"""Browser journeys (Playwright on Chromium, strict CSP enforced by the ``page`` fixture):
one case from online application through supplement, acceptance, review and approval to the
PDF and the page its QR code points at; and a combined application across two departments."""

from __future__ import annotations

import io
from urllib.parse import urlparse

import pytest

from conftest import browser_login
from onewindow.cases.constants import BundleStatus, CaseStatus
from onewindow.cases.models import Case, CaseBundle
from onewindow.licences.tests.factories import licence_make

from .helpers import PDF_BYTES, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    browser_login(page, username)


def file_payload(name: str, data: bytes = PDF_BYTES, mime: str = "application/pdf") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def open_case(page, case: Case) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/cases/{case.public_id}/")


def act(page, button_id: str) -> None:  # type: ignore[no-untyped-def]
    """Submit a form with a full page load (POST, redirect, GET)."""
    with page.expect_navigation():
        page.locator(f"#{button_id}").click()


def qr_texts(pdf: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    texts: list[str] = []
    for pdf_page in PdfReader(io.BytesIO(pdf)).pages:
        for image in pdf_page.images:
            texts += [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))]
    return texts


def test_one_case_from_online_application_to_verified_pdf(page, live_server, settings, world, citizen,
                                                          item_a, tmp_path):
    settings.ONEWINDOW_PUBLIC_URL = live_server.url
    licence_make(type_code="ID_CARD", holder=citizen)  # the ID card is 免提交

    # The citizen applies online (mobile-sized screen).
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "citizen")
    page.goto(f"/cases/apply/{item_a.public_id}/")
    assert page.locator(".badge-free").count() == 1
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    case = Case.objects.get(applicant_person=citizen)
    assert case.status == CaseStatus.DRAFT
    required = case.materials.order_by("order")[1]
    row = page.locator(f"#m-{required.public_id}")
    # a wrong file is refused by content with a clear message, in place
    row.locator("input[type=file]").set_input_files(file_payload("营业执照.pdf", b"MZ not a pdf"))
    row.locator("button[type=submit]").click()
    assert "不是 PDF、JPG 或 PNG 文件" in page.locator(f"#m-{required.public_id} .error-inline").inner_text()
    row = page.locator(f"#m-{required.public_id}")
    row.locator("input[type=file]").set_input_files(file_payload("营业执照.pdf"))
    row.locator("button[type=submit]").click()
    page.locator(f"#m-{required.public_id} .badge-ok").wait_for()
    act(page, "submit-application")
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and page.locator("#case-number").inner_text() == case.number

    # The integrated window finds it in the queue and asks for a supplement (one notice).
    login(page, "clerk")
    page.goto("/cases/staff/?tab=open")
    page.get_by_role("link", name=case.number).click()
    page.locator("details:has(#do-supplement) summary").click()
    page.locator(f"input[name=material][value='{required.public_id}']").check()
    page.locator(f"input[name='reason_{required.public_id}']").fill("复印件不清晰")
    page.locator("#sup-other").fill("门头照片：请补充")
    act(page, "do-supplement")
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENT and case.paused_since is not None

    # The citizen sees what is missing, uploads it again and resubmits.
    login(page, "citizen")
    open_case(page, case)
    assert "复印件不清晰" in page.locator(".notice-box").first.inner_text()
    row = page.locator(f"#m-{required.public_id}")
    row.locator("input[type=file]").set_input_files(file_payload("营业执照.png", png_bytes(), "image/png"))
    row.locator("button[type=submit]").click()
    page.locator(f"#m-{required.public_id} .badge-ok").wait_for()
    act(page, "resubmit")
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.paused_since is None

    # Pre-review and acceptance at the window.
    login(page, "clerk")
    open_case(page, case)
    act(page, "do-prereview")
    act(page, "do-accept")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.promised_due_at is not None

    # The back office reviews, inspects the site and approves.
    login(page, "reviewer_a")
    page.goto("/cases/staff/?tab=department")
    page.get_by_role("link", name=case.number).click()
    page.locator("#opinion").fill("材料齐全，符合条件")
    act(page, "do-step")
    page.locator("#rec-date").fill("2026-11-24")
    page.locator("#rec-place").fill("白塔路88号")
    page.locator("#rec-inspectors").fill("甲、乙")
    page.locator("#rec-findings").fill("经营场所与申请一致")
    act(page, "do-step")
    page.locator("#ap-reason").fill("准予变更")
    act(page, "do-approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.result_licence_ref is not None

    # The citizen downloads the PDF; its QR code leads to the verification page.
    login(page, "citizen")
    open_case(page, case)
    code = page.locator("#verification-code").inner_text()
    with page.expect_download() as download_info:
        page.locator("#result-pdf").click()
    target = tmp_path / "result.pdf"
    download_info.value.save_as(target)
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF-")
    urls = qr_texts(pdf)
    assert len(urls) == 1 and urls[0].startswith(live_server.url)
    page.goto(urlparse(urls[0]).path)
    verdict = page.locator("section.verify-result")
    assert verdict.get_attribute("data-status") == "valid"
    assert "真实有效" in verdict.inner_text() and code.replace("-", "") in urls[0].replace("-", "")


def test_combined_application_across_two_departments(page, live_server, world, agent, item_simple, item_b):
    _person, enterprise = agent
    login(page, "agent")
    page.goto("/cases/bundles/new/")
    page.locator(f"input[name=item][value='{item_simple.public_id}']").check()
    page.locator(f"input[name=item][value='{item_b.public_id}']").check()
    page.locator("#b-name").fill("开餐馆“一件事”")
    page.locator("#b-ent").select_option(str(enterprise.public_id))
    act(page, "bundle-start")
    bundle = CaseBundle.objects.get(applicant_enterprise=enterprise)
    forms = page.locator(".checklist form")
    assert forms.count() == 4
    for i in range(4):
        form = page.locator(".checklist form").nth(i)
        form.locator("input[type=file]").set_input_files(file_payload("材料.pdf"))
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
    act(page, "bundle-submit")
    bundle.refresh_from_db()
    assert bundle.status == BundleStatus.IN_PROGRESS
    assert page.locator("#bundle-number").inner_text() == bundle.number
    parts = {c.department_id: c for c in bundle.cases.all()}

    # Each department handles its own part in parallel.
    for username, department in (("reviewer_a", world.dept_a), ("reviewer_b", world.dept_b)):
        part = parts[department.id]
        login(page, username)
        page.goto("/cases/staff/?tab=department")
        others = [p.number for p in parts.values() if p.pk != part.pk]
        assert page.get_by_role("link", name=others[0]).count() == 0
        page.get_by_role("link", name=part.number).click()
        act(page, "do-prereview")
        act(page, "do-accept")
        while page.locator("#do-step").count():
            page.locator("#opinion").fill("同意")
            act(page, "do-step")
        act(page, "do-approve")
        part.refresh_from_db()
        assert part.status == CaseStatus.APPROVED
        bundle.refresh_from_db()
        expected = BundleStatus.COMPLETED if username == "reviewer_b" else BundleStatus.IN_PROGRESS
        assert bundle.status == expected

    login(page, "agent")
    page.goto(f"/cases/bundles/{bundle.public_id}/")
    assert page.locator("#bundle-status").inner_text() == "已全部办结"
    assert page.locator("table .badge").count() == 2
