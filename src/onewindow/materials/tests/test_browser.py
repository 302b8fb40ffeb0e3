"""Browser journeys (issue 16, "Done when"), on a 360 px phone for citizens, strict CSP checked
by the ``page`` fixture:

1. a marriage certificate verified at a window in one case is reused in a second case without
   upload or check;
2. a D-level declaration is accepted on commitment and later picked for post-check;
3. a downloaded copy carries its watermark (B from the library, A from the e-licence library).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from conftest import browser_login
from onewindow.cases.constants import MaterialState
from onewindow.cases.models import Case
from onewindow.licences.tests.factories import licence_make
from onewindow.materials.constants import CheckStatus
from onewindow.materials.models import Commitment, CreditRecord, LibraryMaterial, MaterialUse

from .factories import marriage_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str) -> None:  # type: ignore[no-untyped-def]
    # Watermarking renders PDFs (WeasyPrint): allow a loaded machine its time.
    page.set_default_timeout(120_000)
    page.set_default_navigation_timeout(120_000)
    page.context.clear_cookies()
    browser_login(page, username)


def fits_phone(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def start_application(page, item) -> Case:  # type: ignore[no-untyped-def]
    page.goto(f"/cases/apply/{item.public_id}/")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    return Case.objects.filter(item=item).latest("id")


def scan_pdf(title: str) -> bytes:
    """A real one-page PDF (the copies made from it are watermarked page by page)."""
    from weasyprint import HTML

    return HTML(string=f"<h1>{title}</h1><p>扫描件（测试）</p>").write_pdf()  # type: ignore[no-any-return]


def upload(page, row_id, name: str) -> None:  # type: ignore[no-untyped-def]
    row = page.locator(f"#m-{row_id}")
    row.locator("input[type=file]").set_input_files({"name": name, "mimeType": "application/pdf",
                                                     "buffer": scan_pdf(name)})
    row.locator("button[type=submit]").click()
    page.locator(f"#m-{row_id} .badge-ok").wait_for()


def submit(page) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.locator("#submit-application").click()


def test_certificate_verified_once_is_reused_without_upload_or_check(page, world, citizen):  # type: ignore[no-untyped-def]
    first_item = marriage_item(world.dept_a, name="生育登记")
    second_item = marriage_item(world.dept_b, name="再生育审批")
    second_item.current_version.materials.filter(order=0).update(name="结婚证（复印件）")

    # Case 1: the citizen uploads the certificate on a phone and submits.
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "citizen")
    case = start_application(page, first_item)
    for row in case.materials.order_by("order"):
        upload(page, row.public_id, f"{row.name}.pdf")
    submit(page)
    cert = case.materials.get(order=0)
    assert cert.trust_level == "C"

    # The window clerk checks the original: B level, kept in the citizen's material library.
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "clerk")
    page.goto(f"/cases/{case.public_id}/")
    assert "待核验：2 项" in page.locator("#to-check").inner_text()
    with page.expect_navigation():
        page.locator(f"#m-{cert.public_id}").get_by_role("button", name="已核验原件，存入申请人材料库").click()
    assert "B级" in page.locator(f"#m-{cert.public_id}").inner_text()
    assert "待核验：1 项" in page.locator("#to-check").inner_text()
    entry = LibraryMaterial.objects.get(holder_person=citizen)
    assert entry.verifier_name == "综合窗口小李"

    # Case 2, another department: the checklist says the certificate needs no upload.
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "citizen")
    page.goto(f"/cases/apply/{second_item.public_id}/")
    assert "免提交：材料库中已有核验件" in page.locator("main").inner_text()
    assert fits_phone(page)
    second = start_application(page, second_item)
    reused = second.materials.get(order=0)
    row = page.locator(f"#m-{reused.public_id}")
    assert "免提交（材料库已核验）" in row.inner_text() and "B级" in row.inner_text()
    assert row.locator("input[type=file]").count() == 0
    declaration = second.materials.get(order=1)
    upload(page, declaration.public_id, "婚育情况声明.pdf")
    assert fits_phone(page)
    submit(page)
    second.refresh_from_db()
    reused.refresh_from_db()
    assert reused.state == MaterialState.LIBRARY and reused.watermark.startswith("此件经与原件核对无误")

    # The clerk of case 2 is asked only for the declaration; nothing to do for the certificate.
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "clerk")
    page.goto(f"/cases/{second.public_id}/")
    to_check = page.locator("#to-check").inner_text()
    assert "待核验：1 项" in to_check and "婚育情况声明" in to_check and "结婚证" not in to_check
    assert page.locator(f"#m-{reused.public_id}").get_by_role("button").count() == 0
    assert MaterialUse.objects.get().case_ref == second.number


def test_declaration_accepted_on_commitment_and_picked_for_post_check(page, world, citizen, settings):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a, name="生育登记", promise=True)
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "citizen")
    page.goto(f"/cases/apply/{item.public_id}/")
    assert "可书面承诺代替" in page.locator("main").inner_text()
    case = start_application(page, item)
    cert, declaration = case.materials.order_by("order")
    upload(page, cert.public_id, "结婚证.pdf")
    row = page.locator(f"#m-{declaration.public_id}")
    assert "记入信用记录" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("button", name="我承诺，不再提交该材料").click()
    row = page.locator(f"#m-{declaration.public_id}")
    assert "告知承诺" in row.inner_text() and "D级" in row.inner_text() and "如有不实" in row.inner_text()
    assert fits_phone(page)
    submit(page)
    case.refresh_from_db()
    commitment = Commitment.objects.get()
    assert commitment.check_status == CheckStatus.PENDING

    # The timer's job draws it (share 100 % here).
    from onewindow.materials.tasks import postcheck_draw_job

    settings.ONEWINDOW_POSTCHECK_SHARE = 1.0
    postcheck_draw_job()
    commitment.refresh_from_db()
    assert commitment.check_status == CheckStatus.SCHEDULED

    # The department's reviewer finds it among the post-checks and records a false commitment.
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "reviewer_a")
    page.goto("/staff/materials/postchecks/")
    card = page.locator(f"#pc-{commitment.public_id}")
    assert case.number in card.inner_text() and "婚育情况声明" in card.inner_text()
    card.get_by_label("核查情况").fill("经民政部门核实，婚育情况与声明不符")
    with page.expect_navigation():
        card.get_by_role("button", name="承诺不实，记入信用记录").click()
    assert "核查结果已登记" in page.locator("main").inner_text()
    assert CreditRecord.objects.get().holder_person == citizen

    # The citizen sees the credit record on 我的材料.
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "citizen")
    page.goto("/me/materials/")
    assert "信用记录" in page.locator("main").inner_text() and case.number in page.locator("main").inner_text()
    assert fits_phone(page)


def test_downloaded_copies_carry_their_watermark(page, world, citizen):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from .test_services import _verified

    _verified(world, citizen, marriage_item(world.dept_a))
    licence_make(type_code="ID_CARD", holder=citizen)
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "citizen")
    page.goto("/me/")
    with page.expect_navigation():
        page.get_by_role("link", name="我的材料").click()
    main = page.locator("main")
    assert "已核验材料（B级）" in main.inner_text() and "综合窗口小李" in main.inner_text()
    assert fits_phone(page)
    entry = LibraryMaterial.objects.get()
    card = page.locator(f"#lib-{entry.public_id}")
    card.get_by_label("副本用途").fill("办理护照")
    with page.expect_download() as download:
        card.get_by_role("button", name="下载带水印副本").click()
    data = Path(download.value.path()).read_bytes()
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "此件经与原件核对无误，仅供办理政务服务事项时使用" in text and "办理护照" in text
    # the A-level copy of the e-licence says who issued it and for what
    licence_form = page.locator("form[action*='/me/materials/licences/']")
    licence_form.get_by_label("副本用途").fill("办理护照")
    with page.expect_download() as download:
        licence_form.get_by_role("button", name="下载带水印副本").click()
    text = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages[0].extract_text()
    assert "提供，仅供办理护照事项使用" in text.replace("\n", "")
    # both downloads are traced with their watermark, shown to the citizen
    page.reload()
    assert page.locator("td.mat-wm").count() == 2
    assert {u.watermark for u in MaterialUse.objects.all()} == {
        c.inner_text() for c in page.locator("td.mat-wm").all()}
