"""Writes of the licence library: issue, revoke, use (audited), import, expire.

Each function owns its transaction and writes its audit entry inside it. Issuing renders the
PDF before the transaction opens (no lock is held while WeasyPrint works) and removes the file
again if the transaction fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department, Enterprise, Person
from onewindow.accounts.rules import credit_code_validate, id_number_parse
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import staff_of_user
from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.events import event_publish
from onewindow.core.masking import mask_id_number, mask_name, mask_text

from . import constants as c
from .constants import HolderKind, LicenceSource, LicenceStatus
from .models import Licence, LicenceImport, LicenceType, LicenceUse
from .rules import (
    default_valid_until,
    licence_number_new,
    licence_number_store,
    mask_credit_code,
    parse_date_cell,
    parse_status_cell,
    verification_code_new,
)
from .selectors import case_allows, licence_get, licence_type_get, licences_of_applicant
from .transfer import LABELS, rows_from_file

logger = logging.getLogger(__name__)

ISSUER_ROLES = (Role.DEPT_REVIEWER, Role.LEADER, Role.ADMINISTRATOR, Role.WINDOW_CLERK)
CASE_ROLES = (Role.WINDOW_CLERK, Role.DEPT_REVIEWER, Role.LEADER, Role.ADMINISTRATOR)
DATA_MAX_ITEMS = 30
DATA_MAX_TEXT = 500


def _holder_summary(licence: Licence) -> dict[str, str]:
    if licence.holder_kind == HolderKind.PERSON:
        return {"holder": mask_name(licence.holder_name),
                "holder_id": mask_id_number(licence.holder_id_number)}
    return {"holder": licence.holder_name, "holder_id": mask_credit_code(licence.holder_credit_code)}


def _event_payload(licence: Licence) -> dict[str, Any]:
    return {"licence_id": str(licence.public_id), "type_code": licence.licence_type.code,
            "number": licence.masked_number, "source_ref": licence.source_ref,
            "holder_kind": licence.holder_kind}


def _clean_data(data: dict[str, Any] | None) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed("证照内容应为“项目: 内容”的对应表", code="licence_data_invalid",
                               fields={"data": "格式不正确"})
    if len(data) > DATA_MAX_ITEMS:
        raise ValidationFailed(f"证照内容最多 {DATA_MAX_ITEMS} 项", code="licence_data_invalid",
                               fields={"data": "项目过多"})
    clean: dict[str, str] = {}
    for key, value in data.items():
        label = str(key).strip()[:40]
        text = "" if value is None else str(value).strip()
        if not label:
            continue
        if len(text) > DATA_MAX_TEXT:
            raise ValidationFailed(f"证照内容“{label}”过长（最多 {DATA_MAX_TEXT} 字）",
                                   code="licence_data_invalid", fields={"data": f"“{label}”过长"})
        clean[label] = text
    return clean


def _require_issuer(actor: Any, department: Department | None) -> None:
    if actor is None:  # the platform itself (an event handler or a job)
        return
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(*ISSUER_ROLES):
        raise PermissionDenied("只有审批或受理人员可以签发证照", code="licence_issue_forbidden")
    if (department is not None and not scope.all_departments
            and not scope.has_role(Role.WINDOW_CLERK) and department.id not in scope.department_ids):
        raise PermissionDenied("您不属于该证照的发证部门", code="licence_issue_forbidden")


def licence_issue(
    *, actor: Any, type_code: str, holder_person: Person | None = None,
    holder_enterprise: Enterprise | None = None, number: str | None = None,
    valid_until: date | None = None, data: dict[str, Any] | None, source_ref: str,
    department: Department | None = None, valid_from: date | None = None,
    title: str | None = None,
) -> Licence:
    """Issue a licence (or an approval document) with its PDF; returns the stored Licence."""
    licence_type = licence_type_get(code=type_code)
    if (holder_person is None) == (holder_enterprise is None):
        raise ValidationFailed("请指定一个持证人（自然人或法人）", code="licence_holder_required",
                               fields={"holder": "请指定一个持证人"})
    holder_kind = HolderKind.PERSON if holder_person is not None else HolderKind.ENTERPRISE
    if licence_type.holder_kind not in (HolderKind.ANY, holder_kind):
        msg = f"{licence_type.name}只能发给{HolderKind(licence_type.holder_kind).label}"
        raise ValidationFailed(msg, code="licence_holder_kind", fields={"holder": msg})
    source_ref = (source_ref or "").strip()
    if not source_ref:
        raise ValidationFailed("请提供办件编号", code="licence_source_ref_required",
                               fields={"source_ref": "请提供办件编号"})
    department = department or licence_type.issuing_department
    _require_issuer(actor, department)
    clean_data = _clean_data(data)
    today = timezone.localdate()
    valid_from = valid_from or today
    if valid_until is None:
        valid_until = default_valid_until(valid_from, licence_type.validity_years)
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed("有效期截止日期不能早于起始日期", code="licence_dates",
                               fields={"valid_until": "不能早于有效期起始日期"})
    number = (number or "").strip()[:80]
    stored_number, number_is_holder_id = licence_number_store(
        number, holder_person.id_number if holder_person is not None else "")
    if number and Licence.objects.filter(licence_type=licence_type, number=stored_number).exists():
        raise Conflict(f"{licence_type.name}编号“{mask_text(number)}”已存在", code="licence_number_taken",
                       fields={"number": "编号已存在"})
    if not number:
        stored_number = licence_number_new(prefix=settings.ONEWINDOW_DISTRICT_CODE[:6], on=today)

    licence = Licence(
        licence_type=licence_type, document_kind=licence_type.document_kind, number=stored_number,
        number_is_holder_id=number_is_holder_id,
        title=(title or "").strip()[:120], holder_kind=holder_kind,
        issuer_name=(department.name if department else licence_type.issuer_name) or "—",
        issuing_department=department,
        issuer_region_path=department.region.path if department else "",
        issued_on=today, valid_from=valid_from, valid_until=valid_until,
        status=LicenceStatus.VALID, verification_code=verification_code_new(),
        source=LicenceSource.PLATFORM, source_ref=source_ref[:100], data=clean_data,
    )
    if holder_person is not None:
        licence.holder_person = holder_person
        licence.holder_name = holder_person.name
        licence.holder_id_number = holder_person.id_number
        licence.holder_id_number_hash = holder_person.id_number_hash
    elif holder_enterprise is not None:
        licence.holder_enterprise = holder_enterprise
        licence.holder_name = holder_enterprise.name
        licence.holder_credit_code = holder_enterprise.credit_code

    from .documents import document_pdf
    from .signing import licence_sign

    licence_sign(licence)
    pdf = document_pdf(licence)
    path = default_storage.save(f"licences/{today:%Y/%m}/{licence.public_id}.pdf", ContentFile(pdf))
    licence.file.name = path
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    licence.save()
            except IntegrityError:
                raise Conflict(f"{licence_type.name}编号已存在", code="licence_number_taken",
                               fields={"number": "编号已存在"}) from None
            audit_record(actor=actor, action=c.AUDIT_LICENCE_ISSUE, obj=licence, summary={
                "type": licence_type.code, "number": licence.masked_number, "source_ref": source_ref,
                "department": department.code if department else "", **_holder_summary(licence)})
            event_publish(name=c.EVENT_LICENCE_ISSUED, payload=_event_payload(licence))
    except Exception:
        default_storage.delete(path)
        raise
    return licence


def licence_revoke(*, actor: Any, licence: Licence, reason: str) -> Licence:
    """Revoke (注销) a licence: administrators of its issuing department, or the platform."""
    if actor is not None:
        licence = licence_get(actor=actor, public_id=licence.public_id)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationFailed("请填写注销原因", code="licence_revoke_reason",
                               fields={"reason": "请填写注销原因"})
    with transaction.atomic():
        current = Licence.objects.select_for_update().select_related("licence_type").get(pk=licence.pk)
        if current.status == LicenceStatus.REVOKED:
            raise Conflict("该证照已注销", code="licence_already_revoked")
        current.status = LicenceStatus.REVOKED
        current.revoked_at = timezone.now()
        current.revocation_reason = reason[:300]
        current.save(update_fields=["status", "revoked_at", "revocation_reason", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_LICENCE_REVOKE, obj=current,
                     summary={"number": current.masked_number, "reason": reason[:200]})
        event_publish(name=c.EVENT_LICENCE_REVOKED,
                      payload={**_event_payload(current), "reason": reason[:200]})
    return current


def _require_case_staff(actor: Any) -> None:
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(*CASE_ROLES):
        raise PermissionDenied("只有办件工作人员可以在办件中使用证照", code="licence_use_forbidden")


def licence_find_for_applicant(
    *, actor: Any, holder_id_number_hash: str = "", credit_code: str = "",
    type_codes: Iterable[str] | None = None, purpose_ref: str,
) -> list[Licence]:
    """An applicant's licences (not revoked), for staff working on that applicant's case.

    ``purpose_ref`` is the case number. The lookup is audited (``licence.lookup``) and, when
    the cases app registered a checker, refused with NotFound unless that case is the actor's
    to handle and belongs to this applicant.
    """
    _require_case_staff(actor)
    purpose_ref = (purpose_ref or "").strip()
    if not purpose_ref:
        raise ValidationFailed("只能在办件中调用证照，请提供办件编号", code="licence_case_ref_required",
                               fields={"purpose_ref": "请提供办件编号"})
    holder_id_number_hash = (holder_id_number_hash or "").strip()
    credit_code = (credit_code or "").strip().upper()
    if bool(holder_id_number_hash) == bool(credit_code):
        raise ValidationFailed("请提供申请人的身份证号哈希或统一社会信用代码之一",
                               code="licence_holder_required", fields={"holder": "请指定申请人"})
    if not case_allows(actor=actor, case_ref=purpose_ref, holder_id_number_hash=holder_id_number_hash,
                       credit_code=credit_code):
        raise NotFound()
    codes = sorted({t.strip().upper() for t in type_codes or () if t and t.strip()})
    found = list(licences_of_applicant(holder_id_number_hash=holder_id_number_hash,
                                       credit_code=credit_code, type_codes=codes))
    with transaction.atomic():
        audit_record(actor=actor, action=c.AUDIT_LICENCE_LOOKUP, object_type="case",
                     object_id=purpose_ref[:64], summary={
                         "holder_kind": HolderKind.PERSON if holder_id_number_hash else HolderKind.ENTERPRISE,
                         "credit_code": credit_code, "types": codes, "found": len(found),
                         "licences": [str(lic.public_id) for lic in found[:50]]})
    return found


def licence_use(*, actor: Any, licence: Licence, case_ref: str, purpose: str,
                watermark: str = "") -> LicenceUse:
    """Record that staff used ``licence`` inside case ``case_ref``: a LicenceUse row + audit."""
    _require_case_staff(actor)
    case_ref = (case_ref or "").strip()
    purpose = (purpose or "").strip()
    if not case_ref:
        raise ValidationFailed("只能在办件中使用证照，请提供办件编号", code="licence_case_ref_required",
                               fields={"case_ref": "请提供办件编号"})
    if not purpose:
        raise ValidationFailed("请说明用途", code="licence_purpose_required",
                               fields={"purpose": "请说明用途"})
    if not case_allows(actor=actor, case_ref=case_ref,
                       holder_id_number_hash=licence.holder_id_number_hash,
                       credit_code=licence.holder_credit_code):
        raise NotFound()
    if licence.status == LicenceStatus.REVOKED:
        raise Conflict("该证照已注销，不能使用", code="licence_revoked")
    staff = staff_of_user(user=actor)
    department = staff.departments.first() if staff else None
    with transaction.atomic():
        use = LicenceUse.objects.create(
            licence=licence, actor=actor, actor_label=str(staff.name if staff else actor)[:150],
            department_name=department.name if department else "", case_ref=case_ref[:100],
            purpose=purpose[:200], watermark=watermark[:300],
        )
        audit_record(actor=actor, action=c.AUDIT_LICENCE_USE, obj=licence, summary={
            "case_ref": case_ref, "purpose": purpose[:200], "number": licence.masked_number,
            "type": licence.licence_type.code, "use": str(use.public_id),
            **({"watermark": watermark[:300]} if watermark else {})})
    return use


def licences_expire(*, today: date | None = None) -> int:
    """Mark valid licences past their ``valid_until`` as expired; returns how many."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = Licence.objects.filter(status=LicenceStatus.VALID, valid_until__lt=today)
        ids = list(due.values_list("id", flat=True)[:10000])
        if not ids:
            return 0
        numbers = [lic.masked_number for lic in Licence.objects.filter(id__in=ids[:50])]
        count = Licence.objects.filter(id__in=ids, status=LicenceStatus.VALID).update(
            status=LicenceStatus.EXPIRED, updated_at=timezone.now())
        audit_record(actor=None, action=c.AUDIT_LICENCE_EXPIRE, object_type="licences.licence",
                     summary={"count": count, "today": today.isoformat(), "numbers": numbers})
    return count


