"""Reads of the citizen's home and my centre (我的): one view over every app's own selectors.
Portal has no models; it reads each app only through its selectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from onewindow.accounts.selectors import person_of_user
from onewindow.cases.constants import CaseStatus
from onewindow.cases.selectors import case_list_for_applicant, notification_list, notification_unread_count
from onewindow.consult.constants import ConsultStatus
from onewindow.consult.selectors import my_consultations
from onewindow.grid.selectors import household_of_person
from onewindow.hall.constants import AppointmentStatus
from onewindow.hall.selectors import appointments_of, tickets_today_of
from onewindow.licences.selectors import licence_list_for_user
from onewindow.news.selectors import NewsFilters, news_public_list
from onewindow.tickets.constants import OPEN_STATUSES as TICKET_OPEN
from onewindow.tickets.selectors import tickets_of_requester

SECTION_SIZE = 5


@dataclass
class Todo:
    kind: str  # supplement | consult_answered | appointment | number | unread
    title: str
    url: str
    detail: str = ""


@dataclass
class MyCentre:
    cases: list[Any] = field(default_factory=list)
    cases_open: int = 0
    licences: list[Any] = field(default_factory=list)
    licences_count: int = 0
    tickets: list[Any] = field(default_factory=list)
    tickets_open: int = 0
    appointments: list[Any] = field(default_factory=list)
    numbers: list[Any] = field(default_factory=list)  # today's open queue numbers with positions
    consultations: list[Any] = field(default_factory=list)
    consultations_open: int = 0
    notifications: list[Any] = field(default_factory=list)
    unread: int = 0
    household: Any = None
    todos: list[Todo] = field(default_factory=list)


def latest_news(*, limit: int = 5) -> list[Any]:
    return list(news_public_list(filters=NewsFilters())[:limit])


def todos_of(*, user: Any) -> list[Todo]:
    """What the person should do now: supplements asked for, answers waiting to be read or
    rated, today's and coming appointments, unread messages."""
    from django.urls import reverse

    out: list[Todo] = []
    for case in case_list_for_applicant(user=user).filter(status=CaseStatus.SUPPLEMENT)[:SECTION_SIZE]:
        out.append(Todo("supplement", f"补正材料：{case.item_name}", reverse("cases:detail", args=[case.public_id]),
                        case.number or ""))
    for x in my_consultations(actor=user).filter(status=ConsultStatus.ANSWERED)[:SECTION_SIZE]:
        out.append(Todo("consult_answered", f"咨询已答复：{x.topic}", reverse("consult:chat", args=[x.public_id])))
    now = timezone.now()
    for a in appointments_of(user=user).filter(status=AppointmentStatus.BOOKED, ends_at__gte=now).order_by(
            "starts_at")[:3]:
        out.append(Todo("appointment", f"预约：{a.item_name}", reverse("hall:appointment", args=[a.public_id]),
                        f"{timezone.localtime(a.starts_at):%m-%d %H:%M} {a.hall.name}"))
    for ticket, position in tickets_today_of(user=user):
        detail = (f"前面还有 {position.ahead} 人，约 {position.wait_minutes} 分钟" if ticket.status == "waiting"
                  else f"请到 {ticket.window.number} 号窗口" if ticket.window is not None else "")
        out.append(Todo("number", f"排队号 {ticket.number}：{ticket.business_type.name}",
                        reverse("hall:ticket", args=[ticket.public_id]), detail))
    unread = notification_unread_count(user=user)
    if unread:
        out.append(Todo("unread", f"未读消息 {unread} 条", reverse("portal:inbox")))
    return out


def my_centre(*, user: Any) -> MyCentre:
    cases = case_list_for_applicant(user=user)
    licences = licence_list_for_user(user=user)
    tickets = tickets_of_requester(user=user)
    consultations = my_consultations(actor=user)
    person = person_of_user(user=user)
    now = timezone.now()
    return MyCentre(
        cases=list(cases[:SECTION_SIZE]),
        cases_open=cases.exclude(status__in=[CaseStatus.DRAFT, CaseStatus.DELIVERED, CaseStatus.CLOSED,
                                             CaseStatus.WITHDRAWN, CaseStatus.NOT_ACCEPTED]).count(),
        licences=list(licences[:SECTION_SIZE]), licences_count=licences.count(),
        tickets=list(tickets[:SECTION_SIZE]), tickets_open=tickets.filter(status__in=TICKET_OPEN).count(),
        appointments=list(appointments_of(user=user).filter(ends_at__gte=now - timedelta(days=30))
                          [:SECTION_SIZE]),
        numbers=tickets_today_of(user=user),
        consultations=list(consultations[:SECTION_SIZE]),
        consultations_open=consultations.filter(status__in=[ConsultStatus.WAITING, ConsultStatus.ANSWERED]).count(),
        notifications=list(notification_list(user=user)[:SECTION_SIZE]),
        unread=notification_unread_count(user=user),
        household=household_of_person(person=person) if person else None,
        todos=todos_of(user=user),
    )


def inbox(*, user: Any, unread_only: bool = False) -> Any:
    return notification_list(user=user, unread_only=unread_only)
