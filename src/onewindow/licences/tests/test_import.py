from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from onewindow.accounts.tests.factories import make_credit_code, make_id_number
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.licences import selectors, services
from onewindow.licences.constants import LicenceSource, LicenceStatus, VerifyStatus
from onewindow.licences.models import Licence, LicenceImport
from onewindow.licences.transfer import rows_from_file, template_csv

from .factories import enterprise_make, person_make

pytestmark = pytest.mark.django_db

HEADER = "证照类型代码,证照编号,持证人名称,持证人证件号码,发证机关,发证日期,有效期起,有效期至,状态,注销原因\n"


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode(encoding)


def _good_rows() -> list[str]:
    return [
        f"BUSINESS_LICENCE,{make_credit_code(1)},昆明滇缘商贸有限公司,{make_credit_code(1)},"
        "盘龙区市场监督管理局,2021-03-15,2021-03-15,长期,有效,",
        f"ID_CARD,{make_id_number(7)},王芳,{make_id_number(7)},昆明市公安局盘龙分局,2016/8/1,2016/8/1,2036/8/1,,",
        f"HOUSEHOLD_REGISTER,HK0001,王芳,{make_id_number(7)},,2010年1月5日,,,,",
    ]


def test_good_csv_creates_licences_linked_to_known_holders(market_admin):
    person = person_make(name="王芳", seq=7)
    result = services.licence_import_file(actor=market_admin.user, filename="证照.csv",
                                          content=_csv(*_good_rows()))
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    id_card = Licence.objects.get(licence_type__code="ID_CARD")
    assert id_card.holder_person == person and id_card.holder_id_number == make_id_number(7)
    assert id_card.holder_id_number_hash == lookup_hash(make_id_number(7))
    assert id_card.valid_until == date(2036, 8, 1) and id_card.source == LicenceSource.IMPORT
    # an ID card's number is the ID number: never stored in clear, shown masked to others
    assert id_card.number_is_holder_id and make_id_number(7) not in id_card.number
    assert id_card.display_number == make_id_number(7)
    assert selectors.licence_verify(code=id_card.verification_code).number == (
        make_id_number(7)[:4] + "*" * 10 + make_id_number(7)[-4:])
    register = Licence.objects.get(licence_type__code="HOUSEHOLD_REGISTER")
    assert register.issuer_name == "公安机关" and register.valid_from == date(2010, 1, 5)
    business = Licence.objects.get(licence_type__code="BUSINESS_LICENCE")
    assert business.holder_credit_code == make_credit_code(1) and business.valid_until is None
    assert LicenceImport.objects.get().created_count == 3
    assert AuditEntry.objects.filter(action="licence.import").count() == 1
    # imported licences can be verified and satisfy materials
    assert selectors.licence_verify(code=business.verification_code).status == VerifyStatus.VALID
    assert set(selectors.licences_for_materials(holder=person, material_licence_type_codes=[
        "ID_CARD", "HOUSEHOLD_REGISTER"])) == {"ID_CARD", "HOUSEHOLD_REGISTER"}


