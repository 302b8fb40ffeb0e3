from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onewindow.accounts import services as account_services
from onewindow.accounts.tests.factories import UserFactory, make_credit_code, make_id_number
from onewindow.core.models import AuditEntry
from onewindow.licences import services
from onewindow.licences.constants import LicenceStatus
from onewindow.licences.models import Licence

from .factories import citizen_make, enterprise_make, licence_make, person_make

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, key = account_services.api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_public_verification_needs_no_sign_in_and_masks(client, district):
    person = person_make(name="林晓峰")
    licence = licence_make(holder=person, valid_until=timezone.localdate() - timedelta(days=2))
    response = client.get(f"/api/v1/licences/verify/{licence.verification_code_display}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "expired" and body["genuine"] is True
    assert body["holder_name"] == "林*峰" and body["number"] == licence.number
    assert person.id_number not in response.content.decode()
    unknown = client.get("/api/v1/licences/verify/NOT-A-CODE").json()
    assert unknown["status"] == "unknown" and unknown["genuine"] is False and unknown["number"] == ""


def test_my_licences_lists_only_mine_and_serves_my_pdf(client, district, market):
    citizen = citizen_make(username="me_citizen", name="孙丽")
    other = person_make()
    mine = services.licence_issue(actor=None, type_code="HEALTH_CERT", holder_person=citizen, data={},
                                  source_ref="BJ-1", department=market)
    theirs = services.licence_issue(actor=None, type_code="HEALTH_CERT", holder_person=other, data={},
                                    source_ref="BJ-2", department=market)
    auth = bearer(citizen.user)
    body = client.get("/api/v1/me/licences", **auth).json()
    assert [row["id"] for row in body] == [str(mine.public_id)]
    assert body[0]["holder_id"].startswith(citizen.id_number[:4]) and "*" in body[0]["holder_id"]
    assert body[0]["verify_url"] == f"https://zwfw.example.gov.cn/verify/{mine.verification_code}/"
    assert body[0]["number"] == mine.number
    pdf = client.get(f"/api/v1/me/licences/{mine.public_id}/pdf", **auth)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"/api/v1/me/licences/{theirs.public_id}/pdf", **auth).status_code == 404
    assert client.get("/api/v1/me/licences").status_code == 401


def test_holder_sees_who_used_the_licence(client, district, clerk_a):
    citizen = citizen_make(username="traced", name="钱多多")
    licence = licence_make(holder=citizen, type_code="HOUSEHOLD_REGISTER")
    services.licence_use(actor=clerk_a.user, licence=licence, case_ref="BJ20260001", purpose="免提交：户口簿")
    uses = client.get(f"/api/v1/me/licences/{licence.public_id}/uses", **bearer(citizen.user)).json()
    assert [(u["case_ref"], u["department"], u["purpose"]) for u in uses] == [
        ("BJ20260001", "拓东街道办事处", "免提交：户口簿")]


def test_staff_list_and_detail_scope_out_of_scope_is_404(client, district, market, market_admin, civil_admin,
                                                          clerk_a):
    issued = licence_make(holder=enterprise_make(), type_code="BUSINESS_LICENCE", department=market)
    licence_make(holder=person_make())
    body = client.get("/api/v1/licences", **bearer(market_admin.user)).json()
    assert body["count"] == 1 and body["items"][0]["id"] == str(issued.public_id)
    for outsider in (civil_admin, clerk_a):
        auth = bearer(outsider.user)
        assert client.get("/api/v1/licences", **auth).json()["count"] == 0
        for response in (client.get(f"/api/v1/licences/{issued.public_id}", **auth),
                         client.get(f"/api/v1/licences/{issued.public_id}/uses", **auth),
                         client.post(f"/api/v1/licences/{issued.public_id}/revoke", {"reason": "越权注销"},
                                     content_type="application/json", **auth)):
            assert response.status_code == 404 and response.json()["code"] == "not_found"
    issued.refresh_from_db()
    assert issued.status == LicenceStatus.VALID
    assert client.get(f"/api/v1/licences/{issued.public_id}", **bearer(market_admin.user)).status_code == 200


