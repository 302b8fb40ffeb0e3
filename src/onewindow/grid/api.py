"""/api/v1/grid: houses, households and residents, visits, events, declarations, figures, map.

Every personal field is masked; full data only through the audited reveal (POST). Lookups by ID
number travel in POST bodies, never in URLs.
"""

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from onewindow.accounts.auth import API_AUTH
from onewindow.core.errors import NotFound, ValidationFailed
from onewindow.core.inputs import url_lookup_check
from onewindow.core.pagination import MappedRows, OneWindowPagination, SyncPagination
from onewindow.integrations.idempotency import idempotent

from . import constants as c
from . import selectors, services
from .models import Declaration, GridEvent, House, Household, Resident, Visit  # for type hints

router = Router(tags=["网格化治理 grid"])


# --- Schemas ----------------------------------------------------------------------------------
class GridRef(Schema):
    code: str
    name: str


class GridHouseOut(Schema):
    id: UUID
    code: str = Field(..., examples=["530103001001-0012-02-0501"])
    address: str
    use: str
    use_label: str
    building_code: str
    grid: GridRef
    lng: float | None
    lat: float | None
    owner: str = Field("", description="产权人（已脱敏）")


class GridTenancyOut(Schema):
    household: str
    start_on: date
    end_on: date | None
    reported_at: datetime
    report_source: str
    late: bool


class GridHouseDetailOut(GridHouseOut):
    property_unit_code: str
    households: list[str]
    tenancies: list[GridTenancyOut]


class GridBuildingIn(Schema):
    grid_code: str = Field(..., examples=["530103001001001"])
    name: str = Field(..., examples=["拓东路18号3栋"])
    address: str = ""
    lng: float | None = None
    lat: float | None = None
    number: str | None = Field(None, description="楼栋号（留空则由社区顺序编号）")


class GridHouseIn(Schema):
    building_code: str | None = Field(None, description="已登记楼栋的编码；或用 building 新建楼栋")
    building: GridBuildingIn | None = None
    unit: str = Field("0", examples=["2"])
    room: str = Field("0", examples=["501"])
    code: str = Field("", description="房屋编码（可不填，由系统按社区+楼栋+单元+户室生成；填写时须一致）")
    use: str = Field(c.HouseUse.OWN, description="own 自住 / rented 出租 / vacant 空置 / commercial 商用")
    owner_id_number: str = Field("", description="产权人身份证号（须为已登记的自然人）")
    property_unit_code: str = ""


class GridMemberIn(Schema):
    name: str
    id_number: str
    phone: str = ""
    relation: str = Field(..., description="head 户主 / spouse 配偶 / child 子女 / parent 父母 / …")
    residence_type: str = Field(..., description="registered 户籍 / resident 常住 / floating 流动")
    arrived_on: date | None = None
    planned_stay_until: date | None = None
    stay_reason: str = ""
    tags: list[str] = Field(default_factory=list, description="特殊群体标签，如 elderly_alone、disabled")


class GridHouseholdIn(Schema):
    house_id: UUID
    members: list[GridMemberIn]


class GridMemberOut(Schema):
    id: UUID
    name: str
    gender: str
    age: int | None
    id_number: str = Field(..., description="已脱敏")
    phone: str = Field(..., description="已脱敏")
    relation: str
    residence_type: str
    arrived_on: date | None
    planned_stay_until: date | None
    tags: list[str]


class GridHouseholdListOut(Schema):
    id: UUID
    number: str
    head_name: str
    member_count: int
    address: str
    house_code: str
    priority: bool
    special: bool
    floating: bool
    last_visited_at: datetime | None


class GridChangeOut(Schema):
    at: datetime
    actor: str
    source: str
    action: str
    changes: dict[str, Any]
    note: str


class GridVisitOut(Schema):
    id: UUID
    household: str
    visited_at: datetime
    worker: str
    location_check: str
    location_note: str
    lng: float | None
    lat: float | None
    notes: str
    corrections: list[dict[str, Any]]
    photos: list[UUID]


