"""12345 hotline tickets (接诉即办): categories, dispatch rules, tickets and their timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from onewindow.accounts.models import Department
from onewindow.core.fields import EncryptedTextField
from onewindow.core.models import BaseModel
from onewindow.regions.models import Place, Region

from .constants import (
    DEFAULT_DUPLICATE_THRESHOLD,
    DEFAULT_DUPLICATE_WINDOW_HOURS,
    DEFAULT_RESPONSE_HOURS,
    DEFAULT_RETURN_LIMIT_WORKING_DAYS,
    DEFAULT_SUPERVISION_DAYS,
    DEFAULT_TRIAGE_THRESHOLD,
    DEFAULT_WARNING_RATIO,
    OPEN_STATUSES,
    Action,
    Channel,
    CoHandlerStatus,
    DispatchVia,
    ExtensionStatus,
    LabelSource,
    LimitClass,
    LimitUnit,
    LocationSource,
    ModelStatus,
    OrderStatus,
    Satisfaction,
    Status,
    TicketKind,
    Urgency,
)

USER = settings.AUTH_USER_MODEL


class Category(BaseModel):
    """A node of the three-level category tree (一级/二级/三级分类).

    ``code`` is hierarchical ("01", "0101", "0101001"); ``path`` the codes from the top
    ("/01/0101/0101001/"), so "this category and below" is one prefix match. The third level
    is what Open311 clients see as services.
    """

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    path = models.CharField(max_length=40, unique=True)
    full_name = models.CharField(max_length=300)
    limit_class = models.CharField("时限类别", max_length=10, choices=LimitClass.choices, blank=True,
                                   help_text="留空则沿用上级分类，最终默认为一般诉求")
    description = models.CharField(max_length=300, blank=True)
    keywords = models.CharField("关键词", max_length=300, blank=True,
                                help_text="空格分隔；智能分类只给出上级分类时，按诉求中出现的关键词细化到本分类")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        indexes = [models.Index(fields=["path"], name="ticket_category_path_idx",
                                opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.full_name


class HotlineConfig(BaseModel):
    """The editable settings of one district's hotline (one row per district)."""

    district = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+")
    fallback_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="兜底部门", help_text="无规则或多个部门均适用时由其承办")
    triage_threshold = models.FloatField("自动派单置信度阈值", default=DEFAULT_TRIAGE_THRESHOLD)
    return_limit_working_days = models.PositiveSmallIntegerField(
        "退回时限（工作日）", default=DEFAULT_RETURN_LIMIT_WORKING_DAYS)
    response_hours = models.PositiveSmallIntegerField("签收响应时限（小时）", default=DEFAULT_RESPONSE_HOURS)
    warning_ratio = models.FloatField("预警比例", default=DEFAULT_WARNING_RATIO)
    duplicate_window_hours = models.PositiveIntegerField("重复件时间窗（小时）",
                                                         default=DEFAULT_DUPLICATE_WINDOW_HOURS)
    duplicate_threshold = models.FloatField("重复件相似度阈值", default=DEFAULT_DUPLICATE_THRESHOLD)
    supervision_days = models.PositiveSmallIntegerField("督办默认期限（工作日）",
                                                        default=DEFAULT_SUPERVISION_DAYS)

    class Meta:
        verbose_name = "热线设置"
        verbose_name_plural = "热线设置"

    def __str__(self) -> str:
        return f"热线设置（{self.district_id}）"


class TimeLimitSetting(models.Model):
    """An override of the default time limit of one class (see constants.DEFAULT_TIME_LIMITS)."""

    limit_class = models.CharField(max_length=10, choices=LimitClass.choices, unique=True)
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=14, choices=LimitUnit.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"

    def __str__(self) -> str:
        return f"{self.get_limit_class_display()}：{self.amount} {self.get_unit_display()}"


