"""The assessment (考核): a period's run, appeals against deductions, bonuses, publication.

A run reads the daily figures for the indicators (one grouped query) and the period's events
for the deductions (see ``sources.deduction_events``), and writes one score per department,
street and grid with every deduction linked to the ticket or case behind it. Scores:
``indicator points (weights sum to the full mark) − deductions + bonuses``; ranks are
competition ranks (1, 2, 2, 4) within departments, streets and grids.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

from .. import rules, sources
from ..constants import (
    AUDIT_APPEAL,
    AUDIT_APPEAL_DECIDE,
    AUDIT_BONUS,
    AUDIT_PUBLISH,
    AUDIT_RUN,
    AppealStatus,
    AppliesTo,
    DeductionStatus,
    RunStatus,
    TargetKind,
)
from ..models import (
    AssessmentAppeal,
    AssessmentBonus,
    AssessmentDeduction,
    AssessmentRun,
    AssessmentScore,
    DailyFigure,
    DeductionRule,
    FigureRefresh,
    Indicator,
)
from .figures import COUNTERS

ASSESSORS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def require_assessor(actor: Any) -> None:
    if actor is not None and not scope_for(actor).has_role(*ASSESSORS):
        raise PermissionDenied("只有监督管理人员可以执行考核", code="not_assessor")


@dataclass
class _Target:
    kind: str
    name: str
    applies: set[str]
    department: Department | None = None
    region: Region | None = None
    region_path: str = ""
    sums: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    grids: int = 1


def _add(target: _Target, source: str, row: dict[str, Any]) -> None:
    for name in COUNTERS:
        target.sums[source][name] += int(row.get(f"s_{name}") or 0)


def _targets(period: rules.Period) -> tuple[list[_Target], dict[int, _Target], dict[str, _Target]]:
    departments = {d.id: _Target(TargetKind.DEPARTMENT, d.name, {AppliesTo.ALL_DEPARTMENTS, d.kind},
                                 department=d, region_path=d.region.path)
                   for d in Department.objects.filter(is_active=True).select_related("region")}
    areas: dict[str, _Target] = {}
    for r in Region.objects.filter(level__in=[RegionLevel.STREET, RegionLevel.GRID]).order_by("path"):
        kind = TargetKind.STREET if r.level == RegionLevel.STREET else TargetKind.GRID
        areas[r.path] = _Target(kind, r.name, {str(kind)}, region=r, region_path=r.path)
    for street in (t for t in areas.values() if t.kind == TargetKind.STREET):
        street.grids = sum(1 for p, t in areas.items()
                           if t.kind == TargetKind.GRID and p.startswith(street.region_path))
    rows: Any = (DailyFigure.objects.filter(day__gte=period.first, day__lte=period.last)
            .values("source", "department_id", "region_path").annotate(**{f"s_{n}": Sum(n) for n in COUNTERS}))
    for row in rows:
        if row["department_id"] in departments:
            _add(departments[row["department_id"]], row["source"], row)
        for depth in (2, 4):
            path = rules.path_at_depth(row["region_path"] or "", depth)
            if path and path in areas:
                _add(areas[path], row["source"], row)
    return [*departments.values(), *areas.values()], departments, areas


def _event_targets(event: sources.Event, departments: dict[int, _Target], areas: dict[str, _Target]) -> list[_Target]:
    found = []
    if event.department_id in departments:
        found.append(departments[event.department_id])
    for depth in (2, 4):
        path = rules.path_at_depth(event.region_path or "", depth)
        if path and path in areas:
            found.append(areas[path])
    return found


def _rules_snapshot(indicators: list[Indicator], deductions: list[DeductionRule]) -> dict[str, Any]:
    return {"indicators": [{"code": i.code, "name": i.name, "applies_to": i.applies_to, "metric": i.metric,
                            "weight": str(i.weight), "formula": i.formula, "target": str(i.target)}
                           for i in indicators],
            "deductions": [{"code": d.code, "name": d.name, "event_kind": d.event_kind, "applies_to": d.applies_to,
                            "points": str(d.points), "cap": str(d.cap) if d.cap is not None else None}
                           for d in deductions]}


def assessment_run(*, actor: Any, period: str, now: datetime | None = None) -> AssessmentRun:
    """Compute (or recompute, while unpublished and unappealed) the scores of a period."""
    require_assessor(actor)
    now = now or timezone.now()
    p = rules.period_parse(period)
    if p.first > timezone.localtime(now, sources.SH).date():
        msg = "考核期尚未开始"
        raise ValidationFailed(msg, code="period_future", fields={"period": msg})
    indicators = list(Indicator.objects.filter(is_active=True))
    deduction_rules = list(DeductionRule.objects.filter(is_active=True))
    if not indicators and not deduction_rules:
        raise Conflict("尚未设置考核指标或扣分规则", code="rules_missing")
    targets, departments, areas = _targets(p)
    events = sources.deduction_events(p.first, p.last, now=now)
    bonuses = list(AssessmentBonus.objects.filter(period_kind=p.kind, period=p.label))
    freshness = FigureRefresh.objects.order_by("refreshed_at").values_list("refreshed_at", flat=True).first()
    with transaction.atomic():
        old = AssessmentRun.objects.select_for_update().filter(period_kind=p.kind, period=p.label).first()
        if old is not None:
            if old.status == RunStatus.PUBLISHED:
                raise Conflict("该考核期的结果已发布，不能重新计算", code="run_published")
            if AssessmentAppeal.objects.filter(deduction__run=old).exists():
                raise Conflict("已有部门提出申诉，不能重新计算", code="run_has_appeals")
            old.delete()
        run = AssessmentRun.objects.create(
            period_kind=p.kind, period=p.label, starts_on=p.first, ends_on=p.last, computed_at=now,
            computed_by=actor if getattr(actor, "is_authenticated", False) else None, figures_as_of=freshness,
            rules=_rules_snapshot(indicators, deduction_rules))
        scores: dict[int, AssessmentScore] = {}
        for t in targets:
            mine = [i for i in indicators if i.applies_to in t.applies]
            details, points, maximum = [], Decimal(0), Decimal(0)
            for ind in mine:
                value = rules.metric_value(ind.metric, t.sums, months=p.months, grids=t.grids)
                got = rules.indicator_points(formula=ind.formula, weight=ind.weight, target=ind.target, value=value)
                details.append({"code": ind.code, "name": ind.name, "value": value, "points": str(got),
                                "weight": str(ind.weight)})
                points += got
                maximum += ind.weight
            score = AssessmentScore(run=run, target_kind=t.kind, department=t.department, region=t.region,
                                    name=t.name, region_path=t.region_path, indicator_points=points,
                                    indicator_max=maximum, details=details)
            scores[id(t)] = score
        AssessmentScore.objects.bulk_create(scores.values())
        pending: list[AssessmentDeduction] = []
        for rule in deduction_rules:
            per_target: dict[int, list[sources.Event]] = defaultdict(list)
            for e in events:
                if e.kind != rule.event_kind:
                    continue
                for t in _event_targets(e, departments, areas):
                    if rule.applies_to in t.applies:
                        per_target[id(t)].append(e)
            for key, evs in per_target.items():
                for e, pts in zip(evs, rules.capped([rule.points] * len(evs), rule.cap), strict=True):
                    if pts <= 0:
                        continue
                    pending.append(AssessmentDeduction(
                        run=run, score=scores[key], rule=rule, event_kind=e.kind, object_type=e.object_type,
                        object_public_id=e.public_id, object_number=e.number, occurred_at=e.at, points=pts,
                        note=e.note[:200]))
        AssessmentDeduction.objects.bulk_create(pending, batch_size=2000)
        for b in bonuses:
            for score in scores.values():
                if (b.department_id and score.department_id == b.department_id) or \
                        (b.region_id and score.region_id == b.region_id):
                    score.bonus += b.points
        _totals_and_ranks(run, list(scores.values()))
        audit_record(actor=actor, action=AUDIT_RUN, obj=run,
                     summary={"period": p.label, "scores": len(scores), "deductions": len(pending)})
    return run


def _totals_and_ranks(run: AssessmentRun, scores: list[AssessmentScore]) -> None:
    deducted = dict(AssessmentDeduction.objects.filter(run=run).exclude(status=DeductionStatus.CANCELLED)
                    .values("score_id").annotate(s=Sum("points")).values_list("score_id", "s"))
    for s in scores:
        s.deducted = deducted.get(s.id, Decimal(0)) or Decimal(0)
        s.total = s.indicator_points - s.deducted + s.bonus
    for kind in TargetKind.values:
        group = [s for s in scores if s.target_kind == kind]
        for s, r in zip(group, rules.rank(group, key=lambda x: x.total), strict=True):
            s.rank = r
    AssessmentScore.objects.bulk_update(scores, ["deducted", "total", "rank", "bonus"], batch_size=1000)


def assessment_publish(*, actor: Any, run: AssessmentRun, now: datetime | None = None) -> AssessmentRun:
    require_assessor(actor)
    with transaction.atomic():
        locked = AssessmentRun.objects.select_for_update().get(pk=run.pk)
        if locked.status == RunStatus.PUBLISHED:
            raise Conflict("该考核结果已发布", code="run_published")
        locked.status = RunStatus.PUBLISHED
        locked.published_at = now or timezone.now()
        locked.published_by = actor
        locked.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        audit_record(actor=actor, action=AUDIT_PUBLISH, obj=locked, summary={"period": locked.period})
    return locked


def _may_appeal(actor: Any, score: AssessmentScore) -> bool:
    scope = scope_for(actor)
    if score.department_id is not None:
        return score.department_id in scope.department_ids
    return bool(score.region_path) and scope.covers_region_path(score.region_path) and not scope.all_departments


def appeal_file(*, actor: Any, deduction: AssessmentDeduction, reason: str) -> AssessmentAppeal:
    """The department (or the street/grid's staff) appeals one deduction with a reason."""
    reason = (reason or "").strip()
    if len(reason) < 4 or len(reason) > 1000:
        msg = "请填写 4–1000 字的申诉理由"
        raise ValidationFailed(msg, code="appeal_reason", fields={"reason": msg})
    score = deduction.score
    if not _may_appeal(actor, score):
        raise NotFound()
    with transaction.atomic():
        locked = AssessmentDeduction.objects.select_for_update().get(pk=deduction.pk)
        if locked.status != DeductionStatus.ACTIVE:
            raise Conflict("该扣分已申诉或已处理", code="deduction_not_appealable")
        appeal = AssessmentAppeal.objects.create(deduction=locked, department_id=score.department_id,
                                                 reason=reason, filed_by=actor)
        locked.status = DeductionStatus.APPEALED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=AUDIT_APPEAL, obj=appeal,
                     summary={"period": locked.run.period, "number": locked.object_number})
    return appeal


