from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from onewindow.catalog import selectors, services, transfer
from onewindow.catalog.constants import VersionStatus
from onewindow.catalog.models import ServiceItem, ServiceItemVersion
from onewindow.catalog.tests.conftest import MATERIALS
from onewindow.core.errors import ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(admin, dept, other_dept, elements):  # type: ignore[no-untyped-def]
    """Two published items: one with fees, co-handling and a theme; one using odd text."""
    services.theme_save(actor=admin.user, code="open-business", name="开办企业",
                        person_kind="legal")
    first = services.item_create(actor=admin.user, department=dept,
                                 implementation_code="A-0001", elements=elements,
                                 materials=MATERIALS)
    services.item_publish(actor=admin.user, item=first)
    paid = dict(elements, name="户外广告设置审批", item_type="01", is_free=False,
                fees=[{"name": "审查费", "standard": "每件 50 元", "basis": "川价费〔2019〕1号",
                       "reducible": True}],
                legal_basis=[{"law": "城市市容和环境卫生管理条例", "article": "第十一条",
                              "text": "第一款｜含分隔符\n第二款"}],
                co_department_codes=[other_dept.code], keywords=["店招", "广告牌"],
                legal_limit_value=None, promised_limit_unit="natural_day",
                placeholder_fields=["hours"])
    second = services.item_create(actor=admin.user, department=other_dept,
                                  implementation_code="B-0002", elements=paid,
                                  materials=MATERIALS[:1])
    services.item_publish(actor=admin.user, item=second)
    services.theme_save(actor=admin.user, code="open-business", name="开办企业",
                        person_kind="legal", item_codes=["B-0002"])
    return first, second


def _wipe() -> None:
    ServiceItem.objects.all().delete()


def test_json_and_xlsx_round_trip_equal(admin, catalogue) -> None:
    original = transfer.export_json()
    assert [r["implementation_code"] for r in original["items"]] == ["A-0001", "B-0002"]
    assert original["items"][1]["fees"][0]["reducible"] is True
    assert original["items"][1]["theme_codes"] == ["open-business"]
    xlsx = transfer.export_xlsx()

    _wipe()
    result = transfer.catalog_import_file(actor=admin.user, content=xlsx, filename="目录.xlsx")
    assert result.created == 2
    assert transfer.export_json()["items"] == original["items"]

    _wipe()
    payload = json.dumps(original, ensure_ascii=False).encode()
    transfer.catalog_import_file(actor=admin.user, content=payload, filename="目录.json")
    assert transfer.export_json()["items"] == original["items"]
    # And the xlsx of the re-imported catalogue reads back to the same records.
    again = transfer.parse_xlsx(transfer.export_xlsx())[0]
    assert [r["implementation_code"] for _, r in again] == ["A-0001", "B-0002"]


def test_reimport_is_idempotent_and_versions_changed_rows(admin, catalogue) -> None:
    data = transfer.export_json()
    xlsx = transfer.export_xlsx()
    versions_before = ServiceItemVersion.objects.count()
    rev = selectors.catalog_revision()
    result = transfer.catalog_import_file(actor=admin.user, content=xlsx, filename="x.xlsx")
    assert result.as_dict() == {"created": 0, "versioned": 0, "drafted": 0, "unchanged": 2}
    assert ServiceItemVersion.objects.count() == versions_before
    assert selectors.catalog_revision() == rev

    data["items"][0]["promised_limit_value"] = 2
    data["items"][0]["materials"].append({"name": "新增材料"})
    result = transfer.catalog_import_file(actor=admin.user, content=json.dumps(data).encode(),
                                          filename="x.json")
    assert result.as_dict() == {"created": 0, "versioned": 1, "drafted": 0, "unchanged": 1}
    item = ServiceItem.objects.get(implementation_code="A-0001")
    assert item.current_version.number == 2 and item.current_version.promised_limit_value == 2
    assert item.current_version.materials.count() == len(MATERIALS) + 1
    assert item.versions.get(number=1).status == VersionStatus.RETIRED
    assert selectors.catalog_revision() > rev
    # Running the same file again changes nothing.
    again = transfer.catalog_import_file(actor=admin.user, content=json.dumps(data).encode(),
                                         filename="x.json")
    assert again.as_dict()["unchanged"] == 2

    # Import as drafts: the published version stays, the draft takes the change.
    data["items"][0]["hours"] = "周一至周日"
    drafted = transfer.catalog_import_file(actor=admin.user, content=json.dumps(data).encode(),
                                           filename="x.json", publish=False)
    assert drafted.drafted == 1
    item.refresh_from_db()
    assert item.current_version.hours != "周一至周日"
    assert selectors.item_draft(item=item).hours == "周一至周日"
    assert AuditEntry.objects.filter(action="catalog.import", object_type="catalog.import",
                                     ).count() == 4


