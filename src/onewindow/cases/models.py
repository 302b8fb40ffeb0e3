"""Applications (办件), their materials, steps, timeline, pauses, bundles, ratings and
notifications.

A ``Case`` keeps the catalogue version it was made under (``item_version``), the department
that owns it and a denormalised ``region_path`` (the hall where it was received, or the owning
department's region for online cases) so that scoped workbench lists are one index range scan.
Statuses and who may change them live in ``rules.TRANSITIONS``; services write, selectors read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from onewindow.accounts.models import Department, Enterprise, Person, ServiceHall, ServiceWindow, Staff
from onewindow.catalog.models import Material, ServiceItem, ServiceItemVersion, Theme
from onewindow.core.fields import EncryptedTextField
from onewindow.core.models import BaseModel

from .constants import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    ApplicantKind,
    BundleStatus,
    CaseStatus,
    Channel,
    DeliveryMethod,
    FollowUpStatus,
    MaterialState,
    NotificationKind,
    PauseKind,
    SpecialKind,
    StepKind,
    StepStatus,
    WarningLevel,
)

OPEN_Q = Q(status__in=list(OPEN_STATUSES))
CLOCK_Q = Q(status__in=list(CLOCK_STATUSES))


class CaseCounter(models.Model):
    """The sequence of case numbers per area and day, incremented by one atomic upsert."""

    key = models.CharField(max_length=20, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "办件编号计数器"
        verbose_name_plural = "办件编号计数器"

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


class ApplicantMixin(models.Model):
    """Who applies: a natural person or an enterprise, optionally through an agent."""

    applicant_kind = models.CharField("申请人类型", max_length=10, choices=ApplicantKind.choices,
                                      default=ApplicantKind.PERSON)
    applicant_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name="申请人（自然人）")
    applicant_enterprise = models.ForeignKey(Enterprise, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+",
                                             verbose_name="申请人（法人）")
    agent_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="代理人", db_index=False)
    # The account that applied online, or the applicant's own account: sees "my applications".
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+",
                                       db_index=False)
    applicant_name = models.CharField("申请人名称", max_length=200)
    contact_phone = EncryptedTextField("联系电话", blank=True)

    class Meta:
        abstract = True


class CaseBundle(ApplicantMixin, BaseModel):
    """“一件事”: one combined application that fans out into cases of several departments,
    handled in parallel (并联) and completed when all of them are."""

    number = models.CharField("一件事编号", max_length=24, unique=True, null=True, blank=True)
    name = models.CharField("名称", max_length=200)
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    status = models.CharField(max_length=12, choices=BundleStatus.choices,
                              default=BundleStatus.DRAFT)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    region_path = models.CharField(max_length=80, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "一件事"
        verbose_name_plural = "一件事"
        indexes = [models.Index(fields=["applicant_user", "-id"], name="bundle_user_idx")]

    def __str__(self) -> str:
        return self.number or self.name


class Case(ApplicantMixin, BaseModel):
    number = models.CharField("办件编号", max_length=24, unique=True, null=True, blank=True)
    bundle = models.ForeignKey(CaseBundle, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="cases")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    item_version = models.ForeignKey(ServiceItemVersion, on_delete=models.PROTECT,
                                     related_name="+", db_index=False,
                                     verbose_name="事项版本（申请时）")
    item_name = models.CharField("事项名称", max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   db_index=False, verbose_name="办理部门")
    region_path = models.CharField(max_length=80)
    channel = models.CharField("申请渠道", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=16, choices=CaseStatus.choices,
                              default=CaseStatus.DRAFT)
    # The status a pause (补正/特别程序) returns to.
    resume_status = models.CharField(max_length=16, blank=True)

    form_data = models.JSONField("申请信息", default=dict, blank=True)
    hall = models.ForeignKey(ServiceHall, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", db_index=False)
    window = models.ForeignKey(ServiceWindow, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    intake_clerk = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_index=False, verbose_name="受理人")
    assignee = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", db_index=False, verbose_name="承办人")
    current_step = models.PositiveSmallIntegerField(default=0)
    step_name = models.CharField("当前环节", max_length=40, blank=True)

    submitted_at = models.DateTimeField(null=True, blank=True)
    prereviewed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Deadlines (working days per the calendar; pauses extend them).
    legal_limit_days = models.PositiveIntegerField("法定时限", null=True, blank=True)
    legal_limit_unit = models.CharField(max_length=12, default="working_day")
    promised_limit_days = models.PositiveIntegerField("承诺时限", null=True, blank=True)
    promised_limit_unit = models.CharField(max_length=12, default="working_day")
    legal_due_at = models.DateTimeField("法定期限", null=True, blank=True)
    promised_due_at = models.DateTimeField("承诺期限", null=True, blank=True)
    # The clock that runs now: acceptance deadline before 受理, the promised (else legal) after.
    due_at = models.DateTimeField("当前时限", null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    paused_days = models.PositiveIntegerField("暂停计时天数", default=0)
    paused_since = models.DateTimeField(null=True, blank=True)
    deadline_provisional = models.BooleanField("时限暂定", default=False)
    warning_level = models.CharField(max_length=6, choices=WarningLevel.choices,
                                     default=WarningLevel.NONE)
    working_days_used = models.PositiveIntegerField(null=True, blank=True)
    completed_early = models.BooleanField("提前办结", default=False)
    overdue = models.BooleanField("超期办结", default=False)

    decision_reason = models.TextField("理由/意见", blank=True)
    supplement_items = models.JSONField("补正清单", default=list, blank=True)
    delivery_method = models.CharField("送达方式", max_length=10, choices=DeliveryMethod.choices,
                                       default=DeliveryMethod.ONLINE)
    delivery_address = EncryptedTextField("邮寄地址", blank=True)
    delivery_tracking_no = models.CharField("快递单号", max_length=40, blank=True)
    result_issued_at = models.DateTimeField(null=True, blank=True)
    result_licence_ref = models.UUIDField("结果证照", null=True, blank=True)
    licence_materials = models.PositiveSmallIntegerField("免提交材料数", default=0)
    # 代办: a grid worker (or care worker) applied on the applicant's behalf, with their consent.
    proxy_staff = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    db_index=False, verbose_name="代办人")
    proxy_consent = models.CharField("申请人同意代办", max_length=300, blank=True)
    proxy_consent_at = models.DateTimeField(null=True, blank=True)
    visits_saved = models.PositiveSmallIntegerField("少跑次数", default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name = "办件"
        verbose_name_plural = "办件"
        indexes = [
            # Workbench queues of open cases, earliest due first.
            models.Index(fields=["department", "due_at"], condition=OPEN_Q,
                         name="case_open_dept_due"),
            # Open cases in due order with id and the scope columns (issue 18): counting a scope's
            # open cases is an index-only scan (street clerk: 125 ms cold → 20 ms; district: 2 ms).
            models.Index(fields=["due_at", "id"], condition=OPEN_Q, name="case_open_due_id",
                         include=["region_path", "department"]),
            models.Index(fields=["assignee", "due_at"], condition=OPEN_Q,
                         name="case_open_assignee_due"),
            # Narrow region scopes (a street's window) and the warned tab and its count.
            models.Index(fields=["region_path", "due_at"], condition=OPEN_Q,
                         name="case_open_region_due", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["due_at"], condition=OPEN_Q & Q(warning_level__in=["yellow", "red"]),
                         name="case_warned_due"),
            # Filtered lists: department or region subtree + status + due date.
            models.Index(fields=["department", "status", "due_at"], name="case_dept_status_due"),
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            models.Index(fields=["region_path", "status", "due_at"], name="case_region_status_due",
                         opclasses=["varchar_pattern_ops", "", ""]),
            # Figures per department and period; my applications.
            models.Index(fields=["department", "submitted_at"], name="case_dept_submitted"),
            models.Index(fields=["applicant_user", "-id"], name="case_user_idx"),
            # The warning timer only touches cases whose clock runs and whose level may rise.
            models.Index(fields=["warn_at"], condition=CLOCK_Q & Q(warning_level="none"),
                         name="case_clock_warn"),
            models.Index(fields=["due_at"], condition=CLOCK_Q & ~Q(warning_level="red"),
                         name="case_clock_due"),
            models.Index(fields=["deadline_provisional"],
                         condition=Q(deadline_provisional=True), name="case_provisional"),
            # The monitor (supervision, issue 14): cases decided late, by deadline (departments
            # whose overdue counts rise over a fortnight), a few per cent of the table.
            models.Index(fields=["due_at"], condition=Q(overdue=True), name="case_overdue_due",
                         include=["region_path", "department"]),
            # The monitor's yellow/red counts of a region from the index alone.
            models.Index(fields=["due_at"], condition=OPEN_Q & Q(warning_level__in=["yellow", "red"]),
                         name="case_warned_scope", include=["region_path", "warning_level"]),
            # … and open cases past their deadline not yet decided (the other half of a
            # fortnight's late cases) counted per department from the index alone.
            models.Index(fields=["due_at"], condition=OPEN_Q & Q(decided_at__isnull=True, overdue=False),
                         name="case_open_undecided_due", include=["region_path", "department"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False),
                name="case_number_after_submit"),
            models.CheckConstraint(
                condition=Q(applicant_person__isnull=False) | Q(applicant_enterprise__isnull=False),
                name="case_has_applicant"),
        ]

    def __str__(self) -> str:
        return self.number or f"草稿 {self.item_name}"


def _material_upload_to(instance: CaseMaterial, filename: str) -> str:
    # Never the applicant's file name: it is kept in ``original_name``.
    return f"cases/{instance.case.public_id}/{instance.public_id}/{filename}"


class CaseMaterial(BaseModel):
    """One item of the material checklist of a case and how it was provided."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(Material, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", db_index=False)
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField("材料名称", max_length=200)
    is_required = models.BooleanField("必要", default=True)
    licence_type_code = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=10, choices=MaterialState.choices,
                             default=MaterialState.MISSING)
    file = models.FileField(upload_to=_material_upload_to, blank=True, max_length=300)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    licence_ref = models.UUIDField("电子证照", null=True, blank=True)
    licence_number = models.CharField(max_length=80, blank=True)
    # When staff first used the e-licence inside the case (licences.licence_use, audited).
    licence_used_at = models.DateTimeField(null=True, blank=True)
    # Materials of the cases of one bundle with the same key are provided once.
    bundle_key = models.CharField(max_length=220, blank=True)
    note = models.CharField("补正说明", max_length=500, blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)
    # Trust level (A/B/C/D, see materials) of how the material is provided, and where it came
    # from in words ("电子证照库 · 民政局", "材料库 · 2026-11-02 张三核验"); empty while missing.
    trust_level = models.CharField("材料等级", max_length=1, blank=True)
    trust_source = models.CharField("材料来源", max_length=200, blank=True)
    # The levels the catalogue accepts for it (copied at planning: the version may change).
    accepted_levels = models.CharField("可采信等级", max_length=4, default="ABC")
    library_ref = models.UUIDField("材料库材料", null=True, blank=True)
    # The watermark printed on the copy the case holds (library copies), or on the e-licence's use.
    watermark = models.CharField("水印内容", max_length=300, blank=True)
    commitment_text = models.CharField("承诺内容", max_length=500, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case_id", "order", "id"]
        verbose_name = "办件材料"
        verbose_name_plural = "办件材料"

    def __str__(self) -> str:
        return self.name


class CaseStep(BaseModel):
    """A handling step: window intake, each review step of the item, delivery. Ratings of the
    window service attach to the intake and delivery steps."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=StepKind.choices)
    name = models.CharField(max_length=40)
    roles = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=StepStatus.choices,
                              default=StepStatus.PENDING)
    handler = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", db_index=False)
    handler_name = models.CharField(max_length=60, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    opinion = models.TextField("意见", blank=True)
    record = models.JSONField("勘察记录", default=dict, blank=True)

    class Meta:
        ordering = ["case_id", "order", "id"]
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"

    def __str__(self) -> str:
        return self.name


class CaseEvent(models.Model):
    """The timeline: one row per transition or notable event."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events",
                             db_index=False)
    at = models.DateTimeField()
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_index=False)
    actor_label = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=100)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField("申请人可见", default=True)

    class Meta:
        ordering = ["case_id", "at", "id"]
        verbose_name = "办件动态"
        verbose_name_plural = "办件动态"
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at"),
                   # The monitor's anomaly rules (supervision): acceptances, approvals and
                   # rejections of the last 30 days, by action and time.
                   models.Index(fields=["action", "at"], name="case_event_action_at",
                                include=["case", "actor"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.title}"


class CasePause(BaseModel):
    """An interval in which the clock stood still: 补正 or 特别程序 (with start, end, reason)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(max_length=12, choices=PauseKind.choices)
    special_kind = models.CharField(max_length=16, choices=SpecialKind.choices, blank=True)
    reason = models.TextField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    days = models.PositiveIntegerField("不计时天数", default=0)
    outcome = models.TextField("结果", blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_index=False)

    class Meta:
        ordering = ["case_id", "started_at"]
        verbose_name = "暂停计时"
        verbose_name_plural = "暂停计时"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d}"


class Rating(BaseModel):
    """好差评: a rating of a finished case, or of one window-service step of it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    step = models.ForeignKey(CaseStep, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", db_index=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField("评价等级")
    comment = models.TextField("评价内容", blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        constraints = [
            models.UniqueConstraint(fields=["case", "rater"], condition=Q(step__isnull=True),
                                    name="rating_one_per_case"),
            models.UniqueConstraint(fields=["step", "rater"], condition=Q(step__isnull=False),
                                    name="rating_one_per_step"),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=5),
                                   name="rating_level_1_5"),
        ]
        indexes = [models.Index(fields=["department", "created_at"], name="rating_dept_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.level}"


class RatingFollowUp(BaseModel):
    """差评整改: a bad rating opens a task for the department with its own deadline; the rater
    sees it and its answer."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="follow_up")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    region_path = models.CharField(max_length=80)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=FollowUpStatus.choices,
                              default=FollowUpStatus.OPEN)
    answer = models.TextField("整改回复", blank=True)
    answered_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        indexes = [models.Index(fields=["department", "status", "due_at"],
                                name="followup_dept_status")]

    def __str__(self) -> str:
        return f"整改 {self.rating_id}"


class Notification(BaseModel):
    """An in-app message; external channels (SMS, e-mail) go through adapters (notify.py)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+", db_index=False)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", db_index=False)
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "消息通知"
        verbose_name_plural = "消息通知"
        indexes = [models.Index(fields=["recipient", "-id"], name="notification_recipient")]

    def __str__(self) -> str:
        return self.title


class NotificationDelivery(models.Model):
    """One attempt to send a notification through an external adapter."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    channel = models.CharField(max_length=20)
    status = models.CharField(max_length=10, default="pending")
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "消息发送记录"
        verbose_name_plural = "消息发送记录"

    def __str__(self) -> str:
        return f"{self.channel} {self.status}"


class ThrottleBucket(models.Model):
    """A fixed-window counter for rate limits shared by every web process."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"],
                                               name="throttle_key_window")]
        indexes = [models.Index(fields=["window_start"], name="throttle_window")]

    def __str__(self) -> str:
        return f"{self.key} {self.count}"