class DispatchRule(BaseModel):
    """Category × region → department, with a priority (see dispatch.py for how one is chosen)."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="rules", help_text="留空：任何分类")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="留空：全区")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    priority = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-priority", "id"]
        verbose_name = "派单规则"
        verbose_name_plural = "派单规则"

    def __str__(self) -> str:
        return f"{self.category or '任何分类'} × {self.region or '全区'} → {self.department}"


class KnowledgeArticle(BaseModel):
    """An answer operators give on the call (知识库), searchable by words of the question."""

    title = models.CharField(max_length=200)
    question = models.TextField(blank=True)
    answer = models.TextField()
    keywords = models.CharField(max_length=300, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    is_active = models.BooleanField(default=True)
    uses = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-uses", "id"]
        verbose_name = "知识库条目"
        verbose_name_plural = "知识库条目"

    def __str__(self) -> str:
        return self.title


class TicketCounter(models.Model):
    """The last sequence number handed out on one day (numbers restart every day)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Ticket(BaseModel):
    """One citizen request (工单), from intake to callback."""

    number = models.CharField("工单编号", max_length=24, unique=True)
    kind = models.CharField("类型", max_length=12, choices=TicketKind.choices)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("诉求内容")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    limit_class = models.CharField(max_length=10, choices=LimitClass.choices, default=LimitClass.GENERAL)
    received_at = models.DateTimeField("受理时间")

    address = models.CharField("地址", max_length=300, blank=True)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80, blank=True)
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="地址中识别出的地名（地名地址库）")
    place_name = models.CharField("地点", max_length=100, blank=True)
    location_source = models.CharField("定位依据", max_length=8, choices=LocationSource.choices, blank=True)

    requester_name = EncryptedTextField("诉求人", blank=True)
    requester_phone = EncryptedTextField("联系电话", blank=True)
    requester_phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    requester_user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="tickets")
    confidential = models.BooleanField("要求保密", default=False)

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="tickets")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="tickets", verbose_name="承办部门")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.RECEIVED)

    clock_started_at = models.DateTimeField(null=True, blank=True,
                                            help_text="时限起算时间（受理或重新办理时）")
    due_at = models.DateTimeField(null=True, blank=True)
    warning_at = models.DateTimeField(null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    warned = models.BooleanField(default=False)
    overdue = models.BooleanField(default=False)

    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    callback_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    dispatched_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", help_text="空：自动派单")
    dispatch_via = models.CharField(max_length=12, choices=DispatchVia.choices, blank=True)
    dispatch_rule = models.ForeignKey(DispatchRule, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    dispatch_note = models.CharField(max_length=200, blank=True)

    classifier_label = models.CharField(max_length=100, blank=True)
    classifier_confidence = models.FloatField(null=True, blank=True)
    classifier_version = models.CharField(max_length=60, blank=True)
    classifier_alternatives = models.JSONField(default=list, blank=True)

    reply_text = models.TextField(blank=True)
    replied_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    satisfaction = models.CharField(max_length=12, choices=Satisfaction.choices, blank=True)
    solved = models.BooleanField(null=True, blank=True)
    callback_note = models.CharField(max_length=500, blank=True)

    return_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    duplicate_score = models.FloatField(null=True, blank=True)
    kb_article = models.ForeignKey(KnowledgeArticle, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    external_id = models.CharField(max_length=64, blank=True)
    media_url = models.URLField("图片链接", max_length=500, blank=True)  # Open311 media_url, kept as posted
    requester_email = EncryptedTextField("电子邮箱", blank=True)
    # 12345 call-centre intake: the telephony system's call id (one ticket per call), the number
    # that called (apart from the requester's contact phone), the recording's reference.
    call_id = models.CharField("来电编号", max_length=64, blank=True)
    caller_phone = EncryptedTextField("来电号码", blank=True)
    caller_phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    recording_ref = models.CharField("录音编号", max_length=200, blank=True)
    supporters = models.PositiveIntegerField(default=0)
    # Reported by a grid worker (channel 网格): the reporter confirms the fix on site (现场核实)
    # instead of the hotline's callback, before the ticket closes.
    site_check = models.BooleanField("需现场核实", default=False)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "工单"
        verbose_name_plural = "工单"
        indexes = [
            # Scoped lists: "my street's tickets in this status, most urgent first".
            models.Index(fields=["region_path", "status", "due_at"], name="ticket_scope_idx",
                         opclasses=["varchar_pattern_ops", "", ""],
                         include=["kind", "channel", "overdue", "department", "received_at"]),
            # Department inboxes.
            models.Index(fields=["department", "status", "due_at"], name="ticket_dept_idx"),
            # Monthly statistics and "newest first" lists.
            # Monthly statistics: every column the rates and distributions need is in the index
            # (PostgreSQL: index-only scans over one month, whatever the width of the rows).
            models.Index(fields=["received_at"], name="ticket_received_idx", include=[
                "id", "region_path", "department", "category", "status", "kind", "channel", "dispatched_at",
                "accepted_at", "replied_at", "due_at", "overdue", "satisfaction", "solved", "reopen_count"]),
            # The periodic warning/overdue job only looks at open tickets not yet marked.
            models.Index(fields=["due_at"], name="ticket_open_due_idx",
                         condition=Q(status__in=list(OPEN_STATUSES)) & Q(overdue=False)),
            # One status in deadline order, covering the usual filters (PostgreSQL: index-only):
            # pages of scoped lists are read from it (selectors.TicketPage), and counts per status.
            # ``id`` is a key column (issue 18): the page query selects (due_at, id), and without
            # it every candidate row was fetched from the table. With it the street staff's page
            # (1,400 rows of other streets filtered out of the index) is an index-only scan: 43 ms
            # with 1,479 table pages read before, 0.4 ms with none after, at 1,000,000 tickets.
            models.Index(fields=["status", "due_at", "id"], name="ticket_status_due_id_idx",
                         include=["region_path", "department", "overdue", "received_at"]),
            # The duplicate check at intake: open tickets of one community (or street) received
            # within the window. Only open tickets (a few per cent) are in it, so intake reads a
            # few hundred index entries instead of intersecting a month of tickets with the place.
            models.Index(fields=["region_path", "received_at"], name="ticket_open_place_idx",
                         opclasses=["varchar_pattern_ops", ""], include=["category"],
                         condition=Q(status__in=list(OPEN_STATUSES))),
            # The monitor (supervision, issue 14): open tickets at yellow or red in deadline order
            # (its lights count them; its "oldest overdue" reads the first ten), a few per cent of
            # the table; and every ticket that fell overdue, by deadline (departments whose overdue
            # counts rise over a fortnight). Both answer without reading the table's other rows.
            models.Index(fields=["due_at"], name="ticket_open_late_idx",
                         include=["region_path", "department", "warned", "overdue"],
                         condition=Q(status__in=list(OPEN_STATUSES)) & (Q(warned=True) | Q(overdue=True))),
            models.Index(fields=["due_at"], name="ticket_overdue_due_idx", include=["region_path", "department"],
                         condition=Q(overdue=True)),
        ]
        constraints = [
            # One ticket per call of the telephony system (a retried post finds the first).
            models.UniqueConstraint(fields=["call_id"], name="ticket_call_id_unique", condition=~Q(call_id="")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEvent(models.Model):
    """One step of a ticket's timeline: who did what, when (never edited)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_idx"),
                   # dispatches per dispatcher and period (dispatch accuracy)
                   models.Index(fields=["action", "at"], name="ticket_event_action_idx",
                                include=["actor", "ticket"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


def _attachment_path(instance: TicketAttachment, filename: str) -> str:
    return f"tickets/{instance.public_id}"


class TicketAttachment(BaseModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class TicketCoHandler(BaseModel):
    """A co-handling department (协办单位) and its contribution."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="cohandlers")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cohandled")
    status = models.CharField(max_length=8, choices=CoHandlerStatus.choices, default=CoHandlerStatus.PENDING)
    request = models.CharField(max_length=500, blank=True)
    reply_text = models.TextField(blank=True)
    added_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "department"], name="uniq_ticket_cohandler")]


class TicketReturn(BaseModel):
    """A ticket a department sent back (退回): counted against whoever dispatched it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="returns")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    dispatched_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", help_text="空：自动派单")
    dispatch_via = models.CharField(max_length=12, choices=DispatchVia.choices, blank=True)
    returned_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    returned_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]


class SupervisionOrder(BaseModel):
    """A supervision order (督办) on a ticket, with its own deadline."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="orders")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    response = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="ticket_order_idx")]


class ExtensionRequest(BaseModel):
    """A request for more time (延期申请), decided by a supervisor."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500)
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=14, choices=LimitUnit.choices)
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    old_due_at = models.DateTimeField(null=True, blank=True)
    new_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="ticket_extension_idx")]


class Open311Client(BaseModel):
    """An application allowed to POST requests through Open311 (its api_key is stored hashed)."""

    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    contact = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "Open311 客户端"
        verbose_name_plural = "Open311 客户端"

    def __str__(self) -> str:
        return self.name


class ClassifierLabel(BaseModel):
    """A person's decision about a ticket's category: a training example of the classifier.

    Dispatchers choosing in triage, departments returning a ticket with the right category and
    supervisors or dispatchers redispatching it all write one; a later decision on the same
    ticket supersedes the earlier ones (kept for the record, not trained on).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="classifier_labels")
    text = models.TextField()
    label = models.CharField(max_length=300)  # the category's full name (its path)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    source = models.CharField(max_length=12, choices=LabelSource.choices)
    predicted_label = models.CharField(max_length=300, blank=True)
    predicted_confidence = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=80, blank=True)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "分类标注"
        verbose_name_plural = "分类标注"
        indexes = [models.Index(fields=["superseded", "at"], name="ticket_label_active_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.label}"


class ClassifierVersion(BaseModel):
    """A trained classifier artefact (files under the models directory) and its history."""

    version = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE)
    trained_at = models.DateTimeField(null=True, blank=True)
    n_train = models.PositiveIntegerField(default=0)
    n_labels = models.PositiveIntegerField(default=0, help_text="其中来自人工分拣的标注")
    classes = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=200, blank=True)
    figures = models.JSONField(default=dict, blank=True,
                               help_text="留出近期工单上的评估：本模型与当时在用模型")
    compared_with = models.CharField(max_length=80, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", help_text="空：定时任务自动启用")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "分类模型版本"
        verbose_name_plural = "分类模型版本"

    def __str__(self) -> str:
        return self.version
