"""Periodic jobs of supervision: daily figures, the month's assessment, open data."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from onewindow.core.timer import periodic

from .constants import REFRESH_EVERY_SECONDS, REFRESH_NIGHTLY_DAYS


@periodic("supervision.figures", every=REFRESH_EVERY_SECONDS)
def figures_refresh_job() -> object:
    """The last few days of every source (today's figures at most ten minutes old)."""
    from .services.figures import figures_refresh

    return [r.rows for r in figures_refresh()]


@periodic("supervision.figures_nightly", every=86400)
def figures_nightly_job() -> object:
    """The last five weeks again (late corrections: returns, callbacks, reopenings)."""
    from .services.figures import figures_refresh, today_local

    last = today_local()
    return [r.rows for r in figures_refresh(first=last - timedelta(days=REFRESH_NIGHTLY_DAYS), last=last)]


@periodic("supervision.assessment_month", every=3600)
def assessment_month_job() -> object:
    """After a month ends, compute its assessment once (a draft for supervisors to publish)."""
    from . import rules
    from .models import AssessmentRun, DeductionRule, Indicator
    from .services.assessment import assessment_run

    period = rules.previous_month(timezone.localdate())
    if AssessmentRun.objects.filter(period_kind=period.kind, period=period.label).exists():
        return None
    if not Indicator.objects.filter(is_active=True).exists() and not DeductionRule.objects.exists():
        return None
    return assessment_run(actor=None, period=period.label).period


@periodic("supervision.opendata", every=86400)
def opendata_refresh_job() -> object:
    from .services.opendata import datasets_refresh

    return datasets_refresh()
