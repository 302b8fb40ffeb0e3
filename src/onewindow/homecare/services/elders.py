"""Elders and their family contacts, needs assessments (GB/T 42195-2022) and the allowance
policy.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from onewindow.accounts.models import Person, User
from onewindow.accounts.rules import id_number_parse
from onewindow.accounts.selectors import actor_label
from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, NotFound, ValidationFailed
from onewindow.core.masking import mask_id_number, mask_phone
from onewindow.core.phones import phone_parse
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

from .. import constants as c
from .. import rules, selectors
from ..models import (
    AllowanceRule,
    Assessment,
    Elder,
    FamilyContact,
)
from ._common import (
    _choice,
    _money,
    _now,
    _require_bureau,
    _require_elder_staff,
    _text,
)


# --- Elders -----------------------------------------------------------------------------------
def _policy_views() -> list[rules.RuleView]:
    return [rules.RuleView(r.id, r.name, r.kind, r.min_age, r.min_level, r.low_income_only, r.alone_only,
                           r.monthly_amount) for r in selectors.allowance_rules()]


def _allowance_for(elder: Elder, *, today: date, level: int | None, policy: list[rules.RuleView] | None = None,
                   ) -> tuple[Decimal, list[str]]:
    return rules.allowance_compute(policy if policy is not None else _policy_views(),
                                   age=rules.age_on(elder.birth_date, today), level=level,
                                   low_income=elder.low_income, living=elder.living)


def elder_register(*, actor: Any, name: str, id_number: str, community: Region | None, address: str,
                   phone: str = "", lng: Any = None, lat: Any = None, care_mode: str = c.CareMode.HOME,
                   living: str = c.Living.WITH_FAMILY, low_income: bool = False, health_notes: str = "",
                   today: date | None = None) -> Elder:
    """Register an elder (≥ 60 by the ID number) linked to the natural person with that number."""
    today = today or timezone.localdate()
    if community is None or community.level != RegionLevel.COMMUNITY:
        msg = "请选择老人居住的社区"
        raise ValidationFailed(msg, code="community_required", fields={"community": msg})
    _require_elder_staff(actor, community.path)
    name = _text(name, field="name", label="姓名", max_len=60)
    facts = id_number_parse(id_number)
    age = rules.age_on(facts.birth_date, today)
    if age < c.MIN_AGE:
        msg = f"按身份证号码计算年龄为 {age} 周岁，未满 {c.MIN_AGE} 周岁，不能登记为服务对象"
        raise ValidationFailed(msg, code="elder_too_young", fields={"id_number": msg})
    address = _text(address, field="address", label="居住地址", min_len=4)
    care_mode = _choice(care_mode, c.CareMode, field="care_mode", label="养老方式")
    living = _choice(living, c.Living, field="living", label="居住情况")
    health_notes = (health_notes or "").strip()[: c.MAX_TEXT]
    point = rules.point_clean(lng, lat)
    parsed = phone_parse(phone)
    phone_norm = parsed.number if parsed else ""
    id_hash = lookup_hash(facts.number)
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(id_number_hash=id_hash).first()
        if person is not None and Elder.objects.filter(person=person).exists():
            raise Conflict("该老人已登记", code="elder_exists", fields={"id_number": "该老人已登记"})
        if person is None:
            person = Person.objects.create(
                name=name, id_number=facts.number, id_number_hash=id_hash, gender=facts.gender,
                birth_date=facts.birth_date, phone=phone_norm, phone_hash=lookup_hash(phone_norm) if phone_norm else "",
                address=address, region=community, region_path=community.path)
        elif person.name != name:
            msg = "姓名与该身份证号码登记的姓名不一致"
            raise ValidationFailed(msg, code="name_mismatch", fields={"name": msg})
        elder = Elder(person=person, name=name, birth_date=facts.birth_date, community=community,
                      region_path=community.path, address=address, lng=point[0] if point else None,
                      lat=point[1] if point else None, care_mode=care_mode, living=living,
                      low_income=bool(low_income), health_notes=health_notes)
        elder.monthly_allowance, _applied = _allowance_for(elder, today=today, level=None)
        elder.save()
        audit_record(actor=actor, action=c.AUDIT_ELDER_CREATE, obj=elder, summary={
            "name": name, "id_number": mask_id_number(facts.number), "community": community.code,
            "living": living, "health_notes": "已填写" if health_notes else ""})
    return elder


def elder_update(*, actor: Any, elder: Elder, address: str | None = None, lng: Any = None, lat: Any = None,
                 care_mode: str | None = None, living: str | None = None, low_income: bool | None = None,
                 health_notes: str | None = None, status: str | None = None, today: date | None = None) -> Elder:
    _require_elder_staff(actor, elder.region_path)
    changed: dict[str, Any] = {}
    if address is not None:
        elder.address = _text(address, field="address", label="居住地址", min_len=4)
        changed["address"] = "已修改"
    point = rules.point_clean(lng, lat)
    if point is not None:
        elder.lng, elder.lat = point
        changed["point"] = "已修改"
    if care_mode is not None:
        elder.care_mode = _choice(care_mode, c.CareMode, field="care_mode", label="养老方式")
        changed["care_mode"] = elder.care_mode
    if living is not None:
        elder.living = _choice(living, c.Living, field="living", label="居住情况")
        changed["living"] = elder.living
    if low_income is not None:
        elder.low_income = bool(low_income)
        changed["low_income"] = elder.low_income
    if health_notes is not None:
        elder.health_notes = health_notes.strip()[: c.MAX_TEXT]
        changed["health_notes"] = "已修改"
    if status is not None:
        elder.status = _choice(status, c.ElderStatus, field="status", label="状态")
        changed["status"] = elder.status
    with transaction.atomic():
        elder.monthly_allowance, _ = _allowance_for(elder, today=today or timezone.localdate(), level=elder.care_level)
        elder.save()
        audit_record(actor=actor, action=c.AUDIT_ELDER_UPDATE, obj=elder, summary=changed)
    return elder


def elder_reveal(*, actor: Any, elder: Elder, reason: str) -> dict[str, str]:
    """The elder's personal data in full, for staff whose region covers them; audited."""
    scope = selectors.region_scope(actor)
    if scope is None or not scope.covers_region_path(elder.region_path):
        raise NotFound("找不到该老人，或您无权查看", code="elder_not_found")
    reason = _text(reason, field="reason", label="查看原因", min_len=2, max_len=200)
    with transaction.atomic():
        audit_record(actor=actor, action=c.AUDIT_ELDER_REVEAL, obj=elder, summary={"reason": reason})
    return {"id_number": elder.person.id_number, "phone": elder.person.phone, "address": elder.address,
            "health_notes": elder.health_notes}