# --- Imports ------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    batch: LicenceImport | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Row:
    row: int
    licence_type: LicenceType
    number: str
    stored_number: str
    number_is_holder_id: bool
    holder_kind: str
    holder_name: str
    holder_id: str
    issuer_name: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    status: str
    revocation_reason: str


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _can_import(actor: Any, licence_type: LicenceType) -> bool:
    scope = scope_for(actor)
    if scope.is_empty:
        return False
    if scope.has_role(Role.ADMINISTRATOR):
        return True
    return (scope.has_role(Role.DEPT_REVIEWER) and licence_type.issuing_department_id is not None
            and licence_type.issuing_department_id in scope.department_ids)


def _parse_row(raw: dict[str, Any], types: dict[str, LicenceType | None],
               errors: list[dict[str, Any]]) -> _Row | None:
    n = int(raw.get("_row") or 0)

    def fail(key: str, message: str) -> None:
        errors.append({"row": n, "field": key, "message": f"第{n}行：{message}"})

    before = len(errors)
    type_code = _text(raw, "type_code").upper()
    licence_type = None
    if not type_code:
        fail("type_code", f"请填写{LABELS['type_code']}")
    else:
        if type_code not in types:
            try:
                types[type_code] = licence_type_get(code=type_code)
            except NotFound:
                types[type_code] = None
        licence_type = types[type_code]
        if licence_type is None:
            fail("type_code", f"证照类型代码“{type_code}”不存在")
    number = _text(raw, "number")
    if not number:
        fail("number", f"请填写{LABELS['number']}")
    elif len(number) > 80:
        fail("number", "证照编号过长（最多80个字符）")
    holder_name = _text(raw, "holder_name")
    if not holder_name:
        fail("holder_name", f"请填写{LABELS['holder_name']}")
    elif len(holder_name) > 200:
        fail("holder_name", "持证人名称过长")
    holder_id = _text(raw, "holder_id").upper()
    holder_kind = ""
    if not holder_id:
        fail("holder_id", f"请填写{LABELS['holder_id']}")
    elif licence_type is not None:
        holder_kind, holder_id, message = _holder_identity(licence_type.holder_kind, holder_id)
        if message:
            fail("holder_id", message)
    dates: dict[str, date | None] = {}
    for key, long_term_ok in (("issued_on", False), ("valid_from", True), ("valid_until", True)):
        value = raw.get(key)
        if key == "issued_on" and (value is None or str(value).strip() == ""):
            fail(key, f"请填写{LABELS[key]}")
            continue
        if key == "valid_from" and (value is None or str(value).strip() == ""):
            continue
        try:
            dates[key] = parse_date_cell(value, long_term_ok=long_term_ok)
        except (ValueError, TypeError):
            fail(key, f"{LABELS[key]}“{value}”不是有效日期（例如 2024-05-01）")
    issued_on = dates.get("issued_on")
    valid_from = dates.get("valid_from") or issued_on
    valid_until = dates.get("valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        fail("valid_until", "有效期至不能早于有效期起")
    if issued_on and issued_on > timezone.localdate():
        fail("issued_on", "发证日期不能晚于今天")
    try:
        status = parse_status_cell(raw.get("status"))
    except ValueError:
        fail("status", f"状态“{_text(raw, 'status')}”无法识别（可填：有效、注销、过期）")
        status = LicenceStatus.VALID
    reason = _text(raw, "revocation_reason")[:300]
    if status == LicenceStatus.REVOKED and not reason:
        reason = "原发证系统已注销"
    if len(errors) > before or licence_type is None or issued_on is None:
        return None
    assert valid_from is not None
    issuer = _text(raw, "issuer_name")[:100] or licence_type.issuer_name or "—"
    stored_number, number_is_holder_id = licence_number_store(
        number, holder_id if holder_kind == HolderKind.PERSON else "")
    return _Row(row=n, licence_type=licence_type, number=number, stored_number=stored_number,
                number_is_holder_id=number_is_holder_id, holder_kind=holder_kind,
                holder_name=holder_name, holder_id=holder_id, issuer_name=issuer,
                issued_on=issued_on, valid_from=valid_from, valid_until=valid_until,
                status=status, revocation_reason=reason if status == LicenceStatus.REVOKED else "")


def _holder_identity(type_holder_kind: str, value: str) -> tuple[str, str, str]:
    """(holder kind, normalised identifier, error message)."""
    if type_holder_kind in (HolderKind.PERSON, HolderKind.ANY):
        try:
            return HolderKind.PERSON, id_number_parse(value, field="holder_id").number, ""
        except ValidationFailed as exc:
            if type_holder_kind == HolderKind.PERSON:
                return "", value, exc.message
    try:
        return HolderKind.ENTERPRISE, credit_code_validate(value, field="holder_id"), ""
    except ValidationFailed as exc:
        if type_holder_kind == HolderKind.ANY:
            return "", value, "持证人证件号码既不是有效的身份证号码，也不是有效的统一社会信用代码"
        return "", value, exc.message


_COMPARED = ("holder_name", "issuer_name", "issued_on", "valid_from", "valid_until", "status",
             "revocation_reason")


def licence_import_rows(
    *, actor: Any, rows: list[dict[str, Any]], source: str = LicenceSource.API, filename: str = "",
) -> ImportResult:
    """Import licences from another system. All or nothing; idempotent on (type, number)."""
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(Role.ADMINISTRATOR, Role.DEPT_REVIEWER):
        raise PermissionDenied("只有管理员或发证部门可以导入证照", code="licence_import_forbidden")
    if not rows:
        raise ValidationFailed("没有要导入的数据", code="licence_import_empty")
    errors: list[dict[str, Any]] = []
    types: dict[str, LicenceType | None] = {}
    parsed: list[_Row] = []
    seen: dict[tuple[int, str], int] = {}
    for index, raw in enumerate(rows, start=1):
        raw = {**raw, "_row": raw.get("_row") or index}
        row = _parse_row(raw, types, errors)
        if row is None:
            continue
        key = (row.licence_type.id, row.stored_number)
        if key in seen:
            errors.append({"row": row.row, "field": "number", "message":
                           f"第{row.row}行：与第{seen[key]}行的证照类型和编号重复"})
            continue
        seen[key] = row.row
        parsed.append(row)
    forbidden = sorted({r.licence_type.name for r in parsed if not _can_import(actor, r.licence_type)})
    if forbidden:
        raise PermissionDenied(f"您无权导入以下类型的证照：{'、'.join(forbidden)}",
                               code="licence_import_forbidden")

    existing: dict[tuple[int, str], Licence] = {}
    for type_id in {r.licence_type.id for r in parsed}:
        numbers = [r.stored_number for r in parsed if r.licence_type.id == type_id]
        for start in range(0, len(numbers), 500):
            for lic in Licence.objects.filter(licence_type_id=type_id, number__in=numbers[start:start + 500]):
                existing[(type_id, lic.number)] = lic
    for row in parsed:
        current = existing.get((row.licence_type.id, row.stored_number))
        if current is not None and current.source == LicenceSource.PLATFORM:
            errors.append({"row": row.row, "field": "number", "message":
                           f"第{row.row}行：编号“{mask_text(row.number)}”是本平台签发的证照，不能通过导入修改"})
    if errors:
        errors.sort(key=lambda e: (e["row"], e["field"]))
        shown = "；".join(e["message"] for e in errors[:5])
        more = f"（共 {len(errors)} 处错误）" if len(errors) > 5 else ""
        raise ValidationFailed(f"导入失败，没有写入任何数据。{shown}{more}",
                               code="licence_import_invalid", detail=errors)
    return _import_write(actor=actor, parsed=parsed, existing=existing, source=source,
                         filename=filename, total=len(rows))


def _import_write(*, actor: Any, parsed: list[_Row], existing: dict[tuple[int, str], Licence],
                  source: str, filename: str, total: int) -> ImportResult:
    person_ids = {p.id_number_hash: p.id for p in Person.objects.filter(
        id_number_hash__in=[lookup_hash(r.holder_id) for r in parsed if r.holder_kind == HolderKind.PERSON])}
    enterprise_ids = dict(Enterprise.objects.filter(
        credit_code__in=[r.holder_id for r in parsed if r.holder_kind == HolderKind.ENTERPRISE]
    ).values_list("credit_code", "id"))
    result = ImportResult(rows=total)
    now = timezone.now()
    to_create: list[Licence] = []
    with transaction.atomic():
        for row in parsed:
            department = row.licence_type.issuing_department
            values: dict[str, Any] = {
                "holder_name": row.holder_name, "issuer_name": row.issuer_name,
                "issued_on": row.issued_on, "valid_from": row.valid_from,
                "valid_until": row.valid_until, "status": row.status,
                "revocation_reason": row.revocation_reason,
            }
            id_hash = lookup_hash(row.holder_id) if row.holder_kind == HolderKind.PERSON else ""
            current = existing.get((row.licence_type.id, row.stored_number))
            if current is None:
                lic = Licence(
                    licence_type=row.licence_type, document_kind=row.licence_type.document_kind,
                    number=row.stored_number, number_is_holder_id=row.number_is_holder_id,
                    holder_kind=row.holder_kind,
                    holder_id_number=row.holder_id if id_hash else "", holder_id_number_hash=id_hash,
                    holder_credit_code="" if id_hash else row.holder_id,
                    holder_person_id=person_ids.get(id_hash) if id_hash else None,
                    holder_enterprise_id=None if id_hash else enterprise_ids.get(row.holder_id),
                    issuing_department=department,
                    issuer_region_path=department.region.path if department else "",
                    verification_code=verification_code_new(), source=source,
                    source_ref=(filename or source)[:100],
                    revoked_at=now if row.status == LicenceStatus.REVOKED else None, **values,
                )
                to_create.append(lic)
                continue
            same_holder = (current.holder_id_number_hash == id_hash if id_hash
                           else current.holder_credit_code == row.holder_id)
            changed = [f for f in _COMPARED if getattr(current, f) != values[f]]
            if not changed and same_holder:
                result.unchanged += 1
                continue
            for name in changed:
                setattr(current, name, values[name])
            update = [*changed, "updated_at"]
            if not same_holder:
                current.holder_kind = row.holder_kind
                current.holder_id_number = row.holder_id if id_hash else ""
                current.holder_id_number_hash = id_hash
                current.holder_credit_code = "" if id_hash else row.holder_id
                current.holder_person_id = person_ids.get(id_hash) if id_hash else None
                current.holder_enterprise_id = None if id_hash else enterprise_ids.get(row.holder_id)
                update += ["holder_kind", "holder_id_number", "holder_id_number_hash",
                           "holder_credit_code", "holder_person", "holder_enterprise"]
            if "status" in changed:
                current.revoked_at = now if row.status == LicenceStatus.REVOKED else None
                update.append("revoked_at")
            current.save(update_fields=update)
            result.updated += 1
        Licence.objects.bulk_create(to_create, batch_size=500)
        result.created = len(to_create)
        batch = LicenceImport.objects.create(
            actor=actor if getattr(actor, "is_authenticated", False) else None, source=source,
            filename=filename[:200], rows=total, created_count=result.created,
            updated_count=result.updated, unchanged_count=result.unchanged)
        result.batch = batch
        audit_record(actor=actor, action=c.AUDIT_LICENCE_IMPORT, obj=batch, summary={
            "source": source, "filename": filename[:200], "rows": total, "created": result.created,
            "updated": result.updated, "unchanged": result.unchanged,
            "types": sorted({r.licence_type.code for r in parsed})})
    return result


def licence_import_file(*, actor: Any, filename: str, content: bytes) -> ImportResult:
    """Import a CSV or .xlsx file (see ``transfer.COLUMNS``); all or nothing."""
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(Role.ADMINISTRATOR, Role.DEPT_REVIEWER):
        raise PermissionDenied("只有管理员或发证部门可以导入证照", code="licence_import_forbidden")
    rows = rows_from_file(filename=filename, content=content)
    return licence_import_rows(actor=actor, rows=rows, source=LicenceSource.IMPORT,
                               filename=(filename or "upload")[:200])
