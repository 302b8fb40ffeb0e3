"""Writes of applications (办件). Every transition goes through ``rules.transition_check``,
locks the case row, writes a timeline event and an audit entry in the same transaction, and
tells the applicant.

Reach: an actor who cannot see a case gets NotFound (404); one who sees it but whose role may
not take the action gets PermissionDenied (``case_role_forbidden``); an action the status does
not allow is a Conflict (``case_transition_illegal`` and related codes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Enterprise, Person, ServiceHall, Staff
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import person_of_user, staff_of_user
from onewindow.catalog.constants import MaterialSource, ServiceObject, VersionStatus
from onewindow.catalog.models import Material, ServiceItem, ServiceItemVersion, Theme
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.events import event_publish
from onewindow.core.selectors import work_calendar
from onewindow.core.uploads import image_check
from onewindow.core.workdays import WorkCalendar

from . import constants as c
from . import notify as notifications
from . import rules, selectors
from .constants import (
    APPLICANT,
    SYSTEM,
    Action,
    ApplicantKind,
    BundleStatus,
    CaseStatus,
    Channel,
    DeliveryMethod,
    FollowUpStatus,
    MaterialState,
    NotificationKind,
    PauseKind,
    StepKind,
    StepStatus,
    WarningLevel,
)
from .models import (
    Case,
    CaseBundle,
    CaseEvent,
    CaseMaterial,
    CasePause,
    CaseStep,
    Notification,
    Rating,
    RatingFollowUp,
)
from .numbering import case_number_next

S = CaseStatus
CLERK, REVIEWER, LEADER = rules.CLERK, rules.REVIEWER, rules.LEADER
ROLE_PREFERENCE = (APPLICANT, CLERK, REVIEWER, LEADER, SYSTEM)
LEVEL_RANK = {WarningLevel.NONE: 0, WarningLevel.YELLOW: 1, WarningLevel.RED: 2}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def warning_share() -> float:
    return float(_setting(c.SETTING_WARNING_SHARE, c.DEFAULT_WARNING_SHARE))


def accept_days() -> int:
    return int(_setting(c.SETTING_ACCEPT_DAYS, c.DEFAULT_ACCEPT_DAYS))


def follow_up_days() -> int:
    return int(_setting(c.SETTING_FOLLOW_UP_DAYS, c.DEFAULT_FOLLOW_UP_DAYS))


def max_upload_bytes() -> int:
    return int(_setting(c.SETTING_MAX_UPLOAD, c.DEFAULT_MAX_UPLOAD))


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "系统"
    staff = getattr(actor, "staff", None) if getattr(actor, "kind", "") == "staff" else None
    if staff is not None:
        return str(staff.name)
    return str(getattr(actor, "display_name", "") or actor.get_username())


def _link(case: Case) -> str:
    return f"/cases/{case.public_id}/"


# --- Deadlines --------------------------------------------------------------------------------
def _clock_set(case: Case, *, calendar: WorkCalendar, now: datetime) -> None:
    """Recompute due dates, the yellow moment and the provisional flag from the case's own
    start, limits and paused days. The warning level only falls here; the timer raises it
    (and tells people)."""
    share = warning_share()
    if case.accepted_at is None:
        if case.submitted_at is None:
            return
        days = accept_days()
        due = rules.due_compute(calendar, start=case.submitted_at, days=days, unit="working_day",
                                paused_days=case.paused_days)
        assert due is not None
        case.legal_due_at = case.promised_due_at = None
        case.due_at = due.at
        case.warn_at = rules.warn_at_compute(calendar, due=due.at, total_days=days, share=share)
        case.deadline_provisional = due.provisional
    else:
        legal = rules.due_compute(calendar, start=case.accepted_at, days=case.legal_limit_days,
                                  unit=case.legal_limit_unit, paused_days=case.paused_days)
        promised = rules.due_compute(calendar, start=case.accepted_at,
                                     days=case.promised_limit_days, unit=case.promised_limit_unit,
                                     paused_days=case.paused_days)
        case.legal_due_at = legal.at if legal else None
        case.promised_due_at = promised.at if promised else None
        main, limit = (promised, case.promised_limit_days) if promised else (legal, case.legal_limit_days)
        case.due_at = main.at if main else None
        case.warn_at = (rules.warn_at_compute(calendar, due=main.at, total_days=limit or 0, share=share)
                        if main else None)
        case.deadline_provisional = any(d.provisional for d in (legal, promised) if d)
    if case.status in c.CLOCK_STATUSES:
        level = rules.warning_level(now=now, due_at=case.due_at, warn_at=case.warn_at)
        if LEVEL_RANK[WarningLevel(level)] < LEVEL_RANK[WarningLevel(case.warning_level)]:
            case.warning_level = level


CLOCK_FIELDS = ["legal_due_at", "promised_due_at", "due_at", "warn_at", "deadline_provisional",
                "warning_level"]


def _pause_start(case: Case, *, kind: str, reason: str, now: datetime, actor: Any,
                 special_kind: str = "") -> CasePause:
    case.resume_status = (case.status if case.status in (S.ACCEPTED, S.IN_REVIEW) else S.SUBMITTED)
    case.paused_since = now
    return CasePause.objects.create(case=case, kind=kind, special_kind=special_kind,
                                    reason=reason, started_at=now,
                                    started_by=actor if getattr(actor, "pk", None) else None)


def _pause_end(case: Case, *, calendar: WorkCalendar, now: datetime, outcome: str = "") -> int:
    pause = case.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
    days = 0
    if pause is not None:
        unit = case.promised_limit_unit if case.accepted_at else "working_day"
        days = rules.pause_days(calendar, rules.Pause(pause.started_at, now), unit=unit)
        pause.ended_at = now
        pause.days = days
        pause.outcome = outcome[:2000]
        pause.save(update_fields=["ended_at", "days", "outcome", "updated_at"])
    case.paused_days += days
    case.paused_since = None
    return days


# --- Transition plumbing ----------------------------------------------------------------------
@dataclass
class _Step:
    case: Case
    roles: frozenset[str]
    role: str
    source: str
    target: str
    now: datetime
    staff: Staff | None
    current: CaseStep | None


def _lock(case: Case) -> Case:
    return (Case.objects.select_for_update(of=("self",))
            .select_related("department", "department__region", "applicant_person",
                            "applicant_enterprise", "item_version", "item", "bundle")
            .get(pk=case.pk))


def _begin(*, actor: Any, case: Case, action: str, now: datetime | None = None) -> _Step:
    """Lock the case, check reach, status and role; return what the transition needs."""
    case = _lock(case)
    if not selectors.case_visible(actor=actor, case=case):
        raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
    roles = selectors.case_actor_roles(actor=actor, case=case)
    current = selectors.case_current_step(case=case)
    target = rules.transition_check(
        action=action, status=case.status, roles=roles, channel=case.channel,
        step=selectors.case_step_plan(current), resume_status=case.resume_status,
        result_ready=case.result_issued_at is not None)
    allowed = rules.TRANSITIONS[action].roles
    if current is not None and action in (Action.COMPLETE_STEP, Action.APPROVE, Action.REFUSE):
        allowed = allowed & frozenset(current.roles)
    role = next(r for r in ROLE_PREFERENCE if r in roles and r in allowed)
    staff = staff_of_user(user=actor) if actor is not None and role not in (APPLICANT, SYSTEM) else None
    return _Step(case=case, roles=roles, role=role, source=case.status, target=target,
                 now=now or timezone.now(), staff=staff, current=current)


def _event(*, case: Case, action: str, title: str, actor: Any, role: str = "", from_status: str = "",
           to_status: str = "", note: str = "", data: Mapping[str, Any] | None = None,
           public: bool = True, at: datetime | None = None, actor_label: str | None = None) -> CaseEvent:
    """One timeline row. ``actor_label``: the actor's name when the caller already has it (saves
    reading the actor's staff row again)."""
    return CaseEvent.objects.create(
        case=case, at=at or timezone.now(), action=action, from_status=from_status,
        to_status=to_status, actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(actor_label if actor_label is not None else _actor_label(actor))[:100], role=role,
        title=title[:100], note=note, data=dict(data or {}), public=public)


def _finish(step: _Step, *, actor: Any, action: str, fields: Iterable[str], note: str = "",
            data: Mapping[str, Any] | None = None, title: str = "", public: bool = True,
            tell: str = "", kind: str = NotificationKind.CASE_STATUS) -> Case:
    case = step.case
    case.status = step.target
    case.save(update_fields=sorted({"status", "updated_at", *fields}))
    label = rules.TRANSITIONS[action].label
    _event(case=case, action=action, title=title or label, actor=actor, role=step.role,
           from_status=step.source, to_status=step.target, note=note, data=data, public=public,
           at=step.now)
    audit_record(actor=actor, action=f"{c.AUDIT_PREFIX}{action}", obj=case, summary={
        "number": case.number or "", "from": step.source, "to": step.target, "role": step.role,
        **({"note": note[:300]} if note else {}), **dict(data or {})})
    if tell:
        _tell_applicant(case, title=f"您的办件{case.number}：{tell}", body=note, kind=kind)
    if case.bundle_id and step.target in c.FINISHED_STATUSES:
        _bundle_refresh(case.bundle_id, now=step.now)
    return case


