"""Pure rules of home care: age, the GB/T 42195-2022 score and level, the allowance policy, the
distance check of a visit, dispatch, the payment split and the order's state machine. No database."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from onewindow.core.errors import Conflict, ValidationFailed

from . import constants as c

S = c.OrderStatus


def age_on(birth_date: date, today: date) -> int:
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


# --- Assessment (GB/T 42195-2022) -------------------------------------------------------------
@dataclass(frozen=True)
class AssessmentResult:
    scores: dict[str, int]
    sections: dict[str, int]
    total: int
    level: int
    raised: bool  # level raised by one for care risk events


def level_from_total(total: int) -> int:
    for floor, level in c.LEVEL_FLOORS:
        if total >= floor:
            return level
    return int(c.CareLevel.LOST)


def assessment_score(scores: Mapping[str, object], *, coma: bool = False, risk_events: int = 0) -> AssessmentResult:
    """Score the 26 items. Every item must be present and within its range (all problems at once).

    Level from the total (floors 90 / 66 / 46 / 30); 昏迷 means 能力完全丧失 directly; two or more
    care risk events (falls, choking, wandering, self-harm) in the last 30 days raise it one level."""
    fields: dict[str, str] = {}
    clean: dict[str, int] = {}
    for code, (label, top) in c.ASSESSMENT_ITEMS.items():
        raw = scores.get(code)
        if raw is None or raw == "":
            fields[code] = f"请评定“{label}”"
            continue
        try:
            value = int(str(raw))
        except ValueError:
            fields[code] = f"“{label}”的得分应为整数"
            continue
        if not 0 <= value <= top:
            fields[code] = f"“{label}”的得分应在 0 到 {top} 之间"
            continue
        clean[code] = value
    unknown = sorted(set(scores) - set(c.ASSESSMENT_ITEMS))
    if unknown:
        fields["scores"] = "包含未知的评估项目：" + "、".join(unknown[:5])
    if not isinstance(risk_events, int) or not 0 <= risk_events <= 30:
        fields["risk_events"] = "照护风险事件次数应为 0 到 30"
    if fields:
        missing = sum(1 for k in fields if k in c.ASSESSMENT_ITEMS)
        message = f"评估表有 {missing} 项未填或有误" if missing else "评估表有误"
        raise ValidationFailed(message, code="assessment_incomplete", fields=fields)
    sections = {code: sum(clean[i] for i, _l, _t in items) for code, _label, items in c.ASSESSMENT_SECTIONS}
    total = sum(sections.values())
    level = int(c.CareLevel.LOST) if coma else level_from_total(total)
    raised = False
    if risk_events >= 2 and level < int(c.CareLevel.LOST):
        level += 1
        raised = True
    return AssessmentResult(clean, sections, total, level, raised)


# --- Allowance policy ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleView:
    id: int
    name: str
    kind: str
    min_age: int
    min_level: int
    low_income_only: bool
    alone_only: bool
    monthly_amount: Decimal


def rule_matches(rule: RuleView, *, age: int, level: int | None, low_income: bool, living: str) -> bool:
    if age < rule.min_age:
        return False
    if rule.min_level > 0 and (level is None or level < rule.min_level):
        return False
    if rule.low_income_only and not low_income:
        return False
    return not (rule.alone_only and living not in (c.Living.ALONE, c.Living.EMPTY_NEST))


def allowance_compute(rules: Sequence[RuleView], *, age: int, level: int | None, low_income: bool,
                      living: str) -> tuple[Decimal, list[str]]:
    """Monthly allowance: the highest matching base rule plus every matching extra rule."""
    matching = [r for r in rules if rule_matches(r, age=age, level=level, low_income=low_income, living=living)]
    bases = [r for r in matching if r.kind == c.RuleKind.BASE]
    extras = [r for r in matching if r.kind == c.RuleKind.EXTRA]
    applied = []
    amount = Decimal("0.00")
    if bases:
        best = max(bases, key=lambda r: (r.monthly_amount, -r.id))
        amount += best.monthly_amount
        applied.append(best.name)
    for rule in extras:
        amount += rule.monthly_amount
        applied.append(rule.name)
    return amount.quantize(Decimal("0.01")), applied


# --- Payment split ------------------------------------------------------------------------------
def payment_split(*, price: Decimal, covered: bool, allowance_left: Decimal,
                  allowance_only: bool = False) -> tuple[Decimal, Decimal]:
    """Allowance first (for covered services, up to what is left this month), then the elder's own part."""
    allowance = min(price, max(allowance_left, Decimal("0.00"))) if covered else Decimal("0.00")
    own = price - allowance
    if allowance_only and own > 0:
        if not covered:
            raise Conflict("该服务不在政府购买服务范围内，需个人支付", code="service_not_covered")
        raise Conflict(f"本月政府购买服务额度不足（剩余 {allowance_left} 元，本次 {price} 元）",
                       code="allowance_exceeded", detail={"left": str(allowance_left), "price": str(price)})
    return allowance.quantize(Decimal("0.01")), own.quantize(Decimal("0.01"))


