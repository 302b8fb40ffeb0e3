from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.errors import Conflict, ValidationFailed
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
