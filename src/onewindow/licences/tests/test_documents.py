"""Each licence type prints its own items; identity masked; applicant text never markup; seal,
signature and QR code; the signature verifies and an edited row no longer does."""

from __future__ import annotations

import base64
import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pypdf import PdfReader

from onewindow.accounts.rules import credit_code_validate
from onewindow.core import docsign
from onewindow.licences import selectors, services
from onewindow.licences.documents import document_html
from onewindow.licences.layouts import ResultFacts, result_surface, surface_text, uscc_for_individual
from onewindow.licences.models import Licence
from onewindow.licences.signing import signature_check, signed_content

from .factories import enterprise_make, person_make

pytestmark = pytest.mark.django_db

HOSTILE = '<b>粗体</b><script>alert("x")</script>小吃服务；食品销售'


def _pdf_text(pdf: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return "".join(text.split())


def _business_licence_for(person, actor, department) -> Licence:  # type: ignore[no-untyped-def]
    data = result_surface(ResultFacts(
        type_code="BUSINESS_LICENCE", item_name="个体工商户设立登记", holder_is_person=True,
        holder_name=person.name, district_code="530103000000", decided_on="2026年12月7日",
        form={"名称": "盘龙区老张小吃店", "经营场所": "昆明市盘龙区拓东路88号", "经营范围": HOSTILE,
              "申请说明": "我想开店 " + person.id_number},
        serial=12345678))
    return services.licence_issue(actor=actor, type_code="BUSINESS_LICENCE", holder_person=person,
                                  data=data, source_ref="BJ20261207000001", department=department)


def test_business_licence_prints_its_own_items_and_no_identity(market_reviewer, market):
    person = person_make(name="张三丰")
    licence = _business_licence_for(person, market_reviewer.user, market)
    credit_code = licence.data["统一社会信用代码"]
    assert credit_code_validate(credit_code) == credit_code and credit_code.startswith("92530103")
    text = _pdf_text(selectors.licence_pdf_bytes(licence=licence))
    for words in ("营业执照", "统一社会信用代码", credit_code, "名称", "盘龙区老张小吃店", "类型",
                  "个体工商户", "经营者", "张三丰", "组成形式", "个人经营", "经营场所",
                  "昆明市盘龙区拓东路88号", "经营范围", "注册日期", "2026年12月7日",
                  "盘龙区市场监督管理局", "电子签名（Ed25519"):
        assert words in text, words
    # the operator's ID number is not on a business licence, not even masked, nor the free text
    assert person.id_number not in text and person.id_number[-4:] not in text
    assert "我想开店" not in text and "公民身份号码" not in text
    assert text.count("BJ20261207000001") == 1  # 办件编号 once


def test_applicant_text_is_printed_without_markup(market_reviewer, market):
    licence = _business_licence_for(person_make(), market_reviewer.user, market)
    html = document_html(licence)
    assert "<script" not in html and "<b>" not in html and "&lt;" not in html
    assert "粗体alert(&quot;x&quot;)小吃服务；食品销售" in html
    assert surface_text("a\x00b  c\u3000\u3000d\n\n e ") == "ab c d\ne"


def test_documents_carry_a_seal_image_and_the_qr_code(market_reviewer, market, settings):
    settings.ONEWINDOW_PUBLIC_URL = "https://zwfw.kmpl.gov.cn/"
    licence = _business_licence_for(person_make(), market_reviewer.user, market)
    assert licence.verify_url == f"https://zwfw.kmpl.gov.cn/verify/{licence.verification_code}/"
    pdf = selectors.licence_pdf_bytes(licence=licence)
    images = [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]
    assert len(images) == 2  # QR code and seal
    from PIL import Image

    seal = max((Image.open(io.BytesIO(i.data)) for i in images), key=lambda im: im.width)
    rgb = seal.convert("RGB")
    raw = rgb.tobytes()
    reds = sum(1 for i in range(0, len(raw), 3) if raw[i] > 150 and raw[i + 1] < 90 and raw[i + 2] < 90)
    assert reds > seal.width * seal.height * 0.02  # a red seal, not a blank box


def test_signature_verifies_with_the_public_key_and_fails_after_an_edit(market_reviewer, market):
    licence = _business_licence_for(person_make(), market_reviewer.user, market)
    assert licence.signature and licence.signature_key == docsign.current_key().key_id
    assert signature_check(licence).status == "valid"
    content = signed_content(licence)
    assert licence.holder_id_number not in content  # public content holds no ID in clear
    assert json.loads(content)["验证码"] == licence.verification_code
    # offline: any Ed25519 implementation with the published key
    key = next(k for k in selectors.signing_public_keys() if k["key_id"] == licence.signature_key)
    Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"])).verify(
        base64.b64decode(licence.signature), content.encode("utf-8"))
    # an edited row (scope of business) no longer verifies
    Licence.objects.filter(pk=licence.pk).update(data={**licence.data, "经营范围": "烟草零售"})
    licence.refresh_from_db()
    assert signature_check(licence).status == "invalid"