def family_add(*, actor: Any, elder: Elder, name: str, relation: str, phone: str, may_order: bool = True,
               user: User | None = None) -> FamilyContact:
    """A family contact. Their account (found by the phone of a registered person, or given) may
    then order for the elder when ``may_order``."""
    _require_elder_staff(actor, elder.region_path)
    name = _text(name, field="contact_name", label="家属姓名", max_len=60)
    relation = _text(relation, field="relation", label="与老人关系", max_len=20)
    parsed = phone_parse(phone)
    if parsed is None:
        raise ValidationFailed("请填写家属手机号", code="phone_required", fields={"phone": "请填写家属手机号"})
    number = parsed.number
    phone_hash = lookup_hash(number)
    if user is None:
        person = Person.objects.filter(phone_hash=phone_hash, user__isnull=False).select_related("user").first()
        user = person.user if person else None
    with transaction.atomic():
        if FamilyContact.objects.filter(elder=elder, phone_hash=phone_hash).exists():
            raise Conflict("该手机号已是这位老人的联系人", code="contact_exists", fields={"phone": "该手机号已登记"})
        contact = FamilyContact.objects.create(elder=elder, name=name, relation=relation, phone=number,
                                               phone_hash=phone_hash, user=user, may_order=bool(may_order))
        audit_record(actor=actor, action=c.AUDIT_FAMILY_ADD, obj=elder, summary={
            "contact": name, "relation": relation, "phone": mask_phone(number), "may_order": bool(may_order),
            "account": bool(user)})
    return contact


