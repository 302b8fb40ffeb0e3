"""/api/v1: the service hall (服务大厅) — the kiosk's item list, business types and queue
numbers (take, follow, cancel), the window clerk's calling (call next, recall, start, no-show,
transfer, finish), the calling screen's state, appointments (slots, book, change, cancel,
check-in), the manager's live state and hall figures."""

from datetime import date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.accounts.auth import API_AUTH
from onewindow.accounts.models import ServiceWindow
from onewindow.catalog import selectors as catalog_selectors
from onewindow.core.errors import NotFound, ValidationFailed
from onewindow.core.pagination import MappedRows, SyncPagination, UpdatedSinceFilter
from onewindow.integrations.idempotency import idempotent

from . import figures as hall_figures_module
from . import kiosk, selectors, services
from .constants import TicketChannel, TicketStatus
from .models import Appointment, AppointmentSlot, BusinessType, QueueTicket

router = Router(tags=["大厅 hall"])


# --- Schemas ----------------------------------------------------------------------------------
class HallDepartmentRef(Schema):
    code: str
    name: str


class KioskItemOut(Schema):
    id: UUID = Field(..., description="事项 id（用于 POST /cases/drafts，channel=kiosk）")
    version_id: UUID
    name: str
    department: HallDepartmentRef


class KioskGroupOut(Schema):
    title: str = Field(..., description="分组：实施部门，或“搜索结果”")
    items: list[KioskItemOut]


class KioskCatalogueOut(Schema):
    hall_id: UUID
    hall_name: str
    query: str
    theme: str
    did_you_mean: str
    themes: list[dict[str, str]] = Field(..., description="有自助办理事项的主题 {code, name}")
    groups: list[KioskGroupOut]


class HallBusinessTypeOut(Schema):
    id: UUID
    code: str
    name: str
    prefix: str = Field(..., description="号码字头，如 A")
    waiting: int = Field(..., description="当前等候人数")
    booking_enabled: bool


class HallOut(Schema):
    id: UUID
    name: str
    address: str
    opening_hours: str
    region_code: str
    business_types: list[HallBusinessTypeOut]


class HallTicketOut(Schema):
    id: UUID = Field(..., description="排队号 id：手机查看进度的链接 /hall/t/{id}/")
    number: str
    status: str
    status_label: str
    hall: str
    hall_id: UUID
    business_type: str
    priority: bool
    priority_label: str
    ahead: int = Field(..., description="前面等候人数（同一业务类型）")
    wait_minutes: int = Field(..., description="预计等候分钟数")
    window: str = Field(..., description="已叫号时：请前往的窗口号")
    taken_at: datetime
    day: date


class HallTakeIn(Schema):
    business_type_id: UUID
    latitude: float | None = Field(None, description="手机取号：当前位置（不在大厅附近且无当日预约时拒绝）")
    longitude: float | None = None
    id_number: str = Field("", description="导服台代取号：证件号码（可选，加密保存）")
    name: str = Field("", max_length=60)
    guide_checked: bool = Field(False, description="导服台：材料已预审（特呼号）")
    disabled: bool = False
    pregnant: bool = False


class HallCallOut(Schema):
    id: int
    number: str
    window: str
    window_name: str
    business_type: str
    kind: str
    at: str
    speech: str = Field(..., description="语音播报文本")


class HallScreenWindowOut(Schema):
    window: str
    name: str
    status: str
    number: str
    serving: bool


class HallScreenWaitingOut(Schema):
    code: str
    name: str
    prefix: str
    count: int


class HallScreenOut(Schema):
    hall: dict[str, str]
    windows: list[HallScreenWindowOut]
    calls: list[HallCallOut]
    last_call_id: int
    waiting: list[HallScreenWaitingOut]
    push_url: str = Field(..., description="WebSocket 地址（含签名订阅），推送 call / queue 事件")


