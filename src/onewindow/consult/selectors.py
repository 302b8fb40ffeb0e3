"""Reads of online consultation: a citizen's own consultations, a department's inbox (scoped),
one conversation, figures per department, approved FAQ entries of an item."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Avg, Count, Q, QuerySet

from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.selectors import item_published_get
from onewindow.core.errors import NotFound

from . import constants as c
from .models import Consultation, ConsultAttachment, ConsultMessage, DutyShift, FaqEntry


def my_consultations(*, actor: Any, updated_since: datetime | None = None) -> QuerySet[Consultation]:
    if not getattr(actor, "is_authenticated", False):
        return Consultation.objects.none()
    qs = Consultation.objects.filter(citizen=actor).select_related("department")
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.order_by("-created_at")


def consultation_get(*, actor: Any, public_id: UUID | str) -> Consultation:
    """The citizen's own consultation, or one of a department in the staff member's scope;
    anything else is not found."""
    if not getattr(actor, "is_authenticated", False):
        raise NotFound("找不到该咨询", code="consult_not_found")
    scope = scope_for(actor)
    visible = Q(citizen=actor) | scope.q(region_path_field="region_path", department_field="department_id")
    consultation = (Consultation.objects.filter(visible).select_related("department__region", "assignee", "citizen")
                    .filter(public_id=public_id).first())
    if consultation is None:
        raise NotFound("找不到该咨询", code="consult_not_found")
    return consultation


def messages_of(*, consultation: Consultation, after: UUID | str | None = None) -> list[ConsultMessage]:
    """The conversation in order; with ``after`` (a message id) only the messages after it."""
    qs = consultation.messages.select_related("attachment").order_by("created_at", "pk")
    if after is not None:
        last = consultation.messages.filter(public_id=after).values("created_at", "pk").first()
        if last is not None:
            qs = qs.filter(Q(created_at__gt=last["created_at"])
                           | Q(created_at=last["created_at"], pk__gt=last["pk"]))
    return list(qs[:500])


def attachment_get(*, actor: Any, consultation_id: UUID | str, public_id: UUID | str) -> ConsultAttachment:
    """A picture or PDF of a conversation the actor takes part in (the citizen or a clerk of the
    department); anything else is not found."""
    consultation = consultation_get(actor=actor, public_id=consultation_id)
    attachment = (ConsultAttachment.objects.select_related("message")
                  .filter(message__consultation=consultation, public_id=public_id).first())
    if attachment is None:
        raise NotFound("找不到该附件", code="consult_attachment_not_found")
    return attachment


def inbox(*, actor: Any, status: str = "", mine: bool = False,
          updated_since: datetime | None = None) -> QuerySet[Consultation]:
    scope = scope_for(actor)
    qs = (Consultation.objects.filter(scope.q(region_path_field="region_path", department_field="department_id"))
          .select_related("department", "assignee"))
    qs = qs.filter(status=status) if status else qs.filter(status__in=c.OPEN_STATUSES)
    if mine:
        qs = qs.filter(assignee__user=actor)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.order_by("first_answer_due", "created_at")


def duty_departments(*, actor: Any) -> list[dict[str, Any]]:
    """The departments a clerk may take consultations for, with whether they are on duty."""
    scope = scope_for(actor)
    if scope.is_empty or not scope.department_ids:
        return []
    on = set(DutyShift.objects.filter(staff__user=actor).values_list("department_id", flat=True))
    depts = Department.objects.filter(pk__in=sorted(scope.department_ids), is_active=True).order_by("name")
    return [{"department": d, "on_duty": d.pk in on} for d in depts]


def duty_department_get(*, actor: Any, code: str) -> Department:
    scope = scope_for(actor)
    dept = (Department.objects.select_related("region").filter(code=code, pk__in=sorted(scope.department_ids))
            .first())
    if dept is None:
        raise NotFound("找不到该部门", code="consult_department_not_found")
    return dept


def inbox_departments(*, actor: Any) -> list[Department]:
    scope = scope_for(actor)
    if scope.is_empty:
        return []
    qs = Department.objects.filter(is_active=True, region__path__startswith=scope.region_path or "")
    if not scope.all_departments:
        qs = qs.filter(pk__in=sorted(scope.department_ids))
    return list(qs.order_by("pk")[:20])


def figures(*, actor: Any, since: datetime | None = None) -> list[dict[str, Any]]:
    """Per department: consultations, answered, average first-answer minutes (service time),
    answered within the limit, escalated, transferred to 12345, average rating."""
    scope = scope_for(actor)
    qs = Consultation.objects.filter(scope.q(region_path_field="region_path", department_field="department_id"))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    rows = (qs.values("department__code", "department__name")
            .annotate(total=Count("pk"), answered=Count("pk", filter=Q(first_answered_at__isnull=False)),
                      escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
                      transferred=Count("pk", filter=Q(status=c.ConsultStatus.TRANSFERRED)),
                      in_time=Count("pk", filter=Q(first_answered_at__isnull=False, escalated_at__isnull=True)),
                      avg_minutes=Avg("first_answer_minutes"), avg_rating=Avg("rating"),
                      rated=Count("rating"))
            .order_by("department__name"))
    return [{"code": r["department__code"], "name": r["department__name"], "total": r["total"],
             "answered": r["answered"], "answered_in_time": r["in_time"], "escalated": r["escalated"],
             "transferred": r["transferred"],
             "first_answer_minutes": round(r["avg_minutes"], 1) if r["avg_minutes"] is not None else None,
             "rating": round(r["avg_rating"], 2) if r["avg_rating"] is not None else None, "rated": r["rated"]}
            for r in rows]


def faq_for_item(*, item: ServiceItem | None = None, item_public_id: UUID | str | None = None) -> list[FaqEntry]:
    qs = FaqEntry.objects.filter(status=c.FaqStatus.APPROVED)
    qs = qs.filter(item=item) if item is not None else qs.filter(item__public_id=item_public_id or "")
    return list(qs.order_by("-approved_at")[:30])


def faq_proposed(*, actor: Any) -> QuerySet[FaqEntry]:
    scope = scope_for(actor)
    return (FaqEntry.objects.filter(status=c.FaqStatus.PROPOSED)
            .filter(scope.q(region_path_field="department__region__path", department_field="department_id"))
            .select_related("department", "proposed_by").order_by("created_at"))


def faq_get(*, actor: Any, public_id: UUID | str) -> FaqEntry:
    faq = faq_proposed(actor=actor).filter(public_id=public_id).first()
    if faq is None:
        raise NotFound()
    return faq


def item_for_question(*, public_id: UUID | str) -> tuple[ServiceItem, str]:
    """A published item a citizen asks about: the item and its name."""
    version = item_published_get(public_id=public_id)
    return version.item, version.name


def departments_for_questions() -> QuerySet[Department]:
    """Departments a citizen may address a general question to."""
    return Department.objects.filter(is_active=True, kind__in=["bureau", "service_centre", "street_office"]).order_by(
        "kind", "name")
