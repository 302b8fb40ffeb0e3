"""Supervision's own tables: daily pre-aggregated figures, the assessment, supervision orders
on cases and the open-data catalogue.

The daily figures are the only thing dashboards, the assessment's indicators and open data
read: one row per day × source × department × region (the deepest region the records carry),
rebuilt for a trailing window by the timer (see ``services/figures.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from onewindow.accounts.models import Department
from onewindow.cases.models import Case
from onewindow.core.fields import EncryptedTextField
from onewindow.core.models import BaseModel
from onewindow.regions.models import Region

from .constants import (
    AppealStatus,
    ApplicationStatus,
    AppliesTo,
    DeductionStatus,
    EventKind,
    Formula,
    Frequency,
    Metric,
    OrderStatus,
    PeriodKind,
    RunStatus,
    Source,
    TargetKind,
    Tier,
    TopKind,
)

USER = settings.AUTH_USER_MODEL
PATH_OPS = ["varchar_pattern_ops"]


# --- Daily figures -----------------------------------------------------------------------------
class FigureColumns(models.Model):
    """What ``DailyFigure`` and ``RegionDailyFigure`` share: the day, the source and the counters
    (``services/figures.py`` COUNTERS); each adds its own region key."""

    day = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices)
    received = models.PositiveIntegerField(default=0)
    online = models.PositiveIntegerField(default=0)
    finished = models.PositiveIntegerField(default=0)
    early = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    limit_days = models.PositiveIntegerField(default=0)
    used_days = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    callbacks = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    waits = models.PositiveIntegerField(default=0)
    wait_seconds = models.BigIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    region_path: models.CharField[str, str]  # each subclass's own (blank or not)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.source} {self.region_path}"


class DailyFigure(FigureColumns):
    """Counts of one source on one day for one department and region (Beijing days)."""

    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+", db_index=False)
    region_path = models.CharField(max_length=80, blank=True)

    class Meta:
        verbose_name = "每日汇总数据"
        verbose_name_plural = "每日汇总数据"
        indexes = [models.Index(fields=["source", "day", "region_path"], name="daily_figure_src_day",
                                opclasses=["", "", "varchar_pattern_ops"]),
                   models.Index(fields=["department", "day"], name="daily_figure_dept_day")]


class RegionDailyFigure(FigureColumns):
    """The daily figures summed over departments and rolled up the region tree: one row per day ×
    source × region at every depth of the record's path (1 district, 2 street, 3 community,
    4 grid). A region's figure is then its own few rows (``depth`` = its path's depth,
    ``region_path`` = its path) instead of every department × grid row below it, and its
    children's figures the rows one level down. Rebuilt with the daily figures, same window,
    same transaction (``services/figures.py``)."""

    depth = models.PositiveSmallIntegerField()
    region_path = models.CharField(max_length=80)

    class Meta:
        verbose_name = "区划每日汇总"
        verbose_name_plural = "区划每日汇总"
        indexes = [models.Index(fields=["depth", "region_path", "day"], name="region_figure_key",
                                opclasses=["", "varchar_pattern_ops", ""]),
                   models.Index(fields=["source", "day"], name="region_figure_src_day")]


class TopColumns(models.Model):
    """What ``DailyTop`` and ``RegionDailyTop`` share: the day, the kind, the key with its label
    and the count; each adds its own region key."""

    day = models.DateField()
    kind = models.CharField(max_length=10, choices=TopKind.choices)
    key = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.label}"


class DailyTop(TopColumns):
    """Counts per day of one key (an item, a hotline category, a place) for top lists."""

    region_path = models.CharField(max_length=80, blank=True)

    class Meta:
        verbose_name = "每日排行数据"
        verbose_name_plural = "每日排行数据"
        indexes = [models.Index(fields=["kind", "day", "region_path"], name="daily_top_kind_day",
                                opclasses=["", "", "varchar_pattern_ops"])]


class RegionDailyTop(TopColumns):
    """The daily top-list counts rolled up the region tree like ``RegionDailyFigure``: one row per
    day × kind × key × region at every depth of the record's path, so a district's or street's
    top list sums its own rows instead of every grid's."""

    depth = models.PositiveSmallIntegerField()
    region_path = models.CharField(max_length=80)

    class Meta:
        verbose_name = "区划每日排行"
        verbose_name_plural = "区划每日排行"
        # Covering: a top list over three months (200 places × 90 days) is an index-only scan
        # instead of 18,000 rows fetched from pages all over the table.
        indexes = [models.Index(fields=["kind", "depth", "region_path", "day"], name="region_top_cover",
                                opclasses=["", "", "varchar_pattern_ops", ""], include=["key", "label", "n"]),
                   models.Index(fields=["day"], name="region_top_day")]


