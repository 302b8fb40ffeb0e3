from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from onewindow.catalog import selectors, services
from onewindow.catalog.constants import PLACEHOLDER_MARK, ItemSource
from onewindow.catalog.loaders import PLACEHOLDER_FIELDS, guangan_load
from onewindow.catalog.models import ServiceItem, ServiceItemVersion
from onewindow.regions.models import Region

pytestmark = pytest.mark.django_db

HEADER = "department,main_item,name,itemCode,taskType,areaCode,deptCode,link\n"
ROWS = [
    '"区教科体局","未分类","学生资助政策咨询","512C0053300008-511602000000-000-115113010833722043-1-00",'
    '"20","511602000000","083372204","http://www.sczwfw.gov.cn/x?itemCode=1"',
    '"区行政审批局","企业设立、变更、注销登记","有限责任公司设立登记",'
    '"511A0100100001-511602000000-000-11511602MB0000000X-1-00","1","511602000000",'
    '"11511602MB0000000X",""',
    '" 区行政审批局 ","","个体工商户注销登记","511A0100100002-511602000000-000-11511602MB0000000X-1-00",'
    '"1","511602000000","11511602MB0000000X",""',
    '"区民政局","未分类","坏类型","X-1","99","511602000000","1",""',
    '"区民政局","未分类","","X-2","1","511602000000","1",""',
]


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "guangan.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_load_twice_creates_no_duplicates(tmp_path: Path) -> None:
    path = _csv(tmp_path, ROWS)
    first = guangan_load(path=path)
    assert first is not None
    assert first.result.created == 3 and first.skipped_invalid == 2
    assert first.departments_created == 2
    region = Region.objects.get(code="511602000000")
    assert region.name == "广安区" and region.path == "/511602000000/"
    item = ServiceItem.objects.get(implementation_code__startswith="511A0100100001")
    assert item.basic_code == "511A0100100001"
    assert item.source == ItemSource.GUANGAN
    assert item.department.name == "广安区行政审批局" and item.department.region == region
    version = item.current_version
    assert version is not None and version.item_type == "01" and version.is_placeholder
    assert version.service_object == "legal"  # "公司" in the name
    assert version.keywords == ["企业设立、变更、注销登记"]
    assert version.display("place") == f"广安区政务服务中心{PLACEHOLDER_MARK}"
    assert version.display("complaint_channel") == "12345政务服务便民热线"
    consult = ServiceItem.objects.get(implementation_code__startswith="512C")
    assert consult.current_version.item_type == "20"
    assert consult.current_version.faq[0]["a"].endswith("itemCode=1")
    revision = selectors.catalog_revision()

    second = guangan_load(path=path)
    assert second is not None
    assert second.result.created == 0 and second.result.unchanged == 3
    assert ServiceItem.objects.count() == 3 and ServiceItemVersion.objects.count() == 3
    assert selectors.catalog_revision() == revision


def test_reload_never_overwrites_completed_items(tmp_path: Path, admin) -> None:  # type: ignore[no-untyped-def]
    path = _csv(tmp_path, ROWS[:1])
    guangan_load(path=path)
    item = ServiceItem.objects.get()
    # Administrators of 广安区 would do this; the system actor stands in for them here.
    services.draft_update(actor=None, item=item, elements={
        "place": "广安区政务服务中心一楼教育窗口",
        "placeholder_fields": [f for f in PLACEHOLDER_FIELDS if f != "place"]})
    services.item_publish(actor=None, item=item)
    renamed = ROWS[0].replace("学生资助政策咨询", "学生资助咨询")
    result = guangan_load(path=_csv(tmp_path, [renamed]))
    assert result is not None and result.skipped_edited == 1
    item.refresh_from_db()
    assert item.current_version.name == "学生资助政策咨询"
    assert item.current_version.place == "广安区政务服务中心一楼教育窗口"


def test_changed_csv_row_makes_a_new_version_of_untouched_items(tmp_path: Path) -> None:
    guangan_load(path=_csv(tmp_path, ROWS[:1]))
    result = guangan_load(path=_csv(tmp_path, [ROWS[0].replace("政策咨询", "咨询")]))
    assert result is not None and result.result.versioned == 1
    item = ServiceItem.objects.get()
    assert item.current_version.name == "学生资助咨询" and item.current_version.number == 2


def test_absent_file_is_skipped(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHARED_DATA_DIR = tmp_path / "nowhere"
    assert guangan_load() is None
    out = StringIO()
    call_command("catalog_load_guangan", stdout=out)
    assert "跳过" in out.getvalue()
    assert not ServiceItem.objects.exists()


def test_command_reports_counts(tmp_path: Path) -> None:
    out = StringIO()
    call_command("catalog_load_guangan", path=_csv(tmp_path, ROWS), stdout=out)
    assert "新建事项 3 个" in out.getvalue() and "无效行 2 个" in out.getvalue()