def _tell_applicant(case: Case, *, title: str, body: str = "",
                    kind: str = NotificationKind.CASE_STATUS) -> Notification | None:
    # by id: the notification row needs only the key, not the account
    recipient_id = case.applicant_user_id
    if recipient_id is None and case.applicant_person_id and case.applicant_person:
        recipient_id = case.applicant_person.user_id
    return notifications.notify(recipient_id=recipient_id, kind=kind, title=title, body=body, case=case,
                                link=_link(case), external=True)


def case_timeline_note(*, actor: Any, case: Case, title: str, note: str = "",
                       data: Mapping[str, Any] | None = None, at: datetime | None = None,
                       public: bool = True) -> CaseEvent:
    """A timeline row that changes nothing (e.g. the hall's queue number that brought the
    applicant to the window), audited. Higher apps use it to make one trace of a visit."""
    with transaction.atomic():
        event = _event(case=case, action="note", title=title, actor=actor, note=note[:2000],
                       data=data, public=public, at=at)
        audit_record(actor=actor, action=f"{c.AUDIT_PREFIX}note", obj=case,
                     summary={"number": case.number or "", "title": title[:100], **dict(data or {})})
    return event


def notification_send(*, recipient: Any, kind: str, title: str, body: str = "", link: str = "",
                      external: bool = True) -> Notification | None:
    """Tell a user something through the platform's notifications (in-app, and SMS/e-mail
    adapters after commit when ``external``): for higher apps' reminders."""
    return notifications.notify(recipient=recipient, kind=kind, title=title, body=body, link=link,
                                external=external)


# --- Applicants and versions ------------------------------------------------------------------
def _published_version(item: ServiceItem) -> ServiceItemVersion:
    version = item.current_version
    if version is None or version.status != VersionStatus.PUBLISHED:
        raise Conflict("该事项已停用或尚未发布，暂不能申请", code="case_item_unavailable")
    return version


def _applicant_check(version: ServiceItemVersion, *, person: Person | None,
                     enterprise: Enterprise | None) -> str:
    if (person is None) == (enterprise is None):
        raise ValidationFailed("请指定一个申请人（自然人或法人）", code="case_applicant_required",
                               fields={"applicant": "请指定申请人"})
    kind = ApplicantKind.PERSON if person is not None else ApplicantKind.ENTERPRISE
    if version.service_object == ServiceObject.NATURAL and kind != ApplicantKind.PERSON:
        raise ValidationFailed("该事项只面向自然人申请", code="case_applicant_kind",
                               fields={"applicant": "该事项只面向自然人申请"})
    if version.service_object == ServiceObject.LEGAL and kind != ApplicantKind.ENTERPRISE:
        raise ValidationFailed("该事项只面向法人申请，请选择以企业身份办理", code="case_applicant_kind",
                               fields={"applicant": "该事项只面向法人申请"})
    return kind


def _online_applicant(actor: Any, enterprise: Enterprise | None) -> tuple[Person | None, Enterprise | None]:
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "kind", "") == "staff":
        raise PermissionDenied("请以个人或企业账号登录后申请", code="case_citizen_required")
    if enterprise is not None:
        if not actor.enterprises.filter(pk=enterprise.pk).exists():
            raise NotFound("找不到该企业", code="enterprise_not_found")
        return None, enterprise
    person = person_of_user(user=actor)
    if person is None:
        raise ValidationFailed("请先完成实名认证（登记身份证号）后再申请", code="case_identity_required")
    return person, None


#: Longest text of one application-form field (申请说明 …); longer is refused, never cut.
FORM_TEXT_MAX = 2000


def _form_clean(form_data: Mapping[str, Any] | None) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, value in (form_data or {}).items():
        key = str(key)[:40]
        if not key:
            continue
        text = str(value if value is not None else "").strip()
        if len(text) > FORM_TEXT_MAX:
            message = f"“{key}”最多{FORM_TEXT_MAX}字，现有{len(text)}字，请删减{len(text) - FORM_TEXT_MAX}字"
            raise ValidationFailed(message, code="case_form_text_too_long",
                                   fields={f"form_data.{key}": message})
        cleaned[key] = text
        if len(cleaned) >= 30:
            break
    return cleaned


def _delivery_clean(method: str, address: str) -> tuple[str, str]:
    method = method or DeliveryMethod.ONLINE
    if method not in DeliveryMethod.values:
        raise ValidationFailed("送达方式无效", code="case_delivery_method",
                               fields={"delivery_method": "请选择送达方式"})
    address = (address or "").strip()[:300]
    if method == DeliveryMethod.POST and len(address) < 5:
        raise ValidationFailed("选择邮寄送达时请填写邮寄地址", code="case_delivery_address",
                               fields={"delivery_address": "请填写邮寄地址"})
    return method, address


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


# --- Drafts and online submission -------------------------------------------------------------
def case_draft_create(*, actor: Any, item: ServiceItem, enterprise: Enterprise | None = None,
                      channel: str = Channel.ONLINE, hall: ServiceHall | None = None,
                      form_data: Mapping[str, Any] | None = None, bundle: CaseBundle | None = None
                      ) -> Case:
    """Start an online (or kiosk) application under the version in force, with its checklist."""
    if channel not in (Channel.ONLINE, Channel.KIOSK):
        raise ValidationFailed("草稿只用于网上或自助终端申请", code="case_channel_invalid")
    version = _published_version(item)
    if channel == Channel.ONLINE and not version.is_online:
        raise Conflict("该事项暂不支持网上申请，请到窗口办理", code="case_not_online")
    if channel == Channel.KIOSK and (not version.kiosk or hall is None):
        raise Conflict("该事项暂不支持自助终端办理", code="case_not_kiosk")
    person, enterprise = _online_applicant(actor, enterprise)
    kind = _applicant_check(version, person=person, enterprise=enterprise)
    department = item.department
    region_path = hall.region.path if hall is not None else department.region.path
    with transaction.atomic():
        case = Case.objects.create(
            item=item, item_version=version, item_name=version.name, department=department,
            region_path=region_path, channel=channel, status=S.DRAFT, applicant_kind=kind,
            applicant_person=person, applicant_enterprise=enterprise, applicant_user=actor,
            applicant_name=(person.name if person else enterprise.name),  # type: ignore[union-attr]
            contact_phone=person.phone if person else "", form_data=_form_clean(form_data),
            hall=hall, bundle=bundle, delivery_method=DeliveryMethod.ONLINE)
        _materials_build(case, version, holder=person or enterprise)
        audit_record(actor=actor, action=c.AUDIT_DRAFT_SAVE, obj=case,
                     summary={"item": item.implementation_code, "version": version.number,
                              "channel": channel, "created": True})
    return case


def case_draft_update(*, actor: Any, case: Case, form_data: Mapping[str, Any] | None = None,
                      contact_phone: str | None = None, delivery_method: str | None = None,
                      delivery_address: str | None = None) -> Case:
    from onewindow.accounts.rules import phone_validate

    if case.status != S.DRAFT or APPLICANT not in selectors.case_actor_roles(actor=actor, case=case):
        if not selectors.case_visible(actor=actor, case=case):
            raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
        raise Conflict("只能修改草稿", code="case_not_draft")
    fields = []
    if form_data is not None:
        case.form_data = _form_clean(form_data)
        fields.append("form_data")
    if contact_phone is not None:
        case.contact_phone = phone_validate(contact_phone, field="contact_phone")
        fields.append("contact_phone")
    if delivery_method is not None or delivery_address is not None:
        method, address = _delivery_clean(delivery_method or case.delivery_method,
                                          delivery_address if delivery_address is not None
                                          else case.delivery_address)
        case.delivery_method, case.delivery_address = method, address
        fields += ["delivery_method", "delivery_address"]
    if fields:
        with transaction.atomic():
            case.save(update_fields=[*fields, "updated_at"])
            audit_record(actor=actor, action=c.AUDIT_DRAFT_SAVE, obj=case,
                         summary={"fields": [f for f in fields if f != "delivery_address"]})
    return case


def case_draft_discard(*, actor: Any, case: Case) -> None:
    if case.status != S.DRAFT or APPLICANT not in selectors.case_actor_roles(actor=actor, case=case):
        raise NotFound("找不到该草稿", code="case_not_found")
    with transaction.atomic():
        files = [str(m.file.name) for m in case.materials.all() if m.file]
        audit_record(actor=actor, action="case.draft_discard", obj=case,
                     summary={"item": case.item_name})
        case.delete()

        def remove() -> None:
            for name in files:
                default_storage.delete(name)

        transaction.on_commit(remove)


