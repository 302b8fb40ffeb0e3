"""Writes of the material library: storing a verified material (C → B), copies leaving the
library with their watermark, consent for reuse, commitments, post-checks and credit records.

Every function owns its transaction and writes its audit entry inside it. Files are written
before the transaction and removed again if it fails, so nothing is half-written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department, Enterprise, Person
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import staff_of_user
from onewindow.catalog.models import ServiceItem
from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import rules
from . import selectors as sel
from .constants import (
    AUDIT_COMMIT,
    AUDIT_CONSENT,
    AUDIT_CREDIT,
    AUDIT_DOWNLOAD,
    AUDIT_POSTCHECK_RESULT,
    AUDIT_POSTCHECK_SCHEDULE,
    AUDIT_USE,
    AUDIT_VERIFY,
    DOWNLOAD_PURPOSE_MAX,
    CheckStatus,
    HolderKind,
    LibraryStatus,
    UseKind,
    VerifyMethod,
)
from .models import Commitment, CreditRecord, LibraryMaterial, MaterialUse
from .watermark import WatermarkError, watermark_file, watermarkable


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def library_valid_years() -> int:
    """How long a verification stands when the clerk gives no expiry (years)."""
    return int(_setting("ONEWINDOW_LIBRARY_VALID_YEARS", 5))


def copy_valid_days() -> int:
    """How long a watermarked copy is valid (days)."""
    return int(_setting("ONEWINDOW_COPY_VALID_DAYS", 90))


def postcheck_share() -> float:
    """The share of cases with commitments drawn for 事后核查 (0–1)."""
    return float(_setting("ONEWINDOW_POSTCHECK_SHARE", 0.2))


def postcheck_days() -> int:
    return int(_setting("ONEWINDOW_POSTCHECK_DAYS", 30))


def _holder_fields(holder: Person | Enterprise) -> dict[str, Any]:
    if isinstance(holder, Person):
        return {"holder_kind": HolderKind.PERSON, "holder_person": holder, "holder_enterprise": None,
                "holder_name": holder.name}
    return {"holder_kind": HolderKind.ENTERPRISE, "holder_person": None, "holder_enterprise": holder,
            "holder_name": holder.name}


def _staff_label(actor: Any) -> tuple[str, str]:
    staff = staff_of_user(user=actor)
    if staff is None:
        return (actor.get_username() if getattr(actor, "is_authenticated", False) else "系统"), ""
    department = staff.departments.first()
    return staff.name, department.name if department else ""


# --- C → B: a clerk verified the original ---------------------------------------------------------
def library_material_store(
    *, actor: Any, holder: Person | Enterprise, name: str, key: str, source_file: str,
    content_type: str, original_name: str = "", valid_until: date | None = None,
    verify_method: str = VerifyMethod.WINDOW, case_ref: str = "", case_uuid: UUID | None = None,
    region_path: str = "", now: datetime | None = None,
) -> LibraryMaterial:
    """Store the copy a clerk has just compared with the original as the holder's B-level
    material. An older valid material of the same key is superseded. Called by the cases app
    inside its own transaction (the file copy is removed again if that fails)."""
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(Role.WINDOW_CLERK, Role.DEPT_REVIEWER, Role.LEADER):
        raise PermissionDenied("只有窗口或审查人员可以核验材料原件", code="material_verify_forbidden")
    if verify_method not in VerifyMethod.values:
        raise ValidationFailed("核验方式无效", code="material_verify_method_invalid",
                               fields={"verify_method": "核验方式无效"})
    now = now or timezone.now()
    today = timezone.localdate(now)
    if valid_until is not None and valid_until < today:
        msg = "有效期不能早于今天"
        raise ValidationFailed(msg, code="material_valid_until_past", fields={"valid_until": msg})
    if valid_until is None:
        try:
            valid_until = today.replace(year=today.year + library_valid_years())
        except ValueError:  # 29 February
            valid_until = today.replace(year=today.year + library_valid_years(), day=28)
    try:
        with default_storage.open(source_file, "rb") as handle:
            data = handle.read()
    except OSError:
        raise NotFound("该材料没有可存入材料库的文件", code="material_file_missing") from None
    if not watermarkable(data, content_type):
        raise Conflict("该文件无法生成带水印的副本（文件损坏、加密或没有页面），未存入材料库",
                       code="material_not_watermarkable")
    verifier, department = _staff_label(actor)
    material = LibraryMaterial(
        **_holder_fields(holder), key=key[:220], name=name[:200], original_name=original_name[:200],
        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        verify_method=verify_method, verified_by=actor, verifier_name=verifier[:60],
        verifier_department=department[:100], verified_at=now, valid_until=valid_until,
        source_case_ref=case_ref[:24], source_case_uuid=case_uuid, region_path=region_path)
    extension = {"application/pdf": "pdf", "image/png": "png"}.get(content_type, "jpg")
    material.file.save(f"{material.public_id.hex}.{extension}", ContentFile(data), save=False)
    stored = str(material.file.name)
    try:
        with transaction.atomic():
            owner = {"holder_person": material.holder_person} if material.holder_person_id else {
                "holder_enterprise": material.holder_enterprise}
            superseded = (LibraryMaterial.objects.filter(**owner, key=material.key, status=LibraryStatus.VALID)
                          .update(status=LibraryStatus.SUPERSEDED, updated_at=now))
            material.save()
            audit_record(actor=actor, action=AUDIT_VERIFY, obj=material, summary={
                "material": material.name, "holder": material.holder_name, "case_ref": case_ref,
                "method": verify_method, "valid_until": valid_until.isoformat() if valid_until else "",
                "sha256": material.sha256, "superseded": superseded})
    except Exception:
        default_storage.delete(stored)
        raise
    return material


# --- Copies leaving the library -------------------------------------------------------------------
@dataclass(frozen=True)
class WatermarkedCopy:
    data: bytes
    content_type: str
    watermark: str
    valid_until: date
    use: MaterialUse
    filename: str


def _copy_make(material: LibraryMaterial, text: str) -> tuple[bytes, str]:
    try:
        with material.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        raise NotFound("材料库中的文件已不存在，请重新核验", code="material_file_missing") from None
    try:
        return watermark_file(data, material.content_type, text)
    except WatermarkError:
        raise Conflict("该材料文件无法加水印，请重新核验原件后存入", code="material_watermark_failed") from None


def _filename(material: LibraryMaterial, content_type: str) -> str:
    extension = {"application/pdf": "pdf", "image/png": "png"}.get(content_type, "jpg")
    return f"{material.name}（副本）.{extension}"


def library_copy_for_case(
    *, actor: Any, material: LibraryMaterial, case_ref: str, item_name: str, department_name: str,
    now: datetime | None = None,
) -> WatermarkedCopy:
    """A watermarked copy of a B-level material for case ``case_ref`` (the cases app has checked
    that the material's holder is the case's applicant). Recorded as a use with its text."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not sel.library_usable(material, today=today):
        raise Conflict("该材料已过期、被替代或您已撤回复用授权，请重新提交", code="material_not_reusable")
    until = rules.copy_valid_until(today=today, days=copy_valid_days(), material_until=material.valid_until)
    text = rules.watermark_b(purpose=f"办理{item_name}（办件{case_ref}）", valid_until=until)
    data, content_type = _copy_make(material, text)
    staff_name = (_staff_label(actor)[0] if not scope_for(actor).is_empty else "申请人本人（网上提交）")
    with transaction.atomic():
        use = MaterialUse.objects.create(
            library_material=material, holder_person_id=material.holder_person_id,
            holder_enterprise_id=material.holder_enterprise_id, kind=UseKind.CASE, actor=actor
            if getattr(actor, "is_authenticated", False) else None,
            actor_label=staff_name[:150], department_name=department_name[:100], case_ref=case_ref[:100],
            purpose=f"办理{item_name}"[:200], watermark=text, copy_valid_until=until,
            copy_sha256=hashlib.sha256(data).hexdigest())
        LibraryMaterial.objects.filter(pk=material.pk).update(use_count=F("use_count") + 1)
        audit_record(actor=actor, action=AUDIT_USE, obj=material, summary={
            "material": material.name, "case_ref": case_ref, "department": department_name,
            "watermark": text, "use": str(use.public_id)})
    return WatermarkedCopy(data, content_type, text, until, use, _filename(material, content_type))


