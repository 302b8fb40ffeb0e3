from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.catalog import selectors, services
from onewindow.catalog.constants import VersionStatus
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.tests.conftest import MATERIALS
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _login(client: Client, staff) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(staff.user)
    return client


def _form(dept, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "department_code": dept.code, "implementation_code": "WEB-0001", "name": "食品经营许可",
        "item_type": "01", "exercise_level": "district", "service_object": "legal",
        "legal_limit_value": "20", "legal_limit_unit": "working_day",
        "promised_limit_value": "5", "promised_limit_unit": "working_day", "visits": "1",
        "online_depth": "3", "is_online": "on", "tongban_scope": "none", "is_free": "on",
        "place": "区政务服务中心", "hours": "工作日", "conditions": "有经营场所",
        "legal_basis": "中华人民共和国食品安全法｜第三十五条｜国家对食品经营实行许可制度。",
        "steps": "受理｜窗口受理｜窗口人员｜即时\n审查｜｜审批人员",
        "fees": "", "faq": "能网上办吗？｜能。", "result_type": "licence",
        "result_name": "食品经营许可证", "result_licence_type_code": "FOOD_LICENCE",
        "keywords": "餐饮、食品", "contact_phone": "0871-1", "complaint_channel": "12345",
        "change_note": "",
    }
    data.update(overrides)
    return data


def test_create_edit_publish_in_the_browser_flow(client, admin, dept) -> None:
    _login(client, admin)
    assert client.get("/staff/catalog/new/").status_code == 200
    response = client.post("/staff/catalog/new/", _form(dept))
    assert response.status_code == 302, response.content.decode()[:2000]
    item = ServiceItem.objects.get(implementation_code="WEB-0001")
    draft = selectors.item_draft(item=item)
    assert draft is not None
    assert draft.legal_basis == [{"law": "中华人民共和国食品安全法", "article": "第三十五条",
                                  "text": "国家对食品经营实行许可制度。"}]
    assert draft.steps[1] == {"name": "审查", "description": "", "handler_role": "审批人员",
                              "time_limit": ""}
    assert draft.keywords == ["餐饮", "食品"] and draft.is_online and draft.is_free

    page = client.get(f"/staff/catalog/items/{item.public_id}/")
    assert "食品经营许可" in page.content.decode()
    # Publishing without materials is refused with the reason.
    refused = client.post(f"/staff/catalog/items/{item.public_id}/publish/")
    assert refused.status_code == 400 and "发布前须至少填写一项申请材料" in refused.content.decode()

    added = client.post(f"/staff/catalog/items/{item.public_id}/materials/", {
        "name": "营业执照", "material_type": "copy", "source": "shared", "copies": "1",
        "is_required": "on", "licence_type_code": "business_licence",
        "blank_form": SimpleUploadedFile("申请书.docx", b"PK demo")})
    assert added.status_code == 302
    material = draft.materials.get()
    assert material.licence_type_code == "BUSINESS_LICENCE"

    # The draft's form is not public yet.
    anonymous = Client()
    assert anonymous.get(f"/catalog/materials/{material.public_id}/blank_form").status_code == 404
    assert client.get(f"/catalog/materials/{material.public_id}/blank_form").status_code == 200

    published = client.post(f"/staff/catalog/items/{item.public_id}/publish/")
    assert published.status_code == 302
    item.refresh_from_db()
    assert item.current_version_id == draft.id
    download = anonymous.get(f"/catalog/materials/{material.public_id}/blank_form")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"PK demo"

    # Editing the published item creates version 2; the diff shows on the item page.
    edited = client.post(f"/staff/catalog/items/{item.public_id}/edit/",
                         _form(dept, promised_limit_value="3", change_note="提速"))
    assert edited.status_code == 302
    assert selectors.item_draft(item=item).number == 2
    page = client.get(f"/staff/catalog/items/{item.public_id}/").content.decode()
    assert "承诺时限" in page and "提速" in page
    history = client.get(f"/staff/catalog/items/{item.public_id}/versions/").content.decode()
    assert "v2" in history and "v1" in history and "承诺时限" in history
    client.post(f"/staff/catalog/items/{item.public_id}/publish/")
    retired = client.post(f"/staff/catalog/items/{item.public_id}/retire/", {"reason": "取消"})
    assert retired.status_code == 302
    assert not ServiceItem.objects.get(pk=item.pk).versions.filter(
        status=VersionStatus.PUBLISHED).exists()
    assert AuditEntry.objects.filter(action="catalog.retire").count() == 1