def _number_assign(case: Case, now: datetime) -> None:
    case.number = case_number_next(area_code=case.department.region.code, when=now)
    case.submitted_at = now


def _version_current_check(case: Case) -> None:
    item_version_id = ServiceItem.objects.filter(pk=case.item_id).values_list(
        "current_version_id", flat=True).first()
    if item_version_id != case.item_version_id:
        raise Conflict("该事项的办事指南已更新，请重新发起申请并按新的材料清单提交",
                       code="case_version_changed")


def case_submit(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    """Submit a draft: checks the required materials, numbers the case, starts the clock."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.SUBMIT, now=now)
        case = step.case
        _version_current_check(case)
        if case.delivery_method == DeliveryMethod.POST and not case.delivery_address:
            raise ValidationFailed("选择邮寄送达时请填写邮寄地址", code="case_delivery_address",
                                   fields={"delivery_address": "请填写邮寄地址"})
        _library_recheck(case, today=timezone.localdate(step.now))
        rules.materials_check(_material_views(case))
        _number_assign(case, step.now)
        case.licence_materials = case.materials.filter(state=MaterialState.LICENCE).count()
        case.status = step.target
        _clock_set(case, calendar=work_calendar(), now=step.now)
        _trust_settle(case, actor=actor, now=step.now)
        return _finish(step, actor=actor, action=Action.SUBMIT,
                       fields=["number", "submitted_at", "licence_materials", *CLOCK_FIELDS],
                       data={"channel": case.channel, "item": case.item_name},
                       tell="已提交，等待预审/受理")


# --- Window intake ----------------------------------------------------------------------------
def case_window_intake(
    *, actor: Any, item: ServiceItem, person: Person | None = None,
    enterprise: Enterprise | None = None, agent: Person | None = None,
    form_data: Mapping[str, Any] | None = None, paper: Iterable[str] = (),
    uploads: Mapping[str, Any] | None = None, delivery_method: str = DeliveryMethod.PICKUP,
    delivery_address: str = "", accept: bool = False, now: datetime | None = None,
    commit: Iterable[str] = (),
) -> Case:
    """综合受理: a clerk of the integrated window takes an application for any item on behalf
    of the applicant; the case then belongs to the item's department (its back office).

    ``paper`` and ``uploads`` are keyed by the catalogue material's public id. With ``accept``
    the clerk also accepts it on the spot (all required materials must be there).
    """
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(Role.WINDOW_CLERK):
        raise PermissionDenied("只有综合受理窗口人员可以窗口收件", code="case_role_forbidden")
    # the clerk's window and hall, as plain values in one query (no model instances needed)
    staff_row = (Staff.objects.filter(user=actor).order_by()
                 .values_list("id", "name", "window_id", "window__number", "window__hall_id",
                              "window__hall__name", "window__hall__region__path", "region__path")[:1])
    assert staff_row
    staff_id, staff_name, window_id, window_number, hall_id, hall_name, hall_path, staff_path = staff_row[0]
    version = _published_version(item)
    kind = _applicant_check(version, person=person, enterprise=enterprise)
    region_path = hall_path if hall_id is not None else staff_path
    holder: Person | Enterprise | None = person or enterprise
    if holder is not None and holder.region_path and not scope.covers_region_path(holder.region_path):
        pass  # 通办: anyone may apply at any window; the applicant's home region does not matter
    method, address = _delivery_clean(delivery_method, delivery_address)
    now = now or timezone.now()
    catalogue = list(version.materials.all())  # read once: checked here, planned below
    materials_by_key = {str(m.public_id): m for m in catalogue}
    commit = list(commit)
    unknown = [k for k in [*paper, *(uploads or {}), *commit] if k not in materials_by_key]
    if unknown:
        raise ValidationFailed("材料不属于该事项", code="case_material_unknown",
                               fields={"materials": "材料不属于该事项"})
    not_promisable = [materials_by_key[k].name for k in commit if "D" not in materials_by_key[k].trust_levels]
    if not_promisable:
        msg = f"“{'、'.join(not_promisable)}”不适用告知承诺制"
        raise ValidationFailed(msg, code="case_commitment_not_allowed", fields={"materials": msg})
    stored: dict[str, StoredFile] = {}
    folder = f"cases/intake/{uuid.uuid4().hex}"
    try:
        for key, upload in (uploads or {}).items():
            try:
                stored[key] = file_store(upload=upload, folder=folder)
            except ValidationFailed as error:
                raise ValidationFailed(error.message, code=error.code,
                                       fields={f"materials.{key}": error.message}) from None
        with transaction.atomic():
            case = Case(
                item=item, item_version=version, item_name=version.name,
                department=item.department, region_path=region_path, channel=Channel.WINDOW,
                status=S.SUBMITTED, applicant_kind=kind, applicant_person=person,
                applicant_enterprise=enterprise, agent_person=agent,
                applicant_user_id=person.user_id if person is not None else None,
                applicant_name=(person.name if person else enterprise.name),  # type: ignore[union-attr]
                contact_phone=(person.phone if person else ""), form_data=_form_clean(form_data),
                hall_id=hall_id, window_id=window_id, intake_clerk_id=staff_id,
                delivery_method=method, delivery_address=address)
            # The whole checklist is settled in memory: one INSERT for the case, one for its
            # materials (paper originals checked, scans attached, e-licences marked 免提交).
            planned = _materials_plan(version, holder=holder, catalogue=catalogue)
            rows = {str(m.material.public_id): m for m in planned if m.material is not None}
            for key in paper:
                rows[key].state = MaterialState.PAPER
                rows[key].uploaded_at = now
                rows[key].trust_level = "B"
                rows[key].trust_source = f"窗口核验原件 · {staff_name} {timezone.localdate(now):%Y-%m-%d}"[:200]
            for key, file in stored.items():
                _material_apply_file(rows[key], file, now)
            for key in commit:
                _commit_apply(rows[key], now=now, at_window=True)
            case.licence_materials = sum(1 for r in planned if r.state == MaterialState.LICENCE)
            _number_assign(case, now)
            calendar = work_calendar()
            _clock_set(case, calendar=calendar, now=now)
            case.save()
            for row in planned:
                row.case = case
            CaseMaterial.objects.bulk_create(planned)
            if case.licence_materials:
                _licences_use(actor=actor, case=case, now=now)
            _trust_settle(case, actor=actor, now=now, rows=planned)
            event = _event(case=case, action=Action.SUBMIT, title="窗口收件", actor=actor, role=CLERK,
                           from_status="", to_status=S.SUBMITTED, at=now,
                           actor_label=str(staff_name) if getattr(actor, "kind", "") == "staff" else None,
                           data={"hall": hall_name or "", "window": window_number or ""})
            audit_record(actor=actor, action=f"{c.AUDIT_PREFIX}window_intake", obj=case, summary={
                "number": case.number, "item": item.implementation_code, "department":
                item.department.code, "paper": len(list(paper)), "uploads": len(stored)})
            _tell_applicant(case, title=f"您的办件{case.number}：窗口已收件")
            if accept:
                case = case_accept(actor=actor, case=case, now=now)
            else:
                # everything the detail shows was written just now: hand it over, no re-read
                selectors.case_parts_remember(case, selectors.CaseParts(
                    materials=planned, steps=[], events=[event], ratings=[], calendar=calendar))
    except Exception:
        for file in stored.values():
            default_storage.delete(file.name)
        raise
    return case


# --- Proxy applications (代办) -----------------------------------------------------------------
PROXY_ROLES = (Role.GRID_WORKER, Role.CARE_PROVIDER)


def case_proxy_submit(
    *, actor: Any, item: ServiceItem, person: Person, consent: str, consent_at: datetime | None = None,
    form_data: Mapping[str, Any] | None = None, paper: Iterable[str] = (), now: datetime | None = None,
) -> Case:
    """代办 (居民办事、干部跑腿): a grid or care worker submits an online application for an
    elderly or disabled resident who agreed to it. The case is the resident's (they see it and
    are told), and it names the proxy and how the consent was given.

    ``paper``: catalogue material public ids whose paper originals the worker collected. The
    caller (the grid app) has checked that the resident is in the worker's care.
    """
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(*PROXY_ROLES):
        raise PermissionDenied("只有网格员或养老服务人员可以代办", code="case_proxy_forbidden")
    consent = (consent or "").strip()[:300]
    if len(consent) < 4:
        msg = "请记录申请人同意代办的方式和情况"
        raise ValidationFailed(msg, code="case_proxy_consent_required", fields={"consent": msg})
    version = _published_version(item)
    if not version.is_online:
        raise Conflict("该事项暂不支持网上申请，请陪同申请人到窗口办理", code="case_not_online")
    kind = _applicant_check(version, person=person, enterprise=None)
    staff = staff_of_user(user=actor)
    now = now or timezone.now()
    catalogue = list(version.materials.all())
    paper = list(paper)
    known = {str(m.public_id) for m in catalogue}
    if any(key not in known for key in paper):
        raise ValidationFailed("材料不属于该事项", code="case_material_unknown",
                               fields={"materials": "材料不属于该事项"})
    with transaction.atomic():
        case = Case(
            item=item, item_version=version, item_name=version.name, department=item.department,
            region_path=item.department.region.path, channel=Channel.ONLINE, status=S.SUBMITTED,
            applicant_kind=kind, applicant_person=person, applicant_user_id=person.user_id,
            applicant_name=person.name, contact_phone=person.phone, form_data=_form_clean(form_data),
            delivery_method=DeliveryMethod.ONLINE, proxy_staff=staff, proxy_consent=consent,
            proxy_consent_at=consent_at or now)
        planned = _materials_plan(version, holder=person, catalogue=catalogue)
        for row in planned:
            if row.material is not None and str(row.material.public_id) in paper:
                row.state = MaterialState.PAPER
                row.uploaded_at = now
        rules.materials_check([rules.MaterialView(m.name, m.is_required, m.state in c.MATERIAL_PROVIDED)
                               for m in planned])
        case.licence_materials = sum(1 for r in planned if r.state == MaterialState.LICENCE)
        _number_assign(case, now)
        _clock_set(case, calendar=work_calendar(), now=now)
        case.save()
        for row in planned:
            row.case = case
        CaseMaterial.objects.bulk_create(planned)
        _trust_settle(case, actor=actor, now=now, rows=planned)
        proxy = staff.name if staff else _actor_label(actor)
        _event(case=case, action=Action.SUBMIT, title="代办提交", actor=actor, from_status="",
               to_status=S.SUBMITTED, at=now, note=f"{proxy}代申请人提交；{consent}",
               data={"proxy": proxy, "consent": consent})
        audit_record(actor=actor, action=f"{c.AUDIT_PREFIX}proxy_submit", obj=case, summary={
            "number": case.number, "item": item.implementation_code, "proxy": proxy, "consent": consent,
            "paper": len(paper)})
        _tell_applicant(case, title=f"您的办件{case.number}：{proxy}已为您代办提交")
    return case


# --- Pre-review, acceptance -------------------------------------------------------------------
def case_prereview(*, actor: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    """预审通过 (online and kiosk cases): the hall may now give the applicant a priority number."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.PREREVIEW, now=now)
        case = step.case
        rules.materials_check(_material_views(case))
        case.prereviewed_at = step.now
        _licences_use(actor=actor, case=case, now=step.now)
        result = _finish(step, actor=actor, action=Action.PREREVIEW, fields=["prereviewed_at"],
                         note=note.strip()[:2000], tell="已通过预审，等待受理")
        event_publish(name=c.EVENT_PREREVIEW_PASSED, payload={
            "case_id": str(case.public_id), "case_number": case.number,
            "item_name": case.item_name, "department_code": case.department.code,
            "region_path": case.region_path,
            "applicant": {
                "kind": case.applicant_kind, "name": case.applicant_name,
                "person_id": str(case.applicant_person.public_id) if case.applicant_person else None,
                "enterprise_id": (str(case.applicant_enterprise.public_id)
                                  if case.applicant_enterprise else None),
                "user_id": case.applicant_user_id,
            },
        })
        return result


