"""Home and elderly care: elders linked to natural persons, their family contacts and needs
assessments, the district's allowance rules, providers with carers and service areas, the service
catalogue, orders with their visit traces and payments, alerts, spot checks and the monthly
settlement.

Every row that belongs to an elder carries ``region_path`` (the elder's community path), so
"my community" is one indexed prefix match as everywhere else; provider staff see rows through
``provider``. Personal data stays encrypted: the person's ID number and phone in
``accounts.Person``, the elder's address and health notes here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from onewindow.accounts.models import Person
from onewindow.core.fields import EncryptedTextField
from onewindow.core.models import BaseModel
from onewindow.regions.models import Region

from . import constants as c

USER = settings.AUTH_USER_MODEL
PATH_OPS = ["varchar_pattern_ops"]


class HomecareCounter(models.Model):
    """Sequences (per day) incremented by one atomic upsert."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)


class Elder(BaseModel):
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="elder")
    name = models.CharField("姓名", max_length=60)
    birth_date = models.DateField("出生日期")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    address = EncryptedTextField("居住地址")
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    care_mode = models.CharField("养老方式", max_length=12, choices=c.CareMode.choices, default=c.CareMode.HOME)
    living = models.CharField("居住情况", max_length=12, choices=c.Living.choices, default=c.Living.WITH_FAMILY)
    low_income = models.BooleanField("低保/特困", default=False)
    health_notes = EncryptedTextField("健康状况", blank=True)
    care_level = models.PositiveSmallIntegerField("能力等级", choices=c.CareLevel.choices, null=True, blank=True)
    monthly_allowance = models.DecimalField("每月政府购买服务额度", default=c.ZERO, max_digits=10, decimal_places=2)
    assessed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=c.ElderStatus.choices, default=c.ElderStatus.ACTIVE)
    last_served_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "老年人"
        verbose_name_plural = "老年人"
        indexes = [
            models.Index(fields=["region_path", "-id"], name="hc_elder_scope_idx", opclasses=[*PATH_OPS, ""],
                         include=["care_level", "care_mode", "living", "status"]),
            models.Index(fields=["living", "last_served_at"], name="hc_elder_alone_idx",
                         condition=Q(status="active")),
        ]

    def __str__(self) -> str:
        return self.name