# --- Assessment and policy ------------------------------------------------------------------------
def assessment_record(*, actor: Any, elder: Elder, scores: dict[str, Any], coma: bool = False,
                      risk_events: int = 0, notes: str = "", now: datetime | None = None) -> Assessment:
    """Score the GB/T 42195-2022 form, set the elder's care level and monthly allowance."""
    now = _now(now)
    _require_elder_staff(actor, elder.region_path)
    result = rules.assessment_score(scores or {}, coma=bool(coma), risk_events=risk_events)
    amount, applied = _allowance_for(elder, today=timezone.localdate(now), level=result.level)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            elder=elder, assessor=actor if actor is not None else None, assessor_name=actor_label(actor),
            assessed_at=now,
            scores=result.scores, section_scores=result.sections, total=result.total, coma=bool(coma),
            risk_events=risk_events, level=result.level, monthly_allowance=amount, allowance_rules=applied,
            notes=(notes or "").strip()[: c.MAX_TEXT])
        elder.care_level = result.level
        elder.monthly_allowance = amount
        elder.assessed_at = now
        elder.save(update_fields=["care_level", "monthly_allowance", "assessed_at", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_ASSESS, obj=elder, summary={
            "total": result.total, "level": result.level, "allowance": str(amount), "rules": applied})
    return assessment


def allowance_rule_save(*, actor: Any, name: str, monthly_amount: Any, kind: str = c.RuleKind.BASE,
                        min_age: int = c.MIN_AGE, min_level: int = 0, low_income_only: bool = False,
                        alone_only: bool = False, is_active: bool = True, rule: AllowanceRule | None = None,
                        today: date | None = None) -> AllowanceRule:
    """Create or change one line of the district's policy, then recompute every elder's allowance."""
    _require_bureau(actor)
    name = _text(name, field="name", label="规则名称", max_len=100)
    kind = _choice(kind, c.RuleKind, field="kind", label="额度类型")
    amount = _money(monthly_amount, field="monthly_amount", label="每月额度")
    if not isinstance(min_age, int) or not c.MIN_AGE <= min_age <= 120:
        raise ValidationFailed("最低年龄应为 60 到 120", code="min_age_invalid", fields={"min_age": "应为 60 到 120"})
    if not isinstance(min_level, int) or not 0 <= min_level <= 4:
        raise ValidationFailed("最低能力等级应为 0 到 4", code="min_level_invalid", fields={"min_level": "应为 0 到 4"})
    with transaction.atomic():
        row = rule or AllowanceRule()
        row.name, row.kind, row.monthly_amount = name, kind, amount
        row.min_age, row.min_level = min_age, min_level
        row.low_income_only, row.alone_only, row.is_active = bool(low_income_only), bool(alone_only), bool(is_active)
        row.save()
        changed = allowances_recompute(today=today)
        audit_record(actor=actor, action=c.AUDIT_RULE, obj=row, summary={
            "name": name, "kind": kind, "amount": str(amount), "min_age": min_age, "min_level": min_level,
            "low_income_only": row.low_income_only, "alone_only": row.alone_only, "active": row.is_active,
            "elders_changed": changed})
    return row


def allowances_recompute(*, today: date | None = None, batch: int = 2000) -> int:
    """Every active elder's monthly allowance under the current policy; returns how many changed."""
    today = today or timezone.localdate()
    policy = _policy_views()
    changed = 0
    last = 0
    while True:
        chunk = list(Elder.objects.filter(status=c.ElderStatus.ACTIVE, pk__gt=last).order_by("pk")
                     .only("pk", "birth_date", "care_level", "low_income", "living", "monthly_allowance")[:batch])
        if not chunk:
            return changed
        last = chunk[-1].pk
        dirty = []
        for elder in chunk:
            amount, _ = _allowance_for(elder, today=today, level=elder.care_level, policy=policy)
            if amount != elder.monthly_allowance:
                elder.monthly_allowance = amount
                dirty.append(elder)
        Elder.objects.bulk_update(dirty, ["monthly_allowance"])
        changed += len(dirty)