def test_import_is_idempotent_and_updates_changed_rows(market_admin):
    content = _csv(*_good_rows())
    services.licence_import_file(actor=market_admin.user, filename="a.csv", content=content)
    codes = dict(Licence.objects.values_list("number", "verification_code"))
    again = services.licence_import_file(actor=market_admin.user, filename="a.csv", content=content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Licence.objects.count() == 3
    assert dict(Licence.objects.values_list("number", "verification_code")) == codes  # codes stay
    rows = _good_rows()
    rows[1] = rows[1].replace(",,", ",注销,证件遗失补领")
    changed = services.licence_import_file(actor=market_admin.user, filename="b.csv", content=_csv(*rows))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    id_card = Licence.objects.get(licence_type__code="ID_CARD")
    assert id_card.status == LicenceStatus.REVOKED and id_card.revocation_reason == "证件遗失补领"
    assert id_card.revoked_at is not None


def test_bad_rows_write_nothing_and_name_each_row_in_chinese(market_admin):
    rows = [
        *_good_rows(),
        f"NO_SUCH,X1,某人,{make_id_number(8)},,2020-01-01,,,,",
        "ID_CARD,X2,李四,530103198001011234,,2020-01-01,,,,",
        f"BUSINESS_LICENCE,X3,某公司,{make_credit_code(2)},,2020-02-30,,,,",
        f"BUSINESS_LICENCE,X4,某公司,{make_credit_code(3)},,2021-01-01,2021-01-01,2020-01-01,,",
        f"ID_CARD,{make_id_number(7)},王芳,{make_id_number(7)},,2016-08-01,,,挂失,",
        f"BUSINESS_LICENCE,X5,,{make_credit_code(4)},,,,,,",
    ]
    with pytest.raises(ValidationFailed) as err:
        services.licence_import_file(actor=market_admin.user, filename="bad.csv", content=_csv(*rows))
    assert err.value.code == "licence_import_invalid"
    assert "没有写入任何数据" in err.value.message
    messages = {(e["row"], e["field"]): e["message"] for e in err.value.detail}
    assert messages[(5, "type_code")] == "第5行：证照类型代码“NO_SUCH”不存在"
    assert messages[(6, "holder_id")].startswith("第6行：身份证号码校验位不正确")
    assert "第7行：发证日期“2020-02-30”不是有效日期" in messages[(7, "issued_on")]
    assert messages[(8, "valid_until")] == "第8行：有效期至不能早于有效期起"
    assert "第9行：状态“挂失”无法识别" in messages[(9, "status")]
    assert messages[(10, "holder_name")] == "第10行：请填写持证人名称"
    assert messages[(10, "issued_on")] == "第10行：请填写发证日期"
    assert not Licence.objects.exists() and not LicenceImport.objects.exists()


def test_duplicate_rows_and_platform_licences_are_refused(market_admin, market):
    row = _good_rows()[0]
    with raises_code(ValidationFailed, "licence_import_invalid") as err:
        services.licence_import_file(actor=market_admin.user, filename="dup.csv", content=_csv(row, row))
    assert err.value.detail[0]["message"] == "第3行：与第2行的证照类型和编号重复"
    enterprise_licence = services.licence_issue(
        actor=None, type_code="BUSINESS_LICENCE", holder_enterprise=enterprise_make(seq=9),
        number="PLATFORM-1", data={}, source_ref="BJ1", department=market)
    with raises_code(ValidationFailed, "licence_import_invalid") as err:
        services.licence_import_rows(actor=market_admin.user, rows=[{
            "type_code": "BUSINESS_LICENCE", "number": "PLATFORM-1", "holder_name": "改名公司",
            "holder_id": enterprise_licence.holder_credit_code, "issued_on": "2020-01-01"}])
    assert "本平台签发的证照，不能通过导入修改" in err.value.detail[0]["message"]


def test_excel_and_gb18030_files_are_read_by_content(market_admin):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["证照类型代码", "证照编号", "持证人名称", "持证人证件号码", "发证日期", "有效期至"])
    sheet.append(["ID_CARD", make_id_number(11), "周杰", make_id_number(11), date(2019, 6, 1), "长期"])
    sheet.append(["SOCIAL_SECURITY_CARD", 5301001234, "周杰", make_id_number(11), "2020-01-01", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = services.licence_import_file(actor=market_admin.user, filename="no-extension",
                                          content=buffer.getvalue())
    assert result.created == 2
    card = Licence.objects.get(licence_type__code="SOCIAL_SECURITY_CARD")
    assert card.number == "5301001234"
    gb = services.licence_import_file(actor=market_admin.user, filename="gb.csv",
                                      content=_csv(_good_rows()[0], encoding="gb18030"))
    assert gb.created == 1
    assert Licence.objects.get(licence_type__code="BUSINESS_LICENCE").holder_name == "昆明滇缘商贸有限公司"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "导入文件是空的"),
    (b"%PDF-1.7 binary", "只支持 CSV"),
    ("证照编号,持证人名称\nA,B\n".encode(), "导入文件缺少必需的列：证照类型代码、持证人证件号码、发证日期"),
    (HEADER.encode(), "导入文件没有数据行"),
])
def test_unreadable_files_get_a_clear_message(content, message):
    with raises_code(ValidationFailed, "licence_import_file") as err:
        rows_from_file(filename="x.csv", content=content)
    assert message in err.value.message


def test_template_is_a_valid_import(market_admin):
    rows = rows_from_file(filename="template.csv", content=template_csv())
    assert rows[0]["type_code"] == "BUSINESS_LICENCE"
    assert services.licence_import_rows(actor=market_admin.user, rows=rows).created == 1


def test_who_may_import(district, market, market_reviewer, civil_admin, clerk_a):
    from onewindow.licences.selectors import licence_type_get

    row = {"type_code": "BUSINESS_LICENCE", "number": "N1", "holder_name": "某公司",
           "holder_id": make_credit_code(5), "issued_on": "2020-01-01"}
    with raises_code(PermissionDenied, "licence_import_forbidden"):  # a window clerk
        services.licence_import_rows(actor=clerk_a.user, rows=[row])
    # a reviewer of a department that does not issue the type
    with raises_code(PermissionDenied, "licence_import_forbidden"):
        services.licence_import_rows(actor=market_reviewer.user, rows=[row])
    business = licence_type_get(code="BUSINESS_LICENCE")
    business.issuing_department = market
    business.save(update_fields=["issuing_department"])
    assert services.licence_import_rows(actor=market_reviewer.user, rows=[row]).created == 1
    assert services.licence_import_rows(actor=civil_admin.user, rows=[{**row, "number": "N2"}]).created == 1
    # imported licences of a type with an issuing department are listed for its administrators
    assert Licence.objects.filter(issuing_department=market).count() == 2