def case_accept(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    """受理: the legal time limit starts; the review steps of the version are laid out."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.ACCEPT, now=now)
        case = step.case
        rules.materials_check(_material_views(case))
        version = case.item_version
        case.accepted_at = step.now
        case.paused_days = 0
        case.legal_limit_days = version.legal_limit_value
        case.legal_limit_unit = version.legal_limit_unit
        case.promised_limit_days = version.promised_limit_value
        case.promised_limit_unit = version.promised_limit_unit
        staff = step.staff
        CaseStep.objects.create(case=case, order=0, kind=StepKind.INTAKE, name="受理",
                                roles=[step.role], status=StepStatus.DONE, handler=staff,
                                handler_name=staff.name if staff else "", started_at=step.now,
                                finished_at=step.now)
        plan = rules.review_plan(version.steps)
        CaseStep.objects.bulk_create([
            CaseStep(case=case, order=i, kind=p.kind, name=p.name, roles=list(p.roles),
                     status=StepStatus.ACTIVE if i == 1 else StepStatus.PENDING,
                     started_at=step.now if i == 1 else None)
            for i, p in enumerate(plan, start=1)])
        case.current_step = 1
        case.step_name = plan[0].name
        if case.channel == Channel.WINDOW and case.intake_clerk_id is None and step.role == CLERK:
            case.intake_clerk = staff
        case.status = step.target
        case.warning_level = WarningLevel.NONE
        _clock_set(case, calendar=work_calendar(), now=step.now)
        _licences_use(actor=actor, case=case, now=step.now)
        due = case.due_at.astimezone(rules.SHANGHAI).date().isoformat() if case.due_at else ""
        return _finish(step, actor=actor, action=Action.ACCEPT,
                       fields=["accepted_at", "paused_days", "legal_limit_days", "legal_limit_unit",
                               "promised_limit_days", "promised_limit_unit", "current_step",
                               "step_name", "intake_clerk", *CLOCK_FIELDS],
                       data={"due": due, "provisional": case.deadline_provisional},
                       tell=f"已受理，承诺办结时限至{due}" if due else "已受理")


def case_not_accept(*, actor: Any, case: Case, reason: str, now: datetime | None = None) -> Case:
    """不予受理, with the reasons (shown on the notice)."""
    reason = rules.reason_check(Action.NOT_ACCEPT, reason)
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.NOT_ACCEPT, now=now)
        case = step.case
        case.decision_reason = reason
        case.decided_at = step.now
        return _finish(step, actor=actor, action=Action.NOT_ACCEPT,
                       fields=["decision_reason", "decided_at"], note=reason,
                       tell="不予受理", kind=NotificationKind.RESULT)


# --- Supplements ------------------------------------------------------------------------------
def case_request_supplement(*, actor: Any, case: Case, items: Sequence[Mapping[str, Any]],
                            reason: str = "", now: datetime | None = None) -> Case:
    """补正告知: one notice listing everything missing; the clock stops until resubmission."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.REQUEST_SUPPLEMENT, now=now)
        case = step.case
        materials = {str(m.public_id): m for m in case.materials.all()}
        cleaned = rules.supplement_items_clean(items, known=materials)
        reason = rules.reason_check(Action.REQUEST_SUPPLEMENT, reason or "；".join(
            f"{i['name']}{'：' + i['reason'] if i['reason'] else ''}" for i in cleaned))
        for entry in cleaned:
            material = materials.get(entry["material_id"])
            if material is not None:
                material.state = MaterialState.REJECTED
                material.note = entry["reason"][:500] or "需补正"
                material.save(update_fields=["state", "note", "updated_at"])
        _pause_start(case, kind=PauseKind.SUPPLEMENT, reason=reason, now=step.now, actor=actor)
        case.supplement_items = cleaned
        return _finish(step, actor=actor, action=Action.REQUEST_SUPPLEMENT,
                       fields=["resume_status", "paused_since", "supplement_items"], note=reason,
                       data={"items": [i["name"] for i in cleaned]}, tell="需要补正材料",
                       kind=NotificationKind.SUPPLEMENT)


def case_resubmit(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    """补正后重新提交: every item of the notice must now be provided; the clock resumes."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.RESUBMIT, now=now)
        case = step.case
        still = [m.name for m in case.materials.all() if m.state == MaterialState.REJECTED]
        if still:
            message = "以下材料尚未补正：" + "、".join(still)
            raise ValidationFailed(message, code="case_supplement_incomplete",
                                   fields={"materials": message}, detail={"missing": still})
        rules.materials_check(_material_views(case))
        calendar = work_calendar()
        days = _pause_end(case, calendar=calendar, now=step.now)
        case.status = step.target
        case.supplement_items = []
        case.resume_status = ""
        _clock_set(case, calendar=calendar, now=step.now)
        return _finish(step, actor=actor, action=Action.RESUBMIT,
                       fields=["paused_days", "paused_since", "supplement_items", "resume_status",
                               *CLOCK_FIELDS],
                       data={"paused_days": days}, tell="补正材料已提交，恢复计时")


# --- Review -----------------------------------------------------------------------------------
def case_step_complete(*, actor: Any, case: Case, opinion: str = "",
                       record: Mapping[str, Any] | None = None, now: datetime | None = None) -> Case:
    """Complete the current review step (a 现场勘察 needs its record) and open the next."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.COMPLETE_STEP, now=now)
        case = step.case
        current = step.current
        assert current is not None
        clean_record = rules.inspection_record_check(record) if current.kind == StepKind.INSPECTION else {}
        opinion = (opinion or "").strip()[:2000]
        if not opinion and current.kind != StepKind.INSPECTION:
            raise ValidationFailed("请填写审查意见", code="case_opinion_required",
                                   fields={"opinion": "请填写审查意见"})
        current.status = StepStatus.DONE
        current.finished_at = step.now
        current.opinion = opinion or clean_record.get("findings", "")
        current.record = clean_record
        current.handler = step.staff
        current.handler_name = step.staff.name if step.staff else ""
        current.save(update_fields=["status", "finished_at", "opinion", "record", "handler",
                                    "handler_name", "updated_at"])
        following = case.steps.filter(order__gt=current.order).order_by("order").first()
        assert following is not None  # the last step is always the decision
        following.status = StepStatus.ACTIVE
        following.started_at = step.now
        following.save(update_fields=["status", "started_at", "updated_at"])
        case.current_step = following.order
        case.step_name = following.name
        return _finish(step, actor=actor, action=Action.COMPLETE_STEP,
                       fields=["current_step", "step_name"], title=f"{current.name}完成",
                       note=current.opinion, data={"step": current.name, "next": following.name,
                                                   **({"record": clean_record} if clean_record else {})},
                       public=True)


def case_special_start(*, actor: Any, case: Case, kind: str, reason: str,
                       now: datetime | None = None) -> Case:
    """特别程序 (expert review, hearing, testing…): the clock stops, with start and reason."""
    if kind not in c.SpecialKind.values:
        raise ValidationFailed("请选择特别程序种类", code="case_special_kind",
                               fields={"kind": "请选择特别程序种类"})
    reason = rules.reason_check(Action.START_SPECIAL, reason)
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.START_SPECIAL, now=now)
        case = step.case
        _pause_start(case, kind=PauseKind.SPECIAL, special_kind=kind, reason=reason, now=step.now,
                     actor=actor)
        label = c.SpecialKind(kind).label
        return _finish(step, actor=actor, action=Action.START_SPECIAL,
                       fields=["resume_status", "paused_since"], title=f"启动特别程序：{label}",
                       note=reason, data={"kind": kind}, tell=f"进入特别程序（{label}），期间不计入办理时限")


def case_special_end(*, actor: Any, case: Case, outcome: str = "", now: datetime | None = None) -> Case:
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.END_SPECIAL, now=now)
        case = step.case
        calendar = work_calendar()
        days = _pause_end(case, calendar=calendar, now=step.now, outcome=outcome)
        case.status = step.target
        case.resume_status = ""
        _clock_set(case, calendar=calendar, now=step.now)
        return _finish(step, actor=actor, action=Action.END_SPECIAL,
                       fields=["paused_days", "paused_since", "resume_status", *CLOCK_FIELDS],
                       note=(outcome or "").strip()[:2000], data={"paused_days": days},
                       tell="特别程序结束，恢复计时")


