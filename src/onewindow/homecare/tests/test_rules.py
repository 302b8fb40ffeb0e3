from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.errors import Conflict, ValidationFailed
from onewindow.core.tests.helpers import raises_code
from onewindow.homecare import constants as c
from onewindow.homecare import rules


def scores(value: int | None = None) -> dict[str, int]:
    return {code: (top if value is None else min(value, top)) for code, (_l, top) in c.ASSESSMENT_ITEMS.items()}


def test_standard_has_26_items_and_90_points() -> None:
    assert len(c.ASSESSMENT_ITEMS) == 26
    assert c.ASSESSMENT_MAX == 90


def test_section_and_item_maxima_follow_the_standard() -> None:
    # GB/T 42195-2022 附录 B: B.1 8 items × 4; B.2 three × 4 and 上下楼梯 0–3; B.3 six × 4, 攻击行为 and
    # 抑郁症状 0–1, 意识水平 0–2; B.4 视力 and 听力 0–2, 执行日常事务 0–4, 使用交通工具外出 0–3, 社会交往 0–4.
    sections = {code: sum(top for _i, _l, top in items) for code, _label, items in c.ASSESSMENT_SECTIONS}
    assert sections == {"self_care": 32, "mobility": 15, "mental": 28, "perception": 15}
    tops = {code: top for code, (_label, top) in c.ASSESSMENT_ITEMS.items()}
    assert (tops["stairs"], tops["transport"], tops["consciousness"], tops["aggression"]) == (3, 3, 2, 1)


@pytest.mark.parametrize(("total", "level"), [(90, 0), (89, 1), (66, 1), (65, 2), (46, 2), (45, 3), (30, 3),
                                              (29, 4), (0, 4)])
def test_level_floors(total: int, level: int) -> None:
    assert rules.level_from_total(total) == level


def test_assessment_full_marks_is_intact() -> None:
    result = rules.assessment_score(scores())
    assert (result.total, result.level) == (90, c.CareLevel.INTACT)
    assert result.sections["self_care"] == 32


def test_assessment_zero_is_lost_and_coma_overrides() -> None:
    assert rules.assessment_score(scores(0)).level == c.CareLevel.LOST
    assert rules.assessment_score(scores(), coma=True).level == c.CareLevel.LOST


def test_risk_events_raise_one_level() -> None:
    result = rules.assessment_score(scores(), risk_events=2)
    assert result.level == c.CareLevel.MILD and result.raised


def test_missing_items_are_all_named() -> None:
    partial = scores()
    del partial["eating"], partial["stairs"]
    partial["vision"] = 3  # max 2
    with pytest.raises(ValidationFailed) as exc:
        rules.assessment_score(partial)
    assert exc.value.code == "assessment_incomplete"
    assert set(exc.value.fields) == {"eating", "stairs", "vision"}
    assert "3 项" in exc.value.message


@given(st.fixed_dictionaries({code: st.integers(0, top) for code, (_l, top) in c.ASSESSMENT_ITEMS.items()}))
def test_total_is_sum_and_level_monotone(values: dict[str, int]) -> None:
    result = rules.assessment_score(values)
    assert result.total == sum(values.values())
    assert 0 <= result.total <= 90
    assert result.level == rules.level_from_total(result.total)


def test_age_on_birthday() -> None:
    assert rules.age_on(date(1966, 3, 15), date(2026, 3, 14)) == 59
    assert rules.age_on(date(1966, 3, 15), date(2026, 3, 15)) == 60


def _rule(i: int, kind: str, amount: str, **kw: object) -> rules.RuleView:
    base = {"min_age": 60, "min_level": 0, "low_income_only": False, "alone_only": False}
    base.update(kw)
    return rules.RuleView(i, f"r{i}", kind, monthly_amount=Decimal(amount), **base)  # type: ignore[arg-type]


def test_allowance_highest_base_plus_extras() -> None:
    policy = [_rule(1, "base", "100", min_age=80), _rule(2, "base", "300", min_level=2),
              _rule(3, "extra", "100", low_income_only=True), _rule(4, "extra", "50", alone_only=True)]
    amount, applied = rules.allowance_compute(policy, age=85, level=3, low_income=True, living=c.Living.ALONE)
    assert amount == Decimal("450.00") and applied == ["r2", "r3", "r4"]
    amount, _ = rules.allowance_compute(policy, age=70, level=None, low_income=False, living=c.Living.WITH_FAMILY)
    assert amount == Decimal("0.00")
    amount, _ = rules.allowance_compute(policy, age=82, level=1, low_income=False, living=c.Living.WITH_FAMILY)
    assert amount == Decimal("100.00")


