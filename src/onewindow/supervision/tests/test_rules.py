"""Pure rules of supervision, without a database."""

from datetime import date
from decimal import Decimal

import pytest

from onewindow.core.errors import ValidationFailed
from onewindow.supervision import rules


def test_periods_parse_month_quarter_year():
    assert rules.period_parse("2026-2") == rules.Period("month", "2026-02", date(2026, 2, 1), date(2026, 2, 28))
    q = rules.period_parse("2026-q4")
    assert (q.label, q.first, q.last, q.months) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), 3)
    assert rules.period_parse("2028").last == date(2028, 12, 31)
    assert rules.previous_month(date(2027, 1, 5)).label == "2026-12"


@pytest.mark.parametrize("bad", ["", "2026-13", "26-01", "2026-Q5", "abc"])
def test_bad_periods_are_refused_with_a_code(bad):
    with pytest.raises(ValidationFailed) as exc:
        rules.period_parse(bad)
    assert exc.value.code == "period_invalid" and "period" in exc.value.fields


def test_indicator_formulas():
    w, t = Decimal(20), Decimal("0.8")
    assert rules.indicator_points(formula="ratio", weight=w, target=t, value=0.5) == Decimal("10.00")
    assert rules.indicator_points(formula="target", weight=w, target=t, value=0.4) == Decimal("10.00")
    assert rules.indicator_points(formula="target", weight=w, target=t, value=0.95) == Decimal("20.00")
    assert rules.indicator_points(formula="threshold", weight=w, target=t, value=0.79) == Decimal("0.00")
    assert rules.indicator_points(formula="threshold", weight=w, target=t, value=0.8) == Decimal("20.00")
    assert rules.indicator_points(formula="ratio", weight=w, target=t, value=None) == Decimal("20.00")


def test_metric_values_from_sums():
    sums = {"cases": {"early": 3, "finished": 4, "overdue": 1, "online": 1, "received": 2},
            "tickets": {"responded": 1, "dispatched": 4}, "grid": {"visits": 10}}
    assert rules.metric_value("case_early_rate", sums) == 0.75
    assert rules.metric_value("case_on_time_rate", sums) == 0.75
    assert rules.metric_value("case_online_rate", sums) == 0.5
    assert rules.metric_value("ticket_response_rate", sums) == 0.25
    assert rules.metric_value("ticket_solve_rate", sums) is None
    assert rules.metric_value("grid_visit_quota", sums, months=1, grids=1) == 0.5


def test_capped_deductions_and_competition_ranks():
    assert rules.capped([Decimal(2)] * 4, Decimal(5)) == [2, 2, 1, 0]
    assert rules.capped([Decimal(2)] * 2, None) == [2, 2]
    assert rules.rank([90, 95, 90, 80], key=lambda x: x) == [2, 1, 2, 4]


def test_paths_and_anonymisation():
    assert rules.path_at_depth("/1/2/3/4/", 2) == "/1/2/"
    assert rules.path_at_depth("/1/", 2) is None
    rows = [{"m": "01", "s": "a"}] * 5 + [{"m": "01", "s": "b"}] * 4
    kept, dropped = rules.k_anonymous(rows, ("m", "s"), 5)
    assert len(kept) == 5 and dropped == 4 and all(r["s"] == "a" for r in kept)
    assert rules.suppress_small(4, 5) is None and rules.suppress_small(0, 5) == 0 and rules.suppress_small(5, 5) == 5