def case_decide(*, actor: Any, case: Case, approve: bool, reason: str = "",
                now: datetime | None = None) -> Case:
    """准予 or 不予许可 at the decision step; records working days used and early completion.
    An approval issues its result (e-licence or approval document) right after commit."""
    action = Action.APPROVE if approve else Action.REFUSE
    reason = rules.reason_check(action, reason)
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=action, now=now)
        case = step.case
        if step.current is not None:
            current = step.current
            current.status = StepStatus.DONE
            current.finished_at = step.now
            current.opinion = reason or ("准予许可" if approve else "")
            current.handler = step.staff
            current.handler_name = step.staff.name if step.staff else ""
            current.save(update_fields=["status", "finished_at", "opinion", "handler",
                                        "handler_name", "updated_at"])
        case.decided_at = step.now
        case.decision_reason = reason
        if case.accepted_at is not None:
            done = rules.completion_compute(work_calendar(), accepted_at=case.accepted_at,
                                            completed_at=step.now, paused_days=case.paused_days,
                                            due_at=case.due_at)
            case.working_days_used = done.working_days_used
            case.completed_early = done.early
            case.overdue = done.overdue
        case.step_name = ""
        result = _finish(step, actor=actor, action=action,
                         fields=["decided_at", "decision_reason", "working_days_used",
                                 "completed_early", "overdue", "step_name"],
                         note=reason, data={"early": case.completed_early, "overdue": case.overdue},
                         tell="准予许可，正在出具办理结果" if approve else "不予许可",
                         kind=NotificationKind.RESULT)
        if approve:
            case_id = case.id
            transaction.on_commit(lambda: _enqueue_result(case_id))
        return result


def _enqueue_result(case_id: int) -> None:
    from .tasks import case_result_issue_task

    case_result_issue_task.enqueue(case_id)


def result_type_code(version: ServiceItemVersion) -> str:
    """The licence type of an item's result document (an approval decision when it names none)."""
    return _result_type(version)


def _result_type(version: ServiceItemVersion) -> str:
    code = (version.result_licence_type_code or "").strip().upper()
    if version.result_type == "licence" and code:
        return code
    return "APPROVAL_DECISION"


def _result_surface(case: Case, type_code: str) -> dict[str, str]:
    """The result document's own items (licences.layouts), never the free 申请说明."""
    import secrets

    from onewindow.licences.layouts import ResultFacts, result_surface

    person, enterprise = case.applicant_person, case.applicant_enterprise
    local = timezone.localtime
    return result_surface(ResultFacts(
        type_code=type_code, item_name=case.item_name, holder_is_person=person is not None,
        holder_name=person.name if person else (enterprise.name if enterprise else ""),
        credit_code=enterprise.credit_code if enterprise else "",
        legal_representative=enterprise.legal_representative if enterprise else "",
        enterprise_address=enterprise.address if enterprise else "",
        person_birth=f"{person.birth_date:%Y年%-m月%-d日}" if person and person.birth_date else "",
        form={str(k): str(v) for k, v in (case.form_data or {}).items()},
        accepted_on=f"{local(case.accepted_at):%Y年%-m月%-d日}" if case.accepted_at else "",
        decided_on=f"{local(case.decided_at or timezone.now()):%Y年%-m月%-d日}",
        district_code=str(settings.ONEWINDOW_DISTRICT_CODE),
        department_name=case.department.name if case.department else "",
        serial=secrets.randbelow(10**8)))


def case_result_issue(*, actor: Any, case: Case) -> Case:
    """Issue the result of an approved case through the e-licence library: a PDF with a QR
    code and a verification code, kept in the holder's library. Idempotent."""
    from onewindow.licences.services import licence_issue

    case = Case.objects.select_related("item_version", "department", "department__region",
                                       "applicant_person", "applicant_enterprise").get(pk=case.pk)
    if actor is not None:
        roles = selectors.case_actor_roles(actor=actor, case=case) & {CLERK, REVIEWER, LEADER}
        if not roles:
            if not selectors.case_visible(actor=actor, case=case):
                raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
            raise PermissionDenied("只有办件工作人员可以出具结果", code="case_role_forbidden")
    if case.result_issued_at is not None:
        return case
    if case.status != S.APPROVED:
        raise Conflict("只有准予许可的办件才能出具结果", code="case_result_not_approved")
    version = case.item_version
    type_code = _result_type(version)
    licence = licence_issue(
        actor=actor, type_code=type_code, holder_person=case.applicant_person,
        holder_enterprise=case.applicant_enterprise, data=_result_surface(case, type_code),
        source_ref=case.number or "", department=case.department, title=(version.result_name or None))
    with transaction.atomic():
        locked = _lock(case)
        if locked.result_issued_at is not None:
            return locked
        locked.result_licence_ref = licence.public_id
        locked.result_issued_at = timezone.now()
        locked.save(update_fields=["result_licence_ref", "result_issued_at", "updated_at"])
        _event(case=locked, action="result_issue", title=f"出具结果：{licence.licence_type.name}",
               actor=actor, role=SYSTEM if actor is None else REVIEWER,
               data={"number": licence.masked_number, "licence": str(licence.public_id)})
        audit_record(actor=actor, action=c.AUDIT_RESULT_ISSUE, obj=locked, summary={
            "number": locked.number, "licence": str(licence.public_id),
            "licence_number": licence.masked_number, "type": licence.licence_type.code})
        _tell_applicant(locked, title=f"您的办件{locked.number}：办理结果已出具",
                        body=f"{licence.licence_type.name} {licence.masked_number}，可在“我的证照”中查看",
                        kind=NotificationKind.RESULT)
    return locked