def test_payment_split_allowance_first() -> None:
    assert rules.payment_split(price=Decimal("80"), covered=True, allowance_left=Decimal("50")) == (
        Decimal("50.00"), Decimal("30.00"))
    assert rules.payment_split(price=Decimal("15"), covered=True, allowance_left=Decimal("50")) == (
        Decimal("15.00"), Decimal("0.00"))
    assert rules.payment_split(price=Decimal("15"), covered=False, allowance_left=Decimal("50")) == (
        Decimal("0.00"), Decimal("15.00"))


def test_payment_split_allowance_only_refuses_beyond() -> None:
    with pytest.raises(Conflict) as exc:
        rules.payment_split(price=Decimal("80"), covered=True, allowance_left=Decimal("50"), allowance_only=True)
    assert exc.value.code == "allowance_exceeded"
    with pytest.raises(Conflict) as exc:
        rules.payment_split(price=Decimal("80"), covered=False, allowance_left=Decimal("500"), allowance_only=True)
    assert exc.value.code == "service_not_covered"


def test_visit_location() -> None:
    home = (102.71, 25.01)
    assert rules.visit_location(home=home, point=(102.7105, 25.0102), note="")[0] == c.LocationCheck.NEAR
    with pytest.raises(ValidationFailed) as exc:
        rules.visit_location(home=home, point=(102.73, 25.01), note="")
    assert exc.value.code == "checkin_far_from_home"
    check, meters = rules.visit_location(home=home, point=(102.73, 25.01), note="老人在女儿家")
    assert check == c.LocationCheck.FAR and 1900 < (meters or 0) < 2100
    with pytest.raises(ValidationFailed) as exc:
        rules.visit_location(home=home, point=None, note="")
    assert exc.value.code == "position_required"


def test_dispatch_prefers_rating_then_load() -> None:
    a = rules.Candidate(1, "甲", 4.8, 10, 2)
    b = rules.Candidate(2, "乙", 4.8, 2, 2)
    d = rules.Candidate(3, "丙", 3.0, 0, 5)
    assert rules.dispatch_choose([a, b, d]) == b
    assert rules.dispatch_choose([]) is None


def test_transitions() -> None:
    rules.transition_check(c.OrderStatus.ASSIGNED, "checkin")
    with pytest.raises(Conflict) as exc:
        rules.transition_check(c.OrderStatus.CONFIRMED, "checkin")
    assert exc.value.code == "order_state"
    with pytest.raises(ValidationFailed) as exc2:
        rules.rating_clean("6")
    assert exc2.value.code == "rating_invalid"


def test_distance_known() -> None:
    # one degree of latitude ≈ 111.2 km
    assert 111_000 < rules.distance_m(102.7, 25.0, 102.7, 26.0) < 111_400


# --- Edges a caller relies on (issue 9: each kills mutants that survived the tests above) -----
def test_age_month_and_leap_day_edges() -> None:
    assert rules.age_on(date(1966, 3, 15), date(2026, 2, 20)) == 59
    assert rules.age_on(date(1966, 3, 15), date(2026, 4, 1)) == 60
    assert rules.age_on(date(1964, 2, 29), date(2026, 2, 28)) == 61
    assert rules.age_on(date(1964, 2, 29), date(2026, 3, 1)) == 62
    assert rules.month_start(date(2026, 11, 23)) == date(2026, 11, 1)
    assert rules.next_month(date(2026, 12, 31)) == date(2027, 1, 1)
    assert rules.next_month(date(2026, 11, 30)) == date(2026, 12, 1)
    assert rules.next_month(date(2026, 1, 31)) == date(2026, 2, 1)


def test_a_negative_total_is_lost() -> None:
    assert rules.level_from_total(-1) == c.CareLevel.LOST


def test_assessment_reads_strings_and_sums_each_section() -> None:
    values: dict[str, object] = {code: str(min(1, top)) for code, (_l, top) in c.ASSESSMENT_ITEMS.items()}
    result = rules.assessment_score(values)
    assert result.scores == dict.fromkeys(c.ASSESSMENT_ITEMS, 1)
    assert result.sections == {code: len(items) for code, _label, items in c.ASSESSMENT_SECTIONS}
    assert result.sections["self_care"] == 8 and result.sections["mobility"] == 4
    assert result.total == 26 and result.level == c.CareLevel.LOST and not result.raised


def _refusal(values: dict[str, object], **kw: object) -> ValidationFailed:
    with raises_code(ValidationFailed, "assessment_incomplete") as caught:
        rules.assessment_score(values, **kw)  # type: ignore[arg-type]
    return caught.value