def test_key_rotation_keeps_old_signatures_valid(market_reviewer, market, settings):
    first = base64.urlsafe_b64encode(bytes(range(32))).decode()
    second = base64.urlsafe_b64encode(bytes(range(32, 64))).decode()
    settings.ONEWINDOW_SIGNING_KEY = f"1:{first}"
    old = _business_licence_for(person_make(), market_reviewer.user, market)
    settings.ONEWINDOW_SIGNING_KEY = f"2:{second},1:{first}"
    new = _business_licence_for(person_make(), market_reviewer.user, market)
    assert old.signature_key.startswith("1-") and new.signature_key.startswith("2-")
    assert signature_check(old).status == "valid" and signature_check(new).status == "valid"
    settings.ONEWINDOW_SIGNING_KEY = f"2:{second}"  # the old key dropped: its documents fail
    assert signature_check(old).status == "invalid"


def test_verify_page_and_api_report_the_signature(client, market_reviewer, market):
    licence = _business_licence_for(person_make(), market_reviewer.user, market)
    page = client.get(f"/verify/{licence.verification_code}/").content.decode()
    assert 'data-signature="valid"' in page and "电子签名有效" in page
    body = client.get(f"/api/v1/licences/verify/{licence.verification_code}").json()
    assert body["signature_status"] == "valid" and body["signature_algorithm"] == "Ed25519"
    assert json.loads(body["signed_content"])["证照类型代码"] == "BUSINESS_LICENCE"
    keys = client.get("/verify/keys.json").json()
    assert keys["algorithm"] == "Ed25519"
    assert [k["key_id"] for k in keys["keys"]] == [licence.signature_key]
    assert client.get("/api/v1/licences/signing-keys").json() == keys["keys"]
    Licence.objects.filter(pk=licence.pk).update(holder_name="李四")
    page = client.get(f"/verify/{licence.verification_code}/").content.decode()
    assert 'data-signature="invalid"' in page


def test_imported_licences_are_unsigned(client, market_reviewer, market):
    from .factories import licence_make

    licence = licence_make(holder=enterprise_make())
    assert signature_check(licence).status == "unsigned"
    page = client.get(f"/verify/{licence.verification_code}/").content.decode()
    assert 'data-signature="unsigned"' in page


def test_uscc_of_an_individual_business_is_well_formed():
    for serial in (0, 1, 99999999, 12345678):
        code = uscc_for_individual(division_code="530103", serial=serial)
        assert credit_code_validate(code) == code and code[:2] == "92"


def test_food_permit_and_decision_surfaces():
    food = result_surface(ResultFacts(
        type_code="FOOD_OPERATION_PERMIT", item_name="食品经营许可", holder_is_person=False,
        holder_name="昆明春城餐饮有限公司", credit_code="91530103MA6K000001",
        legal_representative="王五", enterprise_address="拓东路1号", department_name="盘龙区市场监督管理局",
        form={"经营场所": "拓东路1号一楼", "主体业态": "小型餐馆", "经营项目": "热食类食品制售"}))
    assert food["经营者名称"] == "昆明春城餐饮有限公司" and food["日常监督管理机构"] == "盘龙区市场监督管理局"
    assert food["经营项目"] == "热食类食品制售" and food["投诉举报电话"] == "12315"
    decision = result_surface(ResultFacts(
        type_code="APPROVAL_DECISION", item_name="排污许可", holder_is_person=False, holder_name="某厂",
        accepted_on="2026年12月1日", form={"申请说明": "<i>说明</i>"}))
    assert decision == {"许可事项": "排污许可", "许可内容": "准予排污许可", "受理日期": "2026年12月1日"}