def appeal_decide(*, actor: Any, appeal: AssessmentAppeal, cancel: bool, note: str = "",
                  now: datetime | None = None) -> AssessmentAppeal:
    """A supervisor upholds the deduction or cancels it (the score and ranks are recomputed)."""
    require_assessor(actor)
    note = (note or "").strip()[:500]
    if not note:
        msg = "请填写处理意见"
        raise ValidationFailed(msg, code="decision_note", fields={"note": msg})
    with transaction.atomic():
        locked = AssessmentAppeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.status != AppealStatus.PENDING:
            raise Conflict("该申诉已处理", code="appeal_decided")
        locked.status = AppealStatus.CANCELLED if cancel else AppealStatus.UPHELD
        locked.decided_by = actor
        locked.decided_at = now or timezone.now()
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        deduction = locked.deduction
        deduction.status = DeductionStatus.CANCELLED if cancel else DeductionStatus.UPHELD
        deduction.save(update_fields=["status", "updated_at"])
        run = deduction.run
        _totals_and_ranks(run, list(run.scores.all()))
        audit_record(actor=actor, action=AUDIT_APPEAL_DECIDE, obj=locked,
                     summary={"outcome": locked.status, "number": deduction.object_number})
    return locked


def bonus_grant(*, actor: Any, period: str, points: Decimal, reason: str, department: Department | None = None,
                region: Region | None = None) -> AssessmentBonus:
    require_assessor(actor)
    p = rules.period_parse(period)
    errors: dict[str, str] = {}
    if (department is None) == (region is None):
        errors["target"] = "请选择一个部门或一个街道/网格"
    if not (Decimal(0) < points <= Decimal(20)):
        errors["points"] = "加分应在 0–20 分之间"
    if len((reason or "").strip()) < 4:
        errors["reason"] = "请填写加分理由"
    if errors:
        raise ValidationFailed(code="bonus_invalid", fields=errors)
    with transaction.atomic():
        if AssessmentRun.objects.filter(period_kind=p.kind, period=p.label, status=RunStatus.PUBLISHED).exists():
            raise Conflict("该考核期的结果已发布", code="run_published")
        bonus = AssessmentBonus.objects.create(period_kind=p.kind, period=p.label, department=department,
                                               region=region, points=points, reason=reason.strip()[:200],
                                               granted_by=actor)
        audit_record(actor=actor, action=AUDIT_BONUS, obj=bonus, summary={"period": p.label, "points": str(points)})
    return bonus


