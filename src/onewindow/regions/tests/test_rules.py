"""CSV parsing, name cleaning and grid numbering: pure rules, no database."""

from __future__ import annotations

import pytest

from onewindow.core.errors import ValidationFailed
from onewindow.regions.rules import (
    community_name_from_committee,
    csv_decode,
    csv_parse,
    district_code_normalise,
    grid_code,
    grid_count_for,
    grid_name,
)

HEADER = "cityCode,cityName,areaCode,areaName,streetCode,streetName,villageCode,villageName\n"


@pytest.mark.parametrize(("committee", "community"), [
    ("尚义社区居委会", "尚义社区"),
    ("翠湖社区居民委员会", "翠湖社区"),
    ("新华居民委员会", "新华社区"),
    ("白邑村委会", "白邑村"),
    ("前所村村民委员会", "前所村"),
    ("苏海村民委员会", "苏海村"),
    ("清波门社区", "清波门社区"),
    ("村委会", "村委会"),
])
def test_community_name_from_committee(committee: str, community: str) -> None:
    assert community_name_from_committee(committee) == community


@pytest.mark.parametrize(("value", "expected"), [
    ("530103", "530103"), (" 530103 ", "530103"), ("530103000000", "530103"),
])
def test_district_code_normalise_accepts_6_or_12_digits(value: str, expected: str) -> None:
    assert district_code_normalise(value) == expected


@pytest.mark.parametrize("value", ["", "5301", "530100", "53010A", "530103001000", "5301030000001"])
def test_district_code_normalise_rejects_other_values(value: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        district_code_normalise(value)
    assert exc.value.code == "district_code_invalid"
    assert "区县代码" in exc.value.message


def test_csv_parse_reads_one_district_and_cleans_cells() -> None:
    text = HEADER + (
        "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001001,尚义社区居委会\n"
        "5301,昆明市, 530103 ,盘龙区 , 530103001 ,拓东 街道,５３０１０３００１００２,明通巷社区居委会\n"
        "5301,昆明市,530102,五华区,530102001,华山街道,530102001001,翠湖社区居民委员会\n"
        "\n"
        "5301,昆明市,530103,盘龙区,530103011,滇源街道,530103011201,白邑村委会\n"
    )
    parsed = csv_parse(text, area_code="530103")
    assert parsed.problems == []
    assert parsed.name == "盘龙区"
    assert parsed.code == "530103000000"
    assert parsed.rows_read == 4
    assert parsed.rows_other_districts == 1
    assert list(parsed.streets) == ["530103001000", "530103011000"]
    tuodong = parsed.streets["530103001000"]
    assert tuodong.name == "拓东街道"
    assert {c.code: c.name for c in tuodong.communities.values()} == {
        "530103001001": "尚义社区", "530103001002": "明通巷社区"}
    assert parsed.streets["530103011000"].communities["530103011201"].name == "白邑村"
    assert parsed.community_count == 3


def test_csv_parse_reports_each_malformed_row_with_its_line() -> None:
    text = HEADER + (
        "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001001,尚义社区居委会\n"  # 2 ok
        "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001002\n"  # 3 short
        "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001003,白塔社区居委会,x\n"  # 4 long
        "5301,昆明市,530103,盘龙区,53010300X,拓东街道,530103001004,东庄社区居委会\n"  # 5 street
        "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103002001,桃源社区居委会\n"  # 6 not under
        "5301,昆明市,530103,盘龙区,530103001,东华街道,530103001005,状元楼社区居委会\n"  # 7 rename
        "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001001,另一个社区\n"  # 8 dup code
        "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001001,尚义社区居委会\n"  # 9 same
        "5301,昆明市,ABC,盘龙区,530103001,拓东街道,530103001006,X社区\n"  # 10 area
        "5301,昆明市,530103,官渡区,530103001,拓东街道,530103001007,Y社区\n"  # 11 area name
        "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001008,坏\x07名字\n"  # 12 control
        "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001000,街道本身\n"  # 13 000
    )
    parsed = csv_parse(text, area_code="530103")
    by_line = {p.line: p.message for p in parsed.problems}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 10, 11, 12, 13]
    assert "villageName" in by_line[3]
    assert by_line[4] == "列数多于表头"
    assert "街道代码" in by_line[5]
    assert "社区代码" in by_line[6]
    assert "不一致" in by_line[7] and "拓东街道" in by_line[7]
    assert "重复" in by_line[8]
    assert "区县代码" in by_line[10]
    assert "区县名称" in by_line[11]
    assert "控制字符" in by_line[12]
    assert "社区代码" in by_line[13]
    assert str(parsed.problems[0]).startswith("第3行：")
    assert parsed.rows_duplicate == 1
    assert list(parsed.streets["530103001000"].communities) == ["530103001001"]


def test_csv_parse_requires_the_columns() -> None:
    with pytest.raises(ValidationFailed) as exc:
        csv_parse("code,name\n530103,盘龙区\n", area_code="530103")
    assert exc.value.code == "csv_columns_missing"
    assert "streetCode" in exc.value.message


def test_csv_decode_handles_bom_gb18030_and_binary() -> None:
    assert csv_decode("\ufeffa,b\n拓东".encode()) == "a,b\n拓东"
    assert csv_decode("拓东街道".encode("gb18030")) == "拓东街道"
    with pytest.raises(ValidationFailed) as exc:
        csv_decode(b"PK\x03\x04\x00\x00binary")
    assert exc.value.code == "csv_not_text"


def test_grid_numbering_is_stable_and_in_range() -> None:
    counts = [grid_count_for(f"530103001{n:03d}") for n in range(1, 200)]
    assert set(counts) == {2, 3, 4}
    assert grid_count_for("530103001001") == grid_count_for("530103001001")
    assert grid_code("530103001001", 3) == "530103001001003"
    assert grid_name("尚义社区", 2) == "尚义社区第2网格"
