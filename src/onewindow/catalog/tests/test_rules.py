"""Pure catalogue rules (no database): element and material cleaning, the cross checks, the
publishing check, trust levels, version diffs and the one-line error summary."""

from __future__ import annotations

import pytest

from onewindow.catalog import rules
from onewindow.catalog.constants import ItemType, MaterialSource, OnlineDepth, ResultType, TimeUnit

VALID = {"name": "个体工商户名称变更登记", "item_type": "01", "conditions": "持有营业执照", "place": "政务服务中心",
         "promised_limit_value": 3, "legal_limit_value": 15}


def clean(**data):  # type: ignore[no-untyped-def]
    return rules.elements_clean({**VALID, **data})


# --- Booleans, integers, choices ------------------------------------------------------------------
@pytest.mark.parametrize("value", [True, 1, 2.0, "1", "true", " TRUE ", "yes", "Y", "是", "有", "√", "✓", "on"])
def test_yes_words(value):
    assert rules.parse_bool(value) is True


@pytest.mark.parametrize("value", [False, None, 0, 0.0, "0", "false", "No", "n", "否", "无", "×", "", "  ", "off"])
def test_no_words(value):
    assert rules.parse_bool(value) is False


def test_other_words_are_neither():
    with pytest.raises(rules._Invalid, match="应为“是”或“否”"):
        rules.parse_bool("也许")


def test_integers_from_cells():
    assert rules.parse_int("  12 ") == 12
    assert rules.parse_int(7.0) == 7
    assert rules.parse_int(0) == 0
    assert rules.parse_int(10, maximum=10) == 10
    assert rules.parse_int(1, minimum=1) == 1
    assert rules.parse_int(None, allow_none=True) is None
    assert rules.parse_int("  ", allow_none=True) is None


@pytest.mark.parametrize(("value", "kwargs", "message"), [
    (None, {}, "不能为空"),
    (" ", {}, "不能为空"),
    (True, {}, "应为整数"),
    (2.5, {}, "应为整数"),
    ([3], {}, "应为整数"),
    ("三", {}, "应为不小于0的整数"),
    ("²", {}, "应为不小于0的整数"),  # a digit to str.isdigit, not to int()
    ("-1", {}, "应为不小于0的整数"),
    (-1, {}, "应为不小于0的整数"),
    ("0", {"minimum": 1}, "应为正整数"),
    (0, {"minimum": 1}, "应为正整数"),
    ("x", {"minimum": 1}, "应为正整数"),
    (11, {"maximum": 10}, "不能大于10"),
])
def test_bad_integers_say_what_is_expected(value, kwargs, message):
    with pytest.raises(rules._Invalid) as caught:
        rules.parse_int(value, **kwargs)
    assert str(caught.value) == message


def test_choices_by_value_label_label_without_ge_and_bare_item_type_codes():
    assert rules.parse_choice("01", ItemType) == "01"
    assert rules.parse_choice(" 行政许可 ", ItemType) == "01"
    assert rules.parse_choice("1", ItemType) == "01"
    assert rules.parse_choice(20, ItemType) == "20"
    assert rules.parse_choice("工作日", TimeUnit) == TimeUnit.WORKING_DAY
    assert rules.parse_choice("个自然日", TimeUnit) == TimeUnit.NATURAL_DAY
    assert rules.parse_choice(4, OnlineDepth) == OnlineDepth.FULL
    assert rules.parse_choice("四级：全程网办", OnlineDepth) == OnlineDepth.FULL
    with pytest.raises(rules._Invalid) as caught:
        rules.parse_choice("1", TimeUnit)  # bare codes are an item-type convenience only
    assert str(caught.value) == "应为以下之一：工作日、自然日"
    with pytest.raises(rules._Invalid, match="行政许可"):
        rules.parse_choice("99", ItemType)
    with pytest.raises(rules._Invalid):
        rules.parse_choice(None, ItemType)
    with pytest.raises(rules._Invalid, match="行政许可"):
        rules.parse_choice("²", ItemType)  # a digit to str.isdigit, not to int()