def test_every_kind_of_bad_item_is_named_with_its_label() -> None:
    values: dict[str, object] = dict(scores())
    values.update(eating="", grooming=None, bathing="2.5", dress_upper="x", vision=-1, hearing=3)
    del values["stairs"]
    error = _refusal(values)
    assert error.message == "评估表有 7 项未填或有误"
    assert error.fields == {
        "eating": "请评定“进食”", "grooming": "请评定“修饰”", "stairs": "请评定“上下楼梯”",
        "bathing": "“洗澡”的得分应为整数", "dress_upper": "“穿/脱上衣”的得分应为整数",
        "vision": "“视力”的得分应在 0 到 2 之间", "hearing": "“听力”的得分应在 0 到 2 之间",
    }


def test_each_item_accepts_zero_and_its_top_score() -> None:
    for code, (_label, top) in c.ASSESSMENT_ITEMS.items():
        assert rules.assessment_score({**scores(), code: 0}).scores[code] == 0
        assert rules.assessment_score({**scores(0), code: top}).scores[code] == top
        assert code in _refusal({**scores(), code: top + 1}).fields


def test_unknown_items_and_bad_risk_counts_are_refused_on_their_own() -> None:
    error = _refusal({**scores(), **{f"z{i}": 1 for i in range(6, 0, -1)}})
    assert error.message == "评估表有误"
    assert error.fields == {"scores": "包含未知的评估项目：z1、z2、z3、z4、z5"}
    for bad in (-1, 31, "2", 2.0):
        error = _refusal(scores(), risk_events=bad)
        assert error.message == "评估表有误"
        assert error.fields == {"risk_events": "照护风险事件次数应为 0 到 30"}
    assert rules.assessment_score(scores(), risk_events=30).raised
    assert not rules.assessment_score(scores(), risk_events=0).raised


def test_risk_events_raise_from_two_and_never_past_lost() -> None:
    assert rules.assessment_score(scores(), risk_events=1).level == c.CareLevel.INTACT
    assert not rules.assessment_score(scores(), risk_events=1).raised
    severe = {**scores(0), "eating": 4, "grooming": 4, "bathing": 4, "dress_upper": 4, "dress_lower": 4,
              "urine": 4, "bowel": 4, "toilet": 4}
    assert rules.assessment_score(severe).level == c.CareLevel.SEVERE  # 32 points
    raised = rules.assessment_score(severe, risk_events=2)
    assert (raised.level, raised.raised) == (c.CareLevel.LOST, True)
    lost = rules.assessment_score(scores(0), risk_events=5)
    assert (lost.level, lost.raised) == (c.CareLevel.LOST, False)
    coma = rules.assessment_score(scores(), coma=True, risk_events=3)
    assert (coma.total, coma.level, coma.raised) == (90, c.CareLevel.LOST, False)


def test_rule_matching_boundaries_and_each_condition() -> None:
    def match(rule: rules.RuleView, *, age: int = 70, level: int | None = None, low_income: bool = False,
              living: str = c.Living.WITH_FAMILY) -> bool:
        return rules.rule_matches(rule, age=age, level=level, low_income=low_income, living=living)

    assert match(_rule(1, "base", "1", min_age=70)) and not match(_rule(1, "base", "1", min_age=71))
    assert match(_rule(1, "base", "1", min_level=0), level=None)
    levelled = _rule(1, "base", "1", min_level=2)
    assert not match(levelled, level=None) and not match(levelled, level=1)
    assert match(levelled, level=2) and match(levelled, level=4)
    assert not match(_rule(1, "base", "1", min_level=1), level=None)
    assert match(_rule(1, "base", "1", min_level=1), level=1)
    poor = _rule(1, "base", "1", low_income_only=True)
    assert match(poor, low_income=True) and not match(poor, low_income=False)
    alone = _rule(1, "base", "1", alone_only=True)
    assert match(alone, living=c.Living.ALONE) and match(alone, living=c.Living.EMPTY_NEST)
    assert not match(alone, living=c.Living.WITH_FAMILY) and not match(alone, living=c.Living.OTHER)
    assert match(_rule(1, "base", "1"), living=c.Living.OTHER)


