"""Self-declaration (自主申报): residents declare or correct their household's data online; a
grid worker of the place verifies it (accept, or reject with a reason). Only accepted data ever
reaches the register, and every change it makes is recorded with the declaration as its source.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from onewindow.accounts.rules import id_number_parse, phone_validate
from onewindow.accounts.selectors import person_of_user
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, ValidationFailed
from onewindow.core.masking import mask_name

from .. import constants as c
from .. import rules
from ..models import Declaration, House, Household, Resident, Tenancy
from .basic import _UNSET, MemberIn, house_update, person_resolve, resident_add, resident_leave, resident_update
from .common import choice, history, now_or, require_worker, text_required
from .registration import residence_register

K = c.DeclarationKind


def _date(value: Any, *, field: str, label: str, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            msg = f"请填写{label}"
            raise ValidationFailed(msg, code=f"{field}_required", fields={field: msg})
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        msg = f"{label}格式应为 YYYY-MM-DD"
        raise ValidationFailed(msg, code="date_invalid", fields={field: msg}) from None


def _member_of(household: Household, public_id: Any) -> Resident:
    resident = Resident.objects.select_related("person", "household").filter(
        household=household, public_id=str(public_id or ""), left_on__isnull=True).first() if public_id else None
    if resident is None:
        msg = "请选择本户的成员"
        raise ValidationFailed(msg, code="member_required", fields={"resident": msg})
    return resident


def _clean(kind: str, payload: dict[str, Any], *, today: date, household: Household | None) -> tuple[dict[str, Any],
                                                                                                   str]:
    """The payload as stored (normalised, checked) and a summary without personal data."""
    p = dict(payload or {})
    if kind in (K.MEMBER_ADD, K.TENANT):
        name = text_required(p.get("name", ""), field="name", label="姓名", min_len=2, max_len=60)
        number = id_number_parse(p.get("id_number", "")).number
        phone = phone_validate(p.get("phone", ""))
        date_field = "moved_in_on" if kind == K.TENANT else "arrived_on"
        arrived = _date(p.get(date_field), field=date_field, label="入住日期" if kind == K.TENANT else "来本地日期",
                        required=kind == K.TENANT)
        planned = _date(p.get("planned_stay_until"), field="planned_stay_until", label="拟居住至")
        rules.stay_dates_check(arrived_on=arrived, planned_until=planned, today=today)
        reason = p.get("stay_reason") or ""
        if reason:
            choice(reason, c.StayReason, field="stay_reason", label="居住事由")
        clean: dict[str, Any] = {"name": name, "id_number": number, "phone": phone, date_field: arrived.isoformat()
                                 if arrived else None, "planned_stay_until": planned.isoformat() if planned else None,
                                 "stay_reason": reason}
        if kind == K.MEMBER_ADD:
            clean["relation"] = choice(p.get("relation", ""), c.Relation, field="relation", label="与户主关系")
            if clean["relation"] == c.Relation.HEAD:
                raise ValidationFailed("新增成员不能是户主", code="relation_invalid",
                                       fields={"relation": "请选择与户主关系"})
            clean["residence_type"] = choice(p.get("residence_type", c.ResidenceType.RESIDENT), c.ResidenceType,
                                             field="residence_type", label="人口类型")
            clean["tags"] = rules.tags_clean(p.get("tags"))
            return clean, f"{K(kind).label}：{mask_name(name)}"
        return clean, f"{K(kind).label}：{mask_name(name)}"
    if household is None:
        raise ValidationFailed("您尚未在本平台登记所在户，请先联系网格员", code="household_missing")
    if kind == K.MEMBER_LEAVE:
        member = _member_of(household, p.get("resident"))
        left_on = _date(p.get("left_on"), field="left_on", label="迁出日期") or today
        return {"resident": str(member.public_id), "left_on": left_on.isoformat()}, \
            f"{K(kind).label}：{mask_name(member.person.name)}"
    if kind == K.CORRECTION:
        member = _member_of(household, p.get("resident"))
        clean = {"resident": str(member.public_id)}
        if p.get("relation"):
            clean["relation"] = choice(p["relation"], c.Relation, field="relation", label="与户主关系")
        if "tags" in p:
            clean["tags"] = rules.tags_clean(p.get("tags"))
        if p.get("planned_stay_until"):
            clean["planned_stay_until"] = _date(p["planned_stay_until"], field="planned_stay_until",
                                                label="拟居住至").isoformat()  # type: ignore[union-attr]
        clean["note"] = (p.get("note") or "").strip()[:300]
        if len(clean) <= 2 and not clean["note"]:
            msg = "请填写要更正的内容"
            raise ValidationFailed(msg, code="correction_empty", fields={"note": msg})
        return clean, f"{K(kind).label}：{mask_name(member.person.name)}"
    if kind == K.RESIDENCE:
        arrived = _date(p.get("arrived_on"), field="arrived_on", label="来本地日期", required=True)
        planned = _date(p.get("planned_stay_until"), field="planned_stay_until", label="拟居住至")
        rules.stay_dates_check(arrived_on=arrived, planned_until=planned, today=today)
        reason = choice(p.get("stay_reason") or c.StayReason.WORK, c.StayReason, field="stay_reason",
                        label="居住事由")
        return {"arrived_on": arrived.isoformat() if arrived else None,
                "planned_stay_until": planned.isoformat() if planned else None, "stay_reason": reason}, K(kind).label
    raise ValidationFailed("申报类型无效", code="kind_invalid", fields={"kind": "申报类型无效"})


def declaration_submit(*, user: Any, kind: str, payload: dict[str, Any], house: House | None = None,
                       now: datetime | None = None) -> Declaration:
    """A signed-in resident declares something about their household (or, as a landlord, a new
    tenant of a house they own). Nothing is applied until a grid worker verifies it."""
    now = now_or(now)
    kind = choice(kind, K, field="kind", label="申报类型")
    person = person_of_user(user=user)
    if person is None:
        raise ValidationFailed("请先完成实名认证（登记身份证号）后再申报", code="identity_required")
    from ..selectors import household_of_person

    household = household_of_person(person=person)
    if kind == K.TENANT:
        if house is None or house.owner_person_id != person.pk:
            raise NotFound("找不到您名下的该房屋", code="house_not_owned")
        place_grid, place_path = house.grid, house.region_path
    else:
        if household is None:
            raise ValidationFailed("您尚未在本平台登记所在户，请先联系所在网格的网格员", code="household_missing")
        house = household.house
        place_grid, place_path = household.grid, household.region_path
    clean, summary = _clean(kind, payload, today=timezone.localdate(now), household=household)
    if kind == K.RESIDENCE:
        member = Resident.objects.filter(person=person, left_on__isnull=True).first()
        if member is None or member.residence_type == c.ResidenceType.REGISTERED:
            raise ValidationFailed("户籍人口无需办理居住登记", code="registration_not_floating")
    with transaction.atomic():
        if Declaration.objects.filter(submitted_by=user, status=c.DeclarationStatus.PENDING).count() >= 20:
            raise Conflict("待核实的申报过多，请等待网格员核实后再提交", code="declarations_too_many")
        declaration = Declaration.objects.create(
            kind=kind, submitted_by=user, declarant=person, house=house,
            household=household if kind != K.TENANT else None, grid=place_grid, region_path=place_path,
            payload=json.dumps(clean, ensure_ascii=False), summary=summary[:200], submitted_at=now)
        audit_record(actor=user, action=c.AUDIT_DECLARATION, obj=declaration,
                     summary={"kind": kind, "summary": summary, "submitted": True})
    return declaration


def declaration_payload(declaration: Declaration) -> dict[str, Any]:
    try:
        value = json.loads(declaration.payload or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _pending(actor: Any, declaration: Declaration) -> Declaration:
    require_worker(actor, declaration.region_path)
    locked = (Declaration.objects.select_for_update(of=("self",))
              .select_related("household", "house", "declarant").get(pk=declaration.pk))
    if locked.status != c.DeclarationStatus.PENDING:
        raise Conflict("该申报已处理", code="declaration_decided")
    return locked


def declaration_reject(*, actor: Any, declaration: Declaration, reason: str,
                       now: datetime | None = None) -> Declaration:
    now = now_or(now)
    reason = text_required(reason, field="reason", label="退回理由", min_len=4, max_len=300)
    with transaction.atomic():
        d = _pending(actor, declaration)
        d.status, d.reason, d.decided_at, d.decided_by = c.DeclarationStatus.REJECTED, reason, now, actor
        d.save(update_fields=["status", "reason", "decided_at", "decided_by", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_DECLARATION, obj=d,
                     summary={"kind": d.kind, "rejected": True, "reason": reason})
    declaration.__dict__.update({k: v for k, v in d.__dict__.items() if k != "_state"})
    return declaration


def declaration_accept(*, actor: Any, declaration: Declaration, now: datetime | None = None) -> Declaration:
    """Verify a declaration and apply it, all or nothing; its changes name it as their source."""
    now = now_or(now)
    src = c.ChangeSource.DECLARATION
    with transaction.atomic():
        d = _pending(actor, declaration)
        p = declaration_payload(d)
        if d.kind == K.MEMBER_ADD:
            household = d.household
            assert household is not None
            person = person_resolve(actor=actor, name=p["name"], id_number=p["id_number"], phone=p.get("phone", ""),
                                    region=household.grid)
            resident_add(actor=actor, household=household, source=src, declaration=d, now=now, member=MemberIn(
                person=person, relation=p["relation"], residence_type=p["residence_type"],
                arrived_on=_date(p.get("arrived_on"), field="arrived_on", label="来本地日期"),
                planned_stay_until=_date(p.get("planned_stay_until"), field="planned_stay_until", label="拟居住至"),
                stay_reason=p.get("stay_reason", ""), tags=p.get("tags", [])))
        elif d.kind == K.MEMBER_LEAVE:
            assert d.household is not None
            member = _member_of(d.household, p.get("resident"))
            resident_leave(actor=actor, resident=member, left_on=_date(p.get("left_on"), field="left_on",
                                                                       label="迁出日期"),
                           source=src, declaration=d, now=now)
        elif d.kind == K.CORRECTION:
            assert d.household is not None
            member = _member_of(d.household, p.get("resident"))
            planned: Any = (_date(p["planned_stay_until"], field="planned_stay_until", label="拟居住至")
                            if p.get("planned_stay_until") else _UNSET)
            resident_update(actor=actor, resident=member, relation=p.get("relation"), tags=p.get("tags"),
                            planned_stay_until=planned, source=src, declaration=d, now=now)
        elif d.kind == K.TENANT:
            _tenant_apply(actor=actor, declaration=d, payload=p, now=now)
        elif d.kind == K.RESIDENCE:
            mover = Resident.objects.select_related("household", "household__house", "person").filter(
                person=d.declarant, left_on__isnull=True).first()
            if mover is None:
                raise Conflict("申报人已不在本户，不能办理居住登记", code="resident_left")
            residence_register(actor=actor, resident=mover, source=src, declaration=d, now=now,
                               arrived_on=_date(p.get("arrived_on"), field="arrived_on", label="来本地日期"),
                               planned_until=_date(p.get("planned_stay_until"), field="planned_stay_until",
                                                   label="拟居住至"),
                               reason=p.get("stay_reason", ""))
        d.status, d.decided_at, d.decided_by = c.DeclarationStatus.ACCEPTED, now, actor
        d.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_DECLARATION, obj=d, summary={"kind": d.kind, "accepted": True})
    declaration.__dict__.update({k: v for k, v in d.__dict__.items() if k not in ("_state",)})
    return declaration


def _tenant_apply(*, actor: Any, declaration: Declaration, payload: dict[str, Any], now: datetime) -> None:
    house = declaration.house
    assert house is not None
    moved_in = _date(payload.get("moved_in_on"), field="moved_in_on", label="入住日期", required=True)
    assert moved_in is not None
    person = person_resolve(actor=actor, name=payload["name"], id_number=payload["id_number"],
                            phone=payload.get("phone", ""), region=house.grid)
    tenant_register(actor=actor, house=house, person=person, moved_in_on=moved_in,
                    planned_stay_until=_date(payload.get("planned_stay_until"), field="planned_stay_until",
                                             label="拟居住至"),
                    stay_reason=payload.get("stay_reason") or c.StayReason.WORK, landlord=declaration.declarant,
                    reported_at=declaration.submitted_at, reported_by=declaration.submitted_by,
                    report_source=c.ReportSource.LANDLORD, declaration=declaration, now=now)


def tenant_register(*, actor: Any, house: House, person: Any, moved_in_on: date, planned_stay_until: date | None,
                    stay_reason: str, landlord: Any = None, reported_at: datetime | None = None,
                    reported_by: Any = None, report_source: str = c.ReportSource.WORKER, declaration: Any = None,
                    now: datetime | None = None) -> Tenancy:
    """A new tenant of a rented house (出租屋): a floating household in the house, the tenancy with
    the report (late when made more than 3 days after moving in), the house marked 出租, and the
    tenant's residence registration with its e-licence. All or nothing."""
    from .basic import household_create

    now = now_or(now)
    require_worker(actor, house.region_path)
    source = c.ChangeSource.DECLARATION if declaration is not None else c.ChangeSource.WORKER
    reported_at = reported_at or now
    landlord = landlord if landlord is not None else house.owner_person
    with transaction.atomic():
        household = household_create(actor=actor, house=house, source=source, declaration=declaration, now=now,
                                     members=[MemberIn(person=person, relation=c.Relation.HEAD,
                                                       residence_type=c.ResidenceType.FLOATING,
                                                       arrived_on=moved_in_on, planned_stay_until=planned_stay_until,
                                                       stay_reason=stay_reason)])
        tenancy = Tenancy.objects.create(
            house=house, household=household, landlord=landlord, region_path=house.region_path,
            start_on=moved_in_on, reported_at=reported_at, reported_by=reported_by or actor,
            report_source=report_source,
            late=rules.tenancy_late(start_on=moved_in_on, reported_on=timezone.localdate(reported_at)))
        history(actor=actor, source=source, action="tenancy_create", at=now, house=house, household=household,
                declaration=declaration,
                changes={"start_on": moved_in_on.isoformat(), "landlord": mask_name(landlord.name) if landlord else "",
                         "late": tenancy.late, "report_source": report_source})
        if house.use != c.HouseUse.RENTED:
            house_update(actor=actor, house=house, use=c.HouseUse.RENTED, source=source, declaration=declaration,
                         now=now)
        member = Resident.objects.select_related("household", "household__house", "person").get(
            household=household, person=person, left_on__isnull=True)
        residence_register(actor=actor, resident=member, arrived_on=moved_in_on, planned_until=planned_stay_until,
                           reason=stay_reason, declaration=declaration, source=source, now=now)
    return tenancy
