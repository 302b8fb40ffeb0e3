"""A case's materials: the checklist plan, uploads and paper copies, 告知承诺 commitments,
trust levels, the library and e-licence reuse.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.models import Enterprise, Person
from onewindow.accounts.selectors import staff_of_user
from onewindow.catalog.constants import MaterialSource
from onewindow.catalog.models import Material, ServiceItemVersion
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.uploads import image_check

from .. import constants as c
from .. import rules, selectors
from ..constants import (
    APPLICANT,
    SYSTEM,
    MaterialState,
)
from ..models import (
    Case,
    CaseMaterial,
)
from ._common import CLERK, S, _actor_label, _event, _lock, max_upload_bytes


# --- Materials --------------------------------------------------------------------------------
def _bundle_key(name: str, licence_code: str) -> str:
    return (f"licence:{licence_code.upper()}" if licence_code else f"name:{name.strip()}")[:220]


def _materials_build(case: Case, version: ServiceItemVersion, *,
                     holder: Person | Enterprise | None) -> list[CaseMaterial]:
    """The checklist of the version, with materials the applicant's e-licences or shared data
    already satisfy marked 免提交."""
    rows = _materials_plan(version, holder=holder)
    for row in rows:
        row.case = case
    return CaseMaterial.objects.bulk_create(rows)


def _materials_plan(version: ServiceItemVersion, *, holder: Person | Enterprise | None,
                    catalogue: Iterable[Material] | None = None) -> list[CaseMaterial]:
    """The checklist rows, not yet saved and not yet attached to a case. ``catalogue``: the
    version's materials when the caller has already read them.

    Each row gets the trust level it is satisfied at, where the catalogue accepts that level:
    A (the holder's current e-licence, or shared government data), else B (a verified material
    of the holder's material library that may be reused); the rest waits for an upload (C), a
    clerk's check of the original (B) or, where allowed, the applicant's commitment (D).
    """
    from onewindow.licences.selectors import licences_for_materials
    from onewindow.materials.rules import date_cn, material_key
    from onewindow.materials.selectors import library_for_keys

    catalogue = sorted(version.materials.all() if catalogue is None else catalogue,
                       key=lambda m: (m.order, m.id))
    found = licences_for_materials(holder=holder, material_licence_type_codes=[
        m.licence_type_code for m in catalogue if m.licence_type_code and "A" in m.trust_levels])
    keys = {m.pk: material_key(m.name, m.licence_type_code) for m in catalogue if "B" in m.trust_levels}
    library = library_for_keys(holder=holder, keys=keys.values()) if keys and holder is not None else {}
    rows = []
    for m in catalogue:
        row = CaseMaterial(material=m, order=m.order, name=m.name,
                           is_required=m.is_required, licence_type_code=m.licence_type_code,
                           bundle_key=_bundle_key(m.name, m.licence_type_code),
                           accepted_levels=m.trust_levels)
        licence = found.get(m.licence_type_code.upper()) if m.licence_type_code else None
        entry = library.get(keys.get(m.pk, ""))
        if licence is not None:
            row.state = MaterialState.LICENCE
            row.licence_ref = licence.public_id
            row.licence_number = licence.masked_number[:80]
            row.trust_level = "A"
            row.trust_source = f"电子证照库 · {licence.issuer_name}"[:200]
        elif m.source == MaterialSource.SHARED and not m.licence_type_code:
            row.state = MaterialState.SHARED
            row.trust_level = "A"
            row.trust_source = "政府部门共享数据"
        elif entry is not None:
            row.state = MaterialState.LIBRARY
            row.library_ref = entry.public_id
            row.trust_level = "B"
            who = f"{entry.verifier_department} {entry.verifier_name}".strip()
            row.trust_source = (f"材料库 · {who}于{date_cn(timezone.localdate(entry.verified_at))}核验原件，"
                                f"有效期至{date_cn(entry.valid_until)}")[:200]
        rows.append(row)
    return rows


def _material_views(case: Case) -> list[rules.MaterialView]:
    return [rules.MaterialView(m.name, m.is_required, m.state in c.MATERIAL_PROVIDED)
            for m in case.materials.all()]


@dataclass(frozen=True)
class StoredFile:
    name: str
    kind: rules.FileKind
    size: int
    sha256: str
    original_name: str


def _verify_content(upload: Any, kind: rules.FileKind, label: str) -> None:
    """Beyond the magic number: images must decode, PDFs must end like PDFs."""
    upload.seek(0)
    bad = f"文件“{label}”已损坏或不完整，请重新导出后上传"
    if kind is rules.PDF:
        upload.seek(max(upload.size - 2048, 0))
        if b"%%EOF" not in upload.read():
            raise ValidationFailed(bad, code="case_file_damaged", fields={"file": bad})
    else:  # decodes, and not a decompression bomb (core.uploads)
        image_check(upload, label=label, field="file", damaged_code="case_file_damaged", damaged_message=bad)
    upload.seek(0)


def file_store(*, upload: Any, folder: str) -> StoredFile:
    """Check an uploaded file by content and store it under a generated name."""
    name = rules.safe_filename(getattr(upload, "name", "") or "file")
    size = int(getattr(upload, "size", 0) or 0)
    upload.seek(0)
    head = upload.read(16)
    kind = rules.upload_check(name=name, size=size, head=head, max_bytes=max_upload_bytes())
    _verify_content(upload, kind, name)
    digest = rules.sha256_hex(upload.chunks() if hasattr(upload, "chunks") else [upload.read()])
    upload.seek(0)
    path = default_storage.save(f"{folder}/{uuid.uuid4().hex}.{kind.extension}", File(upload))
    return StoredFile(path, kind, size, digest, name)


def _material_apply_file(material: CaseMaterial, stored: StoredFile, now: datetime) -> None:
    material.file.name = stored.name
    material.original_name = stored.original_name
    material.content_type = stored.kind.content_type
    material.size = stored.size
    material.sha256 = stored.sha256
    material.state = MaterialState.UPLOADED
    material.uploaded_at = now
    material.note = ""
    material.trust_level = "C"
    material.trust_source = "申请人上传，待核验原件"
    material.library_ref = None
    material.watermark = ""
    material.commitment_text = ""
    material.committed_at = None


MATERIAL_FILE_FIELDS = ["file", "original_name", "content_type", "size", "sha256", "state",
                        "uploaded_at", "note", "trust_level", "trust_source", "library_ref",
                        "watermark", "commitment_text", "committed_at", "updated_at"]


def _material_editable(actor: Any, case: Case) -> str:
    """The role under which the actor may change this case's materials now."""
    roles = selectors.case_actor_roles(actor=actor, case=case)
    if case.status in (S.DRAFT, S.SUPPLEMENT) and APPLICANT in roles:
        return APPLICANT
    if case.status in (S.SUBMITTED, S.PREREVIEWED, S.SUPPLEMENT) and CLERK in roles:
        return CLERK
    if not selectors.case_visible(actor=actor, case=case):
        raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
    raise Conflict(f"办件当前状态为“{rules.status_label(case.status)}”，不能修改材料",
                   code="case_materials_locked")


def case_material_upload(*, actor: Any, material: CaseMaterial, upload: Any,
                         now: datetime | None = None) -> CaseMaterial:
    """Upload (or replace) the file of one checklist item. PDF, JPG or PNG by content."""
    case = material.case
    role = _material_editable(actor, case)
    stored = file_store(upload=upload, folder=f"cases/{case.public_id}")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = _lock(case)
            if locked.status != case.status:
                raise Conflict("办件状态已变化，请刷新后重试", code="case_changed")
            current = CaseMaterial.objects.select_for_update().get(pk=material.pk)
            _material_apply_file(current, stored, now)
            current.save(update_fields=MATERIAL_FILE_FIELDS)
            if case.status != S.DRAFT:
                _event(case=locked, action="material_upload", title=f"上传材料：{current.name}",
                       actor=actor, role=role, at=now, data={"material": current.name})
            audit_record(actor=actor, action=c.AUDIT_MATERIAL_UPLOAD, obj=locked, summary={
                "number": locked.number or "", "material": current.name,
                "type": stored.kind.name, "size": stored.size, "sha256": stored.sha256})
    except Exception:
        default_storage.delete(stored.name)
        raise
    return current


def case_material_paper(*, actor: Any, material: CaseMaterial, now: datetime | None = None,
                        to_library: bool = True, valid_until: date | None = None,
                        method: str = "window") -> CaseMaterial:
    """At the window: the clerk checked the original (纸质原件核验), which makes the material
    B level. When the applicant's copy is in the case (an upload, C level), it goes into the
    applicant's material library with who checked it and until when, so later cases reuse it
    without a new check (unless ``to_library`` is off)."""
    from onewindow.materials.constants import VerifyMethod
    from onewindow.materials.rules import material_key
    from onewindow.materials.services import library_material_store

    case = material.case
    role = _material_editable(actor, case)
    if role != CLERK:
        raise PermissionDenied("只有窗口受理人员可以核验纸质材料", code="case_role_forbidden")
    if method not in VerifyMethod.values:
        raise ValidationFailed("核验方式无效", code="case_verify_method_invalid",
                               fields={"method": "核验方式无效"})
    if material.state in c.MATERIAL_FREE:
        raise Conflict("该材料已由电子证照、共享数据或材料库提供，无需核验", code="case_material_not_needed")
    now = now or timezone.now()
    staff = staff_of_user(user=actor)
    who = staff.name if staff else _actor_label(actor)
    with transaction.atomic():
        locked = _lock(case)
        current = CaseMaterial.objects.select_for_update().get(pk=material.pk)
        holder = locked.applicant_person or locked.applicant_enterprise
        stored = None
        not_stored = ""
        if to_library and current.file and holder is not None and current.state == MaterialState.UPLOADED:
            try:
                stored = library_material_store(
                    actor=actor, holder=holder, name=current.name,
                    key=material_key(current.name, current.licence_type_code),
                    source_file=str(current.file.name), content_type=current.content_type,
                    original_name=current.original_name, valid_until=valid_until, verify_method=method,
                    case_ref=locked.number or "", case_uuid=locked.public_id, region_path=locked.region_path, now=now)
            except Conflict as error:  # raised before it writes anything: the check still counts
                if error.code != "material_not_watermarkable":
                    raise
                not_stored = "（文件无法生成水印副本，未存入材料库）"
        current.state = MaterialState.PAPER
        current.note = ""
        current.uploaded_at = now
        current.trust_level = "B"
        label = dict(VerifyMethod.choices)[method]
        current.trust_source = (f"{label} · {who} {timezone.localdate(now):%Y-%m-%d}"
                                + ("，已存入申请人材料库" if stored else not_stored))[:200]
        current.library_ref = stored.public_id if stored else None
        current.commitment_text = ""
        current.committed_at = None
        current.save(update_fields=["state", "note", "uploaded_at", "trust_level", "trust_source",
                                    "library_ref", "commitment_text", "committed_at", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_MATERIAL_UPLOAD, obj=locked,
                     summary={"number": locked.number or "", "material": current.name, "paper": True,
                              "method": method, "library": bool(stored)})
    return current


def _commit_apply(row: CaseMaterial, *, now: datetime, at_window: bool = False) -> None:
    from onewindow.materials.services import commitment_text

    row.state = MaterialState.COMMITTED
    row.trust_level = "D"
    row.trust_source = ("申请人在窗口书面承诺（告知承诺制）" if at_window else "申请人书面承诺（告知承诺制）")
    row.commitment_text = commitment_text(row.name)
    row.committed_at = now


def case_material_commit(*, actor: Any, material: CaseMaterial, commit: bool = True,
                         now: datetime | None = None) -> CaseMaterial:
    """告知承诺制: the applicant (or the clerk, for the applicant at the window) commits in
    writing instead of providing a D-level material the catalogue allows to be promised."""
    case = material.case
    role = _material_editable(actor, case)
    if "D" not in (material.accepted_levels or ""):
        raise Conflict(f"“{material.name}”不适用告知承诺制，请按要求提交材料",
                       code="case_commitment_not_allowed")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case)
        current = CaseMaterial.objects.select_for_update().get(pk=material.pk)
        if current.state in c.MATERIAL_FREE:
            raise Conflict("该材料已免提交，无需承诺", code="case_material_not_needed")
        if commit:
            _commit_apply(current, now=now, at_window=role != APPLICANT)
        else:
            current.state = MaterialState.UPLOADED if current.file else MaterialState.MISSING
            current.trust_level = "C" if current.file else ""
            current.trust_source = "申请人上传，待核验原件" if current.file else ""
            current.commitment_text = ""
            current.committed_at = None
        current.note = ""
        current.save(update_fields=["state", "trust_level", "trust_source", "commitment_text",
                                    "committed_at", "note", "updated_at"])
        if locked.status != S.DRAFT:
            _event(case=locked, action="material_commit", actor=actor, role=role, at=now,
                   title=(f"告知承诺：{current.name}" if commit else f"撤回承诺：{current.name}"),
                   data={"material": current.name})
        audit_record(actor=actor, action=f"{c.AUDIT_PREFIX}material_commit", obj=locked, summary={
            "number": locked.number or "", "material": current.name, "commit": commit})
    return current


def _library_recheck(case: Case, rows: Sequence[CaseMaterial] | None = None, *, today: Any = None) -> None:
    """Before submitting: a library material planned for the draft must still be reusable
    (not expired, not superseded, consent not withdrawn); otherwise it is asked for again."""
    from onewindow.materials.models import LibraryMaterial
    from onewindow.materials.selectors import library_usable

    rows = list(case.materials.filter(state=MaterialState.LIBRARY)) if rows is None else [
        r for r in rows if r.state == MaterialState.LIBRARY]
    if not rows:
        return
    entries = {m.public_id: m for m in LibraryMaterial.objects.filter(public_id__in=[r.library_ref for r in rows])}
    for row in rows:
        entry = entries.get(row.library_ref)  # type: ignore[arg-type]
        if entry is None or not library_usable(entry, today=today):
            row.state, row.trust_level, row.trust_source, row.library_ref = MaterialState.MISSING, "", "", None
            if row.pk:
                row.save(update_fields=["state", "trust_level", "trust_source", "library_ref", "updated_at"])


def _trust_settle(case: Case, *, actor: Any, now: datetime, rows: Sequence[CaseMaterial] | None = None) -> None:
    """After a case is numbered: library materials leave the library as watermarked copies kept
    in the case (each a recorded use with its watermark), and commitments are registered for
    the post-check draw."""
    from onewindow.materials.models import LibraryMaterial
    from onewindow.materials.services import CommittedMaterial, commitments_register, library_copy_for_case

    rows = list(case.materials.all()) if rows is None else list(rows)
    library_rows = [r for r in rows if r.state == MaterialState.LIBRARY and not r.watermark]
    if library_rows:
        entries = {m.public_id: m for m in LibraryMaterial.objects.filter(
            public_id__in=[r.library_ref for r in library_rows])}
        for row in library_rows:
            entry = entries.get(row.library_ref)  # type: ignore[arg-type]
            if entry is None:
                continue
            copy = library_copy_for_case(actor=actor, material=entry, case_ref=case.number or "",
                                         item_name=case.item_name, department_name=case.department.name,
                                         now=now)
            extension = {"application/pdf": "pdf", "image/png": "png"}.get(copy.content_type, "jpg")
            path = default_storage.save(f"cases/{case.public_id}/{uuid.uuid4().hex}.{extension}",
                                        ContentFile(copy.data))
            row.file.name = path
            row.original_name = copy.filename[:200]
            row.content_type = copy.content_type
            row.size = len(copy.data)
            row.sha256 = copy.use.copy_sha256
            row.watermark = copy.watermark
            row.uploaded_at = now
            row.save(update_fields=["file", "original_name", "content_type", "size", "sha256",
                                    "watermark", "uploaded_at", "updated_at"])
    committed = [r for r in rows if r.state == MaterialState.COMMITTED]
    holder = case.applicant_person or case.applicant_enterprise
    if committed and holder is not None:
        commitments_register(
            actor=actor, case_ref=case.number or "", case_uuid=case.public_id, item=case.item,
            item_name=case.item_name, department=case.department, region_path=case.region_path,
            holder=holder, now=now, materials=[CommittedMaterial(
                r.name, r.commitment_text or r.name, r.committed_at or now) for r in committed])


def _licences_use(*, actor: Any, case: Case, now: datetime) -> int:
    """Staff taking a case over use its 免提交 e-licences: each first use is recorded and
    audited by the licences app (数据共享留痕)."""
    from onewindow.licences.models import Licence
    from onewindow.licences.services import licence_use

    pending = list(case.materials.filter(state=MaterialState.LICENCE, licence_used_at__isnull=True,
                                         licence_ref__isnull=False))
    if not pending or actor is None:
        return 0
    licences = {lic.public_id: lic for lic in Licence.objects.select_related("licence_type")
                .filter(public_id__in=[m.licence_ref for m in pending])}
    from onewindow.materials.rules import copy_valid_until, watermark_a
    from onewindow.materials.services import copy_valid_days

    used = 0
    for material in pending:
        licence = licences.get(material.licence_ref)  # type: ignore[arg-type]
        if licence is None:
            continue
        until = copy_valid_until(today=timezone.localdate(now), days=copy_valid_days(),
                                 material_until=licence.valid_until)
        text = watermark_a(issuer=licence.issuer_name, item_name=case.item_name, valid_until=until)
        licence_use(actor=actor, licence=licence, case_ref=case.number or "",
                    purpose=f"办件材料免提交：{material.name}"[:200], watermark=text)
        material.licence_used_at = now
        material.watermark = text
        material.save(update_fields=["licence_used_at", "watermark", "updated_at"])
        used += 1
    return used


def case_material_open(*, actor: Any, material: CaseMaterial) -> CaseMaterial:
    """Open an uploaded file: the applicant freely, staff with an audit entry (个人信息留痕)."""
    case = material.case
    if not selectors.case_visible(actor=actor, case=case):
        raise NotFound("找不到该材料", code="case_material_not_found")
    if not material.file:
        raise NotFound("该材料没有上传文件", code="case_material_no_file")
    if not selectors.is_applicant(actor, case):
        with transaction.atomic():
            audit_record(actor=actor, action=c.AUDIT_MATERIAL_OPEN, obj=case,
                         summary={"number": case.number or "", "material": material.name})
    return material


def case_licence_open(*, actor: Any, material: CaseMaterial) -> Any:
    """Staff opening the e-licence behind a 免提交 material: a recorded use; returns it."""
    from onewindow.licences.models import Licence
    from onewindow.licences.services import licence_use

    case = material.case
    roles = selectors.case_actor_roles(actor=actor, case=case) - {APPLICANT, SYSTEM}
    if not roles:
        raise NotFound("找不到该材料", code="case_material_not_found")
    licence = (Licence.objects.select_related("licence_type").filter(public_id=material.licence_ref).first()
               if material.licence_ref else None)
    if licence is None:
        raise NotFound("该材料没有关联的电子证照", code="case_licence_not_found")
    licence_use(actor=actor, licence=licence, case_ref=case.number or "",
                purpose=f"审查材料：{material.name}"[:200])
    return licence