def test_allowance_ties_go_to_the_older_rule_and_amounts_are_cents() -> None:
    policy = [_rule(5, "base", "200"), _rule(3, "base", "200"), _rule(4, "base", "150"),
              _rule(7, "extra", "10.005"), _rule(6, "extra", "20")]
    amount, applied = rules.allowance_compute(policy, age=70, level=None, low_income=False,
                                              living=c.Living.OTHER)
    assert applied == ["r3", "r7", "r6"]
    assert amount == Decimal("230.00") and str(amount) == "230.00"
    only_extra, applied = rules.allowance_compute([_rule(1, "extra", "12.5")], age=70, level=None,
                                                  low_income=False, living=c.Living.OTHER)
    assert str(only_extra) == "12.50" and applied == ["r1"]
    nothing = rules.allowance_compute([], age=90, level=4, low_income=True, living=c.Living.ALONE)
    assert nothing == (Decimal("0.00"), []) and str(nothing[0]) == "0.00"


def test_payment_split_edges_and_refusal_messages() -> None:
    split = rules.payment_split(price=Decimal("80"), covered=True, allowance_left=Decimal("-5"))
    assert split == (Decimal("0"), Decimal("80")) and tuple(map(str, split)) == ("0.00", "80.00")
    exact = rules.payment_split(price=Decimal("50"), covered=True, allowance_left=Decimal("50"), allowance_only=True)
    assert tuple(map(str, exact)) == ("50.00", "0.00")
    free = rules.payment_split(price=Decimal("0"), covered=False, allowance_left=Decimal("0"), allowance_only=True)
    assert tuple(map(str, free)) == ("0.00", "0.00")
    with raises_code(Conflict, "allowance_exceeded") as caught:
        rules.payment_split(price=Decimal("80"), covered=True, allowance_left=Decimal("50"), allowance_only=True)
    assert caught.value.message == "本月政府购买服务额度不足（剩余 50 元，本次 80 元）"
    assert caught.value.detail == {"left": "50", "price": "80"}
    with raises_code(Conflict, "service_not_covered") as caught:
        rules.payment_split(price=Decimal("1"), covered=False, allowance_left=Decimal("500"), allowance_only=True)
    assert caught.value.message == "该服务不在政府购买服务范围内，需个人支付"


def test_distance_is_the_haversine_on_the_mean_radius() -> None:
    import math

    radius = 6371008.8
    assert rules.distance_m(102.7, 25.0, 102.7, 26.0) == pytest.approx(radius * math.pi / 180, rel=1e-12)
    along = 2 * radius * math.asin(math.cos(math.radians(25.0)) * math.sin(math.radians(0.5)))
    assert rules.distance_m(102.0, 25.0, 103.0, 25.0) == pytest.approx(along, rel=1e-12)
    assert rules.distance_m(103.0, 25.0, 102.0, 25.0) == pytest.approx(along, rel=1e-12)
    # two antipodes where rounding makes the haversine term 1.0000000000000002
    lng, lat = 86.5812282599507, 69.51232454868148
    assert rules.distance_m(lng, lat, lng + 180, -lat) == pytest.approx(math.pi * radius, rel=1e-12)


def test_points_are_both_or_neither_on_the_globe() -> None:
    assert rules.point_clean(None, None) is None and rules.point_clean("", "") is None
    assert rules.point_clean(None, "") is None
    assert rules.point_clean("102.7", 25) == (102.7, 25.0)
    for lng, lat in [(180, 90), (-180, -90)]:
        assert rules.point_clean(lng, lat) == (float(lng), float(lat))
    for lng, lat in [(None, "25"), ("102.7", ""), ("abc", "25")]:
        with raises_code(ValidationFailed, "coordinates_invalid") as caught:
            rules.point_clean(lng, lat, field="home_lng")
        assert caught.value.message == "坐标应为数字" and caught.value.fields == {"home_lng": "坐标应为数字"}
    for lng, lat in [(180.01, 0), (-180.01, 0), (0, 90.01), (0, -90.01), ("nan", 0), (0, "nan")]:
        with raises_code(ValidationFailed, "coordinates_invalid") as caught:
            rules.point_clean(lng, lat)
        assert caught.value.message == "坐标超出范围" and caught.value.fields == {"lng": "坐标超出范围"}


