from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onewindow.accounts.tests.factories import make_id_number
from onewindow.licences import services
from onewindow.licences.constants import LicenceStatus
from onewindow.licences.models import Licence

from .factories import citizen_make, enterprise_make, licence_make, person_make

pytestmark = pytest.mark.django_db


def test_verify_page_shows_status_and_only_masked_data(client, district):
    person = person_make(name="司马相如")
    licence = licence_make(holder=person, type_code="HOUSEHOLD_REGISTER")
    response = client.get(f"/verify/{licence.verification_code}/")
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'data-status="valid"' in html and "居民户口簿" in html and "司**如" in html
    assert person.id_number not in html and "司马相如" not in html


def test_verify_form_normalises_the_typed_code(client, district):
    licence = licence_make(holder=person_make())
    typed = licence.verification_code_display.lower()
    response = client.get("/verify/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == f"/verify/{licence.verification_code}/"
    bad = client.get("/verify/", {"code": "12"})
    assert bad.status_code == 200 and "data-status" not in bad.content.decode()
    unknown = client.get("/verify/ZZZZZZZZZZZZZZZZ/").content.decode()
    assert 'data-status="unknown"' in unknown


def test_my_licences_page_and_pdf(client, district, market):
    citizen = citizen_make(username="page_citizen", name="黄蓉")
    own = services.licence_issue(actor=None, type_code="HEALTH_CERT", holder_person=citizen,
                                 data={"体检结论": "合格"}, source_ref="BJ-9", department=market)
    other = licence_make(holder=person_make())
    client.force_login(citizen.user)
    html = client.get("/me/licences/").content.decode()
    assert "健康证明" in html and own.number in html and other.number not in html
    detail = client.get(f"/me/licences/{own.public_id}/").content.decode()
    assert "体检结论" in detail and own.verification_code_display in detail
    pdf = client.get(f"/me/licences/{own.public_id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/me/licences/{other.public_id}/").status_code == 404
    client.logout()
    assert client.get("/me/licences/").status_code == 302


def test_staff_pages_for_the_issuing_departments_administrator(client, district, market, market_admin, clerk_a):
    issued = licence_make(holder=enterprise_make(name="昆明宝象物业服务有限公司"), type_code="BUSINESS_LICENCE",
                          department=market)
    client.force_login(market_admin.user)
    assert "昆明宝象物业服务有限公司" in client.get("/staff/licences/").content.decode()
    assert client.get(f"/staff/licences/{issued.public_id}/").status_code == 200
    missing = client.post(f"/staff/licences/{issued.public_id}/revoke/", {"reason": ""})
    assert missing.status_code == 400 and "请填写注销原因" in missing.content.decode()
    done = client.post(f"/staff/licences/{issued.public_id}/revoke/", {"reason": "依法注销"})
    assert done.status_code == 302
    issued.refresh_from_db()
    assert issued.status == LicenceStatus.REVOKED
    client.force_login(clerk_a.user)
    assert "昆明宝象物业服务有限公司" not in client.get("/staff/licences/").content.decode()
    assert client.get(f"/staff/licences/{issued.public_id}/").status_code == 404
    assert client.get(f"/staff/licences/{issued.public_id}/pdf").status_code == 404


def test_staff_import_page_reports_row_errors_and_imports(client, district, market_admin):
    client.force_login(market_admin.user)
    assert client.get("/staff/licences/import/").status_code == 200
    template = client.get("/staff/licences/import/template.csv")
    assert template.status_code == 200 and "证照类型代码" in template.content.decode("utf-8-sig")
    header = "证照类型代码,证照编号,持证人名称,持证人证件号码,发证日期\n"
    bad = header + "ID_CARD,A1,张三,123,2020-01-01\n"
    response = client.post("/staff/licences/import/", {"file": SimpleUploadedFile("a.csv", bad.encode())})
    assert response.status_code == 400 and "第2行：身份证号码应为18位" in response.content.decode()
    good = header + f"ID_CARD,{make_id_number(41)},张三,{make_id_number(41)},2020-01-01\n"
    response = client.post("/staff/licences/import/", {"file": SimpleUploadedFile("a.csv", good.encode())})
    assert response.status_code == 200 and Licence.objects.count() == 1


def test_citizens_cannot_open_staff_pages(client, district):
    citizen = citizen_make(username="nosy")
    client.force_login(citizen.user)
    assert client.get("/staff/licences/").status_code == 404
    assert client.get("/staff/licences/import/").status_code == 404


def test_staff_search_by_a_holders_id_number_posts_and_never_puts_it_in_a_url(client, market, market_admin):
    holder = person_make(name="赵建国")
    issued = licence_make(holder=holder, type_code="BUSINESS_LICENCE", department=market)
    other = licence_make(holder=person_make(name="钱多多"), type_code="BUSINESS_LICENCE", department=market)
    client.force_login(market_admin.user)
    page = client.get("/staff/licences/").content.decode()
    assert 'id="licence-filters" method="post"' in page
    found = client.post("/staff/licences/", {"q": holder.id_number}).content.decode()
    assert f"/staff/licences/{issued.public_id}/" in found and f"/staff/licences/{other.public_id}/" not in found
    assert not re.search(rf'(href|action|src|hx-[a-z]+)="[^"]*{holder.id_number}', found)
    refused = client.get("/staff/licences/", {"q": holder.id_number})
    assert refused.status_code == 400 and "personal_lookup_in_url" in refused.content.decode()
    assert f"/staff/licences/{issued.public_id}/" in client.get("/staff/licences/", {"q": "赵建"}).content.decode()