class GridRegistrationOut(Schema):
    number: str
    name: str
    arrived_on: date
    valid_until: date
    status: str
    licence_number: str


class GridHouseholdOut(GridHouseholdListOut):
    grid: GridRef
    members: list[GridMemberOut]
    history: list[GridChangeOut]
    visits: list[GridVisitOut]
    registrations: list[GridRegistrationOut]


class GridRevealIn(Schema):
    reason: str = Field(..., examples=["走访核对联系方式"])


class GridRevealOut(Schema):
    name: str
    id_number: str
    phone: str
    address: str


class GridLeaveIn(Schema):
    left_on: date | None = None
    note: str = ""


class GridRegistrationIn(Schema):
    arrived_on: date | None = None
    planned_stay_until: date | None = None
    stay_reason: str = ""


class GridDueOut(Schema):
    quota: int | None
    done: int | None
    percent: int | None
    households: list[GridHouseholdListOut]


class GridEventOut(Schema):
    id: UUID
    number: str
    kind: str
    category: str
    title: str
    text: str
    state: str
    state_label: str
    grid: GridRef
    address: str
    lng: float | None
    lat: float | None
    location_check: str
    reported_at: datetime
    reporter: str
    handled_note: str
    ticket_number: str | None
    department: str | None
    due_at: datetime | None
    photos: list[UUID]


class GridEventStepOut(Schema):
    at: datetime
    action: str
    action_label: str
    actor: str
    department: str | None
    note: str


class GridEventDetailOut(GridEventOut):
    timeline: list[GridEventStepOut]


class GridSiteCheckIn(Schema):
    solved: bool
    satisfaction: str = Field("satisfied", description="satisfied 满意 / basic 基本满意（未解决时记为不满意）")
    note: str = ""


class GridDeclarationOut(Schema):
    id: UUID
    kind: str
    kind_label: str
    status: str
    summary: str
    submitted_at: datetime
    household: str | None
    house: str | None
    reason: str


class GridDeclarationIn(Schema):
    kind: str = Field(..., description="member_add / member_leave / correction / tenant / residence")
    house_id: UUID | None = Field(None, description="房东申报租客时：本人名下的房屋")
    payload: dict[str, Any] = Field(..., examples=[{"name": "王小明", "id_number": "…", "moved_in_on": "2026-11-21"}])


class GridRejectIn(Schema):
    reason: str


class GridMyHouseholdOut(Schema):
    number: str
    address: str
    members: list[dict[str, Any]]


class GridFigureOut(Schema):
    code: str
    name: str
    level: str
    houses: int
    rented: int
    households: int
    special_households: int
    residents: int
    registered: int
    resident: int
    floating: int
    coverage: int = Field(..., description="走访覆盖率（%）：在走访周期内已走访的户")
    visits: int
    visited_households: int
    quota: int
    quota_done: int
    quota_percent: int
    events_reported: int
    events_self_handled: int
    events_dispatched: int
    events_closed: int
    events_closed_on_time: int
    events_open: int
    tenancies_reported: int
    tenancies_late: int
    declarations_pending: int
    site_checks_overdue: int
    deductions: float


class GridFiguresOut(Schema):
    region: GridRef
    month: date
    rows: list[GridFigureOut]
    total: GridFigureOut


class GridFilterSchema(Schema):
    grid: str = Field("", max_length=40)
    q: str = Field("", max_length=100,
                   description="户主姓名开头、地址中的文字、户号开头，或在户成员的完整身份证号/手机号"
                               "（号码只能用 POST /grid/households/search 查询）")
    special: bool | None = None
    floating: bool | None = None


# --- Converters -------------------------------------------------------------------------------
def _house_out(h: House) -> dict[str, Any]:
    from onewindow.core.masking import mask_name

    owner = mask_name(h.owner_person.name) if h.owner_person_id and h.owner_person else (
        h.owner_enterprise.name if h.owner_enterprise_id and h.owner_enterprise else "")
    return {"id": h.public_id, "code": h.code, "address": h.address, "use": h.use, "use_label": h.get_use_display(),
            "building_code": h.building.code, "grid": {"code": h.grid.code, "name": h.grid.name},
            "lng": h.building.lng, "lat": h.building.lat, "owner": owner}