class HallCaseRef(Schema):
    id: UUID
    number: str
    item_name: str
    status: str


class HallPanelTicketOut(Schema):
    id: UUID
    number: str
    status: str
    business_type: str
    priority_label: str
    person: str = Field(..., description="脱敏的姓名与证件号码")
    called_at: datetime | None
    serve_started_at: datetime | None
    call_count: int


class HallPanelOut(Schema):
    window_id: UUID | None
    window: str
    hall_id: UUID | None
    hall: str
    status: str
    ticket: HallPanelTicketOut | None
    waiting: dict[str, int]
    candidates: list[HallCaseRef] = Field(..., description="可关联的办件（该申请人的在办件、本次受理的办件）")


class HallCallNextOut(Schema):
    ticket: HallTicketOut | None = Field(..., description="叫到的号；无人等候时为 null")


class HallTransferIn(Schema):
    business_type_id: UUID | None = None
    window_id: UUID | None = None
    note: str = Field("", max_length=200)


class HallFinishIn(Schema):
    case_ids: list[UUID] = Field(default_factory=list, description="本次受理/办理的办件")


class HallWindowStatusIn(Schema):
    status: str = Field(..., description="open 开放 / paused 暂停 / closed 下班")


class HallSlotOut(Schema):
    id: UUID
    business_type: str
    day: date
    starts_at: datetime
    ends_at: datetime
    capacity: int
    left: int


class HallBookIn(Schema):
    slot_id: UUID
    item_id: UUID | None = Field(None, description="预约办理的事项")


class HallChangeIn(Schema):
    slot_id: UUID


class HallCheckInIn(Schema):
    code: str = Field(..., max_length=8, description="预约码")


HallQueueStatus = Literal[tuple(TicketStatus.values)]  # type: ignore[valid-type]


class HallQueueRowOut(Schema):
    id: UUID
    number: str
    status: HallQueueStatus = Field(  # type: ignore[valid-type]
        ..., description="waiting 等候 / called 已叫号 / serving 办理中 / done 办结 / no_show 过号 / "
                         "cancelled 取消 / expired 当日未办理")
    business_type: str = Field(..., description="业务类型代码")
    channel: str = Field(..., description="取号渠道")
    priority: bool
    window: str = Field(..., description="叫号或办理的窗口号（未叫号为空）")
    day: date
    taken_at: datetime
    called_at: datetime | None
    serve_started_at: datetime | None
    finished_at: datetime | None
    no_show_at: datetime | None
    updated_at: datetime


class HallListQuery(Schema):
    day: date | None = Field(None, description="只列出这一天的记录")


class HallAppointmentOut(Schema):
    id: UUID
    code: str = Field(..., description="预约码：到大厅自助终端或导服台签到")
    status: str
    hall: str
    hall_id: UUID
    business_type: str
    item_name: str
    starts_at: datetime
    ends_at: datetime
    ticket_id: UUID | None


class HallLiveWindowOut(Schema):
    window: str
    name: str
    status: str
    clerk: str
    number: str
    ticket_status: str
    since_minutes: int | None
    idle: bool


class HallLiveOut(Schema):
    hall: str
    windows: list[HallLiveWindowOut]
    waiting: list[dict[str, Any]]
    counts: dict[str, int]
    idle_windows: int
    open_windows: int


class HallFigureRow(Schema):
    key: str
    label: str
    taken: int
    served: int
    no_show: int
    cancelled: int
    wait_avg: float | None = Field(..., description="平均等候（分钟）")
    wait_p90: float | None
    service_avg: float | None = Field(..., description="平均办理（分钟）")
    service_p90: float | None


class HallFiguresOut(Schema):
    start: date
    end: date
    halls: list[dict[str, str]]
    total: HallFigureRow
    by_hall: list[HallFigureRow]
    by_window: list[HallFigureRow]
    by_clerk: list[HallFigureRow]
    by_type: list[HallFigureRow]
    by_day: list[HallFigureRow]
    by_hour: list[HallFigureRow]
    appointments: dict[str, int]
    longest_waits: list[dict[str, Any]]