def _purpose_clean(purpose: str) -> str:
    text = " ".join((purpose or "").split())
    if len(text) < 2:
        msg = "请填写副本用途，例如“办理出入境证件”"
        raise ValidationFailed(msg, code="material_purpose_required", fields={"purpose": msg})
    if len(text) > DOWNLOAD_PURPOSE_MAX:
        msg = f"用途不能超过{DOWNLOAD_PURPOSE_MAX}个字"
        raise ValidationFailed(msg, code="material_purpose_too_long", fields={"purpose": msg})
    return text


def library_download(*, actor: Any, holder: sel.Holder, material: LibraryMaterial, purpose: str,
                     now: datetime | None = None) -> WatermarkedCopy:
    """The holder downloads a watermarked copy of their B-level material for ``purpose``."""
    purpose = _purpose_clean(purpose)
    if material.holder_person_id != getattr(holder.person, "pk", None) or \
            material.holder_enterprise_id != getattr(holder.enterprise, "pk", None):
        raise NotFound("找不到该材料", code="material_not_found")
    now = now or timezone.now()
    today = timezone.localdate(now)
    if material.status != LibraryStatus.VALID or (material.valid_until and material.valid_until < today):
        raise Conflict("该材料已过期或已被替代，不能再出具副本", code="material_expired")
    until = rules.copy_valid_until(today=today, days=copy_valid_days(), material_until=material.valid_until)
    text = rules.watermark_b(purpose=purpose, valid_until=until)
    data, content_type = _copy_make(material, text)
    with transaction.atomic():
        use = MaterialUse.objects.create(
            library_material=material, holder_person_id=material.holder_person_id,
            holder_enterprise_id=material.holder_enterprise_id, kind=UseKind.DOWNLOAD, actor=actor,
            actor_label="本人下载", purpose=purpose[:200], watermark=text, copy_valid_until=until,
            copy_sha256=hashlib.sha256(data).hexdigest())
        audit_record(actor=actor, action=AUDIT_DOWNLOAD, obj=material, summary={
            "material": material.name, "purpose": purpose, "watermark": text, "use": str(use.public_id)})
    return WatermarkedCopy(data, content_type, text, until, use, _filename(material, content_type))


