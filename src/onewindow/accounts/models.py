from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from onewindow.core.fields import EncryptedTextField
from onewindow.core.models import BaseModel
from onewindow.regions.models import Region

from .constants import (
    DepartmentKind,
    Gender,
    RegistrationChannel,
    Role,
    SmsPurpose,
    UserKind,
    WindowKind,
)


class User(AbstractUser):
    """Anyone who signs in: a citizen, an enterprise's agent or a member of staff."""

    kind = models.CharField(max_length=12, choices=UserKind.choices, default=UserKind.CITIZEN)
    display_name = models.CharField("显示名称", max_length=100, blank=True)
    preferred_language = models.CharField(max_length=10, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class Department(BaseModel):
    """A department behind the window (委办局), a street office or a community committee."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    short_name = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=24, choices=DepartmentKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "部门"
        verbose_name_plural = "部门"

    def __str__(self) -> str:
        return self.name


class ServiceHall(BaseModel):
    """A service hall (政务服务中心/便民服务中心/站) at the district, street or community."""

    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="halls")
    address = models.CharField(max_length=200, blank=True)
    opening_hours = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = "服务大厅"
        verbose_name_plural = "服务大厅"

    def __str__(self) -> str:
        return self.name


class ServiceWindow(BaseModel):
    hall = models.ForeignKey(ServiceHall, on_delete=models.CASCADE, related_name="windows")
    number = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=WindowKind.choices,
                            default=WindowKind.COMPREHENSIVE)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="windows")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["hall", "number"]
        constraints = [models.UniqueConstraint(fields=["hall", "number"], name="uniq_window_no")]
        verbose_name = "服务窗口"
        verbose_name_plural = "服务窗口"

    def __str__(self) -> str:
        return f"{self.hall.name} {self.number}号 {self.name}"


class Person(BaseModel):
    """A natural person (自然人). ID number, phone and address are encrypted at rest."""

    name = models.CharField("姓名", max_length=60, db_index=True)
    id_number = EncryptedTextField("身份证号")
    id_number_hash = models.CharField(max_length=64, unique=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    phone = EncryptedTextField("手机号", blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    address = EncryptedTextField("住址", blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="people")
    region_path = models.CharField(max_length=80, blank=True, db_index=True)
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="person")

    class Meta:
        ordering = ["-id"]
        verbose_name = "自然人"
        verbose_name_plural = "自然人"
        indexes = [models.Index(fields=["region_path", "-id"], name="person_scope_idx",
                                opclasses=["varchar_pattern_ops", ""])]

    def __str__(self) -> str:
        return self.name


class Enterprise(BaseModel):
    """A legal person (法人) identified by its unified social credit code (public data)."""

    name = models.CharField("名称", max_length=200, db_index=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    legal_representative = models.CharField("法定代表人", max_length=60, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="enterprises")
    region_path = models.CharField(max_length=80, blank=True, db_index=True)
    address = models.CharField("住所", max_length=200, blank=True)
    users = models.ManyToManyField(User, blank=True, related_name="enterprises")

    class Meta:
        ordering = ["-id"]
        verbose_name = "法人"
        verbose_name_plural = "法人"

    def __str__(self) -> str:
        return self.name


class Staff(BaseModel):
    """A member of staff: roles plus a scope (departments and one region subtree)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField("姓名", max_length=60)
    employee_no = models.CharField("工号", max_length=30, unique=True)
    roles = models.JSONField("角色", default=list)
    departments = models.ManyToManyField(Department, blank=True, related_name="staff")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="staff",
                               help_text="可见范围：该区划及其下级")
    window = models.ForeignKey(ServiceWindow, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="staff")
    supervisor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="team")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["employee_no"]
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.roles

    @property
    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(r, r)) for r in self.roles]


class ServiceClient(BaseModel):
    """A machine client of the API (服务账户): a call-centre system, the provincial exchange.

    It signs in with ``client_id`` + secret (only the secret's SHA-256 is stored, shown once),
    exchanged for a short-lived bearer token. ``scopes`` (``<resource>:<action>``) say which
    operations it may call; its reach (region, departments, roles) is the ``Staff`` record of its
    own ``user``, so every selector scopes it like a member of staff and every audit entry names
    it (user name ``svc-<client_id>``)."""

    name = models.CharField("名称", max_length=100)
    contact = models.CharField("联系人", max_length=200, blank=True)
    client_id = models.CharField(max_length=40, unique=True)
    secret_prefix = models.CharField(max_length=12)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField("授权范围", default=list)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="service_client")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "服务账户"
        verbose_name_plural = "服务账户"

    def __str__(self) -> str:
        return f"{self.name}（{self.client_id}）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(BaseModel):
    """A bearer token for programs. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    client = models.ForeignKey(ServiceClient, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SmsCode(BaseModel):
    """A one-time code sent by SMS. Only an HMAC of the code is stored; it expires, allows a
    few wrong tries and is used once. Rows also serve the per-phone and per-client send limits."""

    purpose = models.CharField(max_length=20, choices=SmsPurpose.choices)
    phone_hash = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64, blank=True)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [
            models.Index(fields=["phone_hash", "purpose", "-id"], name="smscode_phone_idx"),
            models.Index(fields=["client_hash", "-id"], name="smscode_client_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class RealNameRecord(BaseModel):
    """How an account's real name was established: channel, the factors verified, by whom."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="realname_records")
    channel = models.CharField(max_length=10, choices=RegistrationChannel.choices)
    factors = models.JSONField("核验要素", default=list)
    provider = models.CharField(max_length=60)
    clerk = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name = "实名核验记录"
        verbose_name_plural = "实名核验记录"

    def __str__(self) -> str:
        return f"{self.user} {self.get_channel_display()}"


class AgreementAcceptance(BaseModel):
    """A user's acceptance of a version of the online service agreement (用户服务协议)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agreements")
    version = models.CharField("协议版本", max_length=20)
    channel = models.CharField(max_length=10, choices=RegistrationChannel.choices)
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = "服务协议确认"
        verbose_name_plural = "服务协议确认"

    def __str__(self) -> str:
        return f"{self.user} v{self.version}"