def _household_list_out(h: Household) -> dict[str, Any]:
    return {"id": h.public_id, "number": h.number, "head_name": h.head_name, "member_count": h.member_count,
            "address": h.house.address, "house_code": h.house.code, "priority": h.priority, "special": h.special,
            "floating": h.floating, "last_visited_at": h.last_visited_at}


def _member_out(r: Resident) -> dict[str, Any]:
    view = selectors.member_view(r)
    return {"id": r.public_id, "name": view.name, "gender": view.gender, "age": view.age,
            "id_number": view.id_number, "phone": view.phone, "relation": r.relation,
            "residence_type": r.residence_type, "arrived_on": r.arrived_on,
            "planned_stay_until": r.planned_stay_until, "tags": view.tags}


def _visit_out(v: Visit) -> dict[str, Any]:
    return {"id": v.public_id, "household": v.household.number, "visited_at": v.visited_at, "worker": v.worker_name,
            "location_check": v.location_check, "location_note": v.location_note, "lng": v.lng, "lat": v.lat,
            "notes": v.notes, "corrections": v.corrections, "photos": [p.public_id for p in v.photos.all()]}


def _household_out(h: Household, actor: Any) -> dict[str, Any]:
    return {
        **_household_list_out(h), "grid": {"code": h.grid.code, "name": h.grid.name},
        "members": [_member_out(m) for m in selectors.household_members(household=h)],
        "history": [{"at": r.at, "actor": r.actor_label, "source": r.source, "action": r.action,
                     "changes": r.changes, "note": r.note} for r in selectors.household_history(household=h, limit=50)],
        "visits": [_visit_out(v) for v in
                   selectors.visit_list(actor=actor, household=h).prefetch_related("photos")[:10]],
        "registrations": [{"number": r.number, "name": r.person.name, "arrived_on": r.arrived_on,
                           "valid_until": r.valid_until, "status": r.status, "licence_number": r.licence_number}
                          for r in selectors.registrations_of_household(household=h)],
    }


def _event_out(e: GridEvent) -> dict[str, Any]:
    state = selectors.event_state(e)
    t = e.ticket
    return {"id": e.public_id, "number": e.number, "kind": e.kind, "category": e.category, "title": e.title,
            "text": e.text, "state": state, "state_label": c.EventState(state).label,
            "grid": {"code": e.grid.code, "name": e.grid.name}, "address": e.address, "lng": e.lng, "lat": e.lat,
            "location_check": e.location_check, "reported_at": e.reported_at, "reporter": e.reporter_name,
            "handled_note": e.handled_note, "ticket_number": t.number if t else None,
            "department": t.department.name if t and t.department else None, "due_at": t.due_at if t else None,
            "photos": [p.public_id for p in e.photos.all()]}


def _declaration_out(d: Declaration) -> dict[str, Any]:
    return {"id": d.public_id, "kind": d.kind, "kind_label": d.get_kind_display(), "status": d.status,
            "summary": d.summary, "submitted_at": d.submitted_at,
            "household": d.household.number if d.household else None, "house": d.house.code if d.house else None,
            "reason": d.reason}


def _figure_out(row: selectors.FigureRow) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in selectors.FIGURE_FIELDS}
    values.pop("covered_households", None)
    values.pop("workers", None)
    values.pop("declarations_overdue", None)
    return {"code": row.region.code, "name": row.region.name, "level": row.region.level, **values,
            "coverage": row.coverage, "quota_percent": row.quota_percent, "deductions": row.deductions}