# --- Helpers ----------------------------------------------------------------------------------
def _ticket(ticket: QueueTicket) -> dict[str, Any]:
    return selectors.ticket_status_payload(ticket)


def _appointment(a: Appointment) -> dict[str, Any]:
    ticket = getattr(a, "ticket", None) if a.status == "checked_in" else None
    return {"id": a.public_id, "code": a.code, "status": a.status, "hall": a.hall.name, "hall_id": a.hall.public_id,
            "business_type": a.business_type.name, "item_name": a.item_name, "starts_at": a.starts_at,
            "ends_at": a.ends_at, "ticket_id": ticket.public_id if ticket else None}


def _queue_row(t: QueueTicket) -> dict[str, Any]:
    return {"id": t.public_id, "number": t.number, "status": t.status, "business_type": t.business_type.code,
            "channel": t.channel, "priority": bool(t.priority_reason),
            "window": t.window.number if t.window is not None else "", "day": t.day, "taken_at": t.taken_at,
            "called_at": t.called_at, "serve_started_at": t.serve_started_at, "finished_at": t.finished_at,
            "no_show_at": t.no_show_at, "updated_at": t.updated_at}


def _slot(s: AppointmentSlot) -> dict[str, Any]:
    return {"id": s.public_id, "business_type": s.business_type.name, "day": s.day, "starts_at": s.starts_at,
            "ends_at": s.ends_at, "capacity": s.capacity, "left": s.left}


def _window(hall_id: int, public_id: UUID | None) -> ServiceWindow | None:
    if public_id is None:
        return None
    window = selectors.window_find(public_id=public_id, hall=hall_id)
    if window is None:
        raise NotFound("找不到该窗口", code="hall_window_not_found", fields={"window_id": "找不到该窗口"})
    return window


def _is_staff(request: HttpRequest) -> bool:
    return getattr(request.user, "kind", "") == "staff"


# --- Kiosk ------------------------------------------------------------------------------------
@router.get("/kiosk/{uuid:hall_id}/items", response=KioskCatalogueOut, auth=None,
            summary="自助终端可办事项（公开）",
            description="该大厅自助终端可受理的事项：现行发布版本标记“可自助终端办理”。按部门分组；"
                        "q 用事项搜索（拼音、首字母、同义词），theme 按主题筛选。")
def kiosk_items(request: HttpRequest, hall_id: UUID, q: str = "", theme: str = "") -> dict[str, Any]:
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    catalogue = kiosk.kiosk_catalogue(query=q, theme=theme)
    return {
        "hall_id": hall.public_id, "hall_name": hall.name, "query": catalogue.query,
        "theme": catalogue.theme, "did_you_mean": catalogue.did_you_mean,
        "themes": [{"code": t.code, "name": t.name} for t in catalogue.themes],
        "groups": [{"title": g.title, "items": [
            {"id": v.item.public_id, "version_id": v.public_id, "name": v.name,
             "department": {"code": v.item.department.code, "name": v.item.department.name}}
            for v in g.versions]} for g in catalogue.groups],
    }


# --- Halls and numbers ------------------------------------------------------------------------
def _hall_out(hall: Any) -> dict[str, Any]:
    counts = selectors.waiting_counts(hall=hall)
    return {"id": hall.public_id, "name": hall.name, "address": hall.address,
            "opening_hours": hall.opening_hours, "region_code": hall.region.code,
            "business_types": [{"id": t.public_id, "code": t.code, "name": t.name, "prefix": t.prefix,
                                "waiting": counts.get(t.code, 0), "booking_enabled": t.booking_enabled}
                               for t in selectors.business_types(hall=hall)]}


