"""Pure rules of supervision: periods, rates, indicator formulas, rankings, anonymisation."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from onewindow.core.errors import ValidationFailed

from .constants import Formula, Metric, PeriodKind

T = TypeVar("T")
TWO = Decimal("0.01")
GRID_VISITS_PER_MONTH = 20  # the visit quota of one grid worker's grid per month


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    first: date
    last: date  # inclusive

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def period_parse(value: str) -> Period:
    """"2026-11" (month), "2026-Q4" (quarter) or "2026" (year)."""
    value = (value or "").strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", value):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12 and 2000 <= y <= 2100:
            return Period(PeriodKind.MONTH, f"{y}-{mo:02d}", date(y, mo, 1), _month_end(y, mo))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        y, q = int(m[1]), int(m[2])
        if 2000 <= y <= 2100:
            return Period(PeriodKind.QUARTER, f"{y}-Q{q}", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    if re.fullmatch(r"\d{4}", value) and 2000 <= int(value) <= 2100:
        y = int(value)
        return Period(PeriodKind.YEAR, str(y), date(y, 1, 1), date(y, 12, 31))
    msg = "考核期格式应为 2026-11（月）、2026-Q4（季度）或 2026（年）"
    raise ValidationFailed(msg, code="period_invalid", fields={"period": msg})


def previous_month(today: date) -> Period:
    first = today.replace(day=1) - timedelta(days=1)
    return period_parse(f"{first.year}-{first.month:02d}")


def ratio(part: int | float, whole: int | float) -> float | None:
    return round(part / whole, 4) if whole else None


def metric_value(metric: str, sums: dict[str, dict[str, int]], *, months: int = 1,
                 grids: int = 1) -> float | None:
    """The ratio an indicator measures, from summed daily figures per source."""
    c, t, g = sums.get("cases", {}), sums.get("tickets", {}), sums.get("grid", {})
    match metric:
        case Metric.CASE_EARLY_RATE:
            return ratio(c.get("early", 0), c.get("finished", 0))
        case Metric.CASE_ON_TIME_RATE:
            r = ratio(c.get("overdue", 0), c.get("finished", 0))
            return None if r is None else round(1 - r, 4)
        case Metric.CASE_ONLINE_RATE:
            return ratio(c.get("online", 0), c.get("received", 0))
        case Metric.CASE_SATISFACTION:
            return ratio(c.get("satisfied", 0), c.get("rated", 0))
        case Metric.TICKET_RESPONSE_RATE:
            return ratio(t.get("responded", 0), t.get("dispatched", 0))
        case Metric.TICKET_SOLVE_RATE:
            return ratio(t.get("solved", 0), t.get("callbacks", 0))
        case Metric.TICKET_SATISFACTION:
            return ratio(t.get("satisfied", 0), t.get("callbacks", 0))
        case Metric.TICKET_ON_TIME_RATE:
            r = ratio(t.get("overdue", 0), t.get("finished", 0))
            return None if r is None else round(1 - r, 4)
        case Metric.GRID_CLOSE_RATE:
            return ratio(g.get("finished", 0), g.get("received", 0))
        case Metric.GRID_VISIT_QUOTA:
            quota = GRID_VISITS_PER_MONTH * months * max(grids, 1)
            return min(1.0, round(g.get("visits", 0) / quota, 4))
    return None


def indicator_points(*, formula: str, weight: Decimal, target: Decimal, value: float | None) -> Decimal:
    """Points of one indicator; no data (nothing to divide by) earns the full weight."""
    if value is None:  # rounded like every other score (half up), so no data = a full score
        return weight.quantize(TWO, rounding=ROUND_HALF_UP)
    v = Decimal(str(value))
    if formula == Formula.TARGET:
        share = min(v / target, Decimal(1)) if target > 0 else Decimal(1)
    elif formula == Formula.THRESHOLD:
        share = Decimal(1) if v >= target else Decimal(0)
    else:
        share = v
    return (weight * max(share, Decimal(0))).quantize(TWO, rounding=ROUND_HALF_UP)


def capped(points: Sequence[Decimal], cap: Decimal | None) -> list[Decimal]:
    """Deduction points of consecutive events, the later ones reduced so the sum stays ≤ cap."""
    out: list[Decimal] = []
    left = cap
    for p in points:
        if left is None:
            out.append(p)
            continue
        take = min(p, max(left, Decimal(0)))
        out.append(take)
        left -= take
    return out


def rank(items: Sequence[T], key: Callable[[T], Any]) -> list[int]:
    """Competition ranking (1, 2, 2, 4) by ``key`` descending, in the order of ``items``."""
    values = [key(i) for i in items]
    order = sorted(values, reverse=True)
    return [order.index(v) + 1 for v in values]


def path_at_depth(path: str, depth: int) -> str | None:
    """The ancestor path of ``depth`` levels (1 district, 2 street, 3 community, 4 grid)."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < depth:
        return None
    return "/" + "/".join(parts[:depth]) + "/"


def k_anonymous(rows: Iterable[dict[str, Any]], quasi: Sequence[str], k: int) -> tuple[list[dict[str, Any]], int]:
    """Keep only rows whose combination of quasi-identifiers occurs at least ``k`` times."""
    rows = list(rows)
    counts = Counter(tuple(r[q] for q in quasi) for r in rows)
    kept = [r for r in rows if counts[tuple(r[q] for q in quasi)] >= k]
    return kept, len(rows) - len(kept)


def suppress_small(value: int, k: int) -> int | None:
    """Small-cell suppression of a published count: fewer than ``k`` is withheld (None)."""
    return value if value >= k or value == 0 else None
