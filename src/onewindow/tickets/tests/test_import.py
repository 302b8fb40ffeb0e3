"""Bulk import of messages from other boards, and the management commands."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from onewindow.core.errors import PermissionDenied
from onewindow.core.tests.helpers import raises_code
from onewindow.tickets import services
from onewindow.tickets.constants import Channel, Status
from onewindow.tickets.models import Category, Ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")

CSV = """留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数
188006,A0001,拓东路小区停水,2026/11/20 11:25:05,"
        拓东路12号小区停水两天了，一直没有来水。
",0,12
188007,A0002,噪音扰民,2026/11/21 20:00:00,鼓楼社区夜间施工噪音很大,0,3
188008,A0003,时间有误,昨天下午,内容内容内容内容,0,0
"""


def test_import_runs_every_row_through_intake_and_is_idempotent(hotline):
    result = services.tickets_import(actor=hotline.operator.user, content=CSV.encode("utf-8"), filename="board.csv")
    assert result.created == 2 and result.problems == ["第4行：时间“昨天下午”无法识别"]
    water = Ticket.objects.get(external_id="188006")
    assert water.channel == Channel.IMPORT and water.supporters == 12
    assert water.text == "拓东路12号小区停水两天了，一直没有来水。"
    assert water.received_at == datetime(2026, 11, 20, 11, 25, 5, tzinfo=SH)
    assert water.status == Status.DISPATCHED and water.department == hotline.water
    again = services.tickets_import(actor=hotline.operator.user, content=CSV.encode("gb18030"), filename="b.csv")
    assert (again.created, again.duplicates) == (0, 2)


def test_import_reads_excel(hotline):
    book = Workbook()
    sheet = book.active
    sheet.append(["标题", "内容", "时间", "类型", "地址"])
    sheet.append(["垃圾清运", "拓东社区垃圾三天没人清运", datetime(2026, 11, 22, 9, 0), "投诉", "拓东路5号"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = services.tickets_import(actor=hotline.operator.user, content=buffer.getvalue(), filename="x.xlsx")
    assert result.created == 1
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.address) == ("complaint", "拓东路5号")


def test_only_hotline_staff_import(hotline):
    with raises_code(PermissionDenied, "not_operator"):
        services.tickets_import(actor=hotline.water_staff.user, content=CSV.encode(), filename="x.csv")


def test_seed_and_import_commands(hotline, tmp_path):
    path = tmp_path / "board.csv"
    path.write_text(CSV, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("tickets_import", str(path), "--as", "operator", stdout=out, stderr=err)
    assert "导入 2 件" in out.getvalue() and "第4行" in err.getvalue()
    taxonomy = tmp_path / "t.csv"
    taxonomy.write_text("一级分类,二级分类,三级分类\n民政,社会救助,低保\n", encoding="utf-8")
    call_command("tickets_seed_categories", "--csv", str(taxonomy), stdout=out)
    assert Category.objects.filter(name="低保", level=3).exists()
