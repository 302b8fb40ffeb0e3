"""/api/v1/monitor: the monitor's lights, oldest overdue items, rising departments, anomalies,
and supervision orders (督办) on cases and tickets."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from onewindow.accounts.auth import API_AUTH
from onewindow.core.api import ErrorOut
from onewindow.core.errors import NotFound
from onewindow.tickets import selectors as ticket_selectors
from onewindow.tickets import services as ticket_services

from . import monitor
from .models import CaseSupervisionOrder
from .services import orders

router = Router(tags=["电子监察 monitor"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class SupLightOut(Schema):
    source: str
    label: str
    yellow: int
    red: int


class SupOverdueOut(Schema):
    kind: str
    id: UUID
    number: str
    title: str
    department: str
    due_at: datetime
    hours_over: int
    order_open: bool
    url: str


class SupRisingOut(Schema):
    department: str
    this_week: int
    last_week: int


class SupAnomalyRecordOut(Schema):
    label: str
    detail: str
    url: str


class SupAnomalyOut(Schema):
    code: str
    name: str
    rule: str
    records: list[SupAnomalyRecordOut]


class SupMonitorOut(Schema):
    at: datetime
    lights: list[SupLightOut]
    oldest_overdue: list[SupOverdueOut]
    rising_departments: list[SupRisingOut]
    anomalies: list[SupAnomalyOut]


class SupCaseOrderIn(Schema):
    case_id: UUID
    reason: str = Field(..., max_length=500)
    due_at: datetime | None = None


class SupTicketOrderIn(Schema):
    ticket_id: UUID
    reason: str = Field(..., max_length=500)
    due_at: datetime | None = None


class SupOrderAnswerIn(Schema):
    response: str = Field(..., max_length=2000)


class SupCaseOrderOut(Schema):
    id: UUID
    case_id: UUID
    case_number: str
    department: str
    reason: str
    due_at: datetime
    status: str
    response: str
    answered_at: datetime | None


class SupTicketOrderOut(Schema):
    ticket_id: UUID
    ticket_number: str
    reason: str
    due_at: datetime
    status: str


def monitor_data(actor: Any, now: datetime | None = None) -> dict[str, Any]:
    scope = monitor.monitor_scope(actor)
    now = now or timezone.now()
    return {"at": now, "lights": monitor.lights(scope=scope, now=now),
            "oldest_overdue": [{**o.__dict__, "id": o.public_id} for o in monitor.oldest_overdue(scope=scope, now=now)],
            "rising_departments": monitor.rising_departments(scope=scope, now=now),
            "anomalies": monitor.anomalies(scope=scope, now=now)}


def case_order_out(o: CaseSupervisionOrder) -> dict[str, Any]:
    return {"id": o.public_id, "case_id": o.case.public_id, "case_number": o.case.number or "",
            "department": o.department.name, "reason": o.reason, "due_at": o.due_at, "status": o.status,
            "response": o.response, "answered_at": o.answered_at}


@router.get("/monitor", response={200: SupMonitorOut, **ERRORS}, auth=API_AUTH,
            summary="电子监察：红黄灯、最久超期、超期上升的部门、异常规则及其记录")
def monitor_get(request: HttpRequest) -> dict[str, Any]:
    return monitor_data(request.user)


@router.post("/monitor/case-orders", response={201: SupCaseOrderOut, **ERRORS}, auth=API_AUTH,
             summary="对办件发出督办")
def case_order_create(request: HttpRequest, payload: SupCaseOrderIn) -> Status:
    case = monitor.case_for_order(actor=request.user, public_id=payload.case_id)
    order = orders.case_order_create(actor=request.user, case=case, reason=payload.reason, due_at=payload.due_at)
    return Status(201, case_order_out(order))


@router.get("/monitor/case-orders", response={200: list[SupCaseOrderOut], **ERRORS}, auth=API_AUTH,
            summary="办件督办列表（监督人员：辖区全部；部门：本部门）")
def case_order_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [case_order_out(o) for o in monitor.case_order_list(actor=request.user, status=status)[:200]]


@router.post("/monitor/case-orders/{order_id}/answer", response={200: SupCaseOrderOut, **ERRORS}, auth=API_AUTH,
             summary="被督办部门反馈")
def case_order_answer(request: HttpRequest, order_id: UUID, payload: SupOrderAnswerIn) -> dict[str, Any]:
    order = monitor.case_order_list(actor=request.user).filter(public_id=order_id).first()
    if order is None:
        raise NotFound("找不到该督办，或您无权查看", code="order_not_found")
    return case_order_out(orders.case_order_answer(actor=request.user, order=order, response=payload.response))


@router.post("/monitor/ticket-orders", response={201: SupTicketOrderOut, **ERRORS}, auth=API_AUTH,
             summary="对工单发出督办（与热线督办相同）")
def ticket_order_create(request: HttpRequest, payload: SupTicketOrderIn) -> Status:
    ticket = ticket_selectors.ticket_get(actor=request.user, public_id=payload.ticket_id)
    order = ticket_services.supervision_order_create(actor=request.user, ticket=ticket, reason=payload.reason,
                                                     due_at=payload.due_at)
    return Status(201, {"ticket_id": ticket.public_id, "ticket_number": ticket.number, "reason": order.reason,
                        "due_at": order.due_at, "status": order.status})