@router.get("/halls", response=list[HallOut], auth=None, summary="服务大厅及其业务类型（公开）")
def halls(request: HttpRequest) -> list[dict[str, Any]]:
    return [_hall_out(h) for h in selectors.hall_list() if selectors.business_types(hall=h)]


@router.get("/halls/{uuid:hall_id}", response=HallOut, auth=None, summary="服务大厅：业务类型与等候人数（公开）")
def hall_detail(request: HttpRequest, hall_id: UUID) -> dict[str, Any]:
    return _hall_out(selectors.hall_get(public_id=hall_id))


@router.post("/halls/{uuid:hall_id}/tickets", response={201: HallTicketOut}, auth=API_AUTH, summary="取号",
             description="市民：在大厅附近（latitude/longitude）或当日有预约时在线取号。工作人员：导服台代取号，"
                         "可填证件号码（老年人自动优先）并登记材料预审、残疾人、孕妇（特呼号）。"
                         "非办公时间、节假日、当日号源已满、已有未办号均返回 409。")
@idempotent
def ticket_take(request: HttpRequest, hall_id: UUID, payload: HallTakeIn) -> Status:
    hall = selectors.hall_get(public_id=hall_id)
    business_type = selectors.business_type_get(hall=hall, public_id=payload.business_type_id)
    staff = _is_staff(request)
    ticket = services.ticket_take(
        actor=request.user, hall=hall, business_type=business_type,
        channel=TicketChannel.GUIDE if staff else TicketChannel.API,
        id_number=payload.id_number if staff else "", name=payload.name if staff else "",
        guide_checked=payload.guide_checked, disabled=payload.disabled, pregnant=payload.pregnant,
        latitude=payload.latitude, longitude=payload.longitude)
    return Status(201, _ticket(ticket))


@router.get("/hall-tickets/{uuid:ticket_id}", response=HallTicketOut, auth=None, summary="排队号进度（公开）",
            description="号码、状态、前面等候人数和预计等候时间；不含个人信息。")
def ticket_status(request: HttpRequest, ticket_id: UUID) -> dict[str, Any]:
    return _ticket(selectors.ticket_get(public_id=ticket_id))


@router.post("/hall-tickets/{uuid:ticket_id}/cancel", response=HallTicketOut, auth=API_AUTH, summary="取消排队号")
def ticket_cancel(request: HttpRequest, ticket_id: UUID) -> dict[str, Any]:
    ticket = selectors.ticket_get(public_id=ticket_id)
    return _ticket(services.ticket_cancel(actor=request.user, ticket=ticket))


@router.get("/halls/{uuid:hall_id}/screen", response=HallScreenOut, auth=None, summary="叫号屏当前状态（公开）",
            description="各窗口当前号、最近叫号、各业务等候人数；push_url 为推送地址（WebSocket）。")
def screen(request: HttpRequest, hall_id: UUID) -> dict[str, Any]:
    from . import push

    hall = selectors.hall_get(public_id=hall_id)
    return {**selectors.screen_snapshot(hall=hall), "push_url": f"/ws/push/?t={push.screen_token(hall)}"}


# --- The window clerk -------------------------------------------------------------------------
def _panel(request: HttpRequest) -> dict[str, Any]:
    panel = selectors.panel_state(actor=request.user)
    state = panel.state
    ticket = panel.ticket
    return {
        "window_id": state.window.public_id if state else None, "window": state.window.number if state else "",
        "hall_id": state.window.hall.public_id if state else None, "hall": state.window.hall.name if state else "",
        "status": state.status if state else "",
        "ticket": {"id": ticket.public_id, "number": ticket.number, "status": ticket.status,
                   "business_type": ticket.business_type.name, "priority_label": panel.priority_label,
                   "person": panel.person_label, "called_at": ticket.called_at,
                   "serve_started_at": ticket.serve_started_at, "call_count": ticket.call_count} if ticket else None,
        "waiting": panel.waiting,
        "candidates": [{"id": c.public_id, "number": c.number or "", "item_name": c.item_name, "status": c.status}
                       for c in panel.candidates],
    }


