"""manage.py regions_load."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from onewindow.regions.models import Region

HEADER = "cityCode,cityName,areaCode,areaName,streetCode,streetName,villageCode,villageName\n"
ROWS = (
    "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001001,尚义社区居委会\n"
    "5301,昆明市,530103,盘龙区,530103001,拓东街道,5301030010\n"
)


@pytest.mark.django_db
def test_regions_load_reports_and_skips_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("regions_load", "--csv", str(path), "--district", "530103", "--no-grids",
                 stdout=out, stderr=err)
    assert "盘龙区（530103000000）" in out.getvalue() and "街道/镇 1" in out.getvalue()
    assert "第3行" in err.getvalue()
    assert Region.objects.count() == 3

    call_command("regions_load", "--csv", str(path), "--no-grids", stdout=StringIO(),
                 stderr=StringIO())
    assert Region.objects.count() == 3


@pytest.mark.django_db
def test_regions_load_strict_fails_with_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("regions_load", "--csv", str(path), "--strict")
    assert "第3行" in str(exc.value)
    assert Region.objects.count() == 0
    with pytest.raises(CommandError, match="区县代码"):
        call_command("regions_load", "--csv", str(path), "--district", "12")
