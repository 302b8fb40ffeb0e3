"""Writes of home care: elders and family contacts, needs assessments and the allowance policy,
providers, carers and the service catalogue, orders from placement to payment, complaints,
alerts, spot checks and the monthly settlement.

Each function owns its transaction, validates (DomainError with a stable code and a Chinese
message; nothing is half-written) and appends the audit entry inside it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from onewindow.accounts.models import Person, User
from onewindow.accounts.rules import id_number_parse
from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.masking import mask_id_number, mask_phone
from onewindow.core.phones import phone_parse
from onewindow.grid.services import PhotoIn, photos_check
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

from . import constants as c
from . import rules, selectors
from .models import (
    Alert,
    AllowanceRule,
    Assessment,
    Carer,
    Elder,
    FamilyContact,
    HomecareCounter,
    Order,
    Payment,
    Provider,
    Service,
    Settlement,
    SettlementLine,
    SpotCheck,
)
from .payments import gateway

__all__ = ["PhotoIn"]

S = c.OrderStatus


# --- Helpers ----------------------------------------------------------------------------------
def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "系统"
    return str(getattr(actor, "display_name", "") or actor.get_username())[:100]


def _text(value: str, *, field: str, label: str, min_len: int = 1, max_len: int = 300) -> str:
    text = (value or "").strip()
    if len(text) < min_len:
        msg = f"请填写{label}" if not text else f"{label}过短（至少{min_len}个字）"
        raise ValidationFailed(msg, code=f"{field}_required", fields={field: msg})
    if len(text) > max_len:
        msg = f"{label}过长（最多{max_len}个字）"
        raise ValidationFailed(msg, code=f"{field}_too_long", fields={field: msg})
    return text


def _choice(value: str, choices: Any, *, field: str, label: str) -> str:
    if value not in choices.values:
        msg = f"{label}取值无效"
        raise ValidationFailed(msg, code=f"{field}_invalid", fields={field: msg})
    return str(value)


def _money(value: Any, *, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = Decimal("-1")
    if amount < 0 or amount > Decimal("100000"):
        msg = f"{label}应为 0 到 100000 元的金额"
        raise ValidationFailed(msg, code=f"{field}_invalid", fields={field: msg})
    return amount


def _counter(key: str) -> int:
    table = connection.ops.quote_name(HomecareCounter._meta.db_table)
    sql = (f"INSERT INTO {table} (key, value) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
           f"ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value")
    with connection.cursor() as cursor:
        cursor.execute(sql, [key[:40]])
        row = cursor.fetchone()
    return int(row[0])


def _require_bureau(actor: Any) -> None:
    if actor is None:  # the platform itself (demo, jobs)
        return
    if not selectors.is_bureau(actor):
        raise PermissionDenied("只有民政部门的监管人员可以执行此操作", code="not_bureau")


def _require_elder_staff(actor: Any, region_path: str) -> None:
    """Elder records are kept by community staff (grid workers) and the bureau, within their region."""
    if actor is None:
        return
    scope = selectors.region_scope(actor)
    if scope is None or not scope.has_role(*selectors.BUREAU_ROLES, c_role_grid()):
        raise PermissionDenied("只有社区工作人员或民政部门可以登记老人信息", code="not_care_staff")
    if not scope.covers_region_path(region_path):
        raise NotFound("该社区不在您的管辖范围内", code="region_out_of_scope")


def c_role_grid() -> str:
    from onewindow.accounts.constants import Role

    return str(Role.GRID_WORKER)


def _load_down(provider_id: int | None) -> None:
    if provider_id:
        Provider.objects.filter(id=provider_id, open_orders__gt=0).update(open_orders=F("open_orders") - 1)


def _locked_order(order: Order) -> Order:
    return (Order.objects.select_for_update(of=("self",)).select_related("elder", "service", "provider", "carer")
            .get(pk=order.pk))


def _alert(*, kind: str, elder: Elder, key: str, message: str, at: datetime, order: Order | None = None,
           provider: Provider | None = None) -> Alert | None:
    """Raise an alert once (its key is unique)."""
    if Alert.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            return Alert.objects.create(kind=kind, elder=elder, order=order, provider=provider,
                                        region_path=elder.region_path, raised_at=at, key=key[:80],
                                        message=message[:300])
    except IntegrityError:  # raised by a parallel run
        return None


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
            elder=elder, assessor=actor if actor is not None else None, assessor_name=_label(actor), assessed_at=now,
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


# --- Providers, carers, services ---------------------------------------------------------------------
def provider_register(*, actor: Any, name: str, kind: str, credit_code: str, phone: str, address: str,
                      streets: Sequence[Region], lng: Any = None, lat: Any = None, beds_total: int = 0,
                      beds_used: int = 0, contract_no: str = "", contract_until: date | None = None,
                      services: Iterable[Service] = ()) -> Provider:
    """A provider applies (or the bureau records it); it serves nobody until approved."""
    _require_bureau(actor)
    name = _text(name, field="name", label="机构名称", min_len=2, max_len=200)
    kind = _choice(kind, c.ProviderKind, field="kind", label="机构类型")
    credit_code = (credit_code or "").strip().upper()
    if len(credit_code) != 18 or not credit_code.isalnum():
        msg = "统一社会信用代码应为18位"
        raise ValidationFailed(msg, code="credit_code_invalid", fields={"credit_code": msg})
    phone = _text(phone, field="phone", label="服务电话", min_len=5, max_len=40)
    address = _text(address, field="address", label="地址", min_len=4)
    streets = list(streets)
    if not streets or any(s.level != RegionLevel.STREET for s in streets):
        msg = "请选择服务的街道"
        raise ValidationFailed(msg, code="streets_required", fields={"streets": msg})
    if not (0 <= int(beds_used) <= int(beds_total) <= 100000):
        msg = "床位数应不小于已入住数"
        raise ValidationFailed(msg, code="beds_invalid", fields={"beds_total": msg})
    point = rules.point_clean(lng, lat)
    with transaction.atomic():
        if Provider.objects.filter(credit_code=credit_code).exists():
            raise Conflict("该机构已登记", code="provider_exists", fields={"credit_code": "该机构已登记"})
        provider = Provider.objects.create(
            name=name, kind=kind, credit_code=credit_code, phone=phone, address=address,
            lng=point[0] if point else None, lat=point[1] if point else None, beds_total=int(beds_total),
            beds_used=int(beds_used), contract_no=(contract_no or "").strip()[:40], contract_until=contract_until)
        provider.streets.set(streets)
        provider.services.set(list(services))
        audit_record(actor=actor, action=c.AUDIT_PROVIDER_CREATE, obj=provider, summary={
            "name": name, "kind": kind, "credit_code": credit_code, "streets": [s.code for s in streets]})
    return provider


def provider_set_status(*, actor: Any, provider: Provider, status: str, reason: str = "") -> Provider:
    """Approve (准入), suspend (暂停: no new orders; open orders stay with it) or reject."""
    _require_bureau(actor)
    status = _choice(status, c.ProviderStatus, field="status", label="状态")
    if status in (c.ProviderStatus.SUSPENDED, c.ProviderStatus.REJECTED):
        reason = _text(reason, field="reason", label="原因", min_len=2)
    if status == c.ProviderStatus.APPROVED and not provider.contract_no:
        msg = "准入前请先登记服务协议编号"
        raise ValidationFailed(msg, code="contract_required", fields={"contract_no": msg})
    with transaction.atomic():
        before = provider.status
        provider.status = status
        provider.status_reason = (reason or "").strip()[:300]
        provider.save(update_fields=["status", "status_reason", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_PROVIDER_STATUS, obj=provider,
                     summary={"from": before, "to": status, "reason": provider.status_reason})
    return provider


def provider_manager_add(*, actor: Any, provider: Provider, user: User) -> None:
    _require_bureau(actor)
    with transaction.atomic():
        provider.managers.add(user)
        audit_record(actor=actor, action=c.AUDIT_CARER, obj=provider, summary={"manager": user.get_username()})


def carer_add(*, actor: Any, provider: Provider, name: str, phone: str = "", qualifications: Sequence[str] = (),
              user: User | None = None) -> Carer:
    if actor is not None and not (selectors.is_bureau(actor) or selectors.is_provider_manager(actor, provider)):
        raise PermissionDenied("只有本机构管理人员或民政部门可以登记护理员", code="not_provider_manager")
    name = _text(name, field="name", label="护理员姓名", max_len=60)
    quals = [_choice(q, c.Qualification, field="qualifications", label="资质") for q in qualifications]
    parsed = phone_parse(phone)
    number = parsed.number if parsed else ""
    with transaction.atomic():
        if user is not None and Carer.objects.filter(user=user).exists():
            raise Conflict("该账号已是护理员", code="carer_exists")
        carer = Carer.objects.create(provider=provider, name=name, phone=number, qualifications=quals, user=user)
        audit_record(actor=actor, action=c.AUDIT_CARER, obj=carer, summary={
            "provider": provider.name, "name": name, "qualifications": quals, "phone": mask_phone(number)})
    return carer


def service_save(*, actor: Any, code: str, name: str, category: str, price: Any, duration_minutes: int,
                 allowance_covered: bool = False, provider_kinds: Sequence[str] = (), description: str = "",
                 needs_visit: bool = True, service: Service | None = None) -> Service:
    _require_bureau(actor)
    code = _text(code, field="code", label="服务编码", max_len=20)
    name = _text(name, field="name", label="服务名称", max_len=100)
    category = _choice(category, c.Category, field="category", label="服务类别")
    amount = _money(price, field="price", label="价格")
    if not isinstance(duration_minutes, int) or not 5 <= duration_minutes <= 24 * 60:
        msg = "服务时长应为 5 到 1440 分钟"
        raise ValidationFailed(msg, code="duration_invalid", fields={"duration_minutes": msg})
    kinds = [_choice(k, c.ProviderKind, field="provider_kinds", label="机构类型") for k in provider_kinds]
    with transaction.atomic():
        row = service or Service()
        if Service.objects.filter(code=code).exclude(pk=row.pk).exists():
            raise Conflict("服务编码已存在", code="service_code_taken", fields={"code": "服务编码已存在"})
        row.code, row.name, row.category, row.price = code, name, category, amount
        row.duration_minutes, row.provider_kinds = duration_minutes, kinds
        row.allowance_covered = bool(allowance_covered)
        row.description, row.needs_visit = (description or "").strip()[:300], bool(needs_visit)
        row.save()
        audit_record(actor=actor, action=c.AUDIT_SERVICE, obj=row, summary={
            "code": code, "name": name, "category": category, "price": str(amount), "covered": row.allowance_covered})
    return row


# --- Orders -----------------------------------------------------------------------------------
def _ordered_by(actor: Any, elder: Elder) -> str:
    """Who is ordering for this elder, or NotFound/PermissionDenied."""
    if actor is None:
        return c.OrderedBy.BUREAU
    from onewindow.accounts.constants import Role

    scope = selectors.region_scope(actor)
    if scope is not None:
        if not scope.covers_region_path(elder.region_path):
            raise NotFound("找不到该老人，或您无权查看", code="elder_not_found")
        if scope.has_role(Role.HOTLINE_OPERATOR):
            return c.OrderedBy.OPERATOR
        if scope.has_role(Role.GRID_WORKER):
            return c.OrderedBy.WORKER
        return c.OrderedBy.BUREAU
    if not getattr(actor, "is_authenticated", False):
        raise NotFound("找不到该老人，或您无权查看", code="elder_not_found")
    if elder.person.user_id is not None and elder.person.user_id == actor.pk:
        return c.OrderedBy.ELDER
    contact = FamilyContact.objects.filter(elder=elder, user=actor).first()
    if contact is None:
        raise NotFound("找不到该老人，或您无权查看", code="elder_not_found")
    if not contact.may_order:
        raise PermissionDenied("您不是可代老人下单的家属联系人", code="family_may_not_order")
    return c.OrderedBy.FAMILY


def _candidates(service: Service, elder: Elder) -> list[rules.Candidate]:
    parent = elder.community.parent
    street_path = parent.path if parent is not None else ""
    qs = (Provider.objects.filter(status=c.ProviderStatus.APPROVED, services=service, streets__path=street_path)
          .distinct())
    if service.provider_kinds:
        qs = qs.filter(kind__in=service.provider_kinds)
    from django.db.models import Count

    qs = qs.annotate(n_carers=Count("carers", filter=Q(carers__is_active=True), distinct=True))
    return [rules.Candidate(p.pk, p.name, p.rating, p.open_orders, p.n_carers) for p in qs]


def order_place(*, actor: Any, elder: Elder, service: Service, scheduled_at: datetime,
                provider: Provider | None = None, note: str = "", channel: str = c.OrderChannel.WEB,
                allowance_only: bool = False, now: datetime | None = None) -> Order:
    """Order a service for an elder; split the price (allowance first), dispatch by the rules or to
    the provider the elder chose."""
    now = _now(now)
    ordered_by = _ordered_by(actor, elder)
    channel = _choice(channel, c.OrderChannel, field="channel", label="下单渠道")
    if elder.status != c.ElderStatus.ACTIVE:
        raise Conflict("该老人不在册，不能下单", code="elder_inactive")
    if not service.is_active:
        raise NotFound("找不到该服务项目", code="service_not_found")
    if timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    if scheduled_at < now - timedelta(minutes=10) or scheduled_at > now + timedelta(days=60):
        msg = "预约时间应在现在到60天之内"
        raise ValidationFailed(msg, code="scheduled_at_invalid", fields={"scheduled_at": msg})
    note = (note or "").strip()[:300]
    candidates = _candidates(service, elder)
    if provider is not None:
        if provider.pk not in {cand.id for cand in candidates}:
            msg = "所选机构不提供该服务、不服务老人所在街道或已暂停接单"
            raise ValidationFailed(msg, code="provider_not_eligible", fields={"provider": msg})
        chosen_id: int | None = provider.pk
        mode, dispatch_note = c.DispatchMode.CHOICE, "老人自选机构"
    else:
        best = rules.dispatch_choose(candidates)
        chosen_id, mode = (best.id if best else None), c.DispatchMode.RULES
        dispatch_note = (f"按规则派单：{len(candidates)} 家可选，评分与负荷最优" if best
                         else "暂无可派单的机构，等待人工派单")
    month = rules.month_start(timezone.localdate(scheduled_at))
    with transaction.atomic():
        locked = Elder.objects.select_for_update().get(pk=elder.pk)  # one order at a time draws on the allowance
        left = selectors.allowance_left(elder=locked, month=month)
        allowance, own = rules.payment_split(price=service.price, covered=service.allowance_covered,
                                             allowance_left=left, allowance_only=allowance_only)
        day = timezone.localtime(now).strftime("%Y%m%d")
        order = Order.objects.create(
            number=f"YL{day}{_counter(f'order:{day}'):06d}", elder=elder, region_path=elder.region_path,
            service=service, provider_id=chosen_id, status=S.DISPATCHED if chosen_id else S.PLACED,
            ordered_by=ordered_by, channel=channel, placed_by=actor if getattr(actor, "pk", None) else None,
            placed_at=now, dispatch_mode=mode, dispatch_note=dispatch_note, scheduled_at=scheduled_at, note=note,
            price=service.price, allowance_part=allowance, own_part=own, month=month)
        if chosen_id:
            Provider.objects.filter(pk=chosen_id).update(open_orders=F("open_orders") + 1)
        audit_record(actor=actor, action=c.AUDIT_ORDER_PLACE, obj=order, summary={
            "number": order.number, "elder": elder.name, "service": service.code, "ordered_by": ordered_by,
            "provider": chosen_id or "", "allowance": str(allowance), "own": str(own), "mode": mode})
    return order


def order_dispatch(*, actor: Any, order: Order, provider: Provider) -> Order:
    """Manual dispatch of an order no provider was found for (bureau or hotline)."""
    if actor is not None and selectors.region_scope(actor) is None:
        raise PermissionDenied("只有民政部门或养老服务热线可以人工派单", code="not_dispatcher")
    with transaction.atomic():
        order = _locked_order(order)
        rules.transition_check(order.status, "dispatch")
        if provider.pk not in {cand.id for cand in _candidates(order.service, order.elder)}:
            msg = "所选机构不提供该服务、不服务老人所在街道或已暂停接单"
            raise ValidationFailed(msg, code="provider_not_eligible", fields={"provider": msg})
        order.provider, order.status, order.dispatch_note = provider, S.DISPATCHED, f"人工派单（{_label(actor)}）"
        order.save(update_fields=["provider", "status", "dispatch_note", "updated_at"])
        Provider.objects.filter(pk=provider.pk).update(open_orders=F("open_orders") + 1)
        audit_record(actor=actor, action=c.AUDIT_ORDER_ASSIGN, obj=order, summary={"provider": provider.name})
    return order


def order_assign(*, actor: Any, order: Order, carer: Carer) -> Order:
    """The provider's manager assigns (or reassigns before the visit) a carer of its own."""
    if order.provider is None or (actor is not None and not selectors.is_provider_manager(actor, order.provider)):
        raise PermissionDenied("只有承接机构的管理人员可以指派护理员", code="not_provider_manager")
    if carer.provider_id != order.provider_id or not carer.is_active:
        msg = "该护理员不属于承接机构"
        raise ValidationFailed(msg, code="carer_not_of_provider", fields={"carer": msg})
    with transaction.atomic():
        order = _locked_order(order)
        rules.transition_check(order.status, "assign")
        order.carer, order.status = carer, S.ASSIGNED
        order.save(update_fields=["carer", "status", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_ORDER_ASSIGN, obj=order, summary={"carer": carer.name})
    return order


def _require_carer(actor: Any, order: Order) -> None:
    carer = selectors.carer_of(actor)
    if carer is None or carer.pk != order.carer_id:
        raise PermissionDenied("只有被指派的护理员可以签到签退", code="not_assigned_carer")


def _photo_save(photo: PhotoIn | None, *, required: bool, field: str) -> Any:
    if photo is None:
        if required:
            msg = "请拍摄现场照片"
            raise ValidationFailed(msg, code="photo_required", fields={field: msg})
        return None
    checked = photos_check([photo])[0]
    return checked


def _home(order: Order) -> tuple[float, float] | None:
    e = order.elder
    return (e.lng, e.lat) if e.lng is not None and e.lat is not None else None


def order_checkin(*, actor: Any, order: Order, lng: Any, lat: Any, location_note: str = "",
                  photo: PhotoIn | None = None, now: datetime | None = None) -> Order:
    """The carer arrives: time, position (checked against the elder's home) and a photo."""
    now = _now(now)
    _require_carer(actor, order)
    order.refresh_from_db(fields=["status"])
    rules.transition_check(order.status, "checkin")
    point = rules.point_clean(lng, lat)
    check, meters = rules.visit_location(home=_home(order), point=point, note=location_note)
    checked = _photo_save(photo, required=True, field="photo")
    saved: list[str] = []
    try:
        with transaction.atomic():
            order = _locked_order(order)
            rules.transition_check(order.status, "checkin")
            order.checkin_at = now
            order.checkin_lng, order.checkin_lat = point if point else (None, None)
            order.checkin_distance_m, order.checkin_check = meters, check
            order.checkin_note = (location_note or "").strip()[:300]
            order.checkin_photo.save(f"in.{checked.extension}", ContentFile(checked.content), save=False)
            saved.append(str(order.checkin_photo.name))
            order.status = S.IN_SERVICE
            order.save()
            if check in (c.LocationCheck.FAR, c.LocationCheck.NONE):
                where = f"距住址约 {meters} 米" if meters is not None else "无定位"
                _alert(kind=c.AlertKind.FAR_CHECKIN, elder=order.elder, order=order, provider=order.provider,
                       key=f"far:{order.pk}", at=now,
                       message=f"{order.number} 护理员{order.carer.name if order.carer else ''}"
                               f"签到位置异常（{where}）：{order.checkin_note}")
            audit_record(actor=actor, action=c.AUDIT_ORDER_CHECKIN, obj=order, summary={
                "number": order.number, "check": check, "distance_m": meters})
    except BaseException:
        for path in saved:
            with contextlib.suppress(OSError):
                default_storage.delete(path)
        raise
    return order


def order_checkout(*, actor: Any, order: Order, lng: Any = None, lat: Any = None, work_notes: str = "",
                   photo: PhotoIn | None = None, now: datetime | None = None) -> Order:
    """The carer leaves: what was done; a visit much shorter than booked raises an alert."""
    now = _now(now)
    _require_carer(actor, order)
    order.refresh_from_db(fields=["status"])
    rules.transition_check(order.status, "checkout")
    work_notes = _text(work_notes, field="work_notes", label="服务记录", min_len=2, max_len=c.MAX_TEXT)
    point = rules.point_clean(lng, lat)
    home = _home(order)
    meters = round(rules.distance_m(point[0], point[1], home[0], home[1])) if point and home else None
    checked = _photo_save(photo, required=False, field="photo")
    saved: list[str] = []
    try:
        with transaction.atomic():
            order = _locked_order(order)
            rules.transition_check(order.status, "checkout")
            order.checkout_at, order.checkout_distance_m, order.work_notes = now, meters, work_notes
            if checked is not None:
                order.checkout_photo.save(f"out.{checked.extension}", ContentFile(checked.content), save=False)
                saved.append(str(order.checkout_photo.name))
            order.status = S.DELIVERED
            order.save()
            _load_down(order.provider_id)
            Elder.objects.filter(pk=order.elder_id).update(last_served_at=now)
            minutes = (now - order.checkin_at).total_seconds() / 60 if order.checkin_at else 0
            if rules.short_visit(minutes, order.service.duration_minutes):
                _alert(kind=c.AlertKind.SHORT_VISIT, elder=order.elder, order=order, provider=order.provider,
                       key=f"short:{order.pk}", at=now,
                       message=f"{order.number} 服务 {round(minutes)} 分钟，预约 {order.service.duration_minutes} 分钟")
            audit_record(actor=actor, action=c.AUDIT_ORDER_CHECKOUT, obj=order, summary={
                "number": order.number, "minutes": round(minutes), "distance_m": meters})
    except BaseException:
        for path in saved:
            with contextlib.suppress(OSError):
                default_storage.delete(path)
        raise
    return order


def _require_elder_side(actor: Any, order: Order) -> None:
    """The elder, a family contact, or staff covering the elder (on their behalf)."""
    if actor is None:  # the platform itself (demo, imports)
        return
    if not getattr(actor, "is_authenticated", False):
        raise NotFound("找不到该订单，或您无权查看", code="order_not_found")
    scope = selectors.region_scope(actor)
    if scope is not None and scope.covers_region_path(order.region_path):
        return
    if order.elder.person.user_id is not None and order.elder.person.user_id == actor.pk:
        return
    if FamilyContact.objects.filter(elder=order.elder, user=actor).exists():
        return
    raise NotFound("找不到该订单，或您无权查看", code="order_not_found")


def order_confirm(*, actor: Any, order: Order, rating: Any, comment: str = "", now: datetime | None = None) -> Order:
    """The elder or family confirms the visit and rates it; the allowance part is booked for the
    monthly settlement and the own part waits for payment."""
    now = _now(now)
    _require_elder_side(actor, order)
    stars = rules.rating_clean(rating)
    comment = (comment or "").strip()[:300]
    with transaction.atomic():
        order = _locked_order(order)
        rules.transition_check(order.status, "confirm")
        order.status, order.confirmed_at, order.rating, order.rating_comment = S.CONFIRMED, now, stars, comment
        order.save(update_fields=["status", "confirmed_at", "rating", "rating_comment", "updated_at"])
        Provider.objects.filter(id=order.provider_id or 0).update(rating_sum=F("rating_sum") + stars,
                                                             rating_count=F("rating_count") + 1)
        if order.allowance_part > 0:
            Payment.objects.create(order=order, kind=c.PaymentKind.ALLOWANCE, amount=order.allowance_part,
                                   gateway="allowance")
        if order.own_part > 0:
            Payment.objects.create(order=order, kind=c.PaymentKind.OWN, amount=order.own_part)
        audit_record(actor=actor, action=c.AUDIT_ORDER_CONFIRM, obj=order, summary={
            "number": order.number, "rating": stars})
    return order


def order_pay(*, actor: Any, order: Order, now: datetime | None = None) -> Payment:
    """Pay the elder's own part through the payment gateway; a receipt number is issued."""
    now = _now(now)
    _require_elder_side(actor, order)
    payment = order.payments.filter(kind=c.PaymentKind.OWN).first()
    if payment is None:
        raise Conflict("该订单没有需要个人支付的金额，或尚未确认", code="nothing_to_pay")
    if payment.status == c.PaymentStatus.PAID:
        raise Conflict("该订单已支付", code="already_paid")
    gw = gateway()
    reference = gw.charge(reference=order.number, amount=payment.amount, description=order.service.name)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == c.PaymentStatus.PAID:
            raise Conflict("该订单已支付", code="already_paid")
        day = timezone.localtime(now).strftime("%Y%m%d")
        payment.status, payment.gateway = c.PaymentStatus.PAID, gw.name
        payment.reference, payment.paid_at = reference, now
        payment.receipt_no = f"SJ{day}{_counter(f'receipt:{day}'):06d}"
        payment.save()
        audit_record(actor=actor, action=c.AUDIT_ORDER_PAY, obj=order, summary={
            "number": order.number, "amount": str(payment.amount), "receipt": payment.receipt_no})
    return payment


def order_cancel(*, actor: Any, order: Order, reason: str, now: datetime | None = None) -> Order:
    """Cancel before the visit (elder side, the provider, or staff); the allowance is freed."""
    now = _now(now)
    provider = order.provider
    if not (provider is not None and actor is not None and selectors.is_provider_manager(actor, provider)):
        _require_elder_side(actor, order)
    reason = _text(reason, field="reason", label="取消原因", min_len=2)
    with transaction.atomic():
        order = _locked_order(order)
        rules.transition_check(order.status, "cancel")
        if order.provider_id:
            _load_down(order.provider_id)
        order.status, order.cancelled_at, order.cancel_reason = S.CANCELLED, now, reason
        order.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_ORDER_CANCEL, obj=order, summary={"number": order.number,
                                                                                   "reason": reason})
    return order