@router.get("/hall-windows/mine", response=HallPanelOut, auth=API_AUTH, summary="我的窗口（叫号面板）")
def my_window(request: HttpRequest) -> dict[str, Any]:
    return _panel(request)


@router.post("/hall-windows/{uuid:window_id}/sign-on", response=HallPanelOut, auth=API_AUTH,
             summary="窗口签到开窗")
def window_sign_on(request: HttpRequest, window_id: UUID) -> dict[str, Any]:
    window = selectors.window_find(public_id=window_id)
    if window is None:
        raise NotFound("找不到该窗口", code="hall_window_not_found")
    services.window_sign_on(actor=request.user, window=window)
    return _panel(request)


@router.post("/hall-windows/mine/status", response=HallPanelOut, auth=API_AUTH, summary="暂停、恢复或关闭我的窗口")
def window_status(request: HttpRequest, payload: HallWindowStatusIn) -> dict[str, Any]:
    state = selectors.window_of_clerk(actor=request.user)
    if state is None:
        raise NotFound("您尚未在窗口签到", code="hall_window_not_signed_on")
    services.window_set_status(actor=request.user, window=state.window, status=payload.status)
    return _panel(request)


@router.post("/hall-windows/mine/call-next", response=HallCallNextOut, auth=API_AUTH, summary="叫下一位",
             description="按优先顺序（按时签到的预约、转办、特呼号、普通）叫本窗口业务的下一个号。"
                         "两个窗口同时叫号不会叫到同一个号。")
def call_next(request: HttpRequest) -> dict[str, Any]:
    ticket = services.ticket_call_next(actor=request.user)
    return {"ticket": _ticket(ticket) if ticket else None}


def _staff_ticket(request: HttpRequest, ticket_id: UUID) -> QueueTicket:
    return selectors.ticket_for_staff(actor=request.user, public_id=ticket_id)


@router.post("/hall-tickets/{uuid:ticket_id}/recall", response=HallTicketOut, auth=API_AUTH, summary="重呼")
def recall(request: HttpRequest, ticket_id: UUID) -> dict[str, Any]:
    return _ticket(services.ticket_recall(actor=request.user, ticket=_staff_ticket(request, ticket_id)))


@router.post("/hall-tickets/{uuid:ticket_id}/start", response=HallTicketOut, auth=API_AUTH, summary="开始办理")
def start(request: HttpRequest, ticket_id: UUID) -> dict[str, Any]:
    return _ticket(services.ticket_start(actor=request.user, ticket=_staff_ticket(request, ticket_id)))


@router.post("/hall-tickets/{uuid:ticket_id}/no-show", response=HallTicketOut, auth=API_AUTH, summary="过号")
def no_show(request: HttpRequest, ticket_id: UUID) -> dict[str, Any]:
    return _ticket(services.ticket_no_show(actor=request.user, ticket=_staff_ticket(request, ticket_id)))


@router.post("/hall-tickets/{uuid:ticket_id}/no-show-recall", response=HallTicketOut, auth=API_AUTH,
             summary="过号重呼（在可重呼时间内）")
def no_show_recall(request: HttpRequest, ticket_id: UUID) -> dict[str, Any]:
    return _ticket(services.ticket_no_show_recall(actor=request.user, ticket=_staff_ticket(request, ticket_id)))


@router.post("/hall-tickets/{uuid:ticket_id}/transfer", response=HallTicketOut, auth=API_AUTH,
             summary="转办（转到其他业务类型或窗口）")
def transfer(request: HttpRequest, ticket_id: UUID, payload: HallTransferIn) -> dict[str, Any]:
    ticket = _staff_ticket(request, ticket_id)
    business_type = (selectors.business_type_get(hall=ticket.hall, public_id=payload.business_type_id)
                     if payload.business_type_id else None)
    return _ticket(services.ticket_transfer(actor=request.user, ticket=ticket, business_type=business_type,
                                            window=_window(ticket.hall_id, payload.window_id), note=payload.note))