def test_form_errors_are_shown_next_to_fields(client, admin, dept) -> None:
    _login(client, admin)
    response = client.post("/staff/catalog/new/", _form(dept, promised_limit_value="五",
                                                        steps="a｜b｜c｜d｜e"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "每行最多4段" in body
    assert ServiceItem.objects.count() == 0
    response = client.post("/staff/catalog/new/", _form(dept, promised_limit_value="五"))
    assert "应为不小于0的整数" in response.content.decode()
    assert 'value="五"' in response.content.decode()  # what was typed is kept


def test_list_filters_and_permissions(client, admin, reviewer, clerk_a, dept, other_dept,
                                      elements) -> None:
    for code, department in (("L-1", dept), ("L-2", other_dept)):
        item = services.item_create(actor=admin.user, department=department,
                                    implementation_code=code, elements=elements,
                                    materials=MATERIALS)
        if code == "L-1":
            services.item_publish(actor=admin.user, item=item)
    _login(client, admin)
    body = client.get("/staff/catalog/").content.decode()
    assert "L-1" in body and "L-2" in body
    body = client.get("/staff/catalog/", {"status": "draft"}).content.decode()
    assert "L-2" in body and "L-1" not in body
    rows = client.get("/staff/catalog/", {"department": dept.code}, HTTP_HX_REQUEST="true")
    assert "<html" not in rows.content.decode() and "L-1" in rows.content.decode()

    reviewer_client = _login(Client(), reviewer)
    body = reviewer_client.get("/staff/catalog/").content.decode()
    assert "L-1" in body and "L-2" not in body
    other = ServiceItem.objects.get(implementation_code="L-2")
    assert reviewer_client.get(f"/staff/catalog/items/{other.public_id}/").status_code == 404
    assert _login(Client(), clerk_a).get("/staff/catalog/").status_code == 404
    assert Client().get("/staff/catalog/").status_code == 302  # to sign in


def test_import_page_reports_every_bad_row(client, admin, dept, elements) -> None:
    _login(client, admin)
    records = [{**elements, "implementation_code": "I-1", "department_code": dept.code,
                "materials": MATERIALS},
               {**elements, "implementation_code": "I-2", "department_code": "NOPE",
                "visits": "多次", "materials": MATERIALS}]
    upload = SimpleUploadedFile("x.json", json.dumps(records).encode())
    response = client.post("/staff/catalog/import/", {"file": upload, "publish": "on"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "第2条 &#x27;实施部门编码&#x27;：部门“NOPE”不存在" in body
    assert "第2条 &#x27;到办事现场次数&#x27;：应为不小于0的整数" in body
    assert ServiceItem.objects.count() == 0
    good = SimpleUploadedFile("x.json", json.dumps(records[:1]).encode())
    response = client.post("/staff/catalog/import/", {"file": good, "publish": "on"})
    assert response.status_code == 200 and ServiceItem.objects.count() == 1
    export = client.get("/staff/catalog/export/", {"format": "json"})
    assert json.loads(export.content)["items"][0]["implementation_code"] == "I-1"
    assert client.get("/staff/catalog/export/", {"format": "pdf"}).status_code == 400


def test_power_and_responsibility_lists(client, admin, dept, elements) -> None:
    item = services.item_create(actor=admin.user, department=dept, implementation_code="PL-1",
                                elements=elements, materials=MATERIALS)
    services.item_publish(actor=admin.user, item=item)
    _login(client, admin)
    url = f"/staff/catalog/items/{item.public_id}/lists/"
    assert client.post(url, {"list": "power"}).status_code == 302
    assert client.post(url, {"list": "responsibility", "duty": "受理责任",
                             "accountable_subject": "区纪委监委"}).status_code == 302
    refused = client.post(url, {"list": "responsibility", "duty": ""})
    assert refused.status_code == 400
    assert not selectors.power_list_published(department=dept).exists()
    page = client.get("/staff/catalog/lists/").content.decode()
    assert dept.name in page
    for kind in ("power", "responsibility"):
        assert client.post("/staff/catalog/lists/", {"department": dept.code,
                                                     "kind": kind}).status_code == 302
    assert selectors.power_list_published(department=dept).get().power_name == "食品经营许可"
    assert selectors.responsibility_list_published(department=dept).get().duty == "受理责任"
    bad = client.post("/staff/catalog/lists/", {"department": "NOPE", "kind": "power"})
    assert bad.status_code == 404