def case_deliver(*, actor: Any, case: Case, method: str = "", tracking_no: str = "",
                 now: datetime | None = None) -> Case:
    """送达 the result (online, at the pickup window, or by post with a tracking number)."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.DELIVER, now=now)
        case = step.case
        method = method or case.delivery_method
        if method not in DeliveryMethod.values:
            raise ValidationFailed("送达方式无效", code="case_delivery_method",
                                   fields={"method": "请选择送达方式"})
        tracking_no = (tracking_no or "").strip()[:40]
        if method == DeliveryMethod.POST and not tracking_no:
            raise ValidationFailed("邮寄送达请填写快递单号", code="case_tracking_required",
                                   fields={"tracking_no": "请填写快递单号"})
        case.delivery_method = method
        case.delivery_tracking_no = tracking_no
        case.delivered_at = step.now
        case.visits_saved = rules.visits_saved(channel=case.channel, delivery_method=method)
        staff = step.staff
        CaseStep.objects.create(case=case, order=900, kind=StepKind.DELIVERY, name="出件送达",
                                roles=[step.role], status=StepStatus.DONE, handler=staff,
                                handler_name=staff.name if staff else "", started_at=step.now,
                                finished_at=step.now)
        label = DeliveryMethod(method).label
        return _finish(step, actor=actor, action=Action.DELIVER,
                       fields=["delivery_method", "delivery_tracking_no", "delivered_at",
                               "visits_saved"], data={"method": method, "tracking_no": tracking_no},
                       tell=f"办理结果已送达（{label}），欢迎对本次服务进行评价",
                       kind=NotificationKind.RESULT)


def _publish_closed(case: Case) -> None:
    """``case.closed`` for higher apps and integrators (webhooks, the push of closed cases to
    the exchange): the national 办件信息 record, the applicant's ID number masked."""
    from .exchange import case_exchange_record

    decided = (CaseEvent.objects.filter(case=case, to_status__in=[CaseStatus.APPROVED, CaseStatus.REFUSED])
               .order_by("-at").values_list("to_status", flat=True).first() or "")
    event_publish(name=c.EVENT_CASE_CLOSED, payload={
        "case_id": str(case.public_id), "case_number": case.number, "status": case.status,
        "region_path": case.region_path, "exchange": case_exchange_record(case, decided_status=decided),
    })


def case_exchange_export_record(*, actor: Any, period_from: datetime, period_to: datetime, by: str,
                                fmt: str) -> None:
    """Audit a bulk export of 办件信息 (who took which period, in which form)."""
    with transaction.atomic():
        audit_record(actor=actor, action=c.AUDIT_EXCHANGE_EXPORT, summary={
            "from": timezone.localtime(period_from).isoformat(), "to": timezone.localtime(period_to).isoformat(),
            "by": by, "format": fmt})


def case_close(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.CLOSE, now=now)
        step.case.closed_at = step.now
        closed = _finish(step, actor=actor, action=Action.CLOSE, fields=["closed_at"])
        _publish_closed(closed)
        return closed


