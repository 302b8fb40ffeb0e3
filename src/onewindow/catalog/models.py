"""The service catalogue: stable items, their versions (实施清单要素), materials, lists, themes.

A ``ServiceItem`` is the identity (basic code + unique implementation code + implementing
department). Everything a citizen reads lives on a ``ServiceItemVersion``: at most one draft
and at most one published version per item at any time (partial unique constraints); earlier
versions are retired but stay readable, because applications keep the version they were made
under. ``ServiceItem.current_version`` points at the published version (or is null).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from onewindow.accounts.models import Department
from onewindow.core.models import BaseModel

from .constants import (
    PLACEHOLDER_MARK,
    ExerciseLevel,
    ItemSource,
    ItemType,
    ListKind,
    MaterialSource,
    MaterialType,
    OnlineDepth,
    PersonKind,
    ResultType,
    ServiceObject,
    ThemeKind,
    TimeUnit,
    TongbanScope,
    VersionStatus,
)


class ServiceItem(BaseModel):
    """事项: the stable identity that applications, tickets and ratings refer to."""

    basic_code = models.CharField("基本编码", max_length=60, db_index=True)
    implementation_code = models.CharField("实施编码", max_length=120, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT,
                                   related_name="service_items", verbose_name="实施主体")
    current_version = models.OneToOneField(
        "ServiceItemVersion", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="当前发布版本",
    )
    source = models.CharField(max_length=10, choices=ItemSource.choices,
                              default=ItemSource.MANUAL)

    class Meta:
        ordering = ["implementation_code"]
        verbose_name = "事项"
        verbose_name_plural = "事项"

    def __str__(self) -> str:
        return self.implementation_code


def _form_upload_to(instance: Material, filename: str) -> str:
    return f"catalog/forms/{instance.public_id}/{filename}"


def _sample_upload_to(instance: Material, filename: str) -> str:
    return f"catalog/samples/{instance.public_id}/{filename}"


class ServiceItemVersion(BaseModel):
    """One version of an item's elements (办事指南要素). Published versions are never edited."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    status = models.CharField(max_length=10, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    change_note = models.CharField("修订说明", max_length=200, blank=True)

    name = models.CharField("事项名称", max_length=200)
    item_type = models.CharField("事项类型", max_length=2, choices=ItemType.choices,
                                 db_index=True)
    exercise_level = models.CharField("行使层级", max_length=10, choices=ExerciseLevel.choices,
                                      default=ExerciseLevel.DISTRICT, db_index=True)
    service_object = models.CharField("服务对象", max_length=10, choices=ServiceObject.choices,
                                      default=ServiceObject.NATURAL, db_index=True)
    # [{"law": "中华人民共和国行政许可法", "article": "第二十九条", "text": "..."}]
    legal_basis = models.JSONField("设定依据", default=list, blank=True)
    conditions = models.TextField("受理条件", blank=True)
    # [{"name": "受理", "description": "...", "handler_role": "窗口受理人员", "time_limit": "即时"}]
    steps = models.JSONField("办理流程", default=list, blank=True)
    legal_limit_value = models.PositiveIntegerField("法定时限", null=True, blank=True,
                                                    help_text="0 表示即办")
    legal_limit_unit = models.CharField(max_length=12, choices=TimeUnit.choices,
                                        default=TimeUnit.WORKING_DAY)
    promised_limit_value = models.PositiveIntegerField("承诺时限", null=True, blank=True,
                                                       help_text="0 表示即办")
    promised_limit_unit = models.CharField(max_length=12, choices=TimeUnit.choices,
                                           default=TimeUnit.WORKING_DAY)
    is_free = models.BooleanField("不收费", default=True)
    # [{"name": "...", "standard": "每件 10 元", "basis": "...", "reducible": false}]
    fees = models.JSONField("收费项目", default=list, blank=True)
    place = models.TextField("办理地点", blank=True)
    hours = models.CharField("办理时间", max_length=200, blank=True)
    visits = models.PositiveSmallIntegerField("到办事现场次数", default=1, db_index=True)
    online_depth = models.PositiveSmallIntegerField(
        "网上办理深度", choices=OnlineDepth.choices, default=OnlineDepth.INFO,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    is_online = models.BooleanField("可网上办理", default=False, db_index=True)
    appointment = models.BooleanField("可预约", default=False, db_index=True)
    kiosk = models.BooleanField("可自助终端办理", default=False)
    postal_delivery = models.BooleanField("支持快递送达", default=False)
    tongban_scope = models.CharField("通办范围", max_length=16, choices=TongbanScope.choices,
                                     default=TongbanScope.NONE, db_index=True)
    result_type = models.CharField("结果类型", max_length=10, choices=ResultType.choices,
                                   default=ResultType.OTHER)
    result_name = models.CharField("结果名称", max_length=200, blank=True)
    result_licence_type_code = models.CharField("结果电子证照类型", max_length=40, blank=True,
                                                db_index=True)
    faq = models.JSONField("常见问题", default=list, blank=True)  # [{"q": "...", "a": "..."}]
    contact_phone = models.CharField("咨询电话", max_length=100, blank=True)
    complaint_channel = models.CharField("监督投诉渠道", max_length=300, blank=True)
    co_departments = models.ManyToManyField(Department, blank=True,
                                            related_name="co_handled_versions",
                                            verbose_name="联办部门")
    keywords = models.JSONField("关键词/别名", default=list, blank=True)  # ["社保", "养老保险"]
    is_placeholder = models.BooleanField("含待完善要素", default=False, db_index=True)
    placeholder_fields = models.JSONField("待完善要素", default=list, blank=True)

    created_by = models.ForeignKey("accounts.User", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_by = models.ForeignKey("accounts.User", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["item_id", "-number"]
        verbose_name = "事项版本"
        verbose_name_plural = "事项版本"
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_version_number_uniq"),
            models.UniqueConstraint(fields=["item"], condition=Q(status="published"),
                                    name="catalog_one_published_per_item"),
            models.UniqueConstraint(fields=["item"], condition=Q(status="draft"),
                                    name="catalog_one_draft_per_item"),
            models.CheckConstraint(condition=Q(online_depth__gte=1) & Q(online_depth__lte=4),
                                   name="catalog_online_depth_1_4"),
        ]
        indexes = [models.Index(fields=["status", "item_type"], name="catalog_ver_status_type")]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def display(self, field: str) -> str:
        """An element as text, followed by "（待完善）" when it is a marked placeholder."""
        value = getattr(self, field)
        text = "" if value is None else str(value)
        if field in (self.placeholder_fields or []) and PLACEHOLDER_MARK not in text:
            return f"{text}{PLACEHOLDER_MARK}"
        return text


class Material(BaseModel):
    """申请材料 of one version. Copied to a new draft when a published version is edited."""

    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE,
                                related_name="materials")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField("材料名称", max_length=200)
    material_type = models.CharField("材料形式", max_length=10, choices=MaterialType.choices,
                                     default=MaterialType.ORIGINAL)
    is_required = models.BooleanField("必要", default=True)
    condition = models.CharField("适用情形", max_length=300, blank=True,
                                 help_text="非必要（容缺/特定情形）材料须写明情形")
    copies = models.PositiveSmallIntegerField("份数", default=1)
    source = models.CharField("来源渠道", max_length=10, choices=MaterialSource.choices,
                              default=MaterialSource.APPLICANT)
    spec = models.CharField("填报/格式要求", max_length=300, blank=True)
    blank_form = models.FileField("空白表格", upload_to=_form_upload_to, blank=True,
                                  max_length=300)
    sample_file = models.FileField("示例样表", upload_to=_sample_upload_to, blank=True,
                                   max_length=300)
    licence_type_code = models.CharField("可替代的电子证照类型", max_length=40, blank=True,
                                         db_index=True)
    # Which trust levels satisfy the material (国办函〔2016〕108号): A issued by a government body,
    # B verified against the original, C uploaded by the applicant, D the applicant's written
    # commitment (告知承诺制, only where the item allows it).
    trust_levels = models.CharField("可采信等级", max_length=4, default="ABC",
                                    help_text="A 政府签发 B 已核验 C 申请人上传 D 告知承诺")

    class Meta:
        ordering = ["version_id", "order", "id"]
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"

    def __str__(self) -> str:
        return self.name


class PowerEntry(BaseModel):
    """权力清单 entry for one item (only items whose type is an administrative power)."""

    item = models.OneToOneField(ServiceItem, on_delete=models.CASCADE, related_name="power_entry")
    power_code = models.CharField("权力编码", max_length=60, blank=True)
    power_name = models.CharField("权力名称", max_length=200)
    power_type = models.CharField("权力类型", max_length=2, choices=ItemType.choices)
    basis = models.TextField("实施依据", blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["item__implementation_code"]
        verbose_name = "权力清单"
        verbose_name_plural = "权力清单"

    def __str__(self) -> str:
        return self.power_name


class ResponsibilityEntry(BaseModel):
    """责任清单 entry: one duty of an item with its accountability."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE,
                             related_name="responsibility_entries")
    order = models.PositiveSmallIntegerField(default=0)
    duty = models.TextField("责任事项")
    accountability_cases = models.TextField("追责情形", blank=True)
    accountable_subject = models.CharField("追责主体", max_length=200, blank=True)
    accountability_basis = models.TextField("追责依据", blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["item_id", "order", "id"]
        verbose_name = "责任清单"
        verbose_name_plural = "责任清单"

    def __str__(self) -> str:
        return self.duty[:40]


class ListPublication(BaseModel):
    """A department publishing its power or responsibility list (公布), as a record."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT,
                                   related_name="list_publications")
    kind = models.CharField(max_length=16, choices=ListKind.choices)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey("accounts.User", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    entry_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = "清单公布记录"
        verbose_name_plural = "清单公布记录"

    def __str__(self) -> str:
        return f"{self.department_id} {self.kind} {self.published_at:%Y-%m-%d}"


class Theme(BaseModel):
    """A life event (出生, 入学, 开办企业 …) or theme grouping items, per person kind."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField("名称", max_length=60)
    kind = models.CharField(max_length=12, choices=ThemeKind.choices,
                            default=ThemeKind.LIFE_EVENT, db_index=True)
    person_kind = models.CharField("面向", max_length=10, choices=PersonKind.choices,
                                   db_index=True)
    description = models.CharField("说明", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    items = models.ManyToManyField(ServiceItem, blank=True, related_name="themes")

    class Meta:
        ordering = ["person_kind", "order", "code"]
        verbose_name = "主题/人生事"
        verbose_name_plural = "主题/人生事"

    def __str__(self) -> str:
        return self.name


class CatalogRevision(models.Model):
    """A single counter row bumped on every publish/retire, so search can drop stale indexes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "目录修订号"
        verbose_name_plural = "目录修订号"

    def __str__(self) -> str:
        return str(self.value)