def licence_copy_record(*, actor: Any, holder: sel.Holder, licence: Any, purpose: str, item_name: str = "",
                        data: bytes, now: datetime | None = None) -> WatermarkedCopy:
    """The holder downloads a watermarked copy of their e-licence (A level). ``data``: the
    licence's PDF, rendered by the caller through the licence library."""
    purpose = _purpose_clean(purpose)
    now = now or timezone.now()
    today = timezone.localdate(now)
    until = rules.copy_valid_until(today=today, days=copy_valid_days(), material_until=licence.valid_until)
    subject = item_name or (purpose[2:] if purpose.startswith("办理") and len(purpose) > 2 else purpose)
    text = rules.watermark_a(issuer=licence.issuer_name, item_name=subject, valid_until=until)
    try:
        out = watermark_file(data, "application/pdf", text)[0]
    except WatermarkError:
        raise Conflict("证照文件无法加水印", code="material_watermark_failed") from None
    with transaction.atomic():
        use = MaterialUse.objects.create(
            licence=licence, holder_person_id=getattr(holder.person, "pk", None),
            holder_enterprise_id=getattr(holder.enterprise, "pk", None), kind=UseKind.DOWNLOAD,
            actor=actor, actor_label="本人下载", purpose=purpose[:200], watermark=text,
            copy_valid_until=until, copy_sha256=hashlib.sha256(out).hexdigest())
        audit_record(actor=actor, action=AUDIT_DOWNLOAD, obj=licence, summary={
            "licence": licence.licence_type.name, "purpose": purpose, "watermark": text,
            "use": str(use.public_id)})
    name = f"{licence.licence_type.name}（副本）.pdf"
    return WatermarkedCopy(out, "application/pdf", text, until, use, name)


# --- Consent --------------------------------------------------------------------------------------
def library_consent_set(*, actor: Any, holder: sel.Holder, material: LibraryMaterial, allowed: bool,
                        now: datetime | None = None) -> LibraryMaterial:
    """The holder withdraws (or gives again) consent to reuse a material in new cases."""
    if material.holder_person_id != getattr(holder.person, "pk", None) or \
            material.holder_enterprise_id != getattr(holder.enterprise, "pk", None):
        raise NotFound("找不到该材料", code="material_not_found")
    now = now or timezone.now()
    with transaction.atomic():
        current = LibraryMaterial.objects.select_for_update().get(pk=material.pk)
        if current.reuse_allowed == allowed:
            return current
        current.reuse_allowed = allowed
        current.consent_changed_at = now
        current.save(update_fields=["reuse_allowed", "consent_changed_at", "updated_at"])
        audit_record(actor=actor, action=AUDIT_CONSENT, obj=current, summary={
            "material": current.name, "allowed": allowed})
    return current


# --- Commitments (告知承诺) and post-checks (事后核查) ----------------------------------------------
def commitment_text(material_name: str) -> str:
    return (f"本人承诺：所提供的“{material_name}”相关情况真实、准确、有效，符合告知的条件和要求；"
            f"如有不实，愿意承担相应法律责任，并同意记入信用记录。")[:500]


@dataclass(frozen=True)
class CommittedMaterial:
    name: str
    text: str
    committed_at: datetime


def commitments_register(
    *, actor: Any, case_ref: str, case_uuid: UUID, item: ServiceItem, item_name: str,
    department: Department, region_path: str, holder: Person | Enterprise,
    materials: list[CommittedMaterial], now: datetime | None = None,
) -> list[Commitment]:
    """The commitments of a case just submitted (called inside the cases app's transaction)."""
    if not materials:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        rows = Commitment.objects.bulk_create([
            Commitment(**_holder_fields(holder), case_ref=case_ref, case_uuid=case_uuid, item=item,
                       item_name=item_name[:200], department=department, region_path=region_path,
                       material_name=m.name[:200], text=m.text[:500], committed_at=m.committed_at,
                       committed_by=actor if getattr(actor, "is_authenticated", False) else None)
            for m in materials], ignore_conflicts=True)
        audit_record(actor=actor, action=AUDIT_COMMIT, object_type="case", object_id=str(case_uuid), summary={
            "case_ref": case_ref, "materials": [m.name for m in materials], "at": now.isoformat()})
    return rows


