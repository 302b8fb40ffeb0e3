"""CSV parsing, name cleaning and grid numbering: pure rules, no database."""

from __future__ import annotations

import pytest

from onewindow.core.errors import ValidationFailed
from onewindow.core.tests.helpers import raises_code
from onewindow.regions import rules
from onewindow.regions.rules import (
    GazetteerEntry,
    community_name_from_committee,
    csv_decode,
    csv_parse,
    district_code_normalise,
    gazetteer_key,
    gazetteer_match,
    grid_code,
    grid_count_for,
    grid_name,
)

HEADER = "cityCode,cityName,areaCode,areaName,streetCode,streetName,villageCode,villageName\n"


@pytest.mark.parametrize(("committee", "community"), [
    ("尚义社区居委会", "尚义社区"),
    ("翠湖社区居民委员会", "翠湖社区"),
    ("新华居民委员会", "新华社区"),
    ("新华居委会", "新华社区"),
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


# --- Pure matching -------------------------------------------------------------------------------

STREET_A = "/530103000000/530103001000/"
STREET_B = "/530103000000/530103002000/"


def _index(*entries: tuple[int, str, str, str, tuple[str, ...]]) -> dict[str, list[GazetteerEntry]]:
    index: dict[str, list[GazetteerEntry]] = {}
    for pk, name, kind, path, aliases in entries:
        entry = GazetteerEntry(place_id=pk, name=name, kind=kind, region_id=pk, region_path=path)
        for key in {gazetteer_key(x) for x in (name, *aliases)}:
            index.setdefault(key, []).append(entry)
    return index


INDEX = _index(
    (1, "盘龙区", "district", "/530103000000/", ()),
    (2, "拓东街道", "street", STREET_A, ("拓东街道办事处",)),
    (3, "鼓楼街道", "street", STREET_B, ()),
    (4, "尚义社区", "community", STREET_A + "530103001001/", ("尚义社区居委会",)),
    (5, "尚义社区第1网格", "grid", STREET_A + "530103001001/530103001001001/", ()),
    (6, "白塔社区", "community", STREET_A + "530103001002/", ()),
    (7, "银海畅园", "residence", STREET_A + "530103001001/530103001001001/", ("银海畅园小区",)),
    (8, "建设路", "road", STREET_A, ()),
    (9, "建设路", "road", STREET_B, ()),
    (10, "桃源社区", "community", STREET_B + "530103002001/", ()),
)


@pytest.mark.parametrize(("text", "place"), [
    ("盘龙区拓东街道尚义社区白塔路12号附近", "尚义社区"),
    ("昆明市盘龙区 尚义社区居委会旁边", "尚义社区"),
    ("尚义社区第1网格", "尚义社区第1网格"),
    ("银海畅园小区3栋门口", "银海畅园"),  # a compound beats its community
    ("拓东街道尚义社区银海畅园", "银海畅园"),
    ("鼓楼街道建设路", "建设路"),  # the street tells the two roads apart
    ("鼓楼街道", "鼓楼街道"),
])
def test_the_most_specific_consistent_place_wins(text, place):
    found = gazetteer_match(text, INDEX)
    assert found is not None and found.entry is not None and found.entry.name == place


def test_a_place_in_conflict_with_the_street_named_loses():
    found = gazetteer_match("鼓楼街道建设路", INDEX)
    assert found.entry.place_id == 9
    # 白塔社区 is in 拓东街道: "桃源社区" agrees with 鼓楼街道 and wins
    found = gazetteer_match("鼓楼街道桃源社区（白塔社区对面）", INDEX)
    assert found.entry.name == "桃源社区"


def test_two_places_of_one_name_give_their_common_region():
    found = gazetteer_match("建设路口有垃圾", INDEX)
    assert found.ambiguous and found.candidates == 2 and found.region_path == "/530103000000/"


def test_nothing_known_is_none():
    assert gazetteer_match("今天早上", INDEX) is None
    assert gazetteer_match("", INDEX) is None
    assert gazetteer_key("１２号　楼（东）") == "12号楼东"


def test_a_vague_area_does_not_win_for_contradicting_nothing():
    # the text names the district, a street, a community of it, and a road of another street
    index = _index(*[(e.place_id, e.name, e.kind, e.region_path, ()) for entries in INDEX.values()
                     for e in entries if e.name != "建设路"],
                   (11, "白塔路", "road", STREET_B, ()))
    found = gazetteer_match("昆明市盘龙区拓东街道尚义社区白塔路331号附近", index)
    assert found.entry.name == "尚义社区"


# --- Edges a caller relies on (issue 9: each kills mutants that survived the tests above) -----
ROW = "5301,昆明市,530103,盘龙区,530103001,拓东街道,{village},{name}\n"


def _problems(body: str) -> dict[int, str]:
    return {p.line: p.message for p in csv_parse(HEADER + body, area_code="530103").problems}


@pytest.mark.parametrize("value", [None, "530100000000", "５３０１００", "٥٣٠١٠٣"])
def test_district_code_refusal_repeats_the_value_and_names_the_field(value) -> None:
    msg = f"区县代码“{value}”格式不正确，应为6位（如 530103）或12位（如 530103000000）"
    with raises_code(ValidationFailed, "district_code_invalid", field="district_code") as caught:
        district_code_normalise(value)
    assert caught.value.message == msg and caught.value.fields == {"district_code": msg}


def test_district_codes_ending_in_a_non_zero_pair_are_counties() -> None:
    assert district_code_normalise("530110") == "530110"
    assert district_code_normalise("530101000000") == "530101"
    # full-width digits (typed with a Chinese input method) are read as the code they show
    assert district_code_normalise("５３０１０３") == "530103"
    assert district_code_normalise("５３０１０３００００００") == "530103"


def test_names_are_nfkc_without_any_whitespace() -> None:
    assert rules.name_clean(None) == "" and rules.name_clean("") == ""
    assert rules.name_clean(" 拓东\u3000街道\t\n") == "拓东街道"
    assert rules.name_clean("５３０１０３（东）") == "530103(东)"


def test_grid_counts_are_fixed_per_code() -> None:
    assert [grid_count_for(f"530103001{n:03d}") for n in (1, 2, 3)] == [3, 2, 4]
    assert grid_code("530103001001", 12) == "530103001001012"


def test_csv_decode_limits_and_encodings() -> None:
    assert csv_decode(b"a" * rules.MAX_CSV_BYTES) == "a" * rules.MAX_CSV_BYTES
    with raises_code(ValidationFailed, "csv_too_large") as caught:
        csv_decode(b"a" * (rules.MAX_CSV_BYTES + 1))
    assert caught.value.message == "文件过大（超过 20 MB）"
    with raises_code(ValidationFailed, "csv_not_text") as caught:
        csv_decode(b"a" * 4095 + b"\x00")
    assert caught.value.message == "文件不是文本格式的 CSV"
    assert csv_decode(b"a" * 4096 + b"\x00") == "a" * 4096 + "\x00"
    assert csv_decode(b"a,b") == "a,b"
    with raises_code(ValidationFailed, "csv_encoding") as caught:
        csv_decode(b"a,b\n\xff\xfe\xfd")
    assert caught.value.message == "无法识别文件编码，请另存为 UTF-8 编码的 CSV"


def test_name_problems_are_named_by_label() -> None:
    assert rules._check_name("", label="街道名称") == "街道名称为空"
    assert rules._check_name("坏\x7f名", label="社区名称") == "社区名称含有控制字符"
    assert rules._check_name("坏\x9f名", label="社区名称") == "社区名称含有控制字符"
    assert rules._check_name("好\xa0名", label="社区名称") is None
    assert rules._check_name("名" * 100, label="区县名称") is None
    assert rules._check_name("名" * 101, label="区县名称") == "区县名称过长（101字，最多100字）"


def test_csv_header_must_have_every_column_and_may_be_untidy() -> None:
    with raises_code(ValidationFailed, "csv_columns_missing") as caught:
        csv_parse("areaCode,areaName,streetCode\n", area_code="530103")
    assert caught.value.message == ("CSV 表头缺少列：streetName, villageCode, villageName（应包含 areaCode, areaName, "
                                    "streetCode, streetName, villageCode, villageName）")
    assert caught.value.detail == {"missing": ["streetName", "villageCode", "villageName"]}
    with raises_code(ValidationFailed, "csv_columns_missing") as caught:
        csv_parse("", area_code="530103")
    assert caught.value.detail == {"missing": list(rules.REQUIRED_COLUMNS)}
    untidy = " areaCode ,areaName,streetCode,streetName,villageCode,villageName\n"
    lines = [untidy, "530103,盘龙区,530103001,拓东街道,530103001001,尚义社区\n"]
    parsed = csv_parse(lines, area_code="530103")
    assert parsed.problems == [] and parsed.community_count == 1 and parsed.rows_read == 1


def test_csv_rows_that_are_blank_or_only_extra_cells() -> None:
    parsed = csv_parse(HEADER + ",,,,,,,\n" + ",,,,,,,,x\n" + ",,,,,,,, \n", area_code="530103")
    assert parsed.rows_read == 2
    assert [(p.line, p.message) for p in parsed.problems] == [
        (3, "列数多于表头"),
        (4, "缺少内容：areaCode, areaName, streetCode, streetName, villageCode, villageName"),
    ]
    assert parsed.name == "" and parsed.streets == {} and parsed.community_count == 0


def test_each_row_problem_has_its_exact_message() -> None:
    body = (
        ROW.format(village="530103001001", name="尚义社区")  # 2
        + "5301,昆明市,٥٣٠١٠٣,盘龙区,530103001,拓东街道,530103001002,甲社区\n"  # 3 digits that are not ASCII
        + "5301,昆明市,530103,盘龙区,530103000,拓东街道,530103000002,乙社区\n"  # 4 street 000
        + "5301,昆明市,530103,盘龙区,530102001,拓东街道,530102001002,丙社区\n"  # 5 street of another area
        + "5301,昆明市,530103,盘龙区,53010300,拓东街道,530103001002,丁社区\n"  # 6 street of 8 digits
        + ROW.format(village="53010300100", name="戊社区")  # 7 village of 11 digits
        + ROW.format(village="530103002001", name="己社区")  # 8 village of another street
        + ROW.format(village="530103001000", name="庚社区")  # 9 village 000
        + "5301,昆明市,530103,盘\x07龙区,530103001,拓东街道,530103001003,辛社区\n"  # 10 area name
        + "5301,昆明市,530103,盘龙区,530103001,拓东\x07街道,530103001003,辛社区\n"  # 11 street name
        + ROW.format(village="530103001003", name="辛" * 101)  # 12 community name
        + "5301,昆明市,530103,官渡区,530103001,拓东街道,530103001004,壬社区\n"  # 13 district name
        + "5301,昆明市,530103,盘龙区,530103001,东华街道,530103001005,癸社区\n"  # 14 street name
        + ROW.format(village="530103001001", name="另一社区")  # 15 duplicate code
    )
    assert _problems(body) == {
        3: "区县代码“٥٣٠١٠٣”应为6位数字",
        4: "街道代码“530103000”应为以 530103 开头的9位数字",
        5: "街道代码“530102001”应为以 530103 开头的9位数字",
        6: "街道代码“53010300”应为以 530103 开头的9位数字",
        7: "社区代码“53010300100”应为以街道代码 530103001 开头、不以000结尾的12位数字",
        8: "社区代码“530103002001”应为以街道代码 530103001 开头、不以000结尾的12位数字",
        9: "社区代码“530103001000”应为以街道代码 530103001 开头、不以000结尾的12位数字",
        10: "区县名称含有控制字符",
        11: "街道名称含有控制字符",
        12: "社区名称过长（101字，最多100字）",
        13: "区县名称“官渡区”与第2行的“盘龙区”不一致",
        14: "街道 530103001000 的名称“东华街道”与第2行的“拓东街道”不一致",
        15: "社区代码 530103001001 重复，且与第2行的“尚义社区”不一致",
    }


def test_twelve_digit_street_codes_and_other_districts() -> None:
    body = (
        "5301,昆明市,530102,五华区,530102001,华山街道,530102001001,翠湖社区\n"  # 2 another district
        + "5301,昆明市,530103,盘龙区,530103001000,拓东街道,530103001001,尚义社区\n"  # 3 street as 12 digits
        + "5301,昆明市,530103,盘龙区,530103001001,拓东街道,530103001002,白塔社区\n"  # 4 12 digits not 000
        + "5301,昆明市,530103,盘龙区,530103001,拓东街道,530103001001,尚义社区\n"  # 5 the same again
    )
    parsed = csv_parse(HEADER + body, area_code="530103")
    assert [(p.line, p.message) for p in parsed.problems] == [
        (4, "街道代码“530103001001”应为以 530103 开头的9位数字")]
    assert (parsed.rows_read, parsed.rows_other_districts, parsed.rows_duplicate) == (4, 1, 1)
    again = csv_parse(HEADER + body + body, area_code="530103")
    assert (again.rows_read, again.rows_other_districts, again.rows_duplicate) == (8, 2, 3)
    street = parsed.streets["530103001000"]
    assert (street.code, street.name, street.line) == ("530103001000", "拓东街道", 3)
    community = street.communities["530103001001"]
    assert (community.code, community.name, community.line) == ("530103001001", "尚义社区", 3)
    assert parsed.area_code == "530103" and parsed.name == "盘龙区"
    assert str(rules.RowProblem(7, "列数多于表头")) == "第7行：列数多于表头"


def test_gazetteer_keys_drop_marks_and_fold_case() -> None:
    assert gazetteer_key(None) == "" and gazetteer_key("") == ""
    assert gazetteer_key("ABC 小区，3-1【东门】/“北”") == "abc小区31东门北"


def _one(pk: int, key: str, kind: str = "community", path: str = STREET_A) -> dict[str, list[GazetteerEntry]]:
    return {key: [GazetteerEntry(place_id=pk, name=key, kind=kind, region_id=pk, region_path=path)]}


def test_gazetteer_keys_are_two_to_max_key_characters() -> None:
    assert gazetteer_match("a", {"a": _one(1, "a")["a"]}) is None
    assert gazetteer_match("ab", {"a": _one(1, "a")["a"]}) is None
    assert gazetteer_match("x", _one(1, "xy")) is None
    found = gazetteer_match("xy", _one(1, "xy"))
    assert found is not None and found.entry.place_id == 1 and found.matched == "xy" and not found.ambiguous
    assert found.region_path == STREET_A and found.candidates == 1
    assert gazetteer_match("xy", {}) is None
    long_key = "长" * 30
    assert gazetteer_match("在" + long_key + "旁", _one(2, long_key)).entry.place_id == 2
    assert gazetteer_match("在" + long_key + "长旁", _one(3, long_key + "长")) is None
    assert gazetteer_match("在" + long_key + "旁", _one(2, long_key), max_key=29) is None
    assert gazetteer_match("abcd", _one(4, "abc"), max_key=3).entry.place_id == 4
    assert gazetteer_match("zabc", _one(4, "abc"), max_key=3).entry.place_id == 4


def test_the_longest_key_at_a_position_wins_and_hits_inside_it_are_dropped() -> None:
    # the shorter keys name more specific places elsewhere: kept, they would win
    index = {**_one(1, "尚义", "address", path=STREET_B), **_one(2, "尚义社区", path=STREET_A),
             **_one(3, "义社", "address", path="/9/"), **_one(4, "社区", "address", path="/8/")}
    found = gazetteer_match("尚义社区旁", index)
    assert found.entry.place_id == 2 and found.matched == "尚义社区"
    found = gazetteer_match("旁尚义社区", index)  # a hit inside, not at the start of the longer one
    assert found.entry.place_id == 2 and found.matched == "尚义社区"


def test_one_place_named_twice_is_one_winner() -> None:
    index = _index((4, "尚义社区", "community", STREET_A + "530103001001/", ("尚义居委会",)))
    found = gazetteer_match("尚义社区（尚义居委会）", index)
    assert not found.ambiguous and found.entry.place_id == 4 and found.candidates == 1
    assert found.matched in {"尚义社区", "尚义居委会"}


def test_ties_give_the_common_region_and_the_first_key() -> None:
    index = _index((1, "建设路", "road", "/1/2/3/", ()), (2, "建设路", "road", "/1/2/4/", ()),
                   (3, "建设路", "road", "/1/2/5/", ()))
    found = gazetteer_match("建设路", index)
    assert found.ambiguous and found.entry is None
    assert (found.region_path, found.candidates, found.matched) == ("/1/2/", 3, "建设路")
    apart = gazetteer_match("建设路", _index((1, "建设路", "road", "/1/", ()), (2, "建设路", "road", "/2/", ())))
    assert apart.ambiguous and apart.region_path == "" and apart.candidates == 2
    assert rules._common_path([]) == "" and rules._common_path(["/1/2/"]) == "/1/2/"
    assert rules._common_path(["/1/2/", "/1/2/3/"]) == "/1/2/"
    assert rules._depth("/1/2/3/") == 3 and rules._depth("") == 0


def test_specificity_then_depth_then_key_length_break_ties() -> None:
    # same support, different kinds: the more specific kind wins, an unknown kind is the least
    index = _index((1, "甲地", "mystery", "/1/", ()), (2, "乙地", "district", "/2/", ()))
    assert gazetteer_match("甲地乙地", index).entry.place_id == 2
    index = _index((1, "甲地", "street", "/1/", ()), (2, "乙地", "district", "/2/", ()))
    assert gazetteer_match("乙地甲地", index).entry.place_id == 1
    # same kind, the deeper region wins
    index = _index((1, "甲地", "road", "/1/2/", ()), (2, "乙地", "road", "/3/", ()))
    assert gazetteer_match("乙地甲地", index).entry.place_id == 1
    # same kind and depth: the longer name wins
    index = _index((1, "甲地方", "road", "/1/", ()), (2, "乙地", "road", "/3/", ()))
    assert gazetteer_match("乙地甲地方", index).entry.place_id == 1


def test_support_counts_areas_around_and_conflict_places_elsewhere() -> None:
    # 乙 supports 甲 (乙 is around it); 丙 is inside 甲 and neither supports nor contradicts it
    index = _index((1, "甲地", "road", "/1/2/", ()), (2, "乙地", "district", "/1/", ()),
                   (3, "丙地", "road", "/1/2/9/", ()), (4, "丁地", "poi", "/7/", ()))
    found = gazetteer_match("乙地甲地", index)
    assert found.entry.place_id == 1
    # 丁 (a poi, more specific) contradicts both 甲 and 乙; 甲 has 乙's support: 2 − 1 beats 丁's 1 − 2
    assert gazetteer_match("丁地乙地甲地", index).entry.place_id == 1
    # 丙 alone inside 甲: both score 1, the deeper 丙 wins; 甲 is not contradicted by it
    assert gazetteer_match("甲地丙地", index).entry.place_id == 3
    assert gazetteer_match("丙地甲地", index).entry.place_id == 3


def test_one_support_does_not_outweigh_one_contradiction() -> None:
    # 乙 and 丙 each have 甲 around them and contradict each other (1 + 1 − 1); 甲 has both inside
    # it (1): a tie on the balance, which the more specific address 甲 wins
    index = _index((1, "甲地", "address", "/1/", ()), (2, "乙地", "district", "/1/2/4/", ()),
                   (3, "丙地", "road", "/1/3/", ()))
    assert gazetteer_match("甲地丙地乙地", index).entry.place_id == 1
    # 戊 and 丙 contradict each other and are both supported by 乙 around them: 1 each, like 乙
    index = _index((2, "乙地", "community", "/1/", ()), (3, "丙地", "community", "/1/3/", ()),
                   (5, "戊地", "poi", "/1/2/", ()))
    assert gazetteer_match("戊地丙地乙地", index).entry.place_id == 5


def test_each_contradiction_counts() -> None:
    # 甲 has 丁 around it but two contradicting places (1 + 1 − 2 = 0); 丁 contains them all (1)
    index = _index((1, "甲地", "road", "/1/2/4/", ()), (2, "乙地", "street", "/1/2/5/", ()),
                   (3, "丙地", "community", "/1/3/6/", ()), (4, "丁地", "community", "/1/", ()))
    assert gazetteer_match("丙地丁地甲地乙地", index).entry.place_id == 4
