from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make
from onewindow.core.audit import audit_verify_chain
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry, OutboxEvent
from onewindow.core.tests.helpers import raises_code
from onewindow.core.timer import periodic_jobs
from onewindow.licences import selectors, services
from onewindow.licences.constants import (
    EVENT_LICENCE_ISSUED,
    EVENT_LICENCE_REVOKED,
    DocumentKind,
    LicenceSource,
    LicenceStatus,
    VerifyStatus,
)
from onewindow.licences.models import Licence, LicenceUse

from .factories import enterprise_make, licence_make, person_make

pytestmark = pytest.mark.django_db


def _pdf_text(pdf: bytes) -> str:
    """The extracted text without white space (the title is letter-spaced)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return "".join(text.split())


def _pdf_fonts(pdf: bytes) -> set[str]:
    fonts: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def _pdf_qr_texts(pdf: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    texts: list[str] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            texts += [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))]
    return texts


def _issue_business_permit(actor, enterprise, **kwargs) -> Licence:  # type: ignore[no-untyped-def]
    return services.licence_issue(
        actor=actor, type_code="FOOD_OPERATION_PERMIT", holder_enterprise=enterprise,
        data={"经营场所": "昆明市盘龙区拓东路1号", "主体业态": "餐饮服务经营者（小型餐馆）"},
        source_ref="BJ202605150001", **kwargs)


def test_issue_renders_a_chinese_pdf_with_code_and_qr_of_the_verify_url(market_reviewer, market):
    enterprise = enterprise_make(name="昆明春城小吃店")
    licence = _issue_business_permit(market_reviewer.user, enterprise, department=market)

    assert licence.source == LicenceSource.PLATFORM and licence.status == LicenceStatus.VALID
    assert licence.issuing_department == market and licence.issuer_name == "盘龙区市场监督管理局"
    assert licence.valid_until == date.fromordinal(
        licence.valid_from.replace(year=licence.valid_from.year + 5).toordinal() - 1)
    pdf = selectors.licence_pdf_bytes(licence=licence)
    assert pdf.startswith(b"%PDF")
    assert default_storage.exists(licence.file.name)
    text = _pdf_text(pdf)
    assert licence.verification_code_display in text
    for words in ("食品经营许可证", "昆明春城小吃店", "盘龙区市场监督管理局", "昆明市盘龙区拓东路1号",
                  enterprise.credit_code, licence.number, "BJ202605150001"):
        assert words in text, words
    assert any("CJK" in name for name in _pdf_fonts(pdf))
    assert _pdf_qr_texts(pdf) == [f"https://zwfw.example.gov.cn/verify/{licence.verification_code}/"]


def test_issue_is_audited_and_announced(market_reviewer, market):
    licence = _issue_business_permit(market_reviewer.user, enterprise_make(), department=market)
    entry = AuditEntry.objects.get(action="licence.issue")
    assert entry.object_id == str(licence.public_id) and entry.actor_id == market_reviewer.user.id
    assert entry.summary["source_ref"] == "BJ202605150001"
    event = OutboxEvent.objects.get(name=EVENT_LICENCE_ISSUED)
    assert event.payload["licence_id"] == str(licence.public_id)
    assert event.payload["type_code"] == "FOOD_OPERATION_PERMIT"
    assert audit_verify_chain().ok


def test_issue_to_a_person_masks_the_id_unless_the_document_is_an_identity_card(market_reviewer, market):
    person = person_make(name="王小二")
    licence = services.licence_issue(
        actor=market_reviewer.user, type_code="HEALTH_CERT", holder_person=person, data={},
        source_ref="BJ1", department=market)
    assert licence.holder_id_number_hash == person.id_number_hash
    text = _pdf_text(selectors.licence_pdf_bytes(licence=licence))
    assert person.id_number not in text and person.id_number[:4] in text and person.id_number[-4:] in text
    card = services.licence_issue(
        actor=market_reviewer.user, type_code="SOCIAL_SECURITY_CARD", holder_person=person, data={},
        source_ref="BJ1b", department=market)
    assert person.id_number in _pdf_text(selectors.licence_pdf_bytes(licence=card))
    summary = AuditEntry.objects.get(action="licence.issue", object_id=str(licence.public_id)).summary
    assert person.id_number not in str(summary)


def test_approval_documents_use_the_same_mechanism(market_reviewer, market):
    person = person_make()
    decision = services.licence_issue(
        actor=market_reviewer.user, type_code="APPROVAL_DECISION", holder_person=person,
        data={"许可事项": "准予变更登记"}, source_ref="BJ2", department=market)
    assert decision.document_kind == DocumentKind.APPROVAL and decision.valid_until is None
    text = _pdf_text(selectors.licence_pdf_bytes(licence=decision))
    assert "准予行政许可决定书" in text and "决定准予行政许可" in text and "长期" in text
    assert "行政复议" in text and text.count("BJ2") == 1


def test_issue_rejects_wrong_holder_kind_missing_ref_dates_and_duplicates(market_reviewer, market):
    person, enterprise = person_make(), enterprise_make()
    actor = market_reviewer.user
    with pytest.raises(ValidationFailed) as err:
        services.licence_issue(actor=actor, type_code="FOOD_OPERATION_PERMIT", holder_person=person,
                               data={}, source_ref="X", department=market)
    assert err.value.code == "licence_holder_kind"
    with pytest.raises(ValidationFailed) as err:
        services.licence_issue(actor=actor, type_code="BUSINESS_LICENCE", holder_enterprise=enterprise,
                               holder_person=person, data={}, source_ref="X", department=market)
    assert err.value.code == "licence_holder_required"
    with pytest.raises(ValidationFailed) as err:
        services.licence_issue(actor=actor, type_code="BUSINESS_LICENCE", holder_enterprise=enterprise,
                               data={}, source_ref=" ", department=market)
    assert err.value.code == "licence_source_ref_required"
    with pytest.raises(ValidationFailed) as err:
        services.licence_issue(actor=actor, type_code="BUSINESS_LICENCE", holder_enterprise=enterprise,
                               data={}, source_ref="X", department=market, valid_from=date(2026, 1, 2),
                               valid_until=date(2026, 1, 1))
    assert err.value.code == "licence_dates"
    with pytest.raises(NotFound) as err:
        services.licence_issue(actor=actor, type_code="NO_SUCH_TYPE", holder_enterprise=enterprise,
                               data={}, source_ref="X")
    assert err.value.code == "licence_type_not_found"
    services.licence_issue(actor=actor, type_code="BUSINESS_LICENCE", holder_enterprise=enterprise,
                           number="YZ-1", data={}, source_ref="X", department=market)
    with raises_code(Conflict, "licence_number_taken"):
        services.licence_issue(actor=actor, type_code="BUSINESS_LICENCE", holder_enterprise=enterprise,
                               number="YZ-1", data={}, source_ref="X", department=market)
    assert Licence.objects.count() == 1
    assert len(default_storage.listdir("licences")[0]) == 1  # no orphan file for the failures


def test_issue_permissions(district, market, civil_admin, clerk_a):
    enterprise = enterprise_make()
    citizen = person_make()
    with raises_code(PermissionDenied, "licence_issue_forbidden"):  # a citizen's account
        from onewindow.accounts.tests.factories import UserFactory

        services.licence_issue(actor=UserFactory(), type_code="BUSINESS_LICENCE",
                               holder_enterprise=enterprise, data={}, source_ref="X", department=market)
    other_reviewer = staff_make(username="civil_reviewer", region=district.district,
                                roles=[Role.DEPT_REVIEWER], departments=list(civil_admin.departments.all()))
    with raises_code(PermissionDenied, "licence_issue_forbidden"):  # a reviewer of another department
        services.licence_issue(actor=other_reviewer.user, type_code="BUSINESS_LICENCE",
                               holder_enterprise=enterprise, data={}, source_ref="X", department=market)
    # the platform itself (actor None) and an integrated-window clerk (即办) may issue
    services.licence_issue(actor=None, type_code="HEALTH_CERT", holder_person=citizen, data={},
                           source_ref="X1", department=market)
    services.licence_issue(actor=clerk_a.user, type_code="APPROVAL_DECISION", holder_person=citizen,
                           data={}, source_ref="X2", department=market)
    assert Licence.objects.count() == 2


def test_revoke_is_audited_announced_and_shown_by_verification(market_admin, market, civil_admin):
    licence = _issue_business_permit(None, enterprise_make(), department=market)
    with raises_code(NotFound, "not_found"):  # the admin of another department does not see it
        services.licence_revoke(actor=civil_admin.user, licence=licence, reason="无权")
    with raises_code(ValidationFailed, "licence_revoke_reason"):
        services.licence_revoke(actor=market_admin.user, licence=licence, reason="")
    revoked = services.licence_revoke(actor=market_admin.user, licence=licence, reason="经营者申请注销")
    assert revoked.status == LicenceStatus.REVOKED and revoked.revoked_at is not None
    with raises_code(Conflict, "licence_already_revoked"):
        services.licence_revoke(actor=market_admin.user, licence=licence, reason="再次注销")
    assert OutboxEvent.objects.filter(name=EVENT_LICENCE_REVOKED).count() == 1
    assert AuditEntry.objects.filter(action="licence.revoke").count() == 1
    result = selectors.licence_verify(code=licence.verification_code)
    assert result.status == VerifyStatus.REVOKED and result.revocation_reason == "经营者申请注销"


def test_periodic_job_marks_expired_licences(district):
    person = person_make()
    today = timezone.localdate()
    old = licence_make(holder=person, type_code="RESIDENCE_PERMIT", valid_until=today - timedelta(days=1))
    current = licence_make(holder=person, type_code="RESIDENCE_PERMIT", valid_until=today)
    long_term = licence_make(holder=person, type_code="HOUSEHOLD_REGISTER", valid_until=None)
    assert "licences.expire" in periodic_jobs()
    periodic_jobs()["licences.expire"]()
    for licence in (old, current, long_term):
        licence.refresh_from_db()
    assert old.status == LicenceStatus.EXPIRED
    assert current.status == LicenceStatus.VALID and long_term.status == LicenceStatus.VALID
    assert services.licences_expire(today=today) == 0
    assert services.licences_expire(today=today + timedelta(days=1)) == 1
    assert AuditEntry.objects.filter(action="licence.expire").count() == 2


def test_use_inside_a_case_writes_a_use_row_and_an_audit_entry(clerk_a):
    person = person_make(name="赵六")
    licence = licence_make(holder=person, type_code="HOUSEHOLD_REGISTER")
    use = services.licence_use(actor=clerk_a.user, licence=licence, case_ref="BJ202605150007",
                               purpose="免提交：户口簿")
    assert LicenceUse.objects.get() == use
    assert use.department_name == "拓东街道办事处" and use.actor_label == "甲街道窗口"
    entry = AuditEntry.objects.get(action="licence.use")
    assert entry.object_id == str(licence.public_id)
    assert entry.summary["case_ref"] == "BJ202605150007"
    assert list(selectors.licence_uses_for_holder(licence=licence)) == [use]


def test_use_needs_case_staff_a_case_and_a_purpose(clerk_a):
    from onewindow.accounts.tests.factories import UserFactory

    licence = licence_make(holder=person_make())
    with raises_code(PermissionDenied, "licence_use_forbidden"):
        services.licence_use(actor=UserFactory(), licence=licence, case_ref="BJ1", purpose="看看")
    with raises_code(ValidationFailed, "licence_case_ref_required"):
        services.licence_use(actor=clerk_a.user, licence=licence, case_ref="", purpose="看看")
    with raises_code(ValidationFailed, "licence_purpose_required"):
        services.licence_use(actor=clerk_a.user, licence=licence, case_ref="BJ1", purpose="")
    revoked = licence_make(holder=person_make(), status=LicenceStatus.REVOKED)
    with raises_code(Conflict, "licence_revoked"):
        services.licence_use(actor=clerk_a.user, licence=revoked, case_ref="BJ1", purpose="免提交")
    assert not LicenceUse.objects.exists()
    assert not AuditEntry.objects.filter(action="licence.use").exists()


def test_find_for_applicant_is_audited_filtered_and_excludes_revoked(clerk_a):
    person, other = person_make(), person_make()
    id_card = licence_make(holder=person, type_code="ID_CARD")
    register = licence_make(holder=person, type_code="HOUSEHOLD_REGISTER")
    licence_make(holder=person, type_code="MARRIAGE_CERT", status=LicenceStatus.REVOKED)
    licence_make(holder=other, type_code="ID_CARD")
    found = services.licence_find_for_applicant(
        actor=clerk_a.user, holder_id_number_hash=person.id_number_hash,
        type_codes=["ID_CARD", "HOUSEHOLD_REGISTER", "MARRIAGE_CERT"], purpose_ref="BJ9")
    assert {lic.id for lic in found} == {id_card.id, register.id}
    only_id = services.licence_find_for_applicant(
        actor=clerk_a.user, holder_id_number_hash=person.id_number_hash, type_codes=["id_card"],
        purpose_ref="BJ9")
    assert [lic.id for lic in only_id] == [id_card.id]
    entries = AuditEntry.objects.filter(action="licence.lookup")
    assert entries.count() == 2 and entries[0].object_id == "BJ9" and entries[0].summary["found"] == 2
    with raises_code(ValidationFailed, "licence_case_ref_required"):
        services.licence_find_for_applicant(actor=clerk_a.user, holder_id_number_hash=person.id_number_hash,
                                            purpose_ref="")
    with raises_code(ValidationFailed, "licence_holder_required"):
        services.licence_find_for_applicant(actor=clerk_a.user, purpose_ref="BJ9")


def test_find_for_enterprise_by_credit_code(clerk_a):
    enterprise = enterprise_make()
    business = licence_make(holder=enterprise, type_code="BUSINESS_LICENCE")
    found = services.licence_find_for_applicant(actor=clerk_a.user, credit_code=enterprise.credit_code.lower(),
                                                purpose_ref="BJ10")
    assert [lic.id for lic in found] == [business.id]


def test_registered_case_checker_confines_use_to_the_applicants_case(clerk_a, monkeypatch):
    person, stranger = person_make(), person_make()
    licence = licence_make(holder=person)
    cases = {"BJ-OWN": person.id_number_hash}

    def checker(*, actor, case_ref, holder_id_number_hash, credit_code):  # type: ignore[no-untyped-def]
        return cases.get(case_ref) == holder_id_number_hash

    monkeypatch.setattr(selectors, "_case_checkers", [])
    selectors.register_case_checker(checker)
    with raises_code(NotFound, "not_found"):
        services.licence_find_for_applicant(actor=clerk_a.user, holder_id_number_hash=stranger.id_number_hash,
                                            purpose_ref="BJ-OWN")
    with raises_code(NotFound, "not_found"):
        services.licence_use(actor=clerk_a.user, licence=licence, case_ref="BJ-OTHER", purpose="免提交")
    assert services.licence_find_for_applicant(actor=clerk_a.user, holder_id_number_hash=person.id_number_hash,
                                               purpose_ref="BJ-OWN") == [licence]
    services.licence_use(actor=clerk_a.user, licence=licence, case_ref="BJ-OWN", purpose="免提交")
    assert LicenceUse.objects.count() == 1


def test_licences_for_materials_picks_the_current_licence_per_code(district):
    person = person_make()
    today = timezone.localdate()
    licence_make(holder=person, type_code="ID_CARD", valid_until=today - timedelta(days=3))
    best = licence_make(holder=person, type_code="ID_CARD", valid_until=today + timedelta(days=3000))
    licence_make(holder=person, type_code="ID_CARD", valid_until=today + timedelta(days=30))
    register = licence_make(holder=person, type_code="HOUSEHOLD_REGISTER", valid_until=None)
    licence_make(holder=person, type_code="MARRIAGE_CERT", status=LicenceStatus.REVOKED)
    licence_make(holder=person_make(), type_code="BIRTH_MEDICAL_CERT")
    result = selectors.licences_for_materials(
        holder=person, material_licence_type_codes=["ID_CARD", "HOUSEHOLD_REGISTER", "MARRIAGE_CERT",
                                                    "BIRTH_MEDICAL_CERT", ""])
    assert result == {"ID_CARD": best, "HOUSEHOLD_REGISTER": register}
    enterprise = enterprise_make()
    business = licence_make(holder=enterprise, type_code="BUSINESS_LICENCE")
    assert selectors.licences_for_materials(holder=enterprise, material_licence_type_codes=[
        "BUSINESS_LICENCE", "ID_CARD"]) == {"BUSINESS_LICENCE": business}
    assert selectors.licences_for_materials(holder=None, material_licence_type_codes=["ID_CARD"]) == {}


def test_licences_for_materials_is_one_query(district, django_assert_num_queries):
    person = person_make()
    for code in ("ID_CARD", "HOUSEHOLD_REGISTER", "SOCIAL_SECURITY_CARD"):
        licence_make(holder=person, type_code=code)
    with django_assert_num_queries(1):
        found = selectors.licences_for_materials(
            holder=person, material_licence_type_codes=["ID_CARD", "HOUSEHOLD_REGISTER", "SOCIAL_SECURITY_CARD"])
        assert {lic.licence_type.name for lic in found.values()} == {"居民身份证", "居民户口簿", "社会保障卡"}