# --- Places -------------------------------------------------------------------------------------
def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))


def point_clean(lng: object, lat: object, *, field: str = "lng") -> tuple[float, float] | None:
    if lng in (None, "") and lat in (None, ""):
        return None
    try:
        x, y = float(str(lng)), float(str(lat))
    except ValueError:
        raise ValidationFailed("坐标应为数字", code="coordinates_invalid", fields={field: "坐标应为数字"}) from None
    if not (-180 <= x <= 180 and -90 <= y <= 90):  # NaN fails every comparison, so it is refused too
        raise ValidationFailed("坐标超出范围", code="coordinates_invalid", fields={field: "坐标超出范围"})
    return x, y


def visit_location(*, home: tuple[float, float] | None, point: tuple[float, float] | None, note: str,
                   radius_m: int = c.CHECKIN_RADIUS_M) -> tuple[str, int | None]:
    """Where the carer is against the elder's home. Far or no position needs a reason (else 4xx)."""
    note = (note or "").strip()
    if point is None:
        if len(note) < 2:
            msg = "未取得定位，请开启定位后重试，或说明原因"
            raise ValidationFailed(msg, code="position_required", fields={"location_note": msg})
        return c.LocationCheck.NONE, None
    if home is None:
        return c.LocationCheck.UNKNOWN, None
    meters = round(distance_m(point[0], point[1], home[0], home[1]))
    if meters <= radius_m:
        return c.LocationCheck.NEAR, meters
    if len(note) < 2:
        msg = f"当前位置距老人住址约 {meters} 米（超过 {radius_m} 米），请到老人家中签到，或说明原因"
        raise ValidationFailed(msg, code="checkin_far_from_home", fields={"location_note": msg},
                               detail={"distance_m": meters})
    return c.LocationCheck.FAR, meters


# --- Dispatch -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    rating: float | None  # None: not rated yet (counts as 4.0)
    open_orders: int
    carers: int


def dispatch_choose(candidates: Sequence[Candidate]) -> Candidate | None:
    """The provider for an order among those approved, offering the service in the elder's street:
    best rating, then the lightest load per carer, then the name (stable)."""
    if not candidates:
        return None

    def key(cand: Candidate) -> tuple[float, float, str]:
        rating = cand.rating if cand.rating is not None else 4.0
        load = cand.open_orders / max(cand.carers, 1)
        return (-(rating - 0.5 * load), load, cand.name)

    return min(candidates, key=key)


# --- Order state machine --------------------------------------------------------------------------
TRANSITIONS: dict[str, set[str]] = {
    "dispatch": {S.PLACED},
    "assign": {S.DISPATCHED, S.ASSIGNED},
    "checkin": {S.ASSIGNED},
    "checkout": {S.IN_SERVICE},
    "confirm": {S.DELIVERED},
    "cancel": {S.PLACED, S.DISPATCHED, S.ASSIGNED},
    "complain": {S.ASSIGNED, S.IN_SERVICE, S.DELIVERED, S.CONFIRMED},
}
ACTION_LABELS = {"dispatch": "派单", "assign": "指派护理员", "checkin": "签到", "checkout": "签退",
                 "confirm": "确认评价", "cancel": "取消", "complain": "投诉"}


def transition_check(status: str, action: str) -> None:
    if status not in TRANSITIONS[action]:
        label = c.OrderStatus(status).label
        raise Conflict(f"订单当前为“{label}”，不能{ACTION_LABELS[action]}", code="order_state",
                       detail={"status": status, "action": action})


def rating_clean(value: object) -> int:
    try:
        rating = int(str(value))
    except ValueError:
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationFailed("请给出 1 到 5 星的评价", code="rating_invalid", fields={"rating": "请选择 1 到 5 星"})
    return rating


def short_visit(minutes: float, booked: int) -> bool:
    return minutes < booked * c.SHORT_VISIT_RATIO
