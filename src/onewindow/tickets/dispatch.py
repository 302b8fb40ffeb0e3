"""Dispatch rules (派单规则): which department owns a ticket. Pure functions, no database.

A rule says "tickets of this category (and its subcategories) in this region (and below) go
to this department", with a priority. For a ticket:

1. every active rule whose category and region contain the ticket's is a candidate (a rule
   without a category or region matches any);
2. the highest priority wins; among equal priorities, the most specific rule (deepest
   category plus deepest region) wins;
3. if no rule matches, or the winning rules name several departments, the district's
   fallback owner (兜底部门, first-responder responsibility) takes the ticket;
4. if the classifier's confidence is below the threshold, nobody guesses: a human dispatcher
   decides (triage queue).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .constants import DispatchVia


@dataclass(frozen=True)
class RuleSpec:
    id: int
    department_id: int
    priority: int = 0
    category_path: str = ""  # "" matches every category
    region_path: str = ""  # "" matches every region
    active: bool = True

    def matches(self, *, category_path: str, region_path: str) -> bool:
        if not self.active:
            return False
        if self.category_path and not category_path.startswith(self.category_path):
            return False
        return not (self.region_path and not region_path.startswith(self.region_path))

    @property
    def specificity(self) -> int:
        return _depth(self.category_path) + _depth(self.region_path)


def _depth(path: str) -> int:
    return len([p for p in path.split("/") if p])


@dataclass(frozen=True)
class Decision:
    via: str  # DispatchVia, or "triage"
    department_id: int | None
    rule_id: int | None = None
    reason: str = ""
    candidates: tuple[int, ...] = field(default_factory=tuple)

    @property
    def to_triage(self) -> bool:
        return self.via == TRIAGE


TRIAGE = "triage"


def dispatch_decide(
    *,
    rules: Iterable[RuleSpec],
    category_path: str | None,
    region_path: str,
    fallback_department_id: int | None,
    confidence: float | None,
    threshold: float,
) -> Decision:
    """Decide who owns a ticket (see the module text for the order of the rules)."""
    if category_path is None or confidence is None:
        return Decision(TRIAGE, None, reason="无法自动分类，转人工派单")
    if confidence < threshold:
        return Decision(TRIAGE, None,
                        reason=f"分类置信度 {confidence:.2f} 低于阈值 {threshold:.2f}，转人工派单")
    matching = [r for r in rules if r.matches(category_path=category_path, region_path=region_path)]
    if not matching:
        return _fallback(fallback_department_id, "没有适用的派单规则")
    best = max((r.priority, r.specificity) for r in matching)
    winners = [r for r in matching if (r.priority, r.specificity) == best]
    departments = sorted({r.department_id for r in winners})
    if len(departments) > 1:
        return _fallback(fallback_department_id, "多个部门同样适用", candidates=tuple(departments))
    rule = min(winners, key=lambda r: r.id)
    return Decision(DispatchVia.RULE, rule.department_id, rule_id=rule.id,
                    reason="按派单规则派单", candidates=tuple(departments))


def _fallback(department_id: int | None, why: str, candidates: tuple[int, ...] = ()) -> Decision:
    if department_id is None:
        return Decision(TRIAGE, None, reason=f"{why}，且未设置兜底部门，转人工派单",
                        candidates=candidates)
    return Decision(DispatchVia.FALLBACK, department_id, reason=f"{why}，由兜底部门承办",
                    candidates=candidates)
