"""The e-licence library: licence types, licences held by people and enterprises, and uses.

A ``Licence`` is held by an ID number (encrypted, looked up by its keyed hash) or by a credit
code; the optional links to ``accounts.Person``/``Enterprise`` are conveniences, because
licences are often imported before their holder ever signs in. Every licence carries a
verification code for the public verification page. ``LicenceUse`` is the trace of staff using
a holder's licence inside a case (``case_ref`` is the case number, an opaque string here).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from onewindow.accounts.models import Department, Enterprise, Person
from onewindow.core.fields import EncryptedTextField
from onewindow.core.masking import mask_id_number, mask_text
from onewindow.core.models import BaseModel

from .constants import DocumentKind, HolderKind, LicenceSource, LicenceStatus


class LicenceType(BaseModel):
    """证照类型 (or a kind of approval document, 批准文书)."""

    code = models.CharField("类型代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    document_kind = models.CharField("文书种类", max_length=10, choices=DocumentKind.choices,
                                     default=DocumentKind.LICENCE)
    holder_kind = models.CharField("持证主体", max_length=10, choices=HolderKind.choices)
    issuer_name = models.CharField("发证机关", max_length=100, blank=True)
    issuing_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="licence_types",
        verbose_name="本平台发证部门",
    )
    validity_years = models.PositiveSmallIntegerField("有效期（年）", null=True, blank=True,
                                                      help_text="留空表示长期有效或按证照载明")
    validity_rule = models.CharField("有效期规则", max_length=100, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "证照类型"
        verbose_name_plural = "证照类型"

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


def _licence_upload_to(instance: Licence, filename: str) -> str:
    return f"licences/{instance.created_at or timezone.now():%Y/%m}/{instance.public_id}.pdf"


class Licence(BaseModel):
    """One licence or approval document held by a person or an enterprise."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT,
                                     related_name="licences", verbose_name="证照类型")
    document_kind = models.CharField(max_length=10, choices=DocumentKind.choices,
                                     default=DocumentKind.LICENCE)
    number = models.CharField("证照编号", max_length=80)
    # When the number is the holder's ID number (居民身份证), ``number`` holds a keyed hash of it
    # instead, so no ID number is stored in clear; ``display_number`` gives it back.
    number_is_holder_id = models.BooleanField(default=False)
    title = models.CharField("文书标题", max_length=120, blank=True)

    holder_kind = models.CharField("持证主体", max_length=10,
                                   choices=[(HolderKind.PERSON, "自然人"),
                                            (HolderKind.ENTERPRISE, "法人")])
    holder_name = models.CharField("持证人", max_length=200)
    holder_id_number = EncryptedTextField("持证人身份证号", blank=True)
    holder_id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    holder_credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True,
                                          db_index=True)
    holder_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="licences")
    holder_enterprise = models.ForeignKey(Enterprise, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="licences")

    issuer_name = models.CharField("发证机关", max_length=100)
    issuing_department = models.ForeignKey(Department, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="licences")
    # The issuing department's region path, so staff lists are one indexed prefix scan.
    issuer_region_path = models.CharField(max_length=80, blank=True)
    issued_on = models.DateField("发证日期")
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期至", null=True, blank=True, help_text="留空表示长期")

    status = models.CharField("状态", max_length=10, choices=LicenceStatus.choices,
                              default=LicenceStatus.VALID, db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField("注销原因", max_length=300, blank=True)

    file = models.FileField("证照文件", upload_to=_licence_upload_to, blank=True, max_length=300)
    verification_code = models.CharField("验证码", max_length=24, unique=True)
    source = models.CharField("来源", max_length=10, choices=LicenceSource.choices)
    source_ref = models.CharField("来源编号", max_length=100, blank=True, db_index=True,
                                  help_text="本平台签发时为办件编号；导入时为批次或外部编号")
    data = models.JSONField("证照内容", default=dict, blank=True)
    # Ed25519 signature (base64) over ``signing.signed_content(licence)`` and the key id that
    # made it; empty for imported licences (their issuer signs them in its own system).
    signature = models.CharField("电子签名", max_length=100, blank=True)
    signature_key = models.CharField("签名密钥标识", max_length=24, blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = "电子证照"
        verbose_name_plural = "电子证照"
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "number"],
                                    name="licences_type_number_uniq"),
            models.CheckConstraint(
                condition=(Q(holder_kind="person") & ~Q(holder_id_number_hash=""))
                | (Q(holder_kind="enterprise") & ~Q(holder_credit_code="")),
                name="licences_holder_identified",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="licences_valid_range",
            ),
        ]
        indexes = [
            models.Index(fields=["issuer_region_path", "issuing_department", "-id"],
                         name="licence_scope_idx",
                         opclasses=["varchar_pattern_ops", "", ""]),
            models.Index(fields=["status", "valid_until"], name="licence_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.licence_type.name} {self.masked_number}"

    @property
    def display_number(self) -> str:
        """The number as printed on the document (for the holder and the PDF)."""
        return self.holder_id_number if self.number_is_holder_id else self.number

    @property
    def masked_number(self) -> str:
        """The number for everybody else: ID numbers inside it are masked."""
        if self.number_is_holder_id:
            return mask_id_number(self.holder_id_number)
        return mask_text(self.number)

    @property
    def verification_code_display(self) -> str:
        code = self.verification_code
        return "-".join(code[i:i + 4] for i in range(0, len(code), 4))

    @property
    def verify_path(self) -> str:
        return f"/verify/{self.verification_code}/"

    @property
    def verify_url(self) -> str:
        base = getattr(settings, "ONEWINDOW_PUBLIC_URL", "") or "http://127.0.0.1:8000"
        return base.rstrip("/") + self.verify_path

    @property
    def holder_identifier(self) -> str:
        return self.holder_id_number if self.holder_kind == HolderKind.PERSON else self.holder_credit_code

    def is_current(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == LicenceStatus.VALID and (
            self.valid_until is None or self.valid_until >= today)


class LicenceUse(BaseModel):
    """A member of staff used a holder's licence inside a case (用证留痕)."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="uses")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    department_name = models.CharField(max_length=100, blank=True)
    case_ref = models.CharField("办件编号", max_length=100, db_index=True)
    purpose = models.CharField("用途", max_length=200)
    # The watermark on the copy that went into the case (材料分级: A-level copies carry one).
    watermark = models.CharField("水印内容", max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "用证记录"
        verbose_name_plural = "用证记录"

    def __str__(self) -> str:
        return f"{self.licence_id} @ {self.case_ref}"


class LicenceImport(BaseModel):
    """One import (file or API call), with what it did."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=10, choices=LicenceSource.choices)
    filename = models.CharField(max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name = "证照导入批次"
        verbose_name_plural = "证照导入批次"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.filename or self.source}"