# --- Elements ---------------------------------------------------------------------------------
def test_a_complete_item_cleans_without_errors_and_keeps_the_defaults():
    elements, errors = clean(is_free="是", visits="2", keywords="营业执照；变更、名称,个体", online_depth="3")
    assert errors == {}
    assert elements["is_free"] is True and elements["visits"] == 2 and elements["online_depth"] == 3
    assert elements["keywords"] == ["营业执照", "变更", "名称", "个体"]
    assert elements["service_object"] == "natural" and elements["change_note"] == ""
    assert elements["legal_limit_unit"] == TimeUnit.WORKING_DAY


def test_clean_overlays_the_base_not_the_defaults():
    base = {**rules.ELEMENT_DEFAULTS, **VALID, "place": "旧地点", "change_note": "上次"}
    elements, errors = rules.elements_clean({"hours": "工作日 9:00-17:00"}, base=base)
    assert errors == {} and elements["place"] == "旧地点" and elements["hours"] == "工作日 9:00-17:00"
    assert elements["change_note"] == "上次"


def test_every_problem_is_reported_per_field_and_cross_checks_wait():
    elements, errors = rules.elements_clean({"name": "x" * 201, "visits": "很多", "color": "red",
                                             "item_type": "", "is_free": False})
    assert errors == {"name": "不能超过200个字", "visits": "应为不小于0的整数", "color": "未知要素",
                      "item_type": "不能为空"}  # no cross-check ("收费事项…") before the fields are clean
    assert elements["visits"] == 1  # a bad value leaves the previous one


@pytest.mark.parametrize(("field", "value", "message"), [
    ("legal_limit_value", "3651", "不能大于3650"),
    ("visits", 11, "不能大于10"),
    ("visits", None, "不能为空"),
    ("item_type", None, "不能为空"),
    ("item_type", "  ", "不能为空"),
    ("steps", "审查", "应为列表"),
    ("steps", ["审查"], "第1项格式不正确"),
    ("steps", [{"name": "审查"}, {"description": "x"}], "第2项缺少name"),
    ("fees", [{"name": "工本费", "standard": "10元", "reducible": "也许"}], "第1项的“reducible”应为是或否"),
    ("faq", [{"q": "要带什么？"}], "第1项缺少a"),
    ("faq", [{"q": " ", "a": " "}], "第1项缺少q、a"),
    ("keywords", 5, "应为列表"),
    ("placeholder_fields", ["conditions", "name", "颜色"], "未知要素：name、颜色"),
    ("contact_phone", "1" * 101, "不能超过100个字"),
])
def test_element_errors(field, value, message):
    _, errors = clean(**{field: value})
    assert errors.get(field) == message


def test_lists_of_entries_are_trimmed_with_every_key():
    elements, errors = clean(is_free=False, fees=[{"name": " 工本费 ", "standard": "10元", "reducible": "是"}],
                             steps=[{"name": "受理", "time_limit": 1}], legal_basis=[{"law": "《行政许可法》"}],
                             faq=[{"q": "问", "a": "答"}], co_department_codes=["A", "A", " B ", ""])
    assert errors == {}
    assert elements["fees"] == [{"name": "工本费", "standard": "10元", "basis": "", "reducible": True}]
    assert elements["steps"] == [{"name": "受理", "description": "", "handler_role": "", "time_limit": "1"}]
    assert elements["legal_basis"] == [{"law": "《行政许可法》", "article": "", "text": ""}]
    assert elements["co_department_codes"] == ["A", "B"]
    assert clean(steps=None)[0]["steps"] == [] and clean(steps="")[0]["steps"] == []
    assert clean(keywords=None)[0]["keywords"] == [] and clean(keywords=("甲", "乙"))[0]["keywords"] == ["甲", "乙"]
    assert clean(placeholder_fields="materials、fees")[0]["placeholder_fields"] == ["materials", "fees"]
    assert clean(name=None)[1] == {"name": "不能为空"}
    assert clean(name="  名称  ")[0]["name"] == "名称"
    assert clean(conditions="条" * 5000)[1] == {}


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"promised_limit_value": 20, "legal_limit_value": 15}, "promised_limit_value", "承诺时限不能超过法定时限"),
    ({"is_free": True, "fees": [{"standard": "10元"}]}, "fees", "免费事项不应填写收费项目"),
    ({"is_free": False}, "fees", "收费事项须填写收费标准和依据"),
    ({"online_depth": 4, "is_online": False}, "online_depth", "全程网办（四级）的事项须可网上办理"),
    ({"visits": 0}, "visits", "零跑动事项须可网上办理或快递送达"),
    ({"result_licence_type_code": "BUSINESS_LICENCE"}, "result_licence_type_code",
     "结果类型为证照或批文的事项才能填写电子证照类型"),
])
def test_cross_checks(data, field, message):
    _, errors = clean(**data)
    assert errors == {field: message}