def test_visit_location_boundary_radius_and_messages() -> None:
    home = (102.71, 25.01)
    point = (102.713, 25.01)
    meters = round(rules.distance_m(point[0], point[1], home[0], home[1]))
    assert meters == 302
    assert rules.visit_location(home=home, point=point, note="", radius_m=302) == (c.LocationCheck.NEAR, 302)
    with raises_code(ValidationFailed, "checkin_far_from_home", field="location_note") as caught:
        rules.visit_location(home=home, point=point, note=" 远 ")
    msg = "当前位置距老人住址约 302 米（超过 300 米），请到老人家中签到，或说明原因"
    assert caught.value.message == msg and caught.value.fields == {"location_note": msg}
    assert caught.value.detail == {"distance_m": 302}
    near = (102.7128, 25.01)
    assert rules.visit_location(home=home, point=near, note="") == (c.LocationCheck.NEAR, 282)
    assert rules.visit_location(home=home, point=point, note=" 老人外出 ") == (c.LocationCheck.FAR, 302)
    off_axis = (102.71, 25.0127)  # about 300 m north: the latitude is read as such
    assert rules.visit_location(home=home, point=off_axis, note="", radius_m=301)[1] == round(
        rules.distance_m(102.71, 25.0127, 102.71, 25.01))
    assert rules.visit_location(home=None, point=point, note="") == (c.LocationCheck.UNKNOWN, None)
    assert rules.visit_location(home=home, point=None, note=" 无信号 ") == (c.LocationCheck.NONE, None)
    assert rules.visit_location(home=home, point=None, note=" 停电 ") == (c.LocationCheck.NONE, None)
    assert rules.visit_location(home=home, point=point, note=" 外出 ") == (c.LocationCheck.FAR, 302)
    with raises_code(ValidationFailed, "position_required", field="location_note") as caught:
        rules.visit_location(home=home, point=None, note=None)  # type: ignore[arg-type]
    assert caught.value.message == "未取得定位，请开启定位后重试，或说明原因"
    assert caught.value.fields == {"location_note": "未取得定位，请开启定位后重试，或说明原因"}
    with raises_code(ValidationFailed, "position_required"):
        rules.visit_location(home=home, point=None, note=" 无 ")


def test_dispatch_scores_rating_against_half_the_load_per_carer() -> None:
    unrated = rules.Candidate(1, "甲", None, 0, 1)
    assert rules.dispatch_choose([rules.Candidate(2, "乙", 3.9, 0, 1), unrated]) == unrated
    assert rules.dispatch_choose([unrated, rules.Candidate(2, "乙", 4.1, 0, 1)]).id == 2
    busy = rules.Candidate(3, "丙", 5.0, 1, 1)  # 5.0 - 0.5 × 1
    assert rules.dispatch_choose([busy, rules.Candidate(4, "丁", 4.6, 0, 1)]).id == 4
    assert rules.dispatch_choose([busy, rules.Candidate(4, "丁", 4.4, 0, 1)]).id == 3
    no_carers = rules.Candidate(5, "戊", 5.0, 2, 0)  # load 2 per (at least one) carer
    assert rules.dispatch_choose([no_carers, rules.Candidate(6, "己", 4.1, 0, 3)]).id == 6
    assert rules.dispatch_choose([no_carers, rules.Candidate(6, "己", 3.9, 0, 3)]).id == 5
    shared = rules.Candidate(7, "庚", 5.0, 4, 4)  # load 1 per carer: 4.5
    assert rules.dispatch_choose([shared, rules.Candidate(8, "辛", 4.4, 0, 1)]).id == 7
    equal_score_lighter = rules.Candidate(9, "壬", 4.0, 0, 1)
    assert rules.dispatch_choose([rules.Candidate(10, "癸", 4.5, 1, 1), equal_score_lighter]).id == 9
    assert rules.dispatch_choose([rules.Candidate(12, "b", 4.0, 0, 1), rules.Candidate(11, "a", 4.0, 0, 1)]).id == 11
    assert rules.dispatch_choose([busy]) == busy


@pytest.mark.parametrize("action", sorted(rules.TRANSITIONS))
def test_every_action_is_allowed_only_from_its_states(action: str) -> None:
    for status in c.OrderStatus:
        if status in rules.TRANSITIONS[action]:
            assert rules.transition_check(status, action) is None
            continue
        with raises_code(Conflict, "order_state") as caught:
            rules.transition_check(status, action)
        assert caught.value.message == f"订单当前为“{status.label}”，不能{rules.ACTION_LABELS[action]}"
        assert caught.value.detail == {"status": status, "action": action}


def test_ratings_are_one_to_five_stars() -> None:
    assert [rules.rating_clean(v) for v in ("1", 5, " 3 ")] == [1, 5, 3]
    for bad in ("0", "6", "abc", None, "4.5"):
        with raises_code(ValidationFailed, "rating_invalid", field="rating") as caught:
            rules.rating_clean(bad)
        assert caught.value.message == "请给出 1 到 5 星的评价"
        assert caught.value.fields == {"rating": "请选择 1 到 5 星"}


def test_a_short_visit_is_under_sixty_percent_of_the_booking() -> None:
    assert rules.short_visit(35.9, 60) and not rules.short_visit(36, 60) and not rules.short_visit(60, 60)