def case_withdraw(*, actor: Any, case: Case, reason: str = "", now: datetime | None = None) -> Case:
    """撤回: by the applicant (online) or by the window on the applicant's written request."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.WITHDRAW, now=now)
        case = step.case
        if case.paused_since is not None:
            _pause_end(case, calendar=work_calendar(), now=step.now, outcome="申请人撤回")
        case.closed_at = step.now
        withdrawn = _finish(step, actor=actor, action=Action.WITHDRAW,
                            fields=["paused_days", "paused_since", "closed_at"],
                            note=(reason or "").strip()[:2000], tell="已撤回")
        _publish_closed(withdrawn)
        return withdrawn


TRANSITION_SERVICES: dict[str, Callable[..., Case]] = {
    Action.SUBMIT: case_submit, Action.PREREVIEW: case_prereview, Action.ACCEPT: case_accept,
    Action.NOT_ACCEPT: case_not_accept, Action.REQUEST_SUPPLEMENT: case_request_supplement,
    Action.RESUBMIT: case_resubmit, Action.COMPLETE_STEP: case_step_complete,
    Action.START_SPECIAL: case_special_start, Action.END_SPECIAL: case_special_end,
    Action.DELIVER: case_deliver, Action.CLOSE: case_close, Action.WITHDRAW: case_withdraw,
}


# --- Assignment -------------------------------------------------------------------------------
def case_assign(*, actor: Any, cases: Sequence[Case], assignee: Staff | None) -> list[Case]:
    """Bulk assignment (分派) of open cases to a reviewer or leader of their department.
    All or nothing: one case the actor may not assign refuses the whole batch."""
    if not cases:
        raise ValidationFailed("请选择要分派的办件", code="case_assign_empty", fields={"cases": "请选择办件"})
    if len(cases) > 200:
        raise ValidationFailed("一次最多分派200件", code="case_assign_too_many")
    with transaction.atomic():
        locked = list(Case.objects.select_for_update(of=("self",)).select_related(
            "department", "applicant_person").filter(pk__in=[x.pk for x in cases]).order_by("pk"))
        for case in locked:
            if not selectors.case_visible(actor=actor, case=case):
                raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
            roles = selectors.case_actor_roles(actor=actor, case=case)
            if not roles & {REVIEWER, LEADER}:
                raise PermissionDenied("只有本部门审批人员或领导可以分派办件", code="case_role_forbidden")
            if case.status not in c.OPEN_STATUSES:
                raise Conflict(f"办件{case.number}已{rules.status_label(case.status)}，不能分派",
                               code="case_transition_illegal")
            if assignee is not None and (
                    not assignee.is_active
                    or not assignee.departments.filter(pk=case.department_id).exists()
                    or not (assignee.has_role(Role.DEPT_REVIEWER) or assignee.has_role(Role.LEADER))):
                    raise ValidationFailed(f"{assignee.name}不是{case.department.name}的审批人员",
                                           code="case_assignee_invalid",
                                           fields={"assignee": "承办人须为该部门审批人员"})
        for case in locked:
            case.assignee = assignee
            case.save(update_fields=["assignee", "updated_at"])
            _event(case=case, action="assign", title="分派承办人", actor=actor,
                   data={"assignee": assignee.name if assignee else ""}, public=False)
            audit_record(actor=actor, action=c.AUDIT_ASSIGN, obj=case,
                         summary={"number": case.number, "assignee": assignee.employee_no if assignee else ""})
        if assignee is not None:
            numbers = "、".join(x.number or "" for x in locked[:5])
            notifications.notify(recipient=assignee.user, kind=NotificationKind.ASSIGNED,
                                 title=f"分派给您{len(locked)}件办件", body=numbers,
                                 link="/cases/staff/?tab=mine")
    return locked


# --- Deadline warnings and the calendar -------------------------------------------------------
def _responsible(case: Case) -> tuple[list[Staff], list[Staff]]:
    """Who is told about a warning: the assignee (else the department's reviewers, or the
    intake clerk before acceptance) and their supervisors (else the department's leaders)."""
    people: list[Staff] = []
    if case.assignee_id and case.assignee and case.assignee.is_active:
        people = [case.assignee]
    else:
        department_staff = list(Staff.objects.filter(departments=case.department_id, is_active=True)
                                .select_related("user", "supervisor__user")[:50])
        people = [s for s in department_staff if s.has_role(Role.DEPT_REVIEWER)][:20]
        if not people and case.intake_clerk_id and case.intake_clerk:
            people = [case.intake_clerk]
    supervisors = {s.supervisor.pk: s.supervisor for s in people if s.supervisor_id and s.supervisor}
    if not supervisors:
        for s in Staff.objects.filter(departments=case.department_id, is_active=True).select_related("user"):
            if s.has_role(Role.LEADER):
                supervisors[s.pk] = s
    return people, [s for s in supervisors.values() if s.pk not in {p.pk for p in people}]


def deadline_warnings_raise(*, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Timer job: raise yellow (under the configured share of the time left) and red (overdue)
    warnings on running cases — a timeline event and an audit entry per case — and tell the
    responsible staff and their supervisors once per level, in one digest per person and run.
    Served by two small partial indexes."""
    now = now or timezone.now()
    base = Case.objects.filter(status__in=c.CLOCK_STATUSES, paused_since__isnull=True)
    red_ids = list(base.exclude(warning_level=WarningLevel.RED).filter(due_at__lt=now)
                   .values_list("id", flat=True)[:limit])
    yellow_ids = list(base.filter(warning_level=WarningLevel.NONE, warn_at__lte=now)
                      .values_list("id", flat=True)[:limit])
    counts = {"yellow": 0, "red": 0}
    responsible: dict[tuple[int, int | None, int | None], tuple[list[Staff], list[Staff]]] = {}
    digest: dict[tuple[int, str], list[str]] = {}
    users: dict[int, Any] = {}
    ids = list(dict.fromkeys([*red_ids, *yellow_ids]))
    raised: list[tuple[Case, str]] = []
    for chunk_start in range(0, len(ids), 100):  # one commit per 100 cases, not per case
        with transaction.atomic():
            chunk = (Case.objects.select_for_update(of=("self",))
                     .select_related("assignee", "assignee__user", "assignee__supervisor__user",
                                     "intake_clerk__user")
                     .filter(pk__in=ids[chunk_start:chunk_start + 100]).order_by("pk"))
            for case in chunk:
                if case.status not in c.CLOCK_STATUSES or case.paused_since is not None:
                    continue
                level = rules.warning_level(now=now, due_at=case.due_at, warn_at=case.warn_at)
                if LEVEL_RANK[WarningLevel(level)] <= LEVEL_RANK[WarningLevel(case.warning_level)]:
                    continue
                case.warning_level = level
                case.save(update_fields=["warning_level", "updated_at"])
                counts[level] += 1
                label = "已超期（红色预警）" if level == WarningLevel.RED else "临近办理时限（黄色预警）"
                due = case.due_at.astimezone(rules.SHANGHAI).strftime("%Y-%m-%d") if case.due_at else ""
                _event(case=case, action="warning", title=label, actor=None, role=SYSTEM, at=now,
                       data={"level": level, "due": due}, public=False)
                audit_record(actor=None, action=c.AUDIT_WARNING, obj=case,
                             summary={"number": case.number, "level": level, "due": due})
                raised.append((case, level))
    for case, level in raised:
        key = (case.department_id, case.assignee_id, case.intake_clerk_id)
        if key not in responsible:
            responsible[key] = _responsible(case)
        people, supervisors = responsible[key]
        for person in [*people, *supervisors]:
            users[person.user_id] = person.user
            digest.setdefault((person.user_id, level), []).append(case.number or "")
    if digest:
        with transaction.atomic():
            for (user_id, level), numbers in digest.items():
                label = "已超期（红色预警）" if level == WarningLevel.RED else "临近办理时限（黄色预警）"
                title = (f"办件{numbers[0]}{label}" if len(numbers) == 1
                         else f"{len(numbers)}件办件{label}")
                body = "、".join(numbers[:20]) + ("等" if len(numbers) > 20 else "")
                notifications.notify(recipient=users[user_id], kind=NotificationKind.WARNING, title=title,
                                     body=body, link="/cases/staff/?tab=warned")
    return counts


def deadlines_recompute(*, year: int | None = None, limit: int = 50000) -> int:
    """After a year's official holiday schedule arrives: recompute provisional deadlines of
    open cases (those touching ``year`` when given). Returns how many changed."""
    calendar = work_calendar()
    now = timezone.now()
    qs = Case.objects.filter(deadline_provisional=True, status__in=c.OPEN_STATUSES)
    changed = 0
    for case_id in list(qs.values_list("id", flat=True)[:limit]):
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).select_related(
                "department").filter(pk=case_id).first()
            if case is None:
                continue
            if year is not None and case.due_at is not None and case.due_at.year < year and (
                    case.submitted_at is None or case.submitted_at.year < year - 1):
                continue
            before = (case.due_at, case.deadline_provisional)
            _clock_set(case, calendar=calendar, now=now)
            if (case.due_at, case.deadline_provisional) != before:
                case.save(update_fields=[*CLOCK_FIELDS, "updated_at"])
                old = before[0].astimezone(rules.SHANGHAI).date().isoformat() if before[0] else ""
                new = case.due_at.astimezone(rules.SHANGHAI).date().isoformat() if case.due_at else ""
                _event(case=case, action="deadline_recompute", title="按正式节假日安排重算时限",
                       actor=None, role=SYSTEM, at=now, data={"from": old, "to": new},
                       public=old != new)
                audit_record(actor=None, action=c.AUDIT_DEADLINE_RECOMPUTE, obj=case,
                             summary={"number": case.number, "from": old, "to": new,
                                      "provisional": case.deadline_provisional})
                changed += 1
    return changed


# --- Bundles (一件事) -------------------------------------------------------------------------
def bundle_draft_create(*, actor: Any, items: Sequence[ServiceItem], name: str = "",
                        theme: Theme | None = None, enterprise: Enterprise | None = None) -> CaseBundle:
    """One combined application over several items (usually a theme's): a draft per item,
    sharing one checklist where materials coincide (same e-licence type or same name)."""
    items = list(dict.fromkeys(items))
    if len(items) < 2:
        raise ValidationFailed("“一件事”至少包含两个事项", code="bundle_items_required",
                               fields={"items": "请至少选择两个事项"})
    if len(items) > 10:
        raise ValidationFailed("“一件事”最多包含10个事项", code="bundle_items_too_many")
    person, enterprise = _online_applicant(actor, enterprise)
    name = (name or (theme.name if theme else "") or "一件事").strip()[:200]
    with transaction.atomic():
        bundle = CaseBundle.objects.create(
            name=name, theme=theme, channel=Channel.ONLINE, status=BundleStatus.DRAFT,
            applicant_kind=ApplicantKind.PERSON if person else ApplicantKind.ENTERPRISE,
            applicant_person=person, applicant_enterprise=enterprise, applicant_user=actor,
            applicant_name=person.name if person else enterprise.name,  # type: ignore[union-attr]
            region_path=items[0].department.region.path)
        for item in items:
            case_draft_create(actor=actor, item=item, enterprise=enterprise, bundle=bundle)
        audit_record(actor=actor, action=c.AUDIT_DRAFT_SAVE, obj=bundle,
                     summary={"bundle": name, "items": [i.implementation_code for i in items]})
    return bundle


@dataclass(frozen=True)
class BundleMaterial:
    key: str
    name: str
    is_required: bool
    state: str
    items: tuple[str, ...]
    materials: tuple[CaseMaterial, ...]


def bundle_checklist(*, bundle: CaseBundle) -> list[BundleMaterial]:
    """The merged checklist: one line per distinct material, naming the items needing it."""
    lines: dict[str, list[CaseMaterial]] = {}
    names: dict[str, list[str]] = {}
    for case in bundle.cases.all().order_by("id"):
        for m in case.materials.all().order_by("order", "id"):
            lines.setdefault(m.bundle_key, []).append(m)
            names.setdefault(m.bundle_key, []).append(case.item_name)
    result = []
    for key, materials in lines.items():
        states = {m.state for m in materials}
        state = (MaterialState.REJECTED if MaterialState.REJECTED in states
                 else MaterialState.MISSING if MaterialState.MISSING in states else materials[0].state)
        result.append(BundleMaterial(key, materials[0].name, any(m.is_required for m in materials),
                                     str(state), tuple(dict.fromkeys(names[key])), tuple(materials)))
    return result


def bundle_material_upload(*, actor: Any, bundle: CaseBundle, key: str, upload: Any,
                           now: datetime | None = None) -> list[CaseMaterial]:
    """Upload one file for every case of the bundle that needs this material."""
    if bundle.status != BundleStatus.DRAFT or not selectors.is_applicant(actor, bundle):
        raise NotFound("找不到该“一件事”草稿", code="bundle_not_found")
    targets = list(CaseMaterial.objects.filter(case__bundle=bundle, bundle_key=key,
                                               case__status=S.DRAFT))
    if not targets:
        raise NotFound("找不到该材料", code="case_material_not_found")
    stored = file_store(upload=upload, folder=f"cases/bundles/{bundle.public_id}")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            for material in targets:
                _material_apply_file(material, stored, now)
                material.save(update_fields=MATERIAL_FILE_FIELDS)
            audit_record(actor=actor, action=c.AUDIT_MATERIAL_UPLOAD, obj=bundle, summary={
                "material": targets[0].name, "cases": len(targets), "sha256": stored.sha256})
    except Exception:
        default_storage.delete(stored.name)
        raise
    return targets


def bundle_submit(*, actor: Any, bundle: CaseBundle, delivery_method: str = DeliveryMethod.ONLINE,
                  delivery_address: str = "", now: datetime | None = None) -> CaseBundle:
    """Submit every part at once (并联): each case goes to its own department's queue."""
    method, address = _delivery_clean(delivery_method, delivery_address)
    now = now or timezone.now()
    with transaction.atomic():
        bundle = CaseBundle.objects.select_for_update().get(pk=bundle.pk)
        if bundle.status != BundleStatus.DRAFT or not selectors.is_applicant(actor, bundle):
            raise Conflict("该“一件事”申请已提交", code="bundle_not_draft")
        parts = list(bundle.cases.filter(status=S.DRAFT).select_related("department__region"))
        missing = [f"{p.item_name}：{name}" for p in parts for name in
                   rules.materials_missing(_material_views(p))]
        if missing:
            message = "以下必要材料尚未提交：" + "；".join(missing)
            raise ValidationFailed(message, code="case_materials_missing", fields={"materials": message},
                                   detail={"missing": missing})
        bundle.number = case_number_next(area_code=parts[0].department.region.code, when=now)
        bundle.status = BundleStatus.IN_PROGRESS
        bundle.submitted_at = now
        bundle.save(update_fields=["number", "status", "submitted_at", "updated_at"])
        for part in parts:
            part.delivery_method, part.delivery_address = method, address
            part.save(update_fields=["delivery_method", "delivery_address"])
            case_submit(actor=actor, case=part, now=now)
        audit_record(actor=actor, action=c.AUDIT_BUNDLE_SUBMIT, obj=bundle, summary={
            "number": bundle.number, "cases": [p.number for p in parts]})
    return bundle


def _bundle_refresh(bundle_id: int, *, now: datetime) -> None:
    bundle = CaseBundle.objects.select_for_update().filter(pk=bundle_id).first()
    if bundle is None or bundle.status != BundleStatus.IN_PROGRESS:
        return
    statuses = list(Case.objects.filter(bundle_id=bundle_id).values_list("status", flat=True))
    if statuses and all(s in c.FINISHED_STATUSES for s in statuses):
        bundle.status = BundleStatus.COMPLETED
        bundle.completed_at = now
        bundle.save(update_fields=["status", "completed_at", "updated_at"])
        approved = sum(1 for s in statuses if s in (S.APPROVED, S.DELIVERED, S.CLOSED))
        audit_record(actor=None, action="case.bundle_complete", obj=bundle,
                     summary={"number": bundle.number, "approved": approved, "cases": len(statuses)})
        recipient = bundle.applicant_user
        notifications.notify(recipient=recipient, kind=NotificationKind.RESULT,
                             title=f"您的“一件事”{bundle.number}已全部办结",
                             body=f"{bundle.name}：共{len(statuses)}项，准予{approved}项",
                             link=f"/cases/bundles/{bundle.public_id}/", external=True)


# --- Ratings (好差评) ---------------------------------------------------------------------------
def rating_create(*, actor: Any, case: Case, level: Any, comment: str = "",
                  step: CaseStep | None = None, now: datetime | None = None) -> Rating:
    """The applicant rates a finished case, or a finished window-service step of it. A bad
    rating opens a follow-up task for the department with its own deadline."""
    if APPLICANT not in selectors.case_actor_roles(actor=actor, case=case):
        if not selectors.case_visible(actor=actor, case=case):
            raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
        raise PermissionDenied("只有申请人可以评价", code="rating_applicant_only")
    value = rules.rating_level_check(level)
    comment = rules.rating_comment_check(value, comment)
    if step is not None:
        if step.case_id != case.pk or step.kind not in (StepKind.INTAKE, StepKind.DELIVERY):
            raise NotFound("找不到该服务环节", code="case_step_not_found")
        if step.status != StepStatus.DONE:
            raise Conflict("该环节完成后才能评价", code="rating_too_early")
    elif case.status not in c.FINISHED_STATUSES:
        raise Conflict("办件办结后才能评价", code="rating_too_early")
    now = now or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                rating = Rating.objects.create(case=case, step=step, rater=actor,
                                               department_id=case.department_id, level=value,
                                               comment=comment)
        except IntegrityError:
            raise Conflict("您已经评价过了", code="rating_exists") from None
        label = c.RatingLevel(value).label
        _event(case=case, action="rating", title=f"评价：{label}", actor=actor, role=APPLICANT,
               at=now, data={"level": value, "step": step.name if step else ""})
        audit_record(actor=actor, action=c.AUDIT_RATING, obj=case, summary={
            "number": case.number, "level": value, "step": step.name if step else ""})
        if rules.rating_is_bad(value):
            from onewindow.core.selectors import deadline_add

            due = deadline_add(start=now, days=follow_up_days())
            follow_up = RatingFollowUp.objects.create(
                rating=rating, department_id=case.department_id, region_path=case.region_path,
                due_at=due.at)
            people, leaders = _responsible(case)
            for person in [*people, *leaders]:
                notifications.notify(
                    recipient=person.user, kind=NotificationKind.FOLLOW_UP, case=case,
                    title=f"差评整改：办件{case.number}（{label}）",
                    body=f"请于{due.day.isoformat()}前整改并回复评价人。评价内容：{comment}",
                    link=f"/cases/staff/follow-ups/{follow_up.public_id}/")
            notifications.notify(
                recipient=actor, kind=NotificationKind.FOLLOW_UP, case=case,
                title="您的评价已转交部门整改",
                body=f"{case.department.name}将于{due.day.isoformat()}前回复", link=_link(case))
    return rating


def follow_up_answer(*, actor: Any, follow_up: RatingFollowUp, answer: str,
                     now: datetime | None = None) -> RatingFollowUp:
    answer = (answer or "").strip()
    if len(answer) < 5:
        raise ValidationFailed("请填写整改情况（至少5个字）", code="follow_up_answer_required",
                               fields={"answer": "请填写整改情况"})
    with transaction.atomic():
        current = (RatingFollowUp.objects.select_for_update(of=("self",))
                   .select_related("rating", "rating__case", "rating__rater").get(pk=follow_up.pk))
        case = current.rating.case
        if not selectors.case_actor_roles(actor=actor, case=case) & {REVIEWER, LEADER}:
            raise PermissionDenied("只有本部门审批人员或领导可以回复整改", code="case_role_forbidden")
        if current.status == FollowUpStatus.DONE:
            raise Conflict("该整改任务已回复", code="follow_up_done")
        now = now or timezone.now()
        current.status = FollowUpStatus.DONE
        current.answer = answer[:2000]
        current.answered_by = staff_of_user(user=actor)
        current.answered_at = now
        current.save(update_fields=["status", "answer", "answered_by", "answered_at", "updated_at"])
        _event(case=case, action="follow_up", title="差评整改回复", actor=actor, at=now,
               note=current.answer, data={"overdue": now > current.due_at})
        audit_record(actor=actor, action=c.AUDIT_FOLLOW_UP, obj=case, summary={
            "number": case.number, "overdue": now > current.due_at})
        notifications.notify(recipient=current.rating.rater, kind=NotificationKind.FOLLOW_UP,
                             case=case, title=f"您对办件{case.number}的评价已有整改回复",
                             body=current.answer, link=_link(case), external=True)
    return current


# --- Notifications ----------------------------------------------------------------------------
def notifications_mark_read(*, actor: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(id__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- Rate limits ------------------------------------------------------------------------------
def throttle_hits(*, hits: Sequence[tuple[str, int, int]], now: datetime | None = None) -> bool:
    """Count one hit for each ``(key, limit, window_seconds)`` in its current fixed window;
    False when any is over its limit. One upsert statement shared by every web process; on
    PostgreSQL the counter's commit does not wait for the disk (a lost increment after a crash
    does not matter), so concurrent requests do not queue on the counter row."""
    import hashlib

    from django.db import connection

    from .models import ThrottleBucket

    now = now or timezone.now()
    epoch = int(now.timestamp())
    rows: list[Any] = []
    limits: dict[str, int] = {}
    for key, limit, window in hits:
        start = datetime.fromtimestamp(epoch - epoch % window, tz=now.tzinfo)
        digest = hashlib.sha256(key.encode()).hexdigest()
        limits[digest] = limit
        rows += [digest, connection.ops.adapt_datetimefield_value(start)]
    if not rows:
        return True
    table = connection.ops.quote_name(ThrottleBucket._meta.db_table)
    values = ", ".join(["(%s, %s, 1)"] * (len(rows) // 2))
    sql = (f"INSERT INTO {table} (key, window_start, count) VALUES {values} "  # noqa: S608
           f"ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + 1 RETURNING key, count")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(sql, rows)
        counts = dict(cursor.fetchall())
    return all(int(counts[digest]) <= limit for digest, limit in limits.items())


def throttle_hit(*, key: str, limit: int, window_seconds: int = 60, now: datetime | None = None) -> bool:
    """Count one hit of ``key`` in the current fixed window; False when over ``limit``."""
    return throttle_hits(hits=[(key, limit, window_seconds)], now=now)


def progress_query_allowed(*, client_ip: str, number: str, now: datetime | None = None) -> bool:
    """The progress query's rate limits: per client address per minute, and per case number
    per hour (twice the per-minute rate), so ID tails cannot be guessed by brute force."""
    rate = int(_setting(c.SETTING_PROGRESS_RATE, c.DEFAULT_PROGRESS_RATE))
    hits = [(f"progress:ip:{client_ip}", rate, 60)]
    normalised = rules.case_number_normalise(number)
    if normalised:
        hits.append((f"progress:number:{normalised}", rate * 2, 3600))
    return throttle_hits(hits=hits, now=now)


def throttle_cleanup(*, now: datetime | None = None) -> int:
    from datetime import timedelta

    from .models import ThrottleBucket

    now = now or timezone.now()
    deleted, _ = ThrottleBucket.objects.filter(window_start__lt=now - timedelta(hours=2)).delete()
    return deleted
