"""manage.py calendar_seed and calendar_import."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onewindow.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_calendar_seed_twice():
    assert "已写入" in run("calendar_seed")
    assert CalendarYear.objects.get(year=2026).status == CalendarYear.Status.OFFICIAL
    assert "无需写入" in run("calendar_seed")


def test_calendar_import_file_with_and_without_year(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-20,workday,春节\n",
                    encoding="utf-8")
    assert "2027 年法定节假日安排已导入" in run("calendar_import", str(path))
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).kind == "workday"
    assert CalendarYear.objects.get(year=2027).source == "导入：2027.csv"
    run("calendar_import", str(path), "--year", "2027")
    assert CalendarDay.objects.filter(date__year=2027).count() == 2


def test_calendar_import_lists_every_bad_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("2027-01-01,holiday\n2027-02-31,holiday\n2027-01-01,休\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run("calendar_import", str(path), "--year", "2027")
    text = str(info.value)
    assert "第 2 行：日期“2027-02-31”无效" in text
    assert "第 3 行：日期 2027-01-01 与第 1 行重复" in text
    assert not CalendarDay.objects.exists()


def test_calendar_import_missing_file(tmp_path):
    with pytest.raises(CommandError, match="无法读取文件"):
        run("calendar_import", str(tmp_path / "nope.csv"))
