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


# --- Mutation testing (issue 9) ---------------------------------------------------------------
def test_period_bounds_and_lengths():
    december = rules.period_parse(" 2026-12 ")
    assert (december.kind, december.first, december.last, december.months) == (
        "month", date(2026, 12, 1), date(2026, 12, 31), 1)
    assert rules.period_parse("2024-02").last == date(2024, 2, 29)
    q1 = rules.period_parse("2027-Q1")
    assert (q1.kind, q1.first, q1.last, q1.months) == ("quarter", date(2027, 1, 1), date(2027, 3, 31), 3)
    year = rules.period_parse("2000")
    assert (year.kind, year.label, year.first, year.months) == ("year", "2000", date(2000, 1, 1), 12)
    assert rules.period_parse("2100-1").label == "2100-01" and rules.period_parse("2100-Q2").label == "2100-Q2"
    for bad in ("1999-12", "2101-01", "1999-Q4", "2101-Q1", "1999", "2101", "2026-0", "2026-Q0", " "):
        with pytest.raises(ValidationFailed) as exc:
            rules.period_parse(bad)
        assert exc.value.code == "period_invalid", bad
    assert rules.previous_month(date(2026, 3, 1)) == rules.period_parse("2026-02")


def test_every_metric_reads_its_own_figures():
    sums = {"cases": {"early": 1, "finished": 5, "overdue": 2, "online": 3, "received": 4, "satisfied": 7,
                      "rated": 8},
            "tickets": {"responded": 9, "dispatched": 10, "solved": 3, "callbacks": 6, "satisfied": 2,
                        "overdue": 1, "finished": 4},
            "grid": {"finished": 1, "received": 8, "visits": 30}}
    expected = {"case_early_rate": 0.2, "case_on_time_rate": 0.6, "case_online_rate": 0.75,
                "case_satisfaction": 0.875, "ticket_response_rate": 0.9, "ticket_solve_rate": 0.5,
                "ticket_satisfaction": 0.3333, "ticket_on_time_rate": 0.75, "grid_close_rate": 0.125,
                "grid_visit_quota": 0.75}
    assert {m: rules.metric_value(m, sums, months=1, grids=2) for m in expected} == expected
    assert rules.metric_value("grid_visit_quota", sums, months=2, grids=0) == 0.75  # at least one grid
    assert rules.metric_value("grid_visit_quota", {"grid": {"visits": 50}}) == 1.0  # capped at 100 %
    assert rules.metric_value("grid_visit_quota", {"grid": {"visits": 7}}) == 0.35
    assert rules.metric_value("unknown", sums) is None
    for metric in ("case_on_time_rate", "ticket_on_time_rate", "case_early_rate", "grid_close_rate"):
        assert rules.metric_value(metric, {}) is None, metric  # nothing finished: no figure
    assert rules.ratio(2, 3) == 0.6667 and rules.ratio(1, 0) is None


def test_indicator_points_edges():
    w = Decimal("15")
    assert rules.indicator_points(formula="target", weight=w, target=Decimal(0), value=0.1) == Decimal("15.00")
    assert rules.indicator_points(formula="target", weight=w, target=Decimal("0.5"), value=0.5) == Decimal("15.00")
    assert rules.indicator_points(formula="ratio", weight=w, target=Decimal(1), value=-0.2) == Decimal("0.00")
    assert rules.indicator_points(formula="ratio", weight=Decimal("10"), target=Decimal(1),
                                  value=0.0005) == Decimal("0.01")  # half up
    assert rules.indicator_points(formula="ratio", weight=Decimal("7.125"), target=Decimal(1),
                                  value=None) == Decimal("7.13") == rules.indicator_points(
        formula="ratio", weight=Decimal("7.125"), target=Decimal(1), value=1.0)  # no data = a full score


def test_capping_ranking_paths_and_small_cells_edges():
    assert rules.capped([Decimal(3), Decimal(1)], Decimal(2)) == [2, 0]
    assert rules.capped([Decimal(1), Decimal(1)], Decimal(-1)) == [0, 0]
    assert rules.capped([], Decimal(5)) == []
    assert rules.rank(["b", "a", "c"], key=lambda x: x) == [2, 3, 1]
    assert rules.rank([], key=lambda x: x) == []
    assert rules.path_at_depth("/1/2/", 2) == "/1/2/" and rules.path_at_depth("1/2/3", 1) == "/1/"
    kept, dropped = rules.k_anonymous([{"m": 1, "s": 2}, {"m": 1, "s": 3}], ("m",), 2)
    assert (len(kept), dropped) == (2, 0)  # only the quasi-identifiers count
    assert rules.suppress_small(6, 5) == 6 and rules.suppress_small(1, 1) == 1


PARTS = {"case_early_rate": ("cases", "early", "finished"), "case_online_rate": ("cases", "online", "received"),
         "case_satisfaction": ("cases", "satisfied", "rated"),
         "ticket_response_rate": ("tickets", "responded", "dispatched"),
         "ticket_solve_rate": ("tickets", "solved", "callbacks"),
         "ticket_satisfaction": ("tickets", "satisfied", "callbacks"),
         "grid_close_rate": ("grid", "finished", "received")}


@pytest.mark.parametrize("metric", sorted(PARTS))
def test_a_missing_count_is_zero_and_a_missing_base_is_no_figure(metric):
    source, part, whole = PARTS[metric]
    assert rules.metric_value(metric, {source: {whole: 4}}) == 0.0
    assert rules.metric_value(metric, {source: {part: 3}}) is None
    assert rules.metric_value(metric, {source: {part: 1, whole: 3}}) == 0.3333


@pytest.mark.parametrize(("metric", "source"), [("case_on_time_rate", "cases"), ("ticket_on_time_rate", "tickets")])
def test_on_time_rates_without_overdue_counts(metric, source):
    assert rules.metric_value(metric, {source: {"finished": 4}}) == 1.0
    assert rules.metric_value(metric, {source: {"overdue": 1}}) is None
    assert rules.metric_value(metric, {source: {"overdue": 1, "finished": 3}}) == 0.6667


def test_visit_quota_rounding_and_period_limits():
    assert rules.metric_value("grid_visit_quota", {}) == 0.0
    assert rules.metric_value("grid_visit_quota", {"grid": {"visits": 1}}, grids=3) == 0.0167
    assert rules.period_parse("2000-01").first == date(2000, 1, 1)
    assert rules.period_parse("2000-Q1").first == date(2000, 1, 1)
    assert rules.period_parse("2100").last == date(2100, 12, 31)
    with pytest.raises(ValidationFailed) as exc:
        rules.period_parse("2026-W49")
    assert "2026-Q4" in exc.value.message and exc.value.fields["period"] == exc.value.message