@router.post("/hall-tickets/{uuid:ticket_id}/finish", response=HallTicketOut, auth=API_AUTH,
             summary="办结，并关联本次受理的办件")
def finish(request: HttpRequest, ticket_id: UUID, payload: HallFinishIn) -> dict[str, Any]:
    from onewindow.cases import selectors as case_selectors

    ticket = _staff_ticket(request, ticket_id)
    cases = [case_selectors.case_get(actor=request.user, public_id=i) for i in payload.case_ids]
    return _ticket(services.ticket_finish(actor=request.user, ticket=ticket, cases=cases))


# --- Appointments -----------------------------------------------------------------------------
@router.get("/halls/{uuid:hall_id}/slots", response=list[HallSlotOut], auth=None, summary="可预约时段（公开）",
            description="某业务类型在日期区间内尚未开始的时段及剩余名额（节假日无时段）。")
def slots(request: HttpRequest, hall_id: UUID, business_type_id: UUID, start: date | None = None,
          end: date | None = None) -> list[dict[str, Any]]:
    hall = selectors.hall_get(public_id=hall_id)
    business_type: BusinessType = selectors.business_type_get(hall=hall, public_id=business_type_id)
    first = start or selectors.today()
    last = end or first + timedelta(days=selectors.profile_of(hall).booking_days_ahead)
    if (last - first).days > 62:
        raise ValidationFailed("查询区间不能超过62天", code="hall_period_too_long", fields={"end": "区间过长"})
    return [_slot(s) for s in selectors.slots_for(business_type=business_type, start=first, end=last)]


@router.post("/appointments", response={201: HallAppointmentOut}, auth=API_AUTH, summary="预约",
             description="为指定事项预约某时段。时段已满、已过、节假日返回 409；多次爽约暂停预约返回 403。")
@idempotent
def book(request: HttpRequest, payload: HallBookIn) -> Status:

    slot = selectors.slot_get(public_id=payload.slot_id)
    item = None
    if payload.item_id:
        item = catalog_selectors.item_by_public_id(public_id=payload.item_id)
        if item is None:
            raise NotFound("找不到该事项", code="catalog_item_not_found", fields={"item_id": "找不到该事项"})
    return Status(201, _appointment(services.appointment_book(actor=request.user, slot=slot, item=item)))


@router.get("/me/appointments", response=list[HallAppointmentOut], auth=API_AUTH, summary="我的预约",
            description="最近 50 条；updated_since 只列出此后有变化的预约。")
def my_appointments(request: HttpRequest, filters: Query[UpdatedSinceFilter]) -> list[dict[str, Any]]:
    rows = selectors.appointments_of(user=request.user, updated_since=filters.updated_since)[:50]
    return [_appointment(a) for a in rows]


@router.get("/halls/{uuid:hall_id}/appointments", response=list[HallAppointmentOut], auth=API_AUTH,
            summary="大厅的预约（工作人员）",
            description="本大厅的预约，按最后变化时间排列；updated_since 用于增量同步。")
@paginate(SyncPagination)
def hall_appointments(request: HttpRequest, hall_id: UUID,  # type: ignore[no-untyped-def]
                      filters: Query[HallListQuery]):
    hall = selectors.hall_for_staff(actor=request.user, public_id=hall_id)
    return MappedRows(selectors.hall_appointments(hall=hall, day=filters.day), _appointment)


@router.get("/halls/{uuid:hall_id}/tickets", response=list[HallQueueRowOut], auth=API_AUTH,
            summary="大厅的排队号（工作人员）",
            description="本大厅的排队号（不含个人信息），按最后变化时间排列；"
                        "day 限定日期，updated_since 用于增量同步。")
