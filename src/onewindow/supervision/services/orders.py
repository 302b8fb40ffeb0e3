"""Supervision orders (督办) on cases, the way the hotline has them on tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from onewindow.accounts.scope import scope_for
from onewindow.cases.constants import OPEN_STATUSES
from onewindow.cases.models import Case
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.inputs import required_text
from onewindow.core.selectors import work_calendar
from onewindow.core.workdays import add_working_days

from ..constants import AUDIT_CASE_ORDER, AUDIT_CASE_ORDER_ANSWER, OrderStatus
from ..models import CaseSupervisionOrder
from .assessment import ASSESSORS

DEFAULT_ORDER_WORKING_DAYS = 3


def _text(value: str, *, field: str, label: str, min_len: int = 4, max_len: int = 500) -> str:
    return required_text(value, field=field, label=label, min_length=min_len, max_length=max_len,
                         invalid=f"请填写 {min_len}–{max_len} 字的{label}")


def case_order_create(*, actor: Any, case: Case, reason: str, due_at: datetime | None = None,
                      now: datetime | None = None) -> CaseSupervisionOrder:
    """A supervisor orders the owner department to act on a case by a date (督办)."""
    now = now or timezone.now()
    scope = scope_for(actor)
    if not scope.has_role(*ASSESSORS):
        raise PermissionDenied("只有监督管理人员可以督办", code="not_supervisor")
    if not scope.covers_region_path(case.region_path):
        raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
    reason = _text(reason, field="reason", label="督办事由")
    if case.status not in OPEN_STATUSES:
        raise Conflict("办件已办结或尚未提交，无需督办", code="case_not_open")
    if due_at is None:
        due_at = add_working_days(work_calendar(), now, DEFAULT_ORDER_WORKING_DAYS).at
    elif due_at <= now:
        msg = "督办期限应晚于当前时间"
        raise ValidationFailed(msg, code="order_due_past", fields={"due_at": msg})
    with transaction.atomic():
        if CaseSupervisionOrder.objects.filter(case=case, status=OrderStatus.OPEN).exists():
            raise Conflict("该办件已有未反馈的督办", code="order_open_exists")
        order = CaseSupervisionOrder.objects.create(case=case, department_id=case.department_id,
                                                    region_path=case.region_path, issued_by=actor,
                                                    reason=reason, due_at=due_at)
        audit_record(actor=actor, action=AUDIT_CASE_ORDER, obj=case,
                     summary={"number": case.number, "due_at": due_at.isoformat()})
    return order


def case_order_answer(*, actor: Any, order: CaseSupervisionOrder, response: str,
                      now: datetime | None = None) -> CaseSupervisionOrder:
    """The ordered department answers what it did."""
    scope = scope_for(actor)
    if order.department_id not in scope.department_ids:
        raise PermissionDenied("只有被督办部门可以反馈", code="not_owner_department")
    response = _text(response, field="response", label="督办反馈", max_len=2000)
    with transaction.atomic():
        locked = CaseSupervisionOrder.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.OPEN:
            raise Conflict("该督办已反馈", code="order_answered")
        locked.status = OrderStatus.ANSWERED
        locked.response = response
        locked.answered_at = now or timezone.now()
        locked.answered_by = actor
        locked.save(update_fields=["status", "response", "answered_at", "answered_by", "updated_at"])
        audit_record(actor=actor, action=AUDIT_CASE_ORDER_ANSWER, obj=locked.case,
                     summary={"number": locked.case.number})
    return locked
