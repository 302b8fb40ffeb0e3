"""/api/v1/homecare: elders, assessments and the allowance policy, providers and services,
orders through their whole life, alerts, figures and the monthly settlement.

Personal data is masked in every answer; the full record only through the audited reveal (POST).
ID numbers and phones travel in POST bodies, never in URLs.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from onewindow.accounts.auth import API_AUTH
from onewindow.core.errors import NotFound, ValidationFailed
from onewindow.core.inputs import url_lookup_check
from onewindow.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from onewindow.core.pagination import MappedRows, OneWindowPagination, SyncPagination
from onewindow.regions.selectors import region_get_by_code

from . import constants as c
from . import rules, selectors, services
from .models import Elder, Order, Provider, Service, Settlement

router = Router(tags=["居家养老 homecare"])


# --- Schemas ----------------------------------------------------------------------------------
class CareRef(Schema):
    id: UUID
    name: str


class CareElderOut(Schema):
    id: UUID
    name: str = Field(..., description="姓名（已脱敏）")
    id_number: str = Field(..., description="身份证号（已脱敏）")
    age: int
    community: str
    care_mode: str
    living: str
    low_income: bool
    care_level: int | None
    care_level_label: str
    monthly_allowance: Decimal
    status: str


class CareContactOut(Schema):
    name: str
    relation: str
    phone: str = Field(..., description="手机号（已脱敏）")
    may_order: bool
    has_account: bool


class CareElderDetailOut(CareElderOut):
    address: str = Field(..., description="住址（已脱敏）")
    phone: str = Field(..., description="手机号（已脱敏）")
    health_notes_recorded: bool
    allowance_left: Decimal
    contacts: list[CareContactOut]
    assessments: list["CareAssessmentOut"]


class CareElderIn(Schema):
    name: str
    id_number: str
    community_code: str = Field(..., examples=["530103001001"])
    address: str
    phone: str = ""
    lng: float | None = None
    lat: float | None = None
    care_mode: str = c.CareMode.HOME
    living: str = c.Living.WITH_FAMILY
    low_income: bool = False
    health_notes: str = ""


class CareContactIn(Schema):
    name: str
    relation: str
    phone: str
    may_order: bool = True


class CareAssessmentIn(Schema):
    scores: dict[str, int] = Field(..., description="26 个二级指标的得分，见 GET /homecare/assessment-form")
    coma: bool = False
    risk_events: int = 0
    notes: str = ""


class CareAssessmentOut(Schema):
    id: UUID
    assessed_at: datetime
    standard: str
    total: int
    section_scores: dict[str, int]
    level: int
    level_label: str
    monthly_allowance: Decimal
    allowance_rules: list[str]
    assessor: str


CareElderDetailOut.model_rebuild()


class CareFormItemOut(Schema):
    code: str
    label: str
    max: int


class CareFormSectionOut(Schema):
    code: str
    label: str
    items: list[CareFormItemOut]


class CareFormOut(Schema):
    standard: str
    max_total: int
    levels: list[str]
    sections: list[CareFormSectionOut]


class CareRevealIn(Schema):
    reason: str


class CareRevealOut(Schema):
    id_number: str
    phone: str
    address: str
    health_notes: str


class CareRuleIn(Schema):
    name: str
    kind: str = c.RuleKind.BASE
    monthly_amount: Decimal
    min_age: int = c.MIN_AGE
    min_level: int = 0
    low_income_only: bool = False
    alone_only: bool = False
    is_active: bool = True


class CareRuleOut(CareRuleIn):
    id: UUID


class CareServiceOut(Schema):
    id: UUID
    code: str
    name: str
    category: str
    category_label: str
    price: Decimal
    duration_minutes: int
    allowance_covered: bool
    provider_kinds: list[str]
    description: str


class CareServiceIn(Schema):
    code: str
    name: str
    category: str
    price: Decimal
    duration_minutes: int
    allowance_covered: bool = False
    provider_kinds: list[str] = []
    description: str = ""


class CareProviderOut(Schema):
    id: UUID
    name: str
    kind: str
    kind_label: str
    phone: str
    address: str
    status: str
    streets: list[str]
    rating: float | None
    rating_count: int
    beds_total: int
    beds_free: int
    distance_m: int | None = None


class CareProviderIn(Schema):
    name: str
    kind: str
    credit_code: str
    phone: str
    address: str
    street_codes: list[str]
    service_codes: list[str] = []
    lng: float | None = None
    lat: float | None = None
    beds_total: int = 0
    beds_used: int = 0
    contract_no: str = ""
    contract_until: date | None = None


class CareStatusIn(Schema):
    status: str = Field(..., description="approved 准入 / suspended 暂停 / rejected 不予准入")
    reason: str = ""


class CareCarerIn(Schema):
    name: str
    phone: str = ""
    qualifications: list[str] = []


class CareCarerOut(Schema):
    id: UUID
    name: str
    phone: str = Field(..., description="手机号（已脱敏）")
    qualifications: list[str]


class CarePaymentOut(Schema):
    kind: str
    kind_label: str
    amount: Decimal
    status: str
    receipt_no: str
    paid_at: datetime | None


class CareOrderOut(Schema):
    id: UUID
    number: str
    elder: CareRef
    service: CareRef
    category: str
    provider: CareRef | None
    carer: str | None
    status: str
    status_label: str
    ordered_by: str
    scheduled_at: datetime
    price: Decimal
    allowance_part: Decimal
    own_part: Decimal
    dispatch_mode: str
    dispatch_note: str
    checkin_at: datetime | None
    checkin_check: str
    checkin_distance_m: int | None
    checkout_at: datetime | None
    work_notes: str
    rating: int | None
    rating_comment: str
    complaint_ticket: str
    payments: list[CarePaymentOut]


class CareOrderIn(Schema):
    elder_id: UUID
    service_id: UUID
    scheduled_at: datetime
    provider_id: UUID | None = Field(None, description="老人自选机构；留空按规则派单")
    note: str = ""
    channel: str = c.OrderChannel.API
    allowance_only: bool = Field(False, description="只用政府购买服务额度（额度不足时拒绝下单）")


class CareAssignIn(Schema):
    carer_id: UUID


class CareDispatchIn(Schema):
    provider_id: UUID


class CareConfirmIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = ""


class CareReasonIn(Schema):
    reason: str


class CareComplaintIn(Schema):
    text: str


class CareComplaintOut(Schema):
    ticket_number: str


class CareAlertOut(Schema):
    id: UUID
    kind: str
    kind_label: str
    raised_at: datetime
    message: str
    order: str | None
    provider: str | None


class CareMonthIn(Schema):
    month: str = Field(..., examples=["2026-11"])


class CareSettlementOut(Schema):
    id: UUID
    number: str
    provider: CareRef
    month: str
    status: str
    status_label: str
    order_count: int
    elder_count: int
    total_allowance: Decimal
    issued_at: datetime
    confirmed_at: datetime | None


class CareSettlementLineOut(Schema):
    order: str
    elder: str
    service: str
    scheduled_at: datetime
    amount: Decimal


class CareSettlementDetailOut(CareSettlementOut):
    lines: list[CareSettlementLineOut]


class CareSettlementConfirmIn(Schema):
    agree: bool = True
    note: str = ""


class CareProviderFigureOut(Schema):
    provider: CareRef
    orders: int
    delivered: int
    on_time_rate: float | None
    rating: float | None
    complaints: int
    alerts: int
    allowance: Decimal


# --- Conversions ------------------------------------------------------------------------------
def _elder_out(e: Elder) -> dict[str, Any]:
    return {"id": e.public_id, "name": mask_name(e.name), "id_number": mask_id_number(e.person.id_number),
            "age": rules.age_on(e.birth_date, timezone.localdate()), "community": e.community.name,
            "care_mode": e.care_mode, "living": e.living, "low_income": e.low_income, "care_level": e.care_level,
            "care_level_label": e.get_care_level_display() if e.care_level is not None else "未评估",
            "monthly_allowance": e.monthly_allowance, "status": e.status}


def _assessment_out(a: Any) -> dict[str, Any]:
    return {"id": a.public_id, "assessed_at": a.assessed_at, "standard": a.standard, "total": a.total,
            "section_scores": a.section_scores, "level": a.level, "level_label": a.get_level_display(),
            "monthly_allowance": a.monthly_allowance, "allowance_rules": a.allowance_rules,
            "assessor": a.assessor_name}


def _elder_detail(e: Elder) -> dict[str, Any]:
    month = rules.month_start(timezone.localdate())
    return {**_elder_out(e), "address": mask_address(e.address), "phone": mask_phone(e.person.phone),
            "health_notes_recorded": bool(e.health_notes),
            "allowance_left": selectors.allowance_left(elder=e, month=month),
            "contacts": [{"name": mask_name(x.name), "relation": x.relation, "phone": mask_phone(x.phone),
                          "may_order": x.may_order, "has_account": x.user_id is not None}
                         for x in selectors.elder_contacts(elder=e)],
            "assessments": [_assessment_out(a) for a in selectors.elder_assessments(elder=e)[:5]]}


def _service_out(s: Service) -> dict[str, Any]:
    return {"id": s.public_id, "code": s.code, "name": s.name, "category": s.category,
            "category_label": s.get_category_display(), "price": s.price, "duration_minutes": s.duration_minutes,
            "allowance_covered": s.allowance_covered, "provider_kinds": s.provider_kinds,
            "description": s.description}


def _provider_out(p: Provider, distance: int | None = None) -> dict[str, Any]:
    return {"id": p.public_id, "name": p.name, "kind": p.kind, "kind_label": p.get_kind_display(), "phone": p.phone,
            "address": p.address, "status": p.status, "streets": [s.name for s in p.streets.all()],
            "rating": p.rating, "rating_count": p.rating_count, "beds_total": p.beds_total,
            "beds_free": p.beds_free, "distance_m": distance}


def _order_out(o: Order) -> dict[str, Any]:
    return {"id": o.public_id, "number": o.number, "elder": {"id": o.elder.public_id, "name": mask_name(o.elder.name)},
            "service": {"id": o.service.public_id, "name": o.service.name}, "category": o.service.category,
            "provider": {"id": o.provider.public_id, "name": o.provider.name} if o.provider else None,
            "carer": o.carer.name if o.carer else None, "status": o.status, "status_label": o.get_status_display(),
            "ordered_by": o.ordered_by, "scheduled_at": o.scheduled_at, "price": o.price,
            "allowance_part": o.allowance_part, "own_part": o.own_part, "dispatch_mode": o.dispatch_mode,
            "dispatch_note": o.dispatch_note, "checkin_at": o.checkin_at, "checkin_check": o.checkin_check,
            "checkin_distance_m": o.checkin_distance_m, "checkout_at": o.checkout_at, "work_notes": o.work_notes,
            "rating": o.rating, "rating_comment": o.rating_comment, "complaint_ticket": o.complaint_ticket,
            "payments": [{"kind": p.kind, "kind_label": p.get_kind_display(), "amount": p.amount, "status": p.status,
                          "receipt_no": p.receipt_no, "paid_at": p.paid_at} for p in o.payments.all()]}


def _settlement_out(s: Settlement) -> dict[str, Any]:
    return {"id": s.public_id, "number": s.number, "provider": {"id": s.provider.public_id, "name": s.provider.name},
            "month": f"{s.month:%Y-%m}", "status": s.status, "status_label": s.get_status_display(),
            "order_count": s.order_count, "elder_count": s.elder_count, "total_allowance": s.total_allowance,
            "issued_at": s.issued_at, "confirmed_at": s.confirmed_at}



def month_parse(value: str | None, *, default_today: bool = True) -> date:
    value = (value or "").strip()
    if not value:
        if default_today:
            return rules.month_start(timezone.localdate())
        raise ValidationFailed("请填写月份", code="month_required", fields={"month": "请填写月份"})
    try:
        return date.fromisoformat(f"{value}-01" if len(value) == 7 else value).replace(day=1)
    except ValueError:
        msg = "月份格式应为 YYYY-MM"
        raise ValidationFailed(msg, code="month_invalid", fields={"month": msg}) from None


def _photo(f: UploadedFile | None) -> services.PhotoIn | None:
    if f is None:
        return None
    if f.size and f.size > c.MAX_PHOTO_BYTES:
        msg = f"照片超过 {c.MAX_PHOTO_BYTES // 1024 // 1024} MB"
        raise ValidationFailed(msg, code="photo_too_large", fields={"photo": msg})
    return services.PhotoIn(name=f.name or "照片", content=f.read())


def _community(code: str) -> Any:
    region = region_get_by_code(code=(code or "").strip())
    if region is None:
        raise ValidationFailed("找不到该社区", code="community_not_found", fields={"community_code": "找不到该社区"})
    return region


# --- Elders -----------------------------------------------------------------------------------
@router.get("/homecare/assessment-form", response=CareFormOut, summary="能力评估表（GB/T 42195-2022）")
def assessment_form(request: HttpRequest) -> dict[str, Any]:
    return {"standard": "GB/T 42195-2022 老年人能力评估规范", "max_total": c.ASSESSMENT_MAX,
            "levels": [f"{label}（总分 ≥ {floor}）" for (floor, _lvl), (_v, label) in zip(c.LEVEL_FLOORS,
                                                                                       c.CareLevel.choices,
                                                                                       strict=True)],
            "sections": [{"code": code, "label": label, "items": [{"code": i, "label": il, "max": top}
                                                                   for i, il, top in items]}
                         for code, label, items in c.ASSESSMENT_SECTIONS]}


class CareElderFilterSchema(Schema):
    q: str = Field("", max_length=100, description="姓名中的文字，或完整身份证号/手机号"
                   "（号码只能用 POST /homecare/elders/search 查询）")
    care_level: int | None = None
    living: str = Field("", max_length=12)


@router.get("/homecare/elders", response=list[CareElderOut], auth=API_AUTH, summary="老年人列表（按权限范围）",
            description="q 在网址中不能含身份证号或手机号（400 personal_lookup_in_url）；按号码查询请用 "
                        "POST /homecare/elders/search。")
@paginate(SyncPagination)
def elder_list(request: HttpRequest, filters: Query[CareElderFilterSchema]) -> Any:
    url_lookup_check(filters.q, field="q")
    return _elder_list(request, filters)


@router.post("/homecare/elders/search", response=list[CareElderOut], auth=API_AUTH,
             summary="查询老年人（条件在请求体中，可按身份证号或手机号）")
@paginate(OneWindowPagination)
def elder_search(request: HttpRequest, payload: CareElderFilterSchema) -> Any:
    return _elder_list(request, payload)


def _elder_list(request: HttpRequest, filters: CareElderFilterSchema) -> Any:
    qs = selectors.elder_list(actor=request.user, filters=selectors.ElderFilters(
        q=filters.q, care_level=filters.care_level, living=filters.living))
    return MappedRows(qs, _elder_out)


@router.post("/homecare/elders", response={201: CareElderDetailOut}, auth=API_AUTH, summary="登记老年人（≥60周岁）")
def elder_create(request: HttpRequest, payload: CareElderIn) -> Status:
    elder = services.elder_register(
        actor=request.user, name=payload.name, id_number=payload.id_number,
        community=_community(payload.community_code), address=payload.address, phone=payload.phone,
        lng=payload.lng, lat=payload.lat, care_mode=payload.care_mode, living=payload.living,
        low_income=payload.low_income, health_notes=payload.health_notes)
    return Status(201, _elder_detail(selectors.elder_get(actor=request.user, public_id=elder.public_id)))


@router.get("/homecare/elders/{elder_id}", response=CareElderDetailOut, auth=API_AUTH, summary="老年人详情（已脱敏）")
def elder_get(request: HttpRequest, elder_id: UUID) -> dict[str, Any]:
    return _elder_detail(selectors.elder_get(actor=request.user, public_id=elder_id))


@router.post("/homecare/elders/{elder_id}/contacts", response={201: CareElderDetailOut}, auth=API_AUTH,
             summary="添加家属联系人")
def contact_add(request: HttpRequest, elder_id: UUID, payload: CareContactIn) -> Status:
    elder = selectors.elder_get(actor=request.user, public_id=elder_id)
    services.family_add(actor=request.user, elder=elder, name=payload.name, relation=payload.relation,
                        phone=payload.phone, may_order=payload.may_order)
    return Status(201, _elder_detail(elder))


@router.post("/homecare/elders/{elder_id}/assessments", response={201: CareAssessmentOut}, auth=API_AUTH,
             summary="能力评估：评定等级与每月政府购买服务额度")
def assessment_create(request: HttpRequest, elder_id: UUID, payload: CareAssessmentIn) -> Status:
    elder = selectors.elder_get(actor=request.user, public_id=elder_id)
    a = services.assessment_record(actor=request.user, elder=elder, scores=payload.scores, coma=payload.coma,
                                   risk_events=payload.risk_events, notes=payload.notes)
    return Status(201, _assessment_out(a))


@router.post("/homecare/elders/{elder_id}/reveal", response=CareRevealOut, auth=API_AUTH,
             summary="查看完整个人信息（需说明原因，留痕）")
def elder_reveal(request: HttpRequest, elder_id: UUID, payload: CareRevealIn) -> dict[str, str]:
    elder = selectors.elder_get(actor=request.user, public_id=elder_id)
    return services.elder_reveal(actor=request.user, elder=elder, reason=payload.reason)


@router.get("/homecare/allowance-rules", response=list[CareRuleOut], summary="政府购买服务额度政策规则")
def rule_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"id": r.public_id, "name": r.name, "kind": r.kind, "monthly_amount": r.monthly_amount,
             "min_age": r.min_age, "min_level": r.min_level, "low_income_only": r.low_income_only,
             "alone_only": r.alone_only, "is_active": r.is_active} for r in selectors.allowance_rules()]


@router.post("/homecare/allowance-rules", response={201: CareRuleOut}, auth=API_AUTH,
             summary="新增额度规则（民政部门；重新计算所有老人的额度）")
def rule_create(request: HttpRequest, payload: CareRuleIn) -> Status:
    r = services.allowance_rule_save(actor=request.user, **payload.dict())
    return Status(201, {"id": r.public_id, **payload.dict(), "monthly_amount": r.monthly_amount})


# --- Providers and services ---------------------------------------------------------------------
@router.get("/homecare/services", response=list[CareServiceOut], summary="服务项目目录（8大类）")
def service_list(request: HttpRequest, category: str = "") -> list[dict[str, Any]]:
    return [_service_out(s) for s in selectors.service_list(category=category)]


@router.post("/homecare/services", response={201: CareServiceOut}, auth=API_AUTH, summary="新增服务项目（民政部门）")
def service_create(request: HttpRequest, payload: CareServiceIn) -> Status:
    return Status(201, _service_out(services.service_save(actor=request.user, **payload.dict())))


@router.get("/homecare/providers", response=list[CareProviderOut], summary="已准入的服务机构（可按距离排序）")
def provider_list(request: HttpRequest, category: str = "", lng: float | None = None,
                  lat: float | None = None) -> list[dict[str, Any]]:
    return [_provider_out(p, d) for p, d in selectors.providers_near(lng=lng, lat=lat, category=category)]


@router.post("/homecare/providers", response={201: CareProviderOut}, auth=API_AUTH,
             summary="登记服务机构（民政部门；准入前不接单）")
def provider_create(request: HttpRequest, payload: CareProviderIn) -> Status:
    streets = []
    for code in payload.street_codes:
        region = region_get_by_code(code=code)
        if region is None:
            raise ValidationFailed(f"找不到街道 {code}", code="street_not_found", fields={"street_codes": "找不到街道"})
        streets.append(region)
    offered = selectors.service_list_by_codes(codes=payload.service_codes)
    p = services.provider_register(
        actor=request.user, name=payload.name, kind=payload.kind, credit_code=payload.credit_code,
        phone=payload.phone, address=payload.address, streets=streets, lng=payload.lng, lat=payload.lat,
        beds_total=payload.beds_total, beds_used=payload.beds_used, contract_no=payload.contract_no,
        contract_until=payload.contract_until, services=offered)
    return Status(201, _provider_out(p))


@router.get("/homecare/providers/{provider_id}", response=CareProviderOut, auth=API_AUTH, summary="服务机构详情")
def provider_get(request: HttpRequest, provider_id: UUID) -> dict[str, Any]:
    return _provider_out(selectors.provider_for_actor(actor=request.user, public_id=provider_id))


@router.post("/homecare/providers/{provider_id}/status", response=CareProviderOut, auth=API_AUTH,
             summary="准入、暂停或不予准入（民政部门）")
def provider_status(request: HttpRequest, provider_id: UUID, payload: CareStatusIn) -> dict[str, Any]:
    p = selectors.provider_for_actor(actor=request.user, public_id=provider_id)
    return _provider_out(services.provider_set_status(actor=request.user, provider=p, status=payload.status,
                                                      reason=payload.reason))


@router.get("/homecare/providers/{provider_id}/carers", response=list[CareCarerOut], auth=API_AUTH,
            summary="护理员（本机构或民政部门）")
def carer_list(request: HttpRequest, provider_id: UUID) -> list[dict[str, Any]]:
    p = selectors.provider_for_actor(actor=request.user, public_id=provider_id)
    if not (selectors.is_bureau(request.user) or selectors.provider_of(request.user) == p):
        raise NotFound("找不到该服务机构", code="provider_not_found")
    return [{"id": x.public_id, "name": x.name, "phone": mask_phone(x.phone), "qualifications": x.qualifications}
            for x in selectors.carers_of(provider=p)]


@router.post("/homecare/providers/{provider_id}/carers", response={201: CareCarerOut}, auth=API_AUTH,
             summary="登记护理员及资质")
def carer_create(request: HttpRequest, provider_id: UUID, payload: CareCarerIn) -> Status:
    p = selectors.provider_for_actor(actor=request.user, public_id=provider_id)
    x = services.carer_add(actor=request.user, provider=p, name=payload.name, phone=payload.phone,
                           qualifications=payload.qualifications)
    return Status(201, {"id": x.public_id, "name": x.name, "phone": mask_phone(x.phone),
                        "qualifications": x.qualifications})


# --- Orders -----------------------------------------------------------------------------------
@router.get("/homecare/orders", response=list[CareOrderOut], auth=API_AUTH, summary="服务订单（按权限范围）")
@paginate(SyncPagination)
def order_list(request: HttpRequest, status: str = "", month: str = "") -> Any:
    qs = selectors.order_list(actor=request.user, filters=selectors.OrderFilters(
        status=status, month=month_parse(month) if month else None)).prefetch_related("payments")
    return MappedRows(qs, _order_out)


@router.post("/homecare/orders", response={201: CareOrderOut}, auth=API_AUTH,
             summary="下单：老人本人、家属、社区工作人员或养老服务热线；按规则或老人自选派单")
def order_create(request: HttpRequest, payload: CareOrderIn) -> Status:
    elder = selectors.elder_get(actor=request.user, public_id=payload.elder_id)
    service = selectors.service_get(public_id=payload.service_id)
    provider = selectors.provider_get(public_id=payload.provider_id) if payload.provider_id else None
    order = services.order_place(actor=request.user, elder=elder, service=service,
                                 scheduled_at=payload.scheduled_at, provider=provider, note=payload.note,
                                 channel=payload.channel, allowance_only=payload.allowance_only)
    return Status(201, _order_out(order))


def _order(request: HttpRequest, order_id: UUID) -> Order:
    return selectors.order_get(actor=request.user, public_id=order_id)


@router.get("/homecare/orders/{order_id}", response=CareOrderOut, auth=API_AUTH, summary="订单详情与服务轨迹")
def order_get(request: HttpRequest, order_id: UUID) -> dict[str, Any]:
    return _order_out(_order(request, order_id))


@router.post("/homecare/orders/{order_id}/dispatch", response=CareOrderOut, auth=API_AUTH, summary="人工派单")
def order_dispatch(request: HttpRequest, order_id: UUID, payload: CareDispatchIn) -> dict[str, Any]:
    provider = selectors.provider_get(public_id=payload.provider_id)
    return _order_out(services.order_dispatch(actor=request.user, order=_order(request, order_id), provider=provider))


@router.post("/homecare/orders/{order_id}/assign", response=CareOrderOut, auth=API_AUTH,
             summary="指派护理员（承接机构）")
def order_assign(request: HttpRequest, order_id: UUID, payload: CareAssignIn) -> dict[str, Any]:
    order = _order(request, order_id)
    carer = selectors.carer_of_provider(provider=order.provider, public_id=payload.carer_id)
    if carer is None:
        raise ValidationFailed("该护理员不属于承接机构", code="carer_not_of_provider",
                               fields={"carer_id": "请选择本机构护理员"})
    return _order_out(services.order_assign(actor=request.user, order=order, carer=carer))


@router.post("/homecare/orders/{order_id}/checkin", response=CareOrderOut, auth=API_AUTH,
             summary="上门签到：定位（与老人住址比对）和现场照片；multipart/form-data")
def order_checkin(request: HttpRequest, order_id: UUID, lng: Form[str] = "", lat: Form[str] = "",
                  location_note: Form[str] = "",
                  photo: File[UploadedFile] = None,  # type: ignore[assignment]
                  ) -> dict[str, Any]:
    order = services.order_checkin(actor=request.user, order=_order(request, order_id), lng=lng, lat=lat,
                                   location_note=location_note, photo=_photo(photo))
    return _order_out(order)


@router.post("/homecare/orders/{order_id}/checkout", response=CareOrderOut, auth=API_AUTH,
             summary="服务签退：服务记录、定位、照片（可选）；multipart/form-data")
def order_checkout(request: HttpRequest, order_id: UUID, work_notes: Form[str] = "", lng: Form[str] = "",
                   lat: Form[str] = "", photo: File[UploadedFile] = None,  # type: ignore[assignment]
                   ) -> dict[str, Any]:
    order = services.order_checkout(actor=request.user, order=_order(request, order_id), lng=lng, lat=lat,
                                    work_notes=work_notes, photo=_photo(photo))
    return _order_out(order)


@router.post("/homecare/orders/{order_id}/confirm", response=CareOrderOut, auth=API_AUTH, summary="确认服务并评价")
def order_confirm(request: HttpRequest, order_id: UUID, payload: CareConfirmIn) -> dict[str, Any]:
    return _order_out(services.order_confirm(actor=request.user, order=_order(request, order_id),
                                             rating=payload.rating, comment=payload.comment))


@router.post("/homecare/orders/{order_id}/pay", response=CarePaymentOut, auth=API_AUTH,
             summary="支付个人自付部分（支付通道；开发环境为沙箱）")
def order_pay(request: HttpRequest, order_id: UUID) -> dict[str, Any]:
    p = services.order_pay(actor=request.user, order=_order(request, order_id))
    return {"kind": p.kind, "kind_label": p.get_kind_display(), "amount": p.amount, "status": p.status,
            "receipt_no": p.receipt_no, "paid_at": p.paid_at}


@router.post("/homecare/orders/{order_id}/cancel", response=CareOrderOut, auth=API_AUTH, summary="取消订单（上门前）")
def order_cancel(request: HttpRequest, order_id: UUID, payload: CareReasonIn) -> dict[str, Any]:
    return _order_out(services.order_cancel(actor=request.user, order=_order(request, order_id),
                                            reason=payload.reason))


@router.post("/homecare/orders/{order_id}/complaint", response={201: CareComplaintOut}, auth=API_AUTH,
             summary="投诉：转为12345工单")
def order_complaint(request: HttpRequest, order_id: UUID, payload: CareComplaintIn) -> Status:
    number = services.order_complain(actor=request.user, order=_order(request, order_id), text=payload.text)
    return Status(201, {"ticket_number": number})


@router.get("/homecare/carer/day", response=list[CareOrderOut], auth=API_AUTH, summary="护理员当日任务")
def carer_day(request: HttpRequest, day: date | None = None) -> list[dict[str, Any]]:
    carer = selectors.carer_of(request.user)
    if carer is None:
        raise NotFound("您不是护理员", code="not_carer")
    return [_order_out(o) for o in selectors.carer_day(carer=carer, day=day or timezone.localdate())
            .prefetch_related("payments")]


@router.get("/homecare/alerts", response=list[CareAlertOut], auth=API_AUTH, summary="预警（机构、社区、民政部门）")
def alert_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"id": a.public_id, "kind": a.kind, "kind_label": a.get_kind_display(), "raised_at": a.raised_at,
             "message": a.message, "order": a.order.number if a.order else None,
             "provider": a.provider.name if a.provider else None}
            for a in selectors.alert_list(actor=request.user)[:200]]


# --- Supervision and settlement ------------------------------------------------------------------
@router.get("/homecare/figures", response=list[CareProviderFigureOut], auth=API_AUTH, summary="服务机构月度指标")
def figures(request: HttpRequest, month: str = "") -> list[dict[str, Any]]:
    if not selectors.is_bureau(request.user):
        raise NotFound("找不到该页面", code="not_found")
    return [{"provider": {"id": f.provider.public_id, "name": f.provider.name}, "orders": f.orders,
             "delivered": f.delivered, "on_time_rate": f.on_time_rate, "rating": f.rating,
             "complaints": f.complaints, "alerts": f.alerts, "allowance": f.allowance}
            for f in selectors.provider_figures(actor=request.user, month=month_parse(month))]


@router.post("/homecare/settlements/run", response=list[CareSettlementOut], auth=API_AUTH,
             summary="月度结算（民政部门；重复执行只加入新确认的订单）")
def settlement_run(request: HttpRequest, payload: CareMonthIn) -> list[dict[str, Any]]:
    rows = services.settlement_run(actor=request.user, month=month_parse(payload.month, default_today=False))
    return [_settlement_out(s) for s in rows]


@router.get("/homecare/settlements", response=list[CareSettlementOut], auth=API_AUTH, summary="结算单")
def settlement_list(request: HttpRequest, month: str = "") -> list[dict[str, Any]]:
    qs = selectors.settlement_list(actor=request.user, month=month_parse(month) if month else None)
    return [_settlement_out(s) for s in qs[:500]]


@router.get("/homecare/settlements/{settlement_id}", response=CareSettlementDetailOut, auth=API_AUTH,
            summary="结算单明细")
def settlement_get(request: HttpRequest, settlement_id: UUID) -> dict[str, Any]:
    s = selectors.settlement_get(actor=request.user, public_id=settlement_id)
    return {**_settlement_out(s), "lines": [
        {"order": ln.order.number, "elder": mask_name(ln.elder.name), "service": ln.order.service.name,
         "scheduled_at": ln.order.scheduled_at, "amount": ln.amount}
        for ln in selectors.settlement_lines(settlement=s)]}


@router.post("/homecare/settlements/{settlement_id}/confirm", response=CareSettlementOut, auth=API_AUTH,
             summary="机构确认结算单（或提出异议）")
def settlement_confirm(request: HttpRequest, settlement_id: UUID, payload: CareSettlementConfirmIn) -> dict[str, Any]:
    s = selectors.settlement_get(actor=request.user, public_id=settlement_id)
    return _settlement_out(services.settlement_confirm(actor=request.user, settlement=s, agree=payload.agree,
                                                       note=payload.note))


class CareSpotCheckIn(Schema):
    result: str = Field(..., description="satisfied 满意 / basically 基本满意 / unsatisfied 不满意 / "
                                         "not_delivered 服务未实际提供")
    note: str = ""


class CareSpotCheckOut(Schema):
    order: str
    result: str
    result_label: str
    checked_at: datetime
    note: str


class CareElderUpdateIn(Schema):
    address: str | None = None
    lng: float | None = None
    lat: float | None = None
    care_mode: str | None = None
    living: str | None = None
    low_income: bool | None = None
    health_notes: str | None = None
    status: str | None = None


@router.post("/homecare/orders/{order_id}/spot-checks", response={201: CareSpotCheckOut}, auth=API_AUTH,
             summary="抽查回访（民政部门）")
def spot_check_create(request: HttpRequest, order_id: UUID, payload: CareSpotCheckIn) -> Status:
    row = services.spot_check_record(actor=request.user, order=_order(request, order_id), result=payload.result,
                                     note=payload.note)
    return Status(201, {"order": row.order.number, "result": row.result, "result_label": row.get_result_display(),
                        "checked_at": row.checked_at, "note": row.note})


@router.post("/homecare/alerts/{alert_id}/resolve", response=CareAlertOut, auth=API_AUTH, summary="处理完毕，关闭预警")
def alert_resolve(request: HttpRequest, alert_id: UUID) -> dict[str, Any]:
    alert = selectors.alert_list(actor=request.user).filter(public_id=alert_id).first()
    if alert is None:
        raise NotFound("找不到该预警", code="alert_not_found")
    a = services.alert_resolve(actor=request.user, alert=alert)
    return {"id": a.public_id, "kind": a.kind, "kind_label": a.get_kind_display(), "raised_at": a.raised_at,
            "message": a.message, "order": a.order.number if a.order else None,
            "provider": a.provider.name if a.provider else None}


@router.patch("/homecare/elders/{elder_id}", response=CareElderDetailOut, auth=API_AUTH,
              summary="修改老人信息（社区工作人员或民政部门；重新计算额度）")
def elder_update(request: HttpRequest, elder_id: UUID, payload: CareElderUpdateIn) -> dict[str, Any]:
    elder = selectors.elder_get(actor=request.user, public_id=elder_id)
    services.elder_update(actor=request.user, elder=elder, **payload.dict())
    return _elder_detail(selectors.elder_get(actor=request.user, public_id=elder_id))