@paginate(SyncPagination)
def hall_tickets(request: HttpRequest, hall_id: UUID,  # type: ignore[no-untyped-def]
                 filters: Query[HallListQuery]):
    hall = selectors.hall_for_staff(actor=request.user, public_id=hall_id)
    return MappedRows(selectors.hall_tickets(hall=hall, day=filters.day), _queue_row)


@router.get("/appointments/{uuid:appointment_id}", response=HallAppointmentOut, auth=API_AUTH, summary="预约详情")
def appointment_detail(request: HttpRequest, appointment_id: UUID) -> dict[str, Any]:
    return _appointment(selectors.appointment_get(actor=request.user, public_id=appointment_id))


@router.post("/appointments/{uuid:appointment_id}/change", response=HallAppointmentOut, auth=API_AUTH,
             summary="改约（截止时间前）")
def appointment_change(request: HttpRequest, appointment_id: UUID, payload: HallChangeIn) -> dict[str, Any]:
    appointment = selectors.appointment_get(actor=request.user, public_id=appointment_id)
    slot = selectors.slot_get(public_id=payload.slot_id)
    return _appointment(services.appointment_change(actor=request.user, appointment=appointment, slot=slot))


@router.post("/appointments/{uuid:appointment_id}/cancel", response=HallAppointmentOut, auth=API_AUTH,
             summary="取消预约（截止时间前）")
def appointment_cancel(request: HttpRequest, appointment_id: UUID) -> dict[str, Any]:
    appointment = selectors.appointment_get(actor=request.user, public_id=appointment_id)
    return _appointment(services.appointment_cancel(actor=request.user, appointment=appointment))


@router.post("/halls/{uuid:hall_id}/check-in", response={201: HallTicketOut}, auth=API_AUTH,
             summary="预约签到（导服台），取得优先号")
@idempotent
def check_in(request: HttpRequest, hall_id: UUID, payload: HallCheckInIn) -> Status:
    hall = selectors.hall_for_staff(actor=request.user, public_id=hall_id)
    appointment = selectors.appointment_by_code(hall=hall, code=payload.code)
    ticket = services.appointment_check_in(actor=request.user, hall=hall, appointment=appointment,
                                           channel=TicketChannel.GUIDE)
    return Status(201, _ticket(ticket))


# --- Manager ----------------------------------------------------------------------------------
@router.get("/halls/{uuid:hall_id}/live", response=HallLiveOut, auth=API_AUTH, summary="大厅实时状态（大厅管理）")
def live(request: HttpRequest, hall_id: UUID) -> dict[str, Any]:
    hall = selectors.hall_for_staff(actor=request.user, public_id=hall_id, manage=True)
    state = selectors.live_state(hall=hall)
    return {"hall": hall.name, "windows": [
        {"window": w.window.number, "name": w.window.name, "status": w.status, "clerk": w.clerk,
         "number": w.number, "ticket_status": w.ticket_status, "since_minutes": w.since_minutes, "idle": w.idle}
        for w in state.windows], "waiting": state.waiting, "counts": state.counts,
        "idle_windows": state.idle_windows, "open_windows": state.open_windows}


class HallFiguresQuery(Schema):
    start: date
    end: date
    hall_id: UUID | None = None


@router.get("/hall-figures", response=HallFiguresOut, auth=API_AUTH, summary="大厅运行统计",
            description="按大厅、窗口、人员、业务类型、日、时段：取号、办结、过号、平均与90%等候/办理时间，"
                        "预约签到与爽约，当前等候最久的号。Excel 见页面 /hall/staff/figures/?format=xlsx。")
def figures(request: HttpRequest, query: Query[HallFiguresQuery]) -> dict[str, Any]:
    hall = selectors.hall_for_staff(actor=request.user, public_id=query.hall_id, manage=True) if query.hall_id else None
    return hall_figures_module.hall_figures(actor=request.user, start=query.start, end=query.end, hall=hall).as_dict()