class FamilyContact(BaseModel):
    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("姓名", max_length=60)
    relation = models.CharField("关系", max_length=20)
    phone = EncryptedTextField("手机号")
    phone_hash = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="care_contacts")
    may_order = models.BooleanField("可代为下单", default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "家属联系人"
        verbose_name_plural = "家属联系人"
        constraints = [models.UniqueConstraint(fields=["elder", "phone_hash"], name="hc_contact_phone_uniq")]


class AllowanceRule(BaseModel):
    """One line of the district's allowance policy. The allowance of an elder is the highest
    matching base line plus every matching extra line."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField(max_length=8, choices=c.RuleKind.choices, default=c.RuleKind.BASE)
    min_age = models.PositiveSmallIntegerField("最低年龄", default=c.MIN_AGE)
    min_level = models.PositiveSmallIntegerField("最低能力等级", default=0)
    low_income_only = models.BooleanField("仅低保/特困", default=False)
    alone_only = models.BooleanField("仅独居/空巢", default=False)
    monthly_amount = models.DecimalField("每月额度（元）", max_digits=10, decimal_places=2)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "-monthly_amount"]
        verbose_name = "补贴政策规则"
        verbose_name_plural = "补贴政策规则"
        constraints = [models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="hc_rule_amount_gte0")]


class Assessment(BaseModel):
    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="assessments")
    assessor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assessor_name = models.CharField(max_length=100)
    assessed_at = models.DateTimeField()
    standard = models.CharField(max_length=40, default="GB/T 42195-2022")
    scores = models.JSONField()
    section_scores = models.JSONField()
    total = models.PositiveSmallIntegerField()
    coma = models.BooleanField("昏迷", default=False)
    risk_events = models.PositiveSmallIntegerField("近30天照护风险事件次数", default=0)
    level = models.PositiveSmallIntegerField(choices=c.CareLevel.choices)
    monthly_allowance = models.DecimalField(max_digits=10, decimal_places=2)
    allowance_rules = models.JSONField(default=list)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        verbose_name = "能力评估"
        verbose_name_plural = "能力评估"


class Provider(BaseModel):
    name = models.CharField("名称", max_length=200)
    kind = models.CharField(max_length=12, choices=c.ProviderKind.choices)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    phone = models.CharField("服务电话", max_length=40)
    address = models.CharField("地址", max_length=300)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=c.ProviderStatus.choices, default=c.ProviderStatus.PENDING)
    status_reason = models.CharField(max_length=300, blank=True)
    contract_no = models.CharField("服务协议编号", max_length=40, blank=True)
    contract_until = models.DateField("协议有效期至", null=True, blank=True)
    streets = models.ManyToManyField(Region, related_name="+", blank=True, verbose_name="服务街道")
    services: models.ManyToManyField[Service, Any] = models.ManyToManyField(
        "Service", related_name="providers", blank=True)
    managers: models.ManyToManyField[Any, Any] = models.ManyToManyField(USER, related_name="care_providers", blank=True)
    beds_total = models.PositiveIntegerField("床位数", default=0)
    beds_used = models.PositiveIntegerField("已入住", default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    open_orders = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = "养老服务机构"
        verbose_name_plural = "养老服务机构"
        constraints = [models.CheckConstraint(condition=Q(beds_used__lte=models.F("beds_total")),
                                              name="hc_provider_beds")]

    def __str__(self) -> str:
        return self.name

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def beds_free(self) -> int:
        return max(self.beds_total - self.beds_used, 0)


class Carer(BaseModel):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="carers")
    user = models.OneToOneField(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="carer")
    name = models.CharField("姓名", max_length=60)
    phone = EncryptedTextField("手机号", blank=True)
    qualifications = models.JSONField("资质", default=list)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "护理员"
        verbose_name_plural = "护理员"

    def __str__(self) -> str:
        return self.name


class Service(BaseModel):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    category = models.CharField(max_length=14, choices=c.Category.choices)
    description = models.CharField(max_length=300, blank=True)
    price = models.DecimalField("价格（元/次）", max_digits=10, decimal_places=2)
    duration_minutes = models.PositiveSmallIntegerField("时长（分钟）")
    allowance_covered = models.BooleanField("可用政府购买服务额度", default=False)
    provider_kinds = models.JSONField("可提供的机构类型", default=list)
    needs_visit = models.BooleanField("需上门", default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="hc_service_price_gte0")]

    def __str__(self) -> str:
        return self.name


class Order(BaseModel):
    number = models.CharField(max_length=24, unique=True)
    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="orders")
    region_path = models.CharField(max_length=80)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="orders")
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    carer = models.ForeignKey(Carer, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=12, choices=c.OrderStatus.choices, default=c.OrderStatus.PLACED)
    ordered_by = models.CharField(max_length=10, choices=c.OrderedBy.choices)
    channel = models.CharField(max_length=8, choices=c.OrderChannel.choices, default=c.OrderChannel.WEB)
    placed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    placed_at = models.DateTimeField()
    dispatch_mode = models.CharField(max_length=8, choices=c.DispatchMode.choices, default=c.DispatchMode.RULES)
    dispatch_note = models.CharField(max_length=300, blank=True)
    scheduled_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    allowance_part = models.DecimalField(default=c.ZERO, max_digits=10, decimal_places=2)
    own_part = models.DecimalField(default=c.ZERO, max_digits=10, decimal_places=2)
    month = models.DateField("额度所属月份")
    checkin_at = models.DateTimeField(null=True, blank=True)
    checkin_lng = models.FloatField(null=True, blank=True)
    checkin_lat = models.FloatField(null=True, blank=True)
    checkin_distance_m = models.PositiveIntegerField(null=True, blank=True)
    checkin_check = models.CharField(max_length=8, choices=c.LocationCheck.choices, blank=True)
    checkin_note = models.CharField(max_length=300, blank=True)
    checkin_photo = models.FileField(upload_to="homecare/%Y/%m/", blank=True)
    checkout_at = models.DateTimeField(null=True, blank=True)
    checkout_distance_m = models.PositiveIntegerField(null=True, blank=True)
    checkout_photo = models.FileField(upload_to="homecare/%Y/%m/", blank=True)
    work_notes = models.TextField("服务记录", blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    complaint_ticket = models.CharField("投诉工单号", max_length=40, blank=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        verbose_name = "服务订单"
        verbose_name_plural = "服务订单"
        constraints = [
            models.CheckConstraint(condition=Q(allowance_part__gte=0) & Q(own_part__gte=0), name="hc_order_parts_gte0"),
            models.CheckConstraint(condition=Q(price=models.F("allowance_part") + models.F("own_part")),
                                   name="hc_order_parts_sum"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="hc_order_rating_1_5"),
        ]
        indexes = [
            models.Index(fields=["region_path", "-scheduled_at"], name="hc_order_scope_idx",
                         opclasses=[*PATH_OPS, ""]),
            models.Index(fields=["provider", "status", "-scheduled_at"], name="hc_order_provider_idx"),
            models.Index(fields=["carer", "scheduled_at"], name="hc_order_carer_day_idx"),
            # a carer's visits still open from earlier days (the day list's second branch)
            models.Index(fields=["carer", "scheduled_at"], name="hc_order_carer_open_idx",
                         condition=Q(status__in=["assigned", "in_service"])),
            models.Index(fields=["elder", "month"], name="hc_order_elder_month_idx"),
            models.Index(fields=["month", "provider"], name="hc_order_month_idx", include=["status", "region_path"]),
            models.Index(fields=["provider", "month", "status"], name="hc_order_settle_idx",
                         condition=Q(status="confirmed")),
        ]

    def __str__(self) -> str:
        return self.number


class Payment(BaseModel):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=c.PaymentKind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=8, choices=c.PaymentStatus.choices, default=c.PaymentStatus.PENDING)
    gateway = models.CharField(max_length=20, blank=True)
    reference = models.CharField(max_length=64, blank=True)
    receipt_no = models.CharField(max_length=32, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "支付"
        verbose_name_plural = "支付"
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="hc_payment_order_kind_uniq")]


class Alert(BaseModel):
    kind = models.CharField(max_length=16, choices=c.AlertKind.choices)
    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="alerts")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    region_path = models.CharField(max_length=80)
    raised_at = models.DateTimeField()
    key = models.CharField(max_length=80, unique=True)  # one alert per order and kind, per elder and week
    message = models.CharField(max_length=300)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = "预警"
        verbose_name_plural = "预警"
        indexes = [models.Index(fields=["region_path", "-raised_at"], name="hc_alert_scope_idx",
                                opclasses=[*PATH_OPS, ""], condition=Q(resolved_at__isnull=True))]


class SpotCheck(BaseModel):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="spot_checks")
    checker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField()
    result = models.CharField(max_length=14, choices=c.SpotCheckResult.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-checked_at"]
        verbose_name = "抽查回访"
        verbose_name_plural = "抽查回访"


class Settlement(BaseModel):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="settlements")
    month = models.DateField()
    number = models.CharField(max_length=30, unique=True)
    status = models.CharField(max_length=10, choices=c.SettlementStatus.choices, default=c.SettlementStatus.ISSUED)
    order_count = models.PositiveIntegerField(default=0)
    elder_count = models.PositiveIntegerField(default=0)
    total_allowance = models.DecimalField(default=c.ZERO, max_digits=14, decimal_places=2)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dispute_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-month", "provider__name"]
        verbose_name = "月度结算"
        verbose_name_plural = "月度结算"
        constraints = [models.UniqueConstraint(fields=["provider", "month"], name="hc_settlement_provider_month")]


class SettlementLine(models.Model):
    """One paid order. ``order`` is unique: no order is ever paid twice, whatever the month."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="settlement_line")
    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = "结算明细"
        verbose_name_plural = "结算明细"
