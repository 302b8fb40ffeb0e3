"""The material library through the cases app's services: C → B at the window, reuse without
upload or check, watermarked copies with their trace, consent, commitments and post-checks."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.cases import services as case_services
from onewindow.cases.constants import MaterialState
from onewindow.cases.tests.helpers import pdf
from onewindow.core.errors import Conflict, NotFound, ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.materials import selectors, services
from onewindow.materials.constants import CheckStatus, LibraryStatus, UseKind
from onewindow.materials.models import Commitment, CreditRecord, LibraryMaterial, MaterialUse
from onewindow.materials.watermark import watermark_read

from .factories import marriage_item, submitted_with_upload

pytestmark = pytest.mark.django_db


def _real_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>结婚证</h1><p>持证人 张三</p>").write_pdf()


def _verified(world, citizen, item):  # type: ignore[no-untyped-def]
    """Case 1: the citizen uploads the marriage certificate; the clerk checks the original."""
    case = case_services.case_draft_create(actor=citizen.user, item=item)
    rows = list(case.materials.order_by("order"))
    for row in rows:
        row.case = case
        case_services.case_material_upload(actor=citizen.user, material=row,
                                           upload=pdf(f"{row.name}.pdf", _real_pdf()))
    case = case_services.case_submit(actor=citizen.user, case=case)
    cert = case.materials.get(order=0)
    cert.case = case
    assert cert.trust_level == "C"
    cert = case_services.case_material_paper(actor=world.clerk.user, material=cert,
                                             valid_until=timezone.localdate() + timedelta(days=400))
    return case, cert


def test_clerk_check_turns_an_upload_into_a_b_level_library_material(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a)
    case, cert = _verified(world, citizen, item)
    assert cert.state == MaterialState.PAPER and cert.trust_level == "B"
    assert "综合窗口小李" in cert.trust_source and "材料库" in cert.trust_source
    entry = LibraryMaterial.objects.get(public_id=cert.library_ref)
    assert entry.holder_person == citizen and entry.key == "name:结婚证"
    assert entry.verifier_name == "综合窗口小李" and entry.source_case_ref == case.number
    assert entry.valid_until == timezone.localdate() + timedelta(days=400)
    assert entry.status == LibraryStatus.VALID and entry.reuse_allowed
    assert AuditEntry.objects.filter(action="material.verify", object_id=str(entry.public_id)).exists()


def test_verified_material_is_reused_in_a_second_case_without_upload_or_check(world, citizen):  # type: ignore[no-untyped-def]
    _verified(world, citizen, marriage_item(world.dept_a))
    second_item = marriage_item(world.dept_b, name="再生育审批")
    second_item.current_version.materials.filter(order=0).update(name="结婚证（复印件）")
    draft = case_services.case_draft_create(actor=citizen.user, item=second_item)
    cert = draft.materials.get(order=0)
    assert cert.state == MaterialState.LIBRARY and cert.trust_level == "B"
    assert "核验原件" in cert.trust_source
    other = draft.materials.get(order=1)
    other.case = draft
    case_services.case_material_upload(actor=citizen.user, material=other, upload=pdf())
    case = case_services.case_submit(actor=citizen.user, case=draft)
    cert.refresh_from_db()
    # the case holds a watermarked copy, and the use is traced with the watermark's text
    assert cert.watermark.startswith("此件经与原件核对无误，仅供办理政务服务事项时使用")
    assert case.number in cert.watermark
    with cert.file.open("rb") as handle:
        assert watermark_read(handle.read(), cert.content_type) == cert.watermark
    use = MaterialUse.objects.get(kind=UseKind.CASE)
    assert use.case_ref == case.number and use.watermark == cert.watermark
    assert use.department_name == world.dept_b.name
    entry = LibraryMaterial.objects.get(public_id=cert.library_ref)
    assert entry.use_count == 1
    audit = AuditEntry.objects.get(action="material.use")
    assert audit.summary["watermark"] == cert.watermark
    # the clerk's checklist does not ask for it: nothing left to check but the fresh upload
    assert case_services.case_material_paper.__name__  # (the page hides the button: see views)
    with pytest.raises(Conflict) as exc:
        cert.case = case
        case_services.case_material_paper(actor=world.clerk.user, material=cert)
    assert exc.value.code == "case_material_not_needed"


def test_withdrawn_consent_or_expiry_stops_reuse(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a)
    _, cert = _verified(world, citizen, item)
    entry = LibraryMaterial.objects.get(public_id=cert.library_ref)
    holder = selectors.holder_of_user(user=citizen.user)
    draft = case_services.case_draft_create(actor=citizen.user, item=item)
    assert draft.materials.get(order=0).state == MaterialState.LIBRARY
    services.library_consent_set(actor=citizen.user, holder=holder, material=entry, allowed=False)
    assert AuditEntry.objects.filter(action="material.consent").exists()
    # the draft planned before the withdrawal is asked for it again at submission
    with pytest.raises(ValidationFailed) as exc:
        case_services.case_submit(actor=citizen.user, case=draft)
    assert exc.value.code == "case_materials_missing"
    assert case_services.case_draft_create(actor=citizen.user, item=item).materials.get(
        order=0).state == MaterialState.MISSING
    services.library_consent_set(actor=citizen.user, holder=holder, material=entry, allowed=True)
    LibraryMaterial.objects.filter(pk=entry.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    assert case_services.case_draft_create(actor=citizen.user, item=item).materials.get(
        order=0).state == MaterialState.MISSING


def test_another_person_cannot_touch_the_library(world, citizen, other_citizen):  # type: ignore[no-untyped-def]
    _, cert = _verified(world, citizen, marriage_item(world.dept_a))
    entry = LibraryMaterial.objects.get(public_id=cert.library_ref)
    other = selectors.holder_of_user(user=other_citizen.user)
    with pytest.raises(NotFound):
        selectors.library_material_get(holder=other, public_id=entry.public_id)
    with pytest.raises(NotFound) as exc:
        services.library_consent_set(actor=other_citizen.user, holder=other, material=entry, allowed=False)
    assert exc.value.code == "material_not_found"
    with raises_code(NotFound, "material_not_found"):
        services.library_download(actor=other_citizen.user, holder=other, material=entry, purpose="办理签证")
    # nor does the other person's checklist find it
    draft = case_services.case_draft_create(actor=other_citizen.user, item=marriage_item(world.dept_b, name="X"))
    assert draft.materials.get(order=0).state == MaterialState.MISSING


def test_download_is_watermarked_with_the_purpose_and_traced(world, citizen):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    _, cert = _verified(world, citizen, marriage_item(world.dept_a))
    entry = LibraryMaterial.objects.get(public_id=cert.library_ref)
    holder = selectors.holder_of_user(user=citizen.user)
    with pytest.raises(ValidationFailed) as exc:
        services.library_download(actor=citizen.user, holder=holder, material=entry, purpose=" ")
    assert exc.value.code == "material_purpose_required"
    copy = services.library_download(actor=citizen.user, holder=holder, material=entry, purpose="办理签证")
    text = PdfReader(io.BytesIO(copy.data)).pages[0].extract_text()
    assert "此件经与原件核对无误" in text and "办理签证" in copy.watermark
    assert copy.use.kind == UseKind.DOWNLOAD and copy.use.watermark == copy.watermark
    assert [u.purpose for u in selectors.uses_of_holder(holder=holder)] == ["办理签证"]


def test_new_check_supersedes_the_old_one(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a)
    _verified(world, citizen, item)
    _verified(world, citizen, item)
    statuses = sorted(LibraryMaterial.objects.values_list("status", flat=True))
    assert statuses == [LibraryStatus.SUPERSEDED, LibraryStatus.VALID]


def test_commitment_only_where_the_catalogue_allows_it(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a, promise=False)
    draft = case_services.case_draft_create(actor=citizen.user, item=item)
    row = draft.materials.get(order=1)
    row.case = draft
    with pytest.raises(Conflict) as exc:
        case_services.case_material_commit(actor=citizen.user, material=row)
    assert exc.value.code == "case_commitment_not_allowed"
    assert not Commitment.objects.exists()


def test_commitment_is_registered_drawn_checked_and_a_false_one_recorded(world, citizen, settings):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a, promise=True)
    case = submitted_with_upload(citizen.user, item, commit=True)
    row = case.materials.get(order=1)
    assert row.state == MaterialState.COMMITTED and row.trust_level == "D"
    assert "如有不实" in row.commitment_text
    commitment = Commitment.objects.get()
    assert commitment.case_ref == case.number and commitment.check_status == CheckStatus.PENDING
    assert services.postcheck_draw(share=1.0) == {"cases": 1, "drawn": 1, "not_selected": 0}
    commitment.refresh_from_db()
    assert commitment.check_status == CheckStatus.SCHEDULED and commitment.check_due_on is not None
    assert services.postcheck_draw(share=1.0)["cases"] == 0  # drawn once only
    # only staff of the case's department (or region-wide roles) see it
    assert list(selectors.commitments_for_staff(actor=world.reviewer_b.user)) == []
    with pytest.raises(NotFound):
        services.postcheck_record(actor=world.reviewer_b.user, commitment=commitment, passed=False,
                                  note="不实")
    with pytest.raises(ValidationFailed) as exc:
        services.postcheck_record(actor=world.reviewer_a.user, commitment=commitment, passed=False, note="")
    assert exc.value.code == "postcheck_note_required"
    services.postcheck_record(actor=world.reviewer_a.user, commitment=commitment, passed=False,
                              note="经民政部门核实，申请人婚育情况与声明不符")
    commitment.refresh_from_db()
    assert commitment.check_status == CheckStatus.FAILED and commitment.checker_name == "市监局审批员甲"
    record = CreditRecord.objects.get()
    assert record.holder_person == citizen and case.number in record.description
    assert selectors.credit_records_of_holder(holder=selectors.holder_of_user(user=citizen.user)) == [record]
    with pytest.raises(Conflict) as exc2:
        services.postcheck_record(actor=world.reviewer_a.user, commitment=commitment, passed=True, note="")
    assert exc2.value.code == "postcheck_not_open"


def test_draw_respects_the_share(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a, promise=True)
    submitted_with_upload(citizen.user, item, commit=True)
    assert services.postcheck_draw(share=0.0) == {"cases": 1, "drawn": 0, "not_selected": 1}
    assert Commitment.objects.get().check_status == CheckStatus.NOT_SELECTED


def test_window_intake_with_commitment_and_library(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a, promise=True)
    _verified(world, citizen, item)
    version = item.current_version
    declaration = version.materials.get(order=1)
    case = case_services.case_window_intake(actor=world.clerk.user, item=item, person=citizen,
                                            commit=[str(declaration.public_id)], now=timezone.now())
    states = dict(case.materials.values_list("order", "state"))
    assert states == {0: MaterialState.LIBRARY, 1: MaterialState.COMMITTED}
    assert Commitment.objects.get().case_ref == case.number
    assert MaterialUse.objects.get(kind=UseKind.CASE).actor_label == "综合窗口小李"
    cert = version.materials.get(order=0)
    with pytest.raises(ValidationFailed) as exc:
        case_services.case_window_intake(actor=world.clerk.user, item=item, person=citizen,
                                         commit=[str(cert.public_id)])
    assert exc.value.code == "case_commitment_not_allowed"


def test_licence_copy_is_watermarked_with_the_issuer_and_traced(world, citizen):  # type: ignore[no-untyped-def]
    from onewindow.licences.selectors import licence_pdf_bytes
    from onewindow.licences.tests.factories import licence_make

    licence = licence_make(type_code="ID_CARD", holder=citizen)
    holder = selectors.holder_of_user(user=citizen.user)
    copy = services.licence_copy_record(actor=citizen.user, holder=holder, licence=licence, purpose="办理护照",
                                        data=licence_pdf_bytes(licence=licence))
    assert copy.watermark.startswith(f"此件由{licence.issuer_name}提供，仅供办理护照事项使用，有效期至")
    assert watermark_read(copy.data, "application/pdf") == copy.watermark
    assert MaterialUse.objects.get(licence=licence).watermark == copy.watermark


def test_a_file_that_cannot_be_watermarked_is_checked_but_not_stored(world, citizen):  # type: ignore[no-untyped-def]
    case = submitted_with_upload(citizen.user, marriage_item(world.dept_a))  # 0-page test PDFs
    cert = case.materials.get(order=0)
    cert.case = case
    cert = case_services.case_material_paper(actor=world.clerk.user, material=cert)
    assert cert.trust_level == "B" and cert.library_ref is None
    assert "未存入材料库" in cert.trust_source
    assert not LibraryMaterial.objects.exists()
