"""Grid governance: buildings and houses with standard codes, households and residents linked to
natural persons, rented houses, residence registrations, self-declarations, visits, events and
proxy applications, with the change history of every record.

Every row that belongs to a place carries ``region_path`` (its grid's materialised path), so
"my grid", "my community" and "my street" are one indexed prefix match, as everywhere else in
the platform. Personal data stays in ``accounts.Person`` (encrypted, masked); this app links to
it and adds what grid work knows (relation to the head, residence type, special groups).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from onewindow.accounts.models import Enterprise, Person, Staff
from onewindow.core.fields import EncryptedTextField
from onewindow.core.models import BaseModel
from onewindow.regions.models import Region

from .constants import (
    DEFAULT_MONTHLY_QUOTA,
    ChangeSource,
    ConsentMethod,
    DeclarationKind,
    DeclarationStatus,
    EventCategory,
    EventKind,
    HouseUse,
    LocationCheck,
    RegistrationStatus,
    Relation,
    ReportSource,
    ResidenceType,
    StayReason,
)

USER = settings.AUTH_USER_MODEL
PATH_OPS = ["varchar_pattern_ops"]


class GridCounter(models.Model):
    """Sequences (per key, e.g. a day or a house) incremented by one atomic upsert."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)


class Building(BaseModel):
    """A building (楼栋) or, in villages, a house plot with its doorplate: the map shows these.

    ``code`` = the community's 12-digit statistical code + "-" + a 4-digit number that the
    community hands out in order (see docs/grid.md for the house code scheme).
    """

    code = models.CharField("楼栋编码", max_length=17, unique=True)
    number = models.CharField("楼栋号", max_length=4)
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    name = models.CharField("楼栋名称", max_length=200, help_text="如：拓东路18号3栋；村组：3组45号")
    address = models.CharField("标准地址", max_length=300)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    floors = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "楼栋"
        verbose_name_plural = "楼栋"
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="grid_building_number_uniq")]
        indexes = [models.Index(fields=["region_path", "code"], name="grid_building_scope_idx",
                                opclasses=[*PATH_OPS, ""])]

    def __str__(self) -> str:
        return self.name