def rules_seed() -> int:
    """The default indicators and deduction rules (editable in the admin); idempotent."""
    made = 0
    defaults = [
        ("case-early", "提前办结率", AppliesTo.ALL_DEPARTMENTS, "case_early_rate", "20", "target", "0.8"),
        ("case-ontime", "按时办结率", AppliesTo.ALL_DEPARTMENTS, "case_on_time_rate", "20", "ratio", "1"),
        ("case-online", "网办率", AppliesTo.BUREAU, "case_online_rate", "10", "target", "0.9"),
        ("case-satisfaction", "办件满意率", AppliesTo.ALL_DEPARTMENTS, "case_satisfaction", "10", "ratio", "1"),
        ("ticket-response", "工单响应率", AppliesTo.ALL_DEPARTMENTS, "ticket_response_rate", "15", "ratio", "1"),
        ("ticket-solve", "工单解决率", AppliesTo.ALL_DEPARTMENTS, "ticket_solve_rate", "15", "ratio", "1"),
        ("ticket-satisfaction", "工单满意率", AppliesTo.ALL_DEPARTMENTS, "ticket_satisfaction", "10", "ratio", "1"),
        ("street-ticket-solve", "辖区工单解决率", AppliesTo.STREET, "ticket_solve_rate", "40", "ratio", "1"),
        ("street-grid-close", "网格事件办结率", AppliesTo.STREET, "grid_close_rate", "30", "target", "0.95"),
        ("street-visits", "网格走访完成率", AppliesTo.STREET, "grid_visit_quota", "30", "target", "1"),
        ("grid-close", "事件办结率", AppliesTo.GRID, "grid_close_rate", "50", "target", "0.95"),
        ("grid-visits", "走访完成率", AppliesTo.GRID, "grid_visit_quota", "50", "target", "1"),
    ]
    for order, (code, name, applies, metric, weight, formula, target) in enumerate(defaults):
        _, created = Indicator.objects.get_or_create(code=code, defaults={
            "name": name, "applies_to": applies, "metric": metric, "weight": Decimal(weight),
            "formula": formula, "target": Decimal(target), "order": order})
        made += created
    for code, name, kind, applies, points, cap in [
        ("ticket-overdue", "工单超期", "ticket_overdue", AppliesTo.ALL_DEPARTMENTS, "2", "20"),
        ("ticket-reopen", "工单重办", "ticket_reopen", AppliesTo.ALL_DEPARTMENTS, "1", "10"),
        ("ticket-order", "工单被督办", "ticket_order", AppliesTo.ALL_DEPARTMENTS, "1", "10"),
        ("case-overdue", "办件超期", "case_overdue", AppliesTo.ALL_DEPARTMENTS, "3", "30"),
        ("case-order", "办件被督办", "case_order", AppliesTo.ALL_DEPARTMENTS, "1", "10"),
        ("rating-unrectified", "差评未按期整改", "rating_unrectified", AppliesTo.ALL_DEPARTMENTS, "2", "20"),
        ("street-ticket-overdue", "辖区工单超期", "ticket_overdue", AppliesTo.STREET, "1", "20"),
    ]:
        _, created = DeductionRule.objects.get_or_create(code=code, defaults={
            "name": name, "event_kind": kind, "applies_to": applies, "points": Decimal(points),
            "cap": Decimal(cap)})
        made += created
    return made