class ClerkDailyDecisions(models.Model):
    """Acceptance/approval decisions and rejections (不予受理/不予许可) per local day × clerk ×
    street of the case (its region path cut to depth 2), for the monitor's rejection-rate rule:
    a month of it is a few rows per clerk instead of every case event of the month joined to its
    case. Rebuilt with the daily figures (``services/figures.py``); ``ClerkDecisionsCoverage``
    says up to when it is complete, what follows is read live."""

    day = models.DateField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    actor_label = models.CharField(max_length=100, blank=True)
    region_path = models.CharField(max_length=80, blank=True)
    decisions = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "工作人员每日决定数"
        verbose_name_plural = "工作人员每日决定数"
        indexes = [models.Index(fields=["region_path", "day"], name="clerk_decisions_key",
                                opclasses=["varchar_pattern_ops", ""],
                                include=["actor", "actor_label", "decisions", "rejected"]),
                   models.Index(fields=["day"], name="clerk_decisions_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.actor_label} {self.region_path}"


class DispatcherDailyReturns(models.Model):
    """Tickets returned (退回) per local day × dispatcher × street of the ticket (its region path
    cut to depth 2), for the monitor's returns rule: a month of it is a few rows per dispatcher
    instead of every return of the month joined to its ticket. Rebuilt with the clerks' daily
    decisions, for the same days and up to the same instant (``ClerkDecisionsCoverage``)."""

    day = models.DateField()
    dispatcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    region_path = models.CharField(max_length=80, blank=True)
    returns = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "派单员每日被退回数"
        verbose_name_plural = "派单员每日被退回数"
        indexes = [models.Index(fields=["region_path", "day"], name="dispatcher_returns_key",
                                opclasses=["varchar_pattern_ops", ""], include=["dispatcher", "returns"]),
                   models.Index(fields=["day"], name="dispatcher_returns_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.dispatcher_id} {self.region_path}"


class SamePersonApproval(models.Model):
    """Approvals (准予许可) whose case the same person accepted (受理), for the monitor's
    *same person* rule: every approval of the last weeks up to ``ClerkDecisionsCoverage.through``
    with, in ``accepted_at``, the latest acceptance of that case by that person before it (a
    handful of rows instead of a month of approvals joined to a month of acceptances). Rewritten
    whole by each refresh of the clerks' decisions (``services/figures.py``)."""

    event = models.OneToOneField("cases.CaseEvent", on_delete=models.CASCADE, related_name="+")
    approved_at = models.DateTimeField()
    accepted_at = models.DateTimeField()

    class Meta:
        verbose_name = "受理与审批同一人"
        verbose_name_plural = "受理与审批同一人"

    def __str__(self) -> str:
        return f"{self.event_id} {self.approved_at:%Y-%m-%d}"


class ClerkDecisionsCoverage(models.Model):
    """What ``ClerkDailyDecisions`` and ``DispatcherDailyReturns`` hold (one row): every decision
    and return from the start of ``first_day`` up to ``through`` (the rows of ``through``'s day
    count those before it); ``SamePersonApproval`` holds the approvals of the last
    ``SAME_PERSON_DAYS`` before ``through``."""

    refreshed_at = models.DateTimeField()
    first_day = models.DateField()
    through = models.DateTimeField()

    class Meta:
        verbose_name = "决定数汇总范围"
        verbose_name_plural = "决定数汇总范围"

    def __str__(self) -> str:
        return f"{self.first_day}..{self.through}"


class FigureRefresh(models.Model):
    """When each source's daily figures were last rebuilt, and for which days."""

    source = models.CharField(max_length=10, choices=Source.choices, unique=True)
    refreshed_at = models.DateTimeField()
    first_day = models.DateField()
    last_day = models.DateField()
    rows = models.PositiveIntegerField(default=0)
    milliseconds = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "汇总刷新记录"
        verbose_name_plural = "汇总刷新记录"

    def __str__(self) -> str:
        return f"{self.source} {self.refreshed_at:%Y-%m-%d %H:%M}"


# --- Assessment (考核) ---------------------------------------------------------------------------
class Indicator(BaseModel):
    """An indicator the district edits: what it measures, for whom, its weight and formula."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    applies_to = models.CharField("适用对象", max_length=24, choices=AppliesTo.choices,
                                  default=AppliesTo.ALL_DEPARTMENTS)
    metric = models.CharField("指标口径", max_length=30, choices=Metric.choices)
    weight = models.DecimalField("权重（分）", max_digits=6, decimal_places=2)
    formula = models.CharField("计分公式", max_length=10, choices=Formula.choices, default=Formula.RATIO)
    target = models.DecimalField("目标值（0–1）", max_digits=5, decimal_places=4, default=1)
    is_active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"

    def __str__(self) -> str:
        return self.name


class DeductionRule(BaseModel):
    """Points deducted for each event of a kind (each overdue ticket −N …), with a cap."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    event_kind = models.CharField("扣分事件", max_length=24, choices=EventKind.choices)
    applies_to = models.CharField("适用对象", max_length=24, choices=AppliesTo.choices,
                                  default=AppliesTo.ALL_DEPARTMENTS)
    points = models.DecimalField("每件扣分", max_digits=5, decimal_places=2)
    cap = models.DecimalField("本期最多扣分", max_digits=6, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "扣分规则"
        verbose_name_plural = "扣分规则"

    def __str__(self) -> str:
        return self.name


class AssessmentRun(BaseModel):
    """One computation of a period's scores; the latest run of a period replaces the earlier
    (draft) one, and is published to staff once."""

    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period = models.CharField("考核期", max_length=10)  # 2026-11, 2026-Q4, 2026
    starts_on = models.DateField()
    ends_on = models.DateField()  # inclusive
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT)
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    figures_as_of = models.DateTimeField(null=True, blank=True)
    rules = models.JSONField("计算时的规则", default=dict, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = "考核批次"
        verbose_name_plural = "考核批次"
        constraints = [models.UniqueConstraint(fields=["period_kind", "period"], name="assessment_run_period")]

    def __str__(self) -> str:
        return self.period


class AssessmentScore(models.Model):
    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="scores")
    target_kind = models.CharField(max_length=12, choices=TargetKind.choices)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    region_path = models.CharField(max_length=80, blank=True)
    indicator_points = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    indicator_max = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    deducted = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    bonus = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    rank = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=list, blank=True)  # one entry per indicator

    class Meta:
        ordering = ["run_id", "target_kind", "rank", "id"]
        verbose_name = "考核得分"
        verbose_name_plural = "考核得分"
        indexes = [models.Index(fields=["run", "target_kind", "rank"], name="assessment_score_rank")]

    def __str__(self) -> str:
        return f"{self.name} {self.total}"


class AssessmentDeduction(BaseModel):
    """One deduction of a score and the record behind it (a ticket, a case, a rating)."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="deductions")
    score = models.ForeignKey(AssessmentScore, on_delete=models.CASCADE, related_name="deductions")
    rule = models.ForeignKey(DeductionRule, null=True, on_delete=models.SET_NULL, related_name="+")
    event_kind = models.CharField(max_length=24, choices=EventKind.choices)
    object_type = models.CharField(max_length=20)  # ticket, case, rating
    object_public_id = models.UUIDField()
    object_number = models.CharField(max_length=40, blank=True)
    occurred_at = models.DateTimeField()
    points = models.DecimalField(max_digits=5, decimal_places=2)
    status = models.CharField(max_length=10, choices=DeductionStatus.choices, default=DeductionStatus.ACTIVE)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = "扣分明细"
        verbose_name_plural = "扣分明细"
        indexes = [models.Index(fields=["score", "status"], name="assessment_deduction_score")]

    def __str__(self) -> str:
        return f"{self.object_number} −{self.points}"


class AssessmentBonus(BaseModel):
    """Bonus points a supervisor grants a department or area for a period (加分)."""

    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period = models.CharField(max_length=10)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=5, decimal_places=2)
    reason = models.CharField(max_length=200)
    granted_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name = "加分"
        verbose_name_plural = "加分"

    def __str__(self) -> str:
        return f"{self.period} +{self.points}"


class AssessmentAppeal(BaseModel):
    """A department's appeal (申诉) against a deduction, decided by a supervisor."""

    deduction = models.ForeignKey(AssessmentDeduction, on_delete=models.CASCADE, related_name="appeals")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    filed_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "扣分申诉"
        verbose_name_plural = "扣分申诉"
        constraints = [models.UniqueConstraint(fields=["deduction"], condition=Q(status="pending"),
                                               name="assessment_appeal_one_pending")]

    def __str__(self) -> str:
        return f"申诉 {self.deduction_id}"


# --- Supervision orders on cases (督办) ----------------------------------------------------------
class CaseSupervisionOrder(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    issued_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    response = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name = "办件督办"
        verbose_name_plural = "办件督办"
        indexes = [models.Index(fields=["status", "due_at"], name="case_order_status_due"),
                   models.Index(fields=["department", "status"], name="case_order_dept")]

    def __str__(self) -> str:
        return f"督办 {self.case_id}"


# --- Open data (政府数据开放) ---------------------------------------------------------------------
class Dataset(BaseModel):
    """A dataset of the catalogue, described after DCAT and the national catalogue fields."""

    slug = models.SlugField("标识符", max_length=60, unique=True)
    title = models.CharField("名称", max_length=100)
    description = models.TextField("摘要")
    publisher = models.CharField("提供单位", max_length=100)
    theme = models.CharField("主题分类", max_length=40)
    keywords = models.CharField("关键字", max_length=200, blank=True)
    frequency = models.CharField("更新频率", max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    licence = models.CharField("开放许可", max_length=100, default="CC BY 4.0")
    tier = models.CharField("开放属性", max_length=12, choices=Tier.choices)
    closed_reason = models.CharField("不予开放理由", max_length=200, blank=True)
    fields = models.JSONField("数据项", default=list)
    anonymisation = models.CharField("去标识化方法", max_length=300, blank=True)
    builder = models.CharField(max_length=40, blank=True)
    spatial = models.CharField("空间范围", max_length=100, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    suppressed = models.PositiveIntegerField("被抑制的记录数", default=0)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["theme", "slug"]
        verbose_name = "开放数据集"
        verbose_name_plural = "开放数据集"

    def __str__(self) -> str:
        return self.title


class DatasetRow(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="rows", db_index=False)
    seq = models.PositiveIntegerField()
    data = models.JSONField()

    class Meta:
        verbose_name = "开放数据行"
        verbose_name_plural = "开放数据行"
        constraints = [models.UniqueConstraint(fields=["dataset", "seq"], name="dataset_row_seq")]

    def __str__(self) -> str:
        return f"{self.dataset_id}#{self.seq}"


class DataApplication(BaseModel):
    """An application to use a conditionally open dataset (有条件开放)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    organisation = models.CharField("申请单位", max_length=100)
    purpose = models.TextField("用途")
    contact_phone = EncryptedTextField("联系电话")
    status = models.CharField(max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "数据使用申请"
        verbose_name_plural = "数据使用申请"

    def __str__(self) -> str:
        return f"{self.organisation} → {self.dataset_id}"


class DataApiKey(BaseModel):
    """The key of an approved application (only its SHA-256 is stored)."""

    application = models.ForeignKey(DataApplication, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "数据接口密钥"
        verbose_name_plural = "数据接口密钥"

    def __str__(self) -> str:
        return self.prefix
