"""/api/v1/portal: my centre (我的) in one call, the inbox with unread counts, the home's to-dos."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from onewindow.accounts.auth import API_AUTH
from onewindow.cases import services as case_services
from onewindow.core.errors import PermissionDenied

from . import selectors

router = Router(tags=["我的 portal"])


class PortalRef(Schema):
    id: UUID
    title: str
    status: str
    status_label: str
    when: datetime | None
    number: str


class PortalTodoOut(Schema):
    kind: str
    title: str
    url: str
    detail: str


class PortalMessageOut(Schema):
    id: UUID
    title: str
    body: str
    link: str
    read: bool
    at: datetime


class PortalNumberOut(Schema):
    id: UUID
    number: str = Field(..., description="排队号")
    hall: str
    business_type: str
    status: str = Field(..., description="waiting 等候中 / called 已叫号 / serving 办理中")
    status_label: str
    ahead: int = Field(..., description="前面等候的人数（仅等候中）")
    wait_minutes: int = Field(..., description="预计等候分钟数（仅等候中）")
    window: str = Field(..., description="叫到的窗口号（已叫号、办理中）")


class PortalMeOut(Schema):
    cases_open: int
    licences: int
    tickets_open: int
    consultations_open: int
    unread: int
    cases: list[PortalRef]
    tickets: list[PortalRef]
    appointments: list[PortalRef]
    numbers: list[PortalNumberOut] = Field(..., description="今天仍在排队或办理中的排队号")
    consultations: list[PortalRef]
    todos: list[PortalTodoOut]
    household_address: str


class PortalReadOut(Schema):
    marked: int
    unread: int


def _ref(obj: Any, *, title: str, when: datetime | None, number: str = "") -> dict[str, Any]:
    return {"id": obj.public_id, "title": title, "status": obj.status, "status_label": obj.get_status_display(),
            "when": when, "number": number or ""}


def _citizen(request: HttpRequest) -> None:
    if getattr(request.user, "kind", None) == "staff":
        raise PermissionDenied("“我的”供群众和企业使用", code="portal_citizens_only")


@router.get("/portal/me", response=PortalMeOut, auth=API_AUTH, summary="我的：办件、证照、诉求、预约、咨询、消息")
def portal_me(request: HttpRequest) -> Any:
    _citizen(request)
    my = selectors.my_centre(user=request.user)
    return {
        "cases_open": my.cases_open, "licences": my.licences_count, "tickets_open": my.tickets_open,
        "consultations_open": my.consultations_open, "unread": my.unread,
        "cases": [_ref(c, title=c.item_name, when=c.submitted_at, number=c.number or "") for c in my.cases],
        "tickets": [_ref(t, title=t.title, when=t.received_at, number=t.number) for t in my.tickets],
        "appointments": [_ref(a, title=a.item_name, when=a.starts_at, number=a.code) for a in my.appointments],
        "numbers": [{"id": t.public_id, "number": t.number, "hall": t.hall.name, "business_type": t.business_type.name,
                     "status": t.status, "status_label": t.get_status_display(), "ahead": p.ahead,
                     "wait_minutes": p.wait_minutes, "window": str(t.window.number) if t.window is not None else ""}
                    for t, p in my.numbers],
        "consultations": [_ref(x, title=x.topic, when=x.asked_at, number=x.ticket_number)
                          for x in my.consultations],
        "todos": [{"kind": t.kind, "title": t.title, "url": t.url, "detail": t.detail} for t in my.todos],
        "household_address": my.household.house.address if my.household else "",
    }


@router.get("/portal/inbox", response=list[PortalMessageOut], auth=API_AUTH, summary="消息（最近 100 条）")
def portal_inbox(request: HttpRequest, unread: bool = False) -> Any:
    _citizen(request)
    return [{"id": n.public_id, "title": n.title, "body": n.body, "link": n.link, "read": n.read_at is not None,
             "at": n.created_at} for n in selectors.inbox(user=request.user, unread_only=unread)[:100]]


@router.post("/portal/inbox/read", response=PortalReadOut, auth=API_AUTH, summary="全部标为已读")
def portal_inbox_read(request: HttpRequest) -> Any:
    _citizen(request)
    marked = case_services.notifications_mark_read(actor=request.user)
    return {"marked": marked, "unread": 0}
