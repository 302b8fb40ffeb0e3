"""Demo step of supervision: assessment rules, the open-data catalogue, daily figures of the
demo's history, last month's assessment (a draft) and the open datasets, so the dashboard and
the monitor show something on first start. Idempotent: a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from . import rules
from .models import AssessmentRun
from .services.assessment import assessment_run, rules_seed
from .services.figures import figures_refresh, today_local
from .services.opendata import catalogue_seed, datasets_refresh

HISTORY_DAYS = 400


def demo_load_supervision(*, small: bool = False) -> dict[str, Any]:
    made_rules = rules_seed()
    made_datasets = catalogue_seed()
    last = today_local()
    rows = sum(r.rows for r in figures_refresh(first=last - timedelta(days=HISTORY_DAYS), last=last))
    period = rules.previous_month(timezone.localdate())
    computed = 0
    if not AssessmentRun.objects.filter(period_kind=period.kind, period=period.label).exists():
        assessment_run(actor=None, period=period.label)
        computed = 1
    published = datasets_refresh()
    return {"新建考核指标与扣分规则": made_rules, "新建开放数据集": made_datasets, "每日汇总行": rows,
            f"新计算的考核期（{period.label}）": computed, "开放数据行": sum(published.values())}
