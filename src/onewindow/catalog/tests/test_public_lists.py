"""Public 权力清单/责任清单: only what a department published, by page, Excel and API."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from onewindow.catalog import services
from onewindow.catalog.tests.conftest import MATERIALS

pytestmark = pytest.mark.django_db


def _item(admin, dept, elements, code, name, item_type="01"):  # type: ignore[no-untyped-def]
    item = services.item_create(actor=admin.user, department=dept, implementation_code=code,
                                elements={**elements, "name": name, "item_type": item_type},
                                materials=MATERIALS)
    services.item_publish(actor=admin.user, item=item)
    return item


@pytest.fixture
def lists(admin, dept, other_dept, elements):  # type: ignore[no-untyped-def]
    licence = _item(admin, dept, elements, "11530103MB0000001-XK-001", "食品经营许可")
    benefit = _item(admin, dept, elements, "11530103MB0000001-GF-002", "高龄津贴发放", "05")
    services.power_entry_save(actor=admin.user, item=licence, basis="《食品安全法》第三十五条")
    services.power_entry_save(actor=admin.user, item=benefit, basis="《老年人权益保障法》")
    services.responsibility_entry_save(actor=admin.user, item=licence, duty="受理责任：依法受理申请",
                                       accountability_cases="不予受理未说明理由的",
                                       accountable_subject="区纪委监委",
                                       accountability_basis="《行政许可法》第七十二条")
    services.list_publish(actor=admin.user, department=dept, kind="power")
    services.list_publish(actor=admin.user, department=dept, kind="responsibility")
    # Entries saved after the publication, and another department's unpublished list, stay hidden.
    draft = _item(admin, dept, elements, "11530103MB0000001-XK-003", "未公布的许可")
    services.power_entry_save(actor=admin.user, item=draft, basis="草稿依据")
    hidden = _item(admin, other_dept, elements, "11530103MB0000002-XK-001", "其他部门许可")
    services.power_entry_save(actor=admin.user, item=hidden, basis="其他依据")
    return {"licence": licence, "benefit": benefit, "draft": draft, "hidden": hidden}


def test_index_lists_only_departments_that_published(client: Client, lists, dept, other_dept) -> None:
    html = client.get("/guide/lists/").content.decode()
    assert dept.name in html and other_dept.name not in html
    # filtered by power type: 行政给付 only counts the benefit item
    body = client.get("/guide/lists/", {"type": "05"}).content.decode()
    assert dept.name in body
    assert client.get("/guide/lists/", {"type": "09"}).content.decode().count(dept.name) == 0
    assert dept.name not in client.get("/guide/lists/", {"q": "不存在的部门"}).content.decode()


def test_department_page_shows_published_entries_only(client: Client, lists, dept) -> None:
    response = client.get(f"/guide/lists/{dept.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "食品经营许可" in html and "高龄津贴发放" in html and "《食品安全法》第三十五条" in html
    assert "区纪委监委" in html and "不予受理未说明理由的" in html
    assert "未公布的许可" not in html and "草稿依据" not in html
    assert f'/guide/item/{lists["licence"].public_id}/' in html


def test_unknown_or_unpublished_department_is_a_chinese_404(client: Client, lists,
                                                           other_dept) -> None:
    for code in ("NOPE", other_dept.code):
        response = client.get(f"/guide/lists/{code}/")
        assert response.status_code == 404
        assert "尚未公布" in response.content.decode()
    api = client.get(f"/api/v1/catalog/lists/{other_dept.code}")
    assert api.status_code == 404 and api.json()["code"] == "list_not_found"


def test_excel_download_has_the_same_rows_as_the_page(client: Client, lists, dept) -> None:
    response = client.get(f"/guide/lists/{dept.code}/", {"format": "xlsx"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    powers = [row for row in book["权力清单"].iter_rows(min_row=2, values_only=True)]
    assert sorted(r[1] for r in powers) == ["食品经营许可", "高龄津贴发放"]
    assert {r[2] for r in powers} == {"行政许可", "行政给付"}
    duties = list(book["责任清单"].iter_rows(min_row=2, values_only=True))
    assert duties == [("食品经营许可", "受理责任：依法受理申请", "不予受理未说明理由的",
                       "区纪委监委", "《行政许可法》第七十二条")]


def test_item_guide_shows_its_published_power_and_duties(client: Client, lists) -> None:
    html = client.get(f"/guide/item/{lists['licence'].public_id}/").content.decode()
    assert 'id="sec-lists"' in html and "区纪委监委" in html
    draft_html = client.get(f"/guide/item/{lists['draft'].public_id}/").content.decode()
    assert 'id="sec-lists"' not in draft_html


def test_api_lists_and_department_lists(client: Client, lists, dept) -> None:
    rows = client.get("/api/v1/catalog/lists").json()
    assert [r["code"] for r in rows] == [dept.code]
    assert rows[0]["power_count"] == 2 and rows[0]["responsibility_count"] == 1
    assert client.get("/api/v1/catalog/lists", {"type": "05"}).json()[0]["power_count"] == 1
    assert client.get("/api/v1/catalog/lists", {"type": "xx"}).json() == []
    detail = client.get(f"/api/v1/catalog/lists/{dept.code}").json()
    assert {p["power_name"] for p in detail["powers"]} == {"食品经营许可", "高龄津贴发放"}
    assert detail["responsibilities"][0]["accountable_subject"] == "区纪委监委"
    assert detail["department"]["power_count"] == 2