def order_complain(*, actor: Any, order: Order, text: str, now: datetime | None = None) -> str:
    """A complaint about a service becomes a 12345 ticket (投诉) through the hotline's intake."""
    from onewindow.tickets.constants import Channel, TicketKind
    from onewindow.tickets.services import ticket_intake

    now = _now(now)
    _require_elder_side(actor, order)
    rules.transition_check(order.status, "complain")
    if order.complaint_ticket:
        raise Conflict(f"该订单已投诉（工单 {order.complaint_ticket}）", code="already_complained")
    text = _text(text, field="text", label="投诉内容", min_len=5, max_len=c.MAX_TEXT)
    with transaction.atomic():
        order = _locked_order(order)
        provider = order.provider.name if order.provider else "（未派单）"
        ticket = ticket_intake(
            actor=actor, kind=TicketKind.COMPLAINT, channel=Channel.WEB, title=f"养老服务投诉：{order.service.name}",
            text=f"【居家养老服务投诉】订单 {order.number}，服务机构：{provider}，服务：{order.service.name}。{text}",
            region=order.elder.community, address=order.elder.community.name, requester_name=_label(actor),
            requester_user=actor if getattr(actor, "pk", None) else None, now=now, received_at=now)
        order.complaint_ticket = ticket.number
        order.save(update_fields=["complaint_ticket", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_COMPLAINT, obj=order, summary={"number": order.number,
                                                                                "ticket": ticket.number})
    return str(ticket.number)


# --- Alerts -----------------------------------------------------------------------------------
def alerts_scan(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: orders not started in time, elders living alone with no visit in N days.
    (Short visits and far check-ins are raised when they happen.)"""
    now = _now(now)
    late = 0
    limit = now - timedelta(minutes=c.LATE_START_MINUTES)
    for order in (Order.objects.select_related("elder", "provider")
                  .filter(status__in=[S.DISPATCHED, S.ASSIGNED, S.PLACED], scheduled_at__lt=limit)
                  .exclude(alerts__kind=c.AlertKind.LATE_START).iterator(chunk_size=500)):
        minutes = int((now - order.scheduled_at).total_seconds() // 60)
        if _alert(kind=c.AlertKind.LATE_START, elder=order.elder, order=order, provider=order.provider,
                  key=f"late:{order.pk}", at=now,
                  message=f"{order.number} 预约 {timezone.localtime(order.scheduled_at):%m-%d %H:%M}，"
                          f"已超过 {minutes} 分钟未签到"):
            late += 1
    alone = 0
    since = now - timedelta(days=c.ALONE_NO_VISIT_DAYS)
    week = timezone.localtime(now).strftime("%G%V")
    for elder in (Elder.objects.filter(status=c.ElderStatus.ACTIVE, living=c.Living.ALONE)
                  .filter(Q(last_served_at__isnull=True) | Q(last_served_at__lt=since))
                  .only("pk", "name", "region_path", "last_served_at").iterator(chunk_size=1000)):
        last = (f"最近一次服务 {timezone.localtime(elder.last_served_at):%m-%d}" if elder.last_served_at
                else "尚无服务记录")
        if _alert(kind=c.AlertKind.ALONE_NO_VISIT, elder=elder, key=f"alone:{elder.pk}:{week}", at=now,
                  message=f"独居老人{elder.name[:1]}**超过 {c.ALONE_NO_VISIT_DAYS} 天无上门服务（{last}）"):
            alone += 1
    return {"late_start": late, "alone_no_visit": alone}


def alert_resolve(*, actor: Any, alert: Alert, now: datetime | None = None) -> Alert:
    if selectors.alert_list(actor=actor).filter(pk=alert.pk).first() is None:
        raise NotFound("找不到该预警", code="alert_not_found")
    with transaction.atomic():
        alert.resolved_at = _now(now)
        alert.save(update_fields=["resolved_at", "updated_at"])
    return alert


# --- Supervision --------------------------------------------------------------------------------
def spot_check_record(*, actor: Any, order: Order, result: str, note: str = "",
                      now: datetime | None = None) -> SpotCheck:
    """抽查回访: the bureau calls back on a delivered order and records the answer."""
    _require_bureau(actor)
    result = _choice(result, c.SpotCheckResult, field="result", label="回访结果")
    if order.status not in c.DONE_STATUSES:
        raise Conflict("只能抽查已完成上门的订单", code="order_not_delivered")
    with transaction.atomic():
        row = SpotCheck.objects.create(order=order, checker=actor, checked_at=_now(now), result=result,
                                       note=(note or "").strip()[:500])
        audit_record(actor=actor, action=c.AUDIT_SPOT_CHECK, obj=order, summary={"number": order.number,
                                                                                 "result": result})
    return row


def settlement_run(*, actor: Any, month: date, now: datetime | None = None,
                   set_based: bool | None = None) -> list[Settlement]:
    """The monthly settlement: every confirmed order of ``month`` (or earlier, confirmed late) with
    an allowance part and not yet settled goes on its provider's statement for the month. Running
    again adds only what is new; the unique order of a settlement line makes paying twice impossible.
    On PostgreSQL set-based SQL (``set_based=False`` forces the row-by-row path used on SQLite;
    the tests prove both give the same statements)."""
    _require_bureau(actor)
    now = _now(now)
    month = rules.month_start(month)
    if month >= rules.month_start(timezone.localdate(now)) and month != rules.month_start(timezone.localdate(now)):
        raise ValidationFailed("不能结算未来的月份", code="month_in_future", fields={"month": "不能结算未来的月份"})
    set_based = connection.vendor == "postgresql" if set_based is None else set_based
    with transaction.atomic():
        out = _settlement_sql(actor=actor, month=month, now=now) if set_based else _settlement_rows(
            actor=actor, month=month, now=now)
        audit_record(actor=actor, action=c.AUDIT_SETTLEMENT, object_type="homecare.settlement",
                     object_id=f"{month:%Y-%m}", summary={"month": f"{month:%Y-%m}", "providers": len(out),
                                                          "orders": sum(s.order_count for s in out)})
    return out


def _settlement_sql(*, actor: Any, month: date, now: datetime) -> list[Settlement]:
    """PostgreSQL, set-based (ADR 0021): three statements whatever the number of orders — the
    statements of providers with unsettled orders (``ON CONFLICT`` keeps existing ones), every
    unsettled order's line by ``INSERT … SELECT`` (the anti-join on the line's unique order, and
    ``ON CONFLICT (order_id) DO NOTHING`` against a concurrent run), the totals by one
    ``UPDATE … FROM (GROUP BY)``. Runs are serialised by a transaction advisory lock."""
    orders, lines, statements = Order._meta.db_table, SettlementLine._meta.db_table, Settlement._meta.db_table
    pending = (f"o.status = %s AND o.month <= %s AND o.allowance_part > 0 AND o.provider_id IS NOT NULL "  # noqa: S608
               f"AND NOT EXISTS (SELECT 1 FROM {lines} x WHERE x.order_id = o.id)")
    pending_args: list[Any] = [S.CONFIRMED, month]
    issued_by = getattr(actor, "pk", None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('homecare.settlement_run'))")
        cursor.execute(
            f"INSERT INTO {statements} (public_id, created_at, updated_at, provider_id, month, number, status, "  # noqa: S608
            f"order_count, elder_count, total_allowance, issued_at, issued_by_id, dispute_note) "
            f"SELECT gen_random_uuid(), %s, %s, p.provider_id, %s, "
            f"%s || lpad(p.provider_id::text, greatest(5, length(p.provider_id::text)), '0'), %s, 0, 0, 0, %s, %s, '' "
            f"FROM (SELECT DISTINCT o.provider_id FROM {orders} o WHERE {pending}) p "
            f"ON CONFLICT (provider_id, month) DO NOTHING",
            [now, now, month, f"JS{month:%Y%m}-", c.SettlementStatus.ISSUED, now, issued_by, *pending_args])
        cursor.execute(
            f"WITH added AS (INSERT INTO {lines} (settlement_id, order_id, elder_id, amount) "  # noqa: S608
            f"SELECT st.id, o.id, o.elder_id, o.allowance_part FROM {orders} o "
            f"JOIN {statements} st ON st.provider_id = o.provider_id AND st.month = %s AND st.status = %s "
            f"WHERE {pending} ON CONFLICT (order_id) DO NOTHING RETURNING settlement_id) "
            f"SELECT DISTINCT settlement_id FROM added",
            [month, c.SettlementStatus.ISSUED, *pending_args])
        touched = [row[0] for row in cursor.fetchall()]
        if touched:
            cursor.execute(
                f"UPDATE {statements} st SET order_count = a.n, elder_count = a.e, total_allowance = a.t, "  # noqa: S608
                f"updated_at = %s FROM (SELECT settlement_id, count(*) AS n, count(DISTINCT elder_id) AS e, "
                f"coalesce(sum(amount), 0) AS t FROM {lines} WHERE settlement_id = ANY(%s) "
                f"GROUP BY settlement_id) a WHERE st.id = a.settlement_id",
                [now, touched])
    return list(Settlement.objects.filter(pk__in=touched).order_by("provider_id"))


def _settlement_rows(*, actor: Any, month: date, now: datetime) -> list[Settlement]:
    """Any database, row by row: one pass over the unsettled confirmed orders (an anti-join on
    the line's unique order), streamed in provider order; lines go in by batches."""
    out = []
    settled = SettlementLine.objects.filter(order=OuterRef("pk"))
    pending = (Order.objects.filter(status=S.CONFIRMED, month__lte=month, allowance_part__gt=0,
                                    provider__isnull=False)
               .exclude(Exists(settled)).order_by("provider_id", "pk")
               .values_list("provider_id", "pk", "elder_id", "allowance_part"))
    # PostgreSQL streams through a server-side cursor; SQLite reads the list first (it would see
    # the lines being inserted through the still-open cursor).
    stream = pending.iterator(chunk_size=5000) if connection.vendor == "postgresql" else iter(list(pending))
    for provider_id, rows in groupby(stream, key=itemgetter(0)):
        settlement = Settlement.objects.select_for_update().filter(provider_id=provider_id, month=month).first()
        if settlement is not None and settlement.status != c.SettlementStatus.ISSUED:
            continue  # confirmed statements are closed; late orders go on next month's
        if settlement is None:
            settlement = Settlement.objects.create(
                provider_id=provider_id, month=month, issued_at=now, issued_by=actor if actor else None,
                number=f"JS{month:%Y%m}-{provider_id:05d}")
        batch: list[SettlementLine] = []
        for _p, pk, elder_id, amount in rows:
            batch.append(SettlementLine(settlement=settlement, order_id=pk, elder_id=elder_id, amount=amount))
            if len(batch) >= 5000:
                SettlementLine.objects.bulk_create(batch)
                batch = []
        SettlementLine.objects.bulk_create(batch)
        _settlement_totals(settlement)
        out.append(settlement)
    return out


def _settlement_totals(settlement: Settlement) -> None:
    from django.db.models import Count, Sum

    agg = settlement.lines.aggregate(n=Count("id"), e=Count("elder", distinct=True), s=Sum("amount"))
    settlement.order_count, settlement.elder_count = agg["n"] or 0, agg["e"] or 0
    settlement.total_allowance = agg["s"] or Decimal("0.00")
    settlement.save(update_fields=["order_count", "elder_count", "total_allowance", "updated_at"])


def settlement_confirm(*, actor: Any, settlement: Settlement, agree: bool = True, note: str = "",
                       now: datetime | None = None) -> Settlement:
    """The provider's manager confirms the statement (or disputes it with a note); the allowance
    payments of its orders are then marked paid."""
    if not selectors.is_provider_manager(actor, settlement.provider):
        raise PermissionDenied("只有该机构的管理人员可以确认结算单", code="not_provider_manager")
    now = _now(now)
    with transaction.atomic():
        settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if settlement.status != c.SettlementStatus.ISSUED:
            raise Conflict("该结算单已确认或已提出异议", code="settlement_closed")
        if agree:
            settlement.status = c.SettlementStatus.CONFIRMED
            Payment.objects.filter(order__settlement_line__settlement=settlement, kind=c.PaymentKind.ALLOWANCE,
                                   status=c.PaymentStatus.PENDING).update(
                status=c.PaymentStatus.PAID, paid_at=now, reference=settlement.number, updated_at=now)
        else:
            settlement.status = c.SettlementStatus.DISPUTED
            settlement.dispute_note = _text(note, field="note", label="异议说明", min_len=4, max_len=500)
        settlement.confirmed_at, settlement.confirmed_by = now, actor
        settlement.save(update_fields=["status", "dispute_note", "confirmed_at", "confirmed_by", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_SETTLEMENT_CONFIRM, obj=settlement, summary={
            "number": settlement.number, "agree": bool(agree), "total": str(settlement.total_allowance)})
    return settlement