def test_bad_rows_are_all_reported_and_nothing_changes(admin, catalogue) -> None:
    wb = load_workbook(io.BytesIO(transfer.export_xlsx()))
    ws = wb["事项"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("承诺时限") + 1, value="五天")
    ws.cell(row=3, column=header.index("实施部门编码") + 1, value="NO-SUCH")
    ws.cell(row=3, column=header.index("到办事现场次数") + 1, value="-1")
    ms = wb["材料"]
    m_header = [c.value for c in ms[1]]
    ms.cell(row=2, column=m_header.index("份数") + 1, value="两份")
    buffer = io.BytesIO()
    wb.save(buffer)
    before = list(ServiceItemVersion.objects.values_list("id", "status", "updated_at"))
    with raises_code(ValidationFailed, "import_invalid") as exc:
        transfer.catalog_import_file(actor=admin.user, content=buffer.getvalue(),
                                     filename="bad.xlsx")
    texts = [d["text"] for d in exc.value.detail]
    assert "第2行 '承诺时限'：应为不小于0的整数" in texts
    assert "第3行 '实施部门编码'：部门“NO-SUCH”不存在" in texts
    assert "第3行 '到办事现场次数'：应为不小于0的整数" in texts
    assert "材料表第2行 '份数'：应为不小于0的整数" in texts
    assert exc.value.code == "import_invalid" and "未做任何修改" in exc.value.message
    assert list(ServiceItemVersion.objects.values_list("id", "status", "updated_at")) == before


def test_import_is_all_or_nothing_when_a_late_row_fails(admin, dept, elements) -> None:
    records = [dict(elements, implementation_code=f"N-{n:04d}", department_code=dept.code,
                    materials=MATERIALS) for n in range(3)]
    records[2]["implementation_code"] = "N-0000"  # duplicate of the first
    records[1]["legal_basis"] = "不是列表"
    with raises_code(ValidationFailed, "import_invalid") as exc:
        transfer.catalog_import_file(actor=admin.user, filename="x.json",
                                     content=json.dumps({"items": records}).encode())
    texts = [d["text"] for d in exc.value.detail]
    assert texts == ["第2条 '设定依据'：应为列表", "第3条 '实施编码'：与第1条重复"]
    assert not ServiceItem.objects.exists()


def test_publish_check_and_unreadable_files(admin, dept) -> None:
    records = [{"implementation_code": "P-0001", "department_code": dept.code,
                "name": "缺要素", "item_type": "20"}]
    with raises_code(ValidationFailed, "import_invalid") as exc:
        transfer.catalog_import_file(actor=admin.user, filename="x.json",
                                     content=json.dumps(records).encode())
    assert "第1条 '受理条件'：发布前须填写受理条件" in [d["text"] for d in exc.value.detail]
    # As drafts the incomplete row is accepted.
    result = transfer.catalog_import_file(actor=admin.user, filename="x.json", publish=False,
                                          content=json.dumps(records).encode())
    assert result.created == 1
    assert ServiceItem.objects.get().current_version is None
    for content, name, code in ((b"PK\x03\x04junk", "x.xlsx", "import_unreadable"),
                                (b"{", "x.json", "import_unreadable"),
                                (b"a,b", "x.csv", "import_unsupported")):
        with pytest.raises(ValidationFailed) as err:
            transfer.catalog_import_file(actor=admin.user, content=content, filename=name)
        assert err.value.code == code


def test_reviewer_cannot_import_other_departments(reviewer, other_dept, elements) -> None:
    from onewindow.core.errors import PermissionDenied

    records = [dict(elements, implementation_code="R-1", department_code=other_dept.code,
                    materials=MATERIALS)]
    with pytest.raises(PermissionDenied):
        transfer.catalog_import_file(actor=reviewer.user, filename="x.json",
                                     content=json.dumps(records).encode())


def test_malformed_json_records_are_reported_not_crashing(admin, dept, elements) -> None:
    records = [{**elements, "implementation_code": "x" * 200, "department_code": dept.code,
                "materials": 5, "theme_codes": 7, "visits": [1], "keywords": 3}]
    with raises_code(ValidationFailed, "import_invalid") as exc:
        transfer.catalog_import_file(actor=admin.user, filename="x.json",
                                     content=json.dumps(records).encode())
    texts = {d["text"] for d in exc.value.detail}
    assert texts == {"第1条 '实施编码'：应为3至120位字母、数字或连字符",
                     "第1条 '申请材料'：应为列表", "第1条 '主题编码'：应为列表",
                     "第1条 '到办事现场次数'：应为整数", "第1条 '关键词/别名'：应为列表"}


def test_arbitrary_records_only_raise_validation_errors(admin, dept) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from onewindow.catalog.rules import ELEMENT_DEFAULTS, MATERIAL_DEFAULTS

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                        st.text(max_size=50))
    values = st.one_of(scalars, st.lists(scalars, max_size=2),
                       st.dictionaries(st.text(max_size=5), scalars, max_size=2))
    material = st.dictionaries(st.sampled_from(list(MATERIAL_DEFAULTS)), values, max_size=3)
    record = st.fixed_dictionaries(
        {"implementation_code": st.text(max_size=130), "department_code": st.just(dept.code)},
        optional={**{k: values for k in ELEMENT_DEFAULTS},
                  "materials": st.one_of(values, st.lists(material, max_size=2)),
                  "theme_codes": values})

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(records=st.lists(record, min_size=1, max_size=3), excel=st.booleans())
    def run(records: list, excel: bool) -> None:  # type: ignore[type-arg]
        try:
            transfer.records_clean(list(enumerate(records, start=2)), excel=excel,
                                   publish=True)
        except ValidationFailed as exc:
            assert exc.code in ("import_invalid", "import_too_large")

    run()
