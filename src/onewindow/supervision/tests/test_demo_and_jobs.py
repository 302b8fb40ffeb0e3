"""The demo step is idempotent; the timer's jobs refresh figures, compute last month once and
publish open data."""

import pytest

from onewindow.core.timer import periodic_job_periods
from onewindow.supervision import tasks
from onewindow.supervision.demo import demo_load_supervision
from onewindow.supervision.models import AssessmentRun, DailyFigure, Dataset, DeductionRule, FigureRefresh, Indicator

pytestmark = pytest.mark.django_db


def test_demo_step_twice_adds_nothing_the_second_time(district):
    first = demo_load_supervision()
    counts = (Indicator.objects.count(), DeductionRule.objects.count(), Dataset.objects.count(),
              AssessmentRun.objects.count(), DailyFigure.objects.count())
    assert first["新建考核指标与扣分规则"] == 19 and first["新建开放数据集"] == 5 and counts[3] == 1
    second = demo_load_supervision()
    assert second["新建考核指标与扣分规则"] == 0 and second["新建开放数据集"] == 0
    assert (Indicator.objects.count(), DeductionRule.objects.count(), Dataset.objects.count(),
            AssessmentRun.objects.count(), DailyFigure.objects.count()) == counts


def test_timer_jobs_are_registered_and_run(district):
    periods = periodic_job_periods()
    assert periods["supervision.figures"] == 600 and periods["supervision.figures_nightly"] == 86400
    tasks.figures_refresh_job()
    assert FigureRefresh.objects.filter(source="tickets").exists()
    assert tasks.assessment_month_job() is None  # no rules yet: nothing to compute
    demo_load_supervision()
    assert tasks.assessment_month_job() is None  # last month already computed
    assert AssessmentRun.objects.count() == 1
    assert set(tasks.opendata_refresh_job()) == {"cases-monthly-by-street", "hotline-monthly-by-category",
                                                 "hall-daily-waits", "hotline-ticket-records"}