@pytest.mark.parametrize("data", [
    {"promised_limit_value": 15, "legal_limit_value": 15},
    {"promised_limit_value": 20, "legal_limit_value": 15, "promised_limit_unit": "natural_day"},
    {"promised_limit_value": 20, "legal_limit_value": None},
    {"is_free": False, "placeholder_fields": ["fees"]},
    {"is_free": False, "fees": [{"standard": "10元"}]},
    {"online_depth": 4, "is_online": True},
    {"online_depth": 3, "is_online": False},
    {"visits": 0, "is_online": True},
    {"visits": 0, "postal_delivery": True},
    {"result_licence_type_code": "BUSINESS_LICENCE", "result_type": ResultType.LICENCE},
])
def test_what_the_cross_checks_allow(data):
    assert clean(**data)[1] == {}


def test_cross_check_of_an_empty_item():
    assert rules.elements_cross_check({}) == {"name": "不能为空", "item_type": "不能为空",
                                              "fees": "收费事项须填写收费标准和依据"}


def test_publish_check_needs_conditions_deadline_place_and_materials_unless_placeholders():
    elements = {**rules.ELEMENT_DEFAULTS, "name": "事项", "item_type": "01"}
    assert rules.elements_publish_check(elements, material_count=0) == {
        "conditions": "发布前须填写受理条件", "promised_limit_value": "发布前须填写承诺时限",
        "place": "发布前须填写办理地点", "materials": "发布前须至少填写一项申请材料"}
    waived = {**elements, "placeholder_fields": ["conditions", "promised_limit_value", "place", "materials"]}
    assert rules.elements_publish_check(waived, material_count=0) == {}
    filled = {**elements, "conditions": "条件", "promised_limit_value": 0, "place": "窗口"}
    assert rules.elements_publish_check(filled, material_count=1) == {}
    assert rules.elements_publish_check({**filled, "is_free": False}, material_count=1) == {
        "fees": "收费事项须填写收费标准和依据"}  # the cross checks are part of it


# --- Materials ----------------------------------------------------------------------------------
def test_trust_levels():
    assert rules.trust_levels_parse("cba") == "ABC"
    assert rules.trust_levels_parse("Ａ，Ｂ、D") == "ABD"
    assert rules.trust_levels_parse(" d ; a / b | c ") == "ABCD"
    for value, message in ((None, "至少选择一种可采信的材料等级"), (" ,、", "至少选择一种可采信的材料等级"),
                           ("ABE", "材料等级只能是A、B、C、D")):
        with pytest.raises(rules._Invalid) as caught:
            rules.trust_levels_parse(value)
        assert str(caught.value) == message


def test_material_clean():
    material, errors = rules.material_clean({"name": " 营业执照 ", "material_type": "复印件",
                                             "source": "发证（出具）机关", "is_required": "否",
                                             "condition": "变更经营场所的", "copies": "2",
                                             "spec": "加盖公章", "licence_type_code": "business_licence",
                                             "trust_levels": "ab"})
    assert errors == {}
    assert material == {"name": "营业执照", "material_type": "copy", "is_required": False,
                        "condition": "变更经营场所的", "copies": 2, "source": MaterialSource.ISSUER, "spec": "加盖公章",
                        "licence_type_code": "BUSINESS_LICENCE", "trust_levels": "AB"}
    assert rules.material_clean({"name": "身份证"})[0]["trust_levels"] == "ABC"  # the defaults


