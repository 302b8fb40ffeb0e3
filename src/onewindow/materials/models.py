"""The material library (材料库) of persons and enterprises, uses of its copies, commitments
(告知承诺) with their post-checks (事后核查), and credit records of false commitments.

A ``LibraryMaterial`` is a B-level document: a window clerk compared the applicant's copy with
the original. It belongs to a person or an enterprise, carries who verified it, when, how and
until when, and is matched to catalogue materials by ``key`` (``rules.material_key``). The
file is the verified scan, never handed out as such: every copy leaving the library is
watermarked and recorded in ``MaterialUse`` with the watermark's text.

Cases (a higher app) are referred to by number and public id, as the licence library does.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from onewindow.accounts.models import Department, Enterprise, Person
from onewindow.catalog.models import ServiceItem
from onewindow.core.models import BaseModel
from onewindow.licences.models import Licence

from .constants import CheckStatus, HolderKind, LibraryStatus, UseKind, VerifyMethod


def _library_upload_to(instance: LibraryMaterial, filename: str) -> str:
    return f"library/{timezone.now():%Y/%m}/{instance.public_id}/{filename}"


class HolderMixin(models.Model):
    holder_kind = models.CharField("主体类型", max_length=10, choices=HolderKind.choices)
    holder_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+", verbose_name="自然人")
    holder_enterprise = models.ForeignKey(Enterprise, null=True, blank=True,
                                          on_delete=models.CASCADE, related_name="+",
                                          verbose_name="法人")
    holder_name = models.CharField("主体名称", max_length=200)

    class Meta:
        abstract = True


class LibraryMaterial(HolderMixin, BaseModel):
    """One verified (B-level) document in a person's or an enterprise's library."""

    key = models.CharField("材料标识", max_length=220)
    name = models.CharField("材料名称", max_length=200)
    file = models.FileField(upload_to=_library_upload_to, max_length=300)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    verify_method = models.CharField("核验方式", max_length=10, choices=VerifyMethod.choices,
                                     default=VerifyMethod.WINDOW)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", db_index=False)
    verifier_name = models.CharField("核验人", max_length=60)
    verifier_department = models.CharField("核验部门", max_length=100, blank=True)
    verified_at = models.DateTimeField("核验时间")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    source_case_ref = models.CharField("核验所在办件", max_length=24, blank=True)
    source_case_uuid = models.UUIDField(null=True, blank=True)
    # The verifying department's region path: staff see library entries of their region.
    region_path = models.CharField(max_length=80, blank=True)
    status = models.CharField("状态", max_length=12, choices=LibraryStatus.choices,
                              default=LibraryStatus.VALID)
    reuse_allowed = models.BooleanField("同意复用", default=True)
    consent_changed_at = models.DateTimeField(null=True, blank=True)
    use_count = models.PositiveIntegerField("使用次数", default=0)

    class Meta:
        ordering = ["-verified_at", "-id"]
        verbose_name = "材料库材料"
        verbose_name_plural = "材料库材料"
        indexes = [
            # The checklist of a case: the holder's valid materials of some keys.
            models.Index(fields=["holder_person", "key"], condition=Q(status="valid"),
                         name="library_person_key"),
            models.Index(fields=["holder_enterprise", "key"], condition=Q(status="valid"),
                         name="library_enterprise_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(holder_kind="person") & Q(holder_person__isnull=False))
                | (Q(holder_kind="enterprise") & Q(holder_enterprise__isnull=False)),
                name="library_holder_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.holder_name}）"


class MaterialUse(BaseModel):
    """A copy left the library: into a case, or downloaded by its holder. ``watermark`` is the
    text printed on that copy."""

    library_material = models.ForeignKey(LibraryMaterial, null=True, blank=True,
                                         on_delete=models.CASCADE, related_name="uses")
    licence = models.ForeignKey(Licence, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    holder_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+", db_index=False)
    holder_enterprise = models.ForeignKey(Enterprise, null=True, blank=True,
                                          on_delete=models.CASCADE, related_name="+",
                                          db_index=False)
    kind = models.CharField("使用方式", max_length=10, choices=UseKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_index=False)
    actor_label = models.CharField("使用人", max_length=150, blank=True)
    department_name = models.CharField(max_length=100, blank=True)
    case_ref = models.CharField("办件编号", max_length=100, blank=True)
    purpose = models.CharField("用途", max_length=200)
    watermark = models.CharField("水印内容", max_length=300)
    copy_valid_until = models.DateField("副本有效期至", null=True, blank=True)
    copy_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "材料使用记录"
        verbose_name_plural = "材料使用记录"
        indexes = [
            models.Index(fields=["library_material", "-id"], name="material_use_library"),
            models.Index(fields=["holder_person", "-id"], name="material_use_person"),
            models.Index(fields=["holder_enterprise", "-id"], name="material_use_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_ref}"


class Commitment(HolderMixin, BaseModel):
    """告知承诺: the applicant committed in writing that a D-level material is true."""

    case_ref = models.CharField("办件编号", max_length=24, db_index=True)
    case_uuid = models.UUIDField()
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    item_name = models.CharField("事项名称", max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    region_path = models.CharField(max_length=80)
    material_name = models.CharField("材料名称", max_length=200)
    text = models.CharField("承诺内容", max_length=500)
    committed_at = models.DateTimeField("承诺时间")
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", db_index=False)
    check_status = models.CharField("核查状态", max_length=14, choices=CheckStatus.choices,
                                    default=CheckStatus.PENDING)
    check_drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    check_due_on = models.DateField("核查期限", null=True, blank=True)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_index=False)
    checker_name = models.CharField("核查人", max_length=60, blank=True)
    check_note = models.CharField("核查情况", max_length=500, blank=True)

    class Meta:
        ordering = ["-committed_at", "-id"]
        verbose_name = "告知承诺"
        verbose_name_plural = "告知承诺"
        indexes = [
            # The sampling job: commitments not yet drawn or passed over, oldest first.
            models.Index(fields=["committed_at"], condition=Q(check_status="pending"),
                         name="commitment_pending"),
            # Staff lists and figures per department and period.
            models.Index(fields=["department", "check_status", "committed_at"],
                         name="commitment_dept_status"),
            models.Index(fields=["region_path", "check_status"], name="commitment_region_status",
                         opclasses=["varchar_pattern_ops", ""]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case_uuid", "material_name"],
                                    name="commitment_case_material"),
        ]

    def __str__(self) -> str:
        return f"{self.case_ref} {self.material_name}"


class CreditRecord(HolderMixin, BaseModel):
    """信用记录: a false commitment found by a post-check (失信记录)."""

    commitment = models.OneToOneField(Commitment, on_delete=models.PROTECT,
                                      related_name="credit_record")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    description = models.CharField("失信情形", max_length=500)
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", db_index=False)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        indexes = [
            models.Index(fields=["holder_person", "-recorded_at"], name="credit_person"),
            models.Index(fields=["holder_enterprise", "-recorded_at"], name="credit_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name}：{self.description[:20]}"
