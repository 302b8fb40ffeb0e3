"""Providers, their carers and managers, and the service catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import transaction

from onewindow.accounts.models import User
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, PermissionDenied, ValidationFailed
from onewindow.core.masking import mask_phone
from onewindow.core.phones import phone_parse
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

from .. import constants as c
from .. import rules, selectors
from ..models import (
    Carer,
    Provider,
    Service,
)
from ._common import (
    _choice,
    _money,
    _require_bureau,
    _text,
)


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