class House(BaseModel):
    """A house (房屋): one dwelling or premises, coded community + building + unit + room."""

    code = models.CharField("房屋编码", max_length=30, unique=True)
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="houses")
    unit = models.CharField("单元", max_length=2)
    room = models.CharField("户室", max_length=4)
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    address = models.CharField("地址", max_length=300)
    use = models.CharField("用途", max_length=12, choices=HouseUse.choices, default=HouseUse.OWN)
    owner_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="产权人（自然人）")
    owner_enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name="产权人（法人）")
    property_unit_code = models.CharField("不动产单元号", max_length=28, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "房屋"
        verbose_name_plural = "房屋"
        constraints = [models.UniqueConstraint(fields=["building", "unit", "room"], name="grid_house_room_uniq")]
        indexes = [
            models.Index(fields=["region_path", "code"], name="grid_house_scope_idx", opclasses=[*PATH_OPS, ""],
                         include=["use", "grid", "is_active"]),
            models.Index(fields=["owner_person"], name="grid_house_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.address}"


class Household(BaseModel):
    """A household (户) living in a house. Its members are ``Resident`` rows."""

    number = models.CharField("户编号", max_length=40, unique=True)
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="households")
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    # Denormalised from the members, kept by the services (lists and the due-visit queue).
    head = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    head_name = models.CharField("户主", max_length=60, blank=True)
    member_count = models.PositiveSmallIntegerField(default=0)
    priority = models.BooleanField("重点关爱", default=False)
    special = models.BooleanField("含特殊群体", default=False)
    floating = models.BooleanField("含流动人口", default=False)
    last_visited_at = models.DateTimeField(null=True, blank=True)
    dissolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = "户"
        verbose_name_plural = "户"
        indexes = [
            # The due-visit queue of one grid: priority households first, never visited first.
            models.Index(fields=["grid", "-priority", "-special", "last_visited_at"], name="grid_household_due_idx",
                         condition=Q(dissolved_at__isnull=True)),
            models.Index(fields=["region_path"], name="grid_household_scope_idx", opclasses=PATH_OPS,
                         condition=Q(dissolved_at__isnull=True), include=["grid", "member_count", "special",
                                                                          "priority", "floating", "last_visited_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}"


class Resident(BaseModel):
    """A person's membership of a household. One open membership per person at a time."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    relation = models.CharField("与户主关系", max_length=12, choices=Relation.choices)
    residence_type = models.CharField("人口类型", max_length=12, choices=ResidenceType.choices)
    arrived_on = models.DateField("来本地日期", null=True, blank=True)
    planned_stay_until = models.DateField("拟居住至", null=True, blank=True)
    stay_reason = models.CharField("居住事由", max_length=10, choices=StayReason.choices, blank=True)
    tags = models.JSONField("特殊群体", default=list, blank=True)
    joined_on = models.DateField("入户日期")
    left_on = models.DateField("迁出日期", null=True, blank=True)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = "居民"
        verbose_name_plural = "居民"
        constraints = [models.UniqueConstraint(fields=["person"], condition=Q(left_on__isnull=True),
                                               name="grid_one_household_per_person")]
        indexes = [
            models.Index(fields=["region_path", "residence_type"], name="grid_resident_scope_idx",
                         opclasses=[*PATH_OPS, ""], condition=Q(left_on__isnull=True), include=["grid"]),
            models.Index(fields=["household"], name="grid_resident_household_idx",
                         condition=Q(left_on__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.person_id}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class Tenancy(BaseModel):
    """A rented house (出租屋) and who lives in it, with the landlord's report (房东申报)."""

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="tenancies")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="tenancies")
    landlord = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    start_on = models.DateField("入住日期")
    end_on = models.DateField("退租日期", null=True, blank=True)
    reported_at = models.DateTimeField("申报时间")
    reported_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    report_source = models.CharField(max_length=10, choices=ReportSource.choices)
    late = models.BooleanField("逾期申报", default=False)

    class Meta:
        ordering = ["-start_on", "-id"]
        verbose_name = "租住登记"
        verbose_name_plural = "租住登记"
        indexes = [models.Index(fields=["region_path", "reported_at"], name="grid_tenancy_scope_idx",
                                opclasses=[*PATH_OPS, ""])]


class Declaration(BaseModel):
    """A resident's self-declaration (自主申报): applied only once a grid worker verified it."""

    kind = models.CharField(max_length=12, choices=DeclarationKind.choices)
    status = models.CharField(max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.PENDING)
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    declarant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="declarations")
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    # What the resident declared (JSON; may hold ID numbers and phones, so sealed).
    payload = EncryptedTextField()
    summary = models.CharField("摘要", max_length=200)
    submitted_at = models.DateTimeField("申报时间")
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("退回理由", max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "自主申报"
        verbose_name_plural = "自主申报"
        indexes = [
            models.Index(fields=["region_path", "submitted_at"], name="grid_declaration_pending_idx",
                         opclasses=[*PATH_OPS, ""], condition=Q(status="pending")),
            models.Index(fields=["submitted_by", "-id"], name="grid_declaration_user_idx"),
        ]

    def __str__(self) -> str:
        return self.summary


class ResidenceRegistration(BaseModel):
    """居住登记 of a floating resident; verified ones are published as e-licences (居住登记证明)."""

    number = models.CharField("登记编号", max_length=30, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    arrived_on = models.DateField("来本地日期")
    valid_until = models.DateField("有效期至")
    reason = models.CharField("居住事由", max_length=10, choices=StayReason.choices)
    status = models.CharField(max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.VERIFIED)
    verified_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField()
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    licence_ref = models.UUIDField("电子证照", null=True, blank=True)
    licence_number = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "居住登记"
        verbose_name_plural = "居住登记"
        indexes = [models.Index(fields=["region_path", "verified_at"], name="grid_registration_scope_idx",
                                opclasses=[*PATH_OPS, ""])]


class Visit(BaseModel):
    """A visit (走访) of a household by a grid worker."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    worker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    worker_name = models.CharField(max_length=60)
    visited_at = models.DateTimeField("走访时间")
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    location_check = models.CharField(max_length=10, choices=LocationCheck.choices)
    location_note = models.CharField("定位说明", max_length=200, blank=True)
    notes = models.TextField("走访记录")
    corrections = models.JSONField("现场更正", default=list, blank=True)

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = "走访"
        verbose_name_plural = "走访"
        indexes = [
            models.Index(fields=["region_path", "visited_at"], name="grid_visit_scope_idx",
                         opclasses=[*PATH_OPS, ""], include=["household", "worker", "grid"]),
            models.Index(fields=["worker", "visited_at"], name="grid_visit_worker_idx", include=["household"]),
            models.Index(fields=["household", "-visited_at"], name="grid_visit_household_idx"),
        ]


class GridEvent(BaseModel):
    """An event a grid worker saw (事件上报): into the 12345 pipeline, or handled at once."""

    number = models.CharField("事件编号", max_length=24, unique=True)
    kind = models.CharField(max_length=14, choices=EventKind.choices)
    category = models.CharField("类别", max_length=12, choices=EventCategory.choices)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("事件描述")
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    address = models.CharField("地点", max_length=300, blank=True)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    location_check = models.CharField(max_length=10, choices=LocationCheck.choices)
    location_note = models.CharField(max_length=200, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reporter = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reporter_name = models.CharField(max_length=60)
    reported_at = models.DateTimeField("上报时间")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    handled_note = models.TextField("处置情况", blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    # When it was finished: self-handled at once; reported when its ticket closed (or merged).
    # Kept by grid's site check and by the tickets app's events (grid.handlers), so "open
    # events" is a small partial index instead of a join with every ticket.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = "网格事件"
        verbose_name_plural = "网格事件"
        indexes = [
            models.Index(fields=["region_path", "reported_at"], name="grid_event_scope_idx",
                         opclasses=[*PATH_OPS, ""], include=["grid", "kind", "ticket"]),
            models.Index(fields=["reporter", "-reported_at"], name="grid_event_reporter_idx"),
            models.Index(fields=["region_path"], name="grid_event_open_idx", opclasses=PATH_OPS,
                         condition=Q(kind="reported", closed_at__isnull=True), include=["grid", "ticket"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


def _photo_path(instance: Photo, filename: str) -> str:
    return f"grid/photos/{instance.public_id}.{filename.rsplit('.', 1)[-1]}"


class Photo(BaseModel):
    """A photo of a visit or an event, checked by content (not by its name or declared type)."""

    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(GridEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=_photo_path, max_length=200)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(visit__isnull=False) | Q(event__isnull=False),
                                              name="grid_photo_owner")]


class ProxyService(BaseModel):
    """An application a grid worker started for an elderly or disabled resident (代办)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="proxies")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80)
    worker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    worker_name = models.CharField(max_length=60)
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    consent_method = models.CharField("同意方式", max_length=10, choices=ConsentMethod.choices)
    consent_note = models.CharField("同意说明", max_length=300)
    consent_at = models.DateTimeField("同意时间")

    class Meta:
        ordering = ["-id"]
        verbose_name = "代办"
        verbose_name_plural = "代办"
        indexes = [models.Index(fields=["region_path", "consent_at"], name="grid_proxy_scope_idx",
                                opclasses=[*PATH_OPS, ""])]


class ChangeRecord(models.Model):
    """One change of grid data: who, when, what (masked), from which source. Never edited."""

    at = models.DateTimeField()
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=100)
    source = models.CharField(max_length=12, choices=ChangeSource.choices)
    action = models.CharField(max_length=40)
    house = models.ForeignKey(House, null=True, blank=True, on_delete=models.CASCADE, related_name="changes")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="changes")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household", "-at"], name="grid_change_household_idx"),
                   models.Index(fields=["house", "-at"], name="grid_change_house_idx")]


class WorkerQuota(models.Model):
    """A grid worker's monthly visit quota when it differs from the default (30 households)."""

    staff = models.OneToOneField(Staff, on_delete=models.CASCADE, related_name="+")
    monthly_quota = models.PositiveSmallIntegerField("每月走访户数", default=DEFAULT_MONTHLY_QUOTA)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "走访任务量"
        verbose_name_plural = "走访任务量"