def postcheck_draw(*, now: datetime | None = None, share: float | None = None, limit: int = 5000
                   ) -> dict[str, int]:
    """The periodic draw: each case with commitments not yet considered is drawn for post-check
    with probability ``share`` (a keyed hash of the case: reproducible, not guessable)."""
    now = now or timezone.now()
    share = postcheck_share() if share is None else share
    pending = list(Commitment.objects.filter(check_status=CheckStatus.PENDING)
                   .order_by("committed_at", "id").values("id", "case_uuid", "case_ref")[:limit])
    cases: dict[UUID, list[int]] = {}
    refs: dict[UUID, str] = {}
    for row in pending:
        cases.setdefault(row["case_uuid"], []).append(row["id"])
        refs[row["case_uuid"]] = row["case_ref"]
    drawn_ids: list[int] = []
    passed_ids: list[int] = []
    for case_uuid, ids in cases.items():
        digest = lookup_hash(f"postcheck:{case_uuid}")
        (drawn_ids if rules.postcheck_selected(digest_hex=digest, share=share) else passed_ids).extend(ids)
    due = timezone.localdate(now) + timedelta(days=postcheck_days())
    with transaction.atomic():
        drawn = Commitment.objects.filter(pk__in=drawn_ids, check_status=CheckStatus.PENDING).update(
            check_status=CheckStatus.SCHEDULED, check_drawn_at=now, check_due_on=due, updated_at=now)
        skipped = Commitment.objects.filter(pk__in=passed_ids, check_status=CheckStatus.PENDING).update(
            check_status=CheckStatus.NOT_SELECTED, check_drawn_at=now, updated_at=now)
        if cases:
            drawn_cases = sorted({refs[u] for u, ids in cases.items() if ids[0] in set(drawn_ids)})
            audit_record(actor=None, action=AUDIT_POSTCHECK_SCHEDULE, object_type="commitment", summary={
                "cases": len(cases), "drawn_cases": drawn_cases[:50], "share": share,
                "drawn": drawn, "not_selected": skipped})
    return {"cases": len(cases), "drawn": drawn, "not_selected": skipped}


def postcheck_record(*, actor: Any, commitment: Commitment, passed: bool, note: str,
                     now: datetime | None = None) -> Commitment:
    """The result of a post-check; a false commitment becomes a credit record of the holder."""
    scope = scope_for(actor)
    if not scope.covers(region_path=commitment.region_path, department_id=commitment.department_id):
        raise NotFound("找不到该承诺记录", code="commitment_not_found")
    if not scope.has_role(Role.DEPT_REVIEWER, Role.LEADER, Role.WINDOW_CLERK, Role.SUPERVISOR):
        raise PermissionDenied("您没有登记核查结果的权限", code="postcheck_forbidden")
    note = " ".join((note or "").split())[:500]
    if not passed and len(note) < 4:
        msg = "认定承诺不实时须写明核查情况"
        raise ValidationFailed(msg, code="postcheck_note_required", fields={"note": msg})
    now = now or timezone.now()
    staff_name, _ = _staff_label(actor)
    with transaction.atomic():
        current = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if current.check_status != CheckStatus.SCHEDULED:
            raise Conflict("该承诺未被抽中核查或已登记结果", code="postcheck_not_open")
        current.check_status = CheckStatus.PASSED if passed else CheckStatus.FAILED
        current.checked_at, current.checked_by, current.checker_name = now, actor, staff_name[:60]
        current.check_note = note
        current.save(update_fields=["check_status", "checked_at", "checked_by", "checker_name",
                                    "check_note", "updated_at"])
        audit_record(actor=actor, action=AUDIT_POSTCHECK_RESULT, obj=current, summary={
            "case_ref": current.case_ref, "material": current.material_name,
            "result": "passed" if passed else "failed", "note": note})
        if not passed:
            record = CreditRecord.objects.create(
                holder_kind=current.holder_kind, holder_person_id=current.holder_person_id,
                holder_enterprise_id=current.holder_enterprise_id, holder_name=current.holder_name,
                commitment=current, department_id=current.department_id,
                description=f"办件{current.case_ref}中对“{current.material_name}”作出的承诺经核查不实：{note}"[:500],
                recorded_at=now, recorded_by=actor)
            audit_record(actor=actor, action=AUDIT_CREDIT, obj=record, summary={
                "case_ref": current.case_ref, "holder": current.holder_name, "material": current.material_name})
    return current