def test_staff_list_query_count_is_bounded(client, district, market, market_admin):
    for _ in range(12):
        licence_make(holder=enterprise_make(), type_code="BUSINESS_LICENCE", department=market)
    auth = bearer(market_admin.user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/licences", **auth)
    assert response.json()["count"] == 12
    assert len(ctx.captured_queries) <= 8


def test_revoke_through_the_api(client, district, market, market_admin):
    issued = licence_make(holder=enterprise_make(), type_code="BUSINESS_LICENCE", department=market)
    url = f"/api/v1/licences/{issued.public_id}/revoke"
    auth = bearer(market_admin.user)
    missing = client.post(url, {"reason": ""}, content_type="application/json", **auth)
    assert missing.status_code == 400 and missing.json()["fields"] == {"reason": "请填写注销原因"}
    done = client.post(url, {"reason": "依法吊销"}, content_type="application/json", **auth)
    assert done.status_code == 200 and done.json()["status"] == "revoked"
    again = client.post(url, {"reason": "依法吊销"}, content_type="application/json", **auth)
    assert again.status_code == 409
    verify = client.get(f"/api/v1/licences/verify/{issued.verification_code}").json()
    assert verify["status"] == "revoked" and verify["revocation_reason"] == "依法吊销"


def test_api_import_by_department_token_all_or_nothing_and_idempotent(client, district, market_admin, clerk_a):
    rows = [
        {"type_code": "BUSINESS_LICENCE", "number": make_credit_code(21), "holder_name": "昆明碧鸡商贸有限公司",
         "holder_id": make_credit_code(21), "issued_on": "2022-02-02", "valid_until": "长期"},
        {"type_code": "ID_CARD", "number": make_id_number(22), "holder_name": "何平",
         "holder_id": make_id_number(22), "issued_on": "2018-01-01", "valid_until": "2038-01-01"},
    ]
    auth = bearer(market_admin.user)
    created = client.post("/api/v1/licences/import", {"rows": rows, "source_name": "市场监管局登记系统"},
                          content_type="application/json", **auth)
    assert created.status_code == 201
    assert created.json() | {"batch_id": None} == {"batch_id": None, "rows": 2, "created": 2, "updated": 0,
                                                   "unchanged": 0}
    again = client.post("/api/v1/licences/import", {"rows": rows}, content_type="application/json", **auth)
    assert again.json()["unchanged"] == 2 and Licence.objects.count() == 2
    bad = client.post("/api/v1/licences/import", {"rows": [*rows, {**rows[1], "number": "X", "holder_id": "1"}]},
                      content_type="application/json", **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "licence_import_invalid"
    assert bad.json()["detail"][0]["row"] == 3 and "第3行" in bad.json()["detail"][0]["message"]
    assert Licence.objects.count() == 2
    forbidden = client.post("/api/v1/licences/import", {"rows": rows}, content_type="application/json",
                            **bearer(clerk_a.user))
    assert forbidden.status_code == 403
    anonymous = client.post("/api/v1/licences/import", {"rows": rows}, content_type="application/json")
    assert anonymous.status_code == 401
    empty = client.post("/api/v1/licences/import", {"rows": []}, content_type="application/json", **auth)
    assert empty.status_code == 422


def test_file_import_through_the_api(client, district, market_admin):
    content = ("证照类型代码,证照编号,持证人名称,持证人证件号码,发证日期\n"
               f"ID_CARD,{make_id_number(31)},郑和,{make_id_number(31)},2015-03-03\n").encode()
    upload = SimpleUploadedFile("ids.csv", content, content_type="text/csv")
    response = client.post("/api/v1/licences/import/file", {"file": upload}, **bearer(market_admin.user))
    assert response.status_code == 201 and response.json()["created"] == 1
    assert AuditEntry.objects.filter(action="licence.import").count() == 1
    bad = client.post("/api/v1/licences/import/file",
                      {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 ...", content_type="application/pdf")},
                      **bearer(market_admin.user))
    assert bad.status_code == 400 and bad.json()["fields"]["file"].startswith("只支持")


def test_licence_types_are_public(client, district):
    body = client.get("/api/v1/licence-types").json()
    assert body == [] or all("code" in row for row in body)
    licence_make(holder=person_make())  # creates ID_CARD on first use
    codes = [row["code"] for row in client.get("/api/v1/licence-types").json()]
    assert "ID_CARD" in codes


def test_citizen_without_person_sees_nothing(client, district):
    assert client.get("/api/v1/me/licences", **bearer(UserFactory())).json() == []


def test_licence_search_takes_the_holders_id_number_in_the_body(client, market, market_admin):
    holder = person_make(name="赵建国")
    issued = licence_make(holder=holder, type_code="BUSINESS_LICENCE", department=market)
    licence_make(holder=person_make(name="钱多多"), type_code="BUSINESS_LICENCE", department=market)
    auth = bearer(market_admin.user)
    found = client.post("/api/v1/licences/search", {"q": holder.id_number}, content_type="application/json", **auth)
    assert found.status_code == 200 and [row["id"] for row in found.json()["items"]] == [str(issued.public_id)]
    assert holder.id_number not in found.content.decode()
    refused = client.get("/api/v1/licences", {"q": holder.id_number}, **auth)
    assert refused.status_code == 400 and refused.json()["code"] == "personal_lookup_in_url"
    assert client.get("/api/v1/licences", {"q": "赵建"}, **auth).json()["count"] == 1