def _month(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(f"{value}-01" if len(value) == 7 else value)
    except ValueError:
        msg = "月份格式应为 YYYY-MM"
        raise ValidationFailed(msg, code="month_invalid", fields={"month": msg}) from None


def _photos(files: list[UploadedFile] | None) -> list[services.PhotoIn]:
    photos = []
    for f in files or []:
        if f.size and f.size > c.MAX_PHOTO_BYTES:
            msg = f"照片“{(f.name or '')[:40]}”超过 {c.MAX_PHOTO_BYTES // 1024 // 1024} MB"
            raise ValidationFailed(msg, code="photo_too_large", fields={"photos": msg})
        photos.append(services.PhotoIn(name=f.name or "照片", content=f.read()))
    return photos


def _float(value: str | None, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except ValueError:
        msg = "坐标应为数字"
        raise ValidationFailed("坐标无效：" + msg, code="coordinates_invalid", fields={field: msg}) from None


def _member(request: HttpRequest, m: GridMemberIn, region: Any) -> services.MemberIn:
    person = services.person_resolve(actor=request.user, name=m.name, id_number=m.id_number, phone=m.phone,
                                     region=region)
    return services.MemberIn(person=person, relation=m.relation, residence_type=m.residence_type,
                             arrived_on=m.arrived_on, planned_stay_until=m.planned_stay_until,
                             stay_reason=m.stay_reason, tags=m.tags)


def _resident(request: HttpRequest, household: Household, resident_id: Any) -> Resident:
    resident = selectors.resident_get(actor=request.user, public_id=resident_id)
    if resident.household_id != household.pk:
        raise NotFound()
    return resident


# --- Houses -----------------------------------------------------------------------------------
@router.get("/grid/houses", response=list[GridHouseOut], auth=API_AUTH, summary="房屋列表（本网格/社区/街道）")
@paginate(SyncPagination)
def house_list(request: HttpRequest, filters: Query[GridFilterSchema], use: str = "") -> Any:
    qs = selectors.house_list(actor=request.user, filters=selectors.HouseFilters(
        grid_code=filters.grid, q=filters.q, use=use)).select_related("owner_person", "owner_enterprise")
    return MappedRows(qs, _house_out)



@router.post("/grid/houses", response={201: GridHouseDetailOut}, auth=API_AUTH,
             summary="登记房屋（房屋编码 = 社区代码-楼栋-单元-户室）")
@idempotent
def house_create(request: HttpRequest, payload: GridHouseIn) -> Status:
    if payload.building_code:
        building = selectors.building_get(actor=request.user, code=payload.building_code.strip())
    elif payload.building is not None:
        grid = selectors.region_in_scope(actor=request.user, code=payload.building.grid_code, figures=False)
        building = services.building_create(actor=request.user, grid=grid, name=payload.building.name,
                                            address=payload.building.address, lng=payload.building.lng,
                                            lat=payload.building.lat, number=payload.building.number,
                                            source=c.ChangeSource.API)
    else:
        raise ValidationFailed("请指定楼栋", code="building_required", fields={"building_code": "请指定楼栋"})
    owner = None
    if payload.owner_id_number.strip():
        owner = selectors.person_by_id_number(id_number=payload.owner_id_number)
        if owner is None:
            msg = "找不到该产权人（须为已登记的自然人）"
            raise ValidationFailed(msg, code="owner_not_found", fields={"owner_id_number": msg})
    house = services.house_create(actor=request.user, building=building, unit=payload.unit, room=payload.room,
                                  code=payload.code, use=payload.use, owner_person=owner,
                                  property_unit_code=payload.property_unit_code, source=c.ChangeSource.API)
    return Status(201, house_get(request, house.public_id))


@router.get("/grid/houses/{house_id}", response=GridHouseDetailOut, auth=API_AUTH, summary="房屋详情")
def house_get(request: HttpRequest, house_id: UUID) -> dict[str, Any]:
    house = selectors.house_get(actor=request.user, public_id=house_id)
    return {**_house_out(house), "property_unit_code": house.property_unit_code,
            "households": [h.number for h in selectors.households_of_house(house=house)],
            "tenancies": [{"household": t.household.number, "start_on": t.start_on, "end_on": t.end_on,
                           "reported_at": t.reported_at, "report_source": t.report_source, "late": t.late}
                          for t in selectors.tenancies_of_house(house=house)]}


# --- Households -------------------------------------------------------------------------------
@router.get("/grid/households", response=list[GridHouseholdListOut], auth=API_AUTH, summary="住户列表",
            description="q 在网址中不能含身份证号或手机号（400 personal_lookup_in_url）；按成员号码查询请用 "
                        "POST /grid/households/search。")
@paginate(SyncPagination)
def household_list(request: HttpRequest, filters: Query[GridFilterSchema]) -> Any:
    url_lookup_check(filters.q, field="q")
    return _household_list(request, filters)


@router.post("/grid/households/search", response=list[GridHouseholdListOut], auth=API_AUTH,
             summary="查询住户（条件在请求体中，可按在户成员的身份证号或手机号）")
@paginate(OneWindowPagination)
def household_search(request: HttpRequest, payload: GridFilterSchema) -> Any:
    return _household_list(request, payload)


def _household_list(request: HttpRequest, filters: GridFilterSchema) -> Any:
    return MappedRows(selectors.household_list(actor=request.user, filters=selectors.HouseholdFilters(
        grid_code=filters.grid, q=filters.q, special=filters.special, floating=filters.floating)),
        _household_list_out)


@router.get("/grid/households/due", response=GridDueOut, auth=API_AUTH,
            summary="待走访住户（特殊群体优先）与本月走访任务进度")
def household_due(request: HttpRequest, limit: int = 50) -> dict[str, Any]:
    if not selectors.is_grid_worker(request.user):
        raise NotFound()
    progress = selectors.quota_progress(actor=request.user)
    due = selectors.due_visits(actor=request.user)[: max(1, min(limit, 200))]
    return {"quota": progress.quota if progress else None, "done": progress.done if progress else None,
            "percent": progress.percent if progress else None,
            "households": [_household_list_out(h) for h in due]}


@router.post("/grid/households", response={201: GridHouseholdOut}, auth=API_AUTH, summary="登记住户及成员")
@idempotent
def household_create(request: HttpRequest, payload: GridHouseholdIn) -> Status:
    house = selectors.house_get(actor=request.user, public_id=payload.house_id)
    members = [_member(request, m, house.grid) for m in payload.members]
    household = services.household_create(actor=request.user, house=house, members=members,
                                          source=c.ChangeSource.API)
    return Status(201, household_get(request, household.public_id))


@router.get("/grid/households/{household_id}", response=GridHouseholdOut, auth=API_AUTH,
            summary="住户详情（成员信息已脱敏）")
def household_get(request: HttpRequest, household_id: UUID) -> dict[str, Any]:
    return _household_out(selectors.household_get(actor=request.user, public_id=household_id), request.user)


@router.post("/grid/households/{household_id}/members", response={201: GridHouseholdOut}, auth=API_AUTH,
             summary="新增成员")
@idempotent
def member_add(request: HttpRequest, household_id: UUID, payload: GridMemberIn) -> Status:
    household = selectors.household_get(actor=request.user, public_id=household_id)
    services.resident_add(actor=request.user, household=household, member=_member(request, payload, household.grid),
                          source=c.ChangeSource.API)
    return Status(201, household_get(request, household_id))


@router.post("/grid/households/{household_id}/members/{resident_id}/leave", response=GridHouseholdOut,
             auth=API_AUTH, summary="成员迁出")
def member_leave(request: HttpRequest, household_id: UUID, resident_id: UUID, payload: GridLeaveIn) -> dict[str, Any]:
    household = selectors.household_get(actor=request.user, public_id=household_id)
    services.resident_leave(actor=request.user, resident=_resident(request, household, resident_id),
                            left_on=payload.left_on, note=payload.note, source=c.ChangeSource.API)
    return household_get(request, household_id)


@router.post("/grid/households/{household_id}/members/{resident_id}/reveal", response=GridRevealOut,
             auth=API_AUTH, summary="查看成员完整信息（须填写事由，记入审计）")
def member_reveal(request: HttpRequest, household_id: UUID, resident_id: UUID, payload: GridRevealIn) -> Any:
    household = selectors.household_get(actor=request.user, public_id=household_id)
    return services.resident_reveal(actor=request.user, resident=_resident(request, household, resident_id),
                                    reason=payload.reason)


@router.post("/grid/households/{household_id}/members/{resident_id}/residence-registration",
             response={201: GridRegistrationOut}, auth=API_AUTH,
             summary="居住登记（核实后发布电子居住登记证明）")
@idempotent
def member_register(request: HttpRequest, household_id: UUID, resident_id: UUID,
                    payload: GridRegistrationIn) -> Status:
    household = selectors.household_get(actor=request.user, public_id=household_id)
    r = services.residence_register(actor=request.user, resident=_resident(request, household, resident_id),
                                    arrived_on=payload.arrived_on, planned_until=payload.planned_stay_until,
                                    reason=payload.stay_reason, source=c.ChangeSource.API)
    return Status(201, {"number": r.number, "name": r.person.name, "arrived_on": r.arrived_on,
                        "valid_until": r.valid_until, "status": r.status, "licence_number": r.licence_number})


# --- Visits -----------------------------------------------------------------------------------
@router.get("/grid/visits", response=list[GridVisitOut], auth=API_AUTH, summary="走访记录")
@paginate(SyncPagination)
def visit_list(request: HttpRequest, month: str = "", mine: bool = False) -> Any:
    qs = selectors.visit_list(actor=request.user, month=_month(month), mine=mine).prefetch_related("photos")
    return MappedRows(qs, _visit_out)


@router.post("/grid/visits", response={201: GridVisitOut}, auth=API_AUTH,
             summary="记录走访（定位、照片、现场更正；multipart/form-data）")
@idempotent
def visit_create(request: HttpRequest, household_id: Form[UUID], notes: Form[str], lng: Form[str] = "",
                 lat: Form[str] = "", location_note: Form[str] = "", house_use: Form[str] = "",
                 corrections: Form[str] = "", photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
                 ) -> Status:
    """``corrections``: a JSON list such as ``[{"resident": "<id>", "tags": ["disabled"], "left": false}]``."""
    household = selectors.household_get(actor=request.user, public_id=household_id)
    visit = services.visit_record(
        actor=request.user, household=household, notes=notes, lng=_float(lng, "lng"), lat=_float(lat, "lat"),
        location_note=location_note, photos=_photos(photos),
        corrections=_corrections(request, household, house_use, corrections))
    return Status(201, _visit_out(visit))


def _corrections(request: HttpRequest, household: Household, house_use: str, raw: str) -> services.VisitCorrections:
    try:
        rows = json.loads(raw) if raw.strip() else []
    except ValueError:
        raise ValidationFailed("现场更正格式应为 JSON 数组", code="corrections_invalid",
                               fields={"corrections": "格式应为 JSON 数组"}) from None
    if not isinstance(rows, list):
        raise ValidationFailed("现场更正格式应为 JSON 数组", code="corrections_invalid",
                               fields={"corrections": "格式应为 JSON 数组"})
    members = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        resident = _resident(request, household, row.get("resident"))
        members.append(services.MemberCorrection(resident=resident, tags=row.get("tags"),
                                                 relation=row.get("relation"),
                                                 residence_type=row.get("residence_type"),
                                                 left=bool(row.get("left"))))
    return services.VisitCorrections(house_use=house_use or None, members=members)


# --- Events -----------------------------------------------------------------------------------
@router.get("/grid/events", response=list[GridEventOut], auth=API_AUTH, summary="网格事件")
@paginate(SyncPagination)
def event_list(request: HttpRequest, kind: str = "", open_only: bool = False, mine: bool = False,
               grid: str = "") -> Any:
    qs = selectors.event_list(actor=request.user, filters=selectors.EventFilters(
        kind=kind, open_only=open_only, mine=mine, grid_code=grid)).prefetch_related("photos")
    return MappedRows(qs, _event_out)


@router.post("/grid/events", response={201: GridEventDetailOut}, auth=API_AUTH,
             summary="上报事件（进入12345，渠道“网格上报”）或记录自处置；multipart/form-data")
@idempotent
def event_create(request: HttpRequest, category: Form[str], text: Form[str], title: Form[str] = "",
                 lng: Form[str] = "", lat: Form[str] = "", location_note: Form[str] = "", address: Form[str] = "",
                 grid: Form[str] = "", self_handled: Form[bool] = False, handled_note: Form[str] = "",
                 urgent: Form[bool] = False, photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
                 ) -> Status:
    region = (selectors.region_in_scope(actor=request.user, code=grid, figures=False) if grid
              else selectors.worker_grid(request.user))
    if region is None:
        raise ValidationFailed("请选择事件所在网格", code="grid_required", fields={"grid": "请选择事件所在网格"})
    event = services.event_report(actor=request.user, grid=region, category=category, text=text, title=title,
                                  lng=_float(lng, "lng"), lat=_float(lat, "lat"), location_note=location_note,
                                  address=address, photos=_photos(photos), self_handled=self_handled,
                                  handled_note=handled_note, urgent=urgent)
    return Status(201, event_get(request, event.public_id))


@router.get("/grid/events/{event_id}", response=GridEventDetailOut, auth=API_AUTH, summary="事件详情与办理进度")
def event_get(request: HttpRequest, event_id: UUID) -> dict[str, Any]:
    event = selectors.event_get(actor=request.user, public_id=event_id)
    return {**_event_out(event), "timeline": [
        {"at": s.at, "action": s.action, "action_label": s.get_action_display(), "actor": s.actor_label,
         "department": s.department.name if s.department else None, "note": s.note}
        for s in selectors.event_timeline(event=event)]}


@router.post("/grid/events/{event_id}/site-check", response=GridEventDetailOut, auth=API_AUTH,
             summary="现场核实（已解决则办结；未解决交监督管理人员决定）")
def event_site_check(request: HttpRequest, event_id: UUID, payload: GridSiteCheckIn) -> dict[str, Any]:
    event = selectors.event_get(actor=request.user, public_id=event_id)
    services.event_site_check(actor=request.user, event=event, solved=payload.solved,
                              satisfaction=payload.satisfaction, note=payload.note)
    return event_get(request, event_id)


# --- Declarations -----------------------------------------------------------------------------
@router.get("/grid/declarations", response=list[GridDeclarationOut], auth=API_AUTH, summary="待核实的居民自主申报")
def declaration_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_declaration_out(d) for d in selectors.declaration_pending(actor=request.user)[:200]]


@router.post("/grid/declarations/{declaration_id}/accept", response=GridDeclarationOut, auth=API_AUTH,
             summary="核实采纳申报（写入基础数据）")
def declaration_accept(request: HttpRequest, declaration_id: UUID) -> dict[str, Any]:
    d = selectors.declaration_get(actor=request.user, public_id=declaration_id)
    return _declaration_out(services.declaration_accept(actor=request.user, declaration=d))


@router.post("/grid/declarations/{declaration_id}/reject", response=GridDeclarationOut, auth=API_AUTH,
             summary="退回申报（须说明理由）")
def declaration_reject(request: HttpRequest, declaration_id: UUID, payload: GridRejectIn) -> dict[str, Any]:
    d = selectors.declaration_get(actor=request.user, public_id=declaration_id)
    return _declaration_out(services.declaration_reject(actor=request.user, declaration=d, reason=payload.reason))


@router.get("/grid/me/household", response=GridMyHouseholdOut, auth=API_AUTH, summary="我的住户信息（已核实的数据）")
def my_household(request: HttpRequest) -> dict[str, Any]:
    from onewindow.accounts.selectors import person_of_user

    person = person_of_user(user=request.user)
    household = selectors.household_of_person(person=person) if person else None
    if household is None:
        raise NotFound("您尚未登记所在户", code="household_missing")
    return {"number": household.number, "address": household.house.address,
            "members": [{"id": str(m.public_id), "relation": m.get_relation_display(),
                         "residence_type": m.get_residence_type_display(), **selectors.person_public(m.person)}
                        for m in selectors.household_members(household=household)]}


@router.get("/grid/me/declarations", response=list[GridDeclarationOut], auth=API_AUTH, summary="我的申报")
def my_declarations(request: HttpRequest) -> list[dict[str, Any]]:
    return [_declaration_out(d) for d in selectors.declarations_of_user(user=request.user)
            .select_related("household", "house")[:100]]


@router.post("/grid/me/declarations", response={201: GridDeclarationOut}, auth=API_AUTH,
             summary="自主申报（新增/迁出成员、信息更正、房东申报租客、居住登记）")
@idempotent
def my_declaration_create(request: HttpRequest, payload: GridDeclarationIn) -> Status:
    house = None
    if payload.house_id is not None:
        from onewindow.accounts.selectors import person_of_user

        person = person_of_user(user=request.user)
        house = selectors.houses_of_owner(person=person).filter(public_id=payload.house_id).first() if person \
            else None
        if house is None:
            raise NotFound("找不到您名下的该房屋", code="house_not_owned")
    d = services.declaration_submit(user=request.user, kind=payload.kind, payload=payload.payload, house=house)
    return Status(201, _declaration_out(d))


# --- Quotas -----------------------------------------------------------------------------------
class GridQuotaIn(Schema):
    monthly_quota: int = Field(..., examples=[30], description="每月走访户数（1–500，默认30）")


class GridQuotaOut(Schema):
    employee_no: str
    name: str
    grid: GridRef
    monthly_quota: int


@router.put("/grid/workers/{employee_no}/quota", response=GridQuotaOut, auth=API_AUTH,
            summary="设定网格员每月走访任务量（社区网格长或街道）")
def quota_set(request: HttpRequest, employee_no: str, payload: GridQuotaIn) -> dict[str, Any]:
    staff = selectors.worker_by_employee_no(actor=request.user, employee_no=employee_no)
    row = services.quota_set(actor=request.user, staff=staff, monthly_quota=payload.monthly_quota)
    return {"employee_no": staff.employee_no, "name": staff.name,
            "grid": {"code": staff.region.code, "name": staff.region.name}, "monthly_quota": row.monthly_quota}


# --- Figures and the map ----------------------------------------------------------------------
@router.get("/grid/figures", response=GridFiguresOut, auth=API_AUTH,
            summary="网格/社区/街道统计（住户、人口、走访覆盖与任务、事件、考核扣分依据）")
def figures(request: HttpRequest, region: str = "", month: str = "") -> dict[str, Any]:
    target = selectors.region_in_scope(actor=request.user, code=region) if region else selectors.home_region(
        request.user)
    if target is None:
        raise NotFound()
    data = selectors.region_figures(actor=request.user, region=target, month=_month(month))
    return {"region": {"code": target.code, "name": target.name}, "month": data.month,
            "rows": [_figure_out(r) for r in data.rows], "total": _figure_out(data.total)}


@router.get("/grid/map/regions", response=dict[str, Any], auth=API_AUTH,
            summary="地图：下级网格边界（GeoJSON）及各网格住户、走访、在办事件")
def map_regions(request: HttpRequest, region: str = "", month: str = "") -> dict[str, Any]:
    target = selectors.region_in_scope(actor=request.user, code=region) if region else selectors.home_region(
        request.user)
    if target is None:
        raise NotFound()
    return selectors.map_regions(actor=request.user, region=target, month=_month(month))


@router.get("/grid/map/points", response=dict[str, Any], auth=API_AUTH,
            summary="地图：一个网格的楼栋、事件（按状态着色）和本月走访点位（GeoJSON）")
def map_points(request: HttpRequest, grid: str, month: str = "") -> dict[str, Any]:
    return selectors.map_points(actor=request.user, grid=selectors.region_in_scope(actor=request.user, code=grid),
                                month=_month(month))