@pytest.mark.parametrize(("data", "errors"), [
    ({}, {"name": "不能为空"}),
    ({"name": "x" * 201}, {"name": "不能超过200个字"}),
    ({"name": "照片", "copies": 100}, {"copies": "不能大于99"}),
    ({"name": "照片", "colour": "蓝"}, {"colour": "未知字段"}),
    ({"name": "照片", "material_type": "扫描件"}, {"material_type": "应为以下之一：原件、复印件、电子文件"}),
    ({"name": "照片", "source": "网上"}, {"source": "应为以下之一：申请人自备、发证（出具）机关、政府部门共享"}),
    ({"name": "照片", "is_required": "也许"}, {"is_required": "应为“是”或“否”"}),
    ({"name": "照片", "spec": "x" * 301}, {"spec": "不能超过300个字"}),
    ({"name": "照片", "condition": "x" * 301}, {"condition": "不能超过300个字"}),
    ({"name": "照片", "licence_type_code": "x" * 41}, {"licence_type_code": "不能超过40个字"}),
    ({"name": "照片", "trust_levels": "E"}, {"trust_levels": "材料等级只能是A、B、C、D"}),
    ({"name": "照片", "is_required": False}, {"condition": "非必要材料须写明适用情形"}),
    ({"name": "", "is_required": False, "copies": -1}, {"name": "不能为空", "copies": "应为不小于0的整数"}),
])
def test_material_errors(data, errors):
    assert rules.material_clean(data)[1] == errors


def test_material_clean_overlays_its_base():
    base = {**rules.MATERIAL_DEFAULTS, "name": "旧名称", "copies": 3}
    material, errors = rules.material_clean({"spec": "A4"}, base=base)
    assert errors == {} and material["name"] == "旧名称" and material["copies"] == 3 and material["spec"] == "A4"


# --- Versions and messages --------------------------------------------------------------------
def test_snapshot_diff_lists_changed_elements_and_materials_in_label_order():
    old = {"name": "甲", "place": "一楼", "materials": [{"name": "身份证"}], "hours": "9-17"}
    new = {"name": "甲", "place": "二楼", "materials": [], "hours": "9-17", "ignored": 1}
    changes = rules.snapshot_diff(old, new)
    assert [(c.field, c.old, c.new) for c in changes] == [("place", "一楼", "二楼"),
                                                          ("materials", [{"name": "身份证"}], [])]
    assert changes[-1].label == "申请材料" and changes[0].label == "办理地点"
    assert rules.snapshot_diff(old, dict(old)) == []


def test_errors_message_names_fields_by_their_labels():
    assert rules.errors_message({"promised_limit_value": "应为正整数", "copies": "不能大于99", "zzz": "未知要素"}) == (
        "'承诺时限'：应为正整数；'份数'：不能大于99；'zzz'：未知要素")
    assert rules.errors_message({}) == ""


def test_edges_the_first_mutation_run_found():
    # empty lists and lists are no error, the change note is an accepted element
    for field in ("steps", "fees", "keywords", "co_department_codes"):
        for empty in (None, ""):
            elements, errors = clean(**{field: empty})
            assert errors == {} and elements[field] == [], (field, empty)
    elements, errors = clean(change_note="更正办理地点")
    assert errors == {} and elements["change_note"] == "更正办理地点"
    # 即办: a deadline of 0 working days is allowed
    elements, errors = clean(legal_limit_value="0", promised_limit_value=0)
    assert errors == {} and elements["legal_limit_value"] == 0 and elements["promised_limit_value"] == 0
    assert clean(keywords="营业执照，变更")[0]["keywords"] == ["营业执照", "变更"]
    with pytest.raises(rules._Invalid, match="材料等级只能是A、B、C、D"):
        rules.trust_levels_parse("AX")
