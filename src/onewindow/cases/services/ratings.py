"""Ratings (好差评) with follow-ups, and notifications read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from onewindow.accounts.selectors import staff_of_user
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .. import constants as c
from .. import notify as notifications
from .. import rules, selectors
from ..constants import (
    APPLICANT,
    FollowUpStatus,
    NotificationKind,
    StepKind,
    StepStatus,
)
from ..models import (
    Case,
    CaseStep,
    Notification,
    Rating,
    RatingFollowUp,
)
from ._common import LEADER, REVIEWER, _event, _link, follow_up_days
from .deadlines import _responsible


# --- Ratings (好差评) ---------------------------------------------------------------------------
def rating_create(*, actor: Any, case: Case, level: Any, comment: str = "",
                  step: CaseStep | None = None, now: datetime | None = None) -> Rating:
    """The applicant rates a finished case, or a finished window-service step of it. A bad
    rating opens a follow-up task for the department with its own deadline."""
    if APPLICANT not in selectors.case_actor_roles(actor=actor, case=case):
        if not selectors.case_visible(actor=actor, case=case):
            raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
        raise PermissionDenied("只有申请人可以评价", code="rating_applicant_only")
    value = rules.rating_level_check(level)
    comment = rules.rating_comment_check(value, comment)
    if step is not None:
        if step.case_id != case.pk or step.kind not in (StepKind.INTAKE, StepKind.DELIVERY):
            raise NotFound("找不到该服务环节", code="case_step_not_found")
        if step.status != StepStatus.DONE:
            raise Conflict("该环节完成后才能评价", code="rating_too_early")
    elif case.status not in c.FINISHED_STATUSES:
        raise Conflict("办件办结后才能评价", code="rating_too_early")
    now = now or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                rating = Rating.objects.create(case=case, step=step, rater=actor,
                                               department_id=case.department_id, level=value,
                                               comment=comment)
        except IntegrityError:
            raise Conflict("您已经评价过了", code="rating_exists") from None
        label = c.RatingLevel(value).label
        _event(case=case, action="rating", title=f"评价：{label}", actor=actor, role=APPLICANT,
               at=now, data={"level": value, "step": step.name if step else ""})
        audit_record(actor=actor, action=c.AUDIT_RATING, obj=case, summary={
            "number": case.number, "level": value, "step": step.name if step else ""})
        if rules.rating_is_bad(value):
            from onewindow.core.selectors import deadline_add

            due = deadline_add(start=now, days=follow_up_days())
            follow_up = RatingFollowUp.objects.create(
                rating=rating, department_id=case.department_id, region_path=case.region_path,
                due_at=due.at)
            people, leaders = _responsible(case)
            for person in [*people, *leaders]:
                notifications.notify(
                    recipient=person.user, kind=NotificationKind.FOLLOW_UP, case=case,
                    title=f"差评整改：办件{case.number}（{label}）",
                    body=f"请于{due.day.isoformat()}前整改并回复评价人。评价内容：{comment}",
                    link=f"/cases/staff/follow-ups/{follow_up.public_id}/")
            notifications.notify(
                recipient=actor, kind=NotificationKind.FOLLOW_UP, case=case,
                title="您的评价已转交部门整改",
                body=f"{case.department.name}将于{due.day.isoformat()}前回复", link=_link(case))
    return rating


def follow_up_answer(*, actor: Any, follow_up: RatingFollowUp, answer: str,
                     now: datetime | None = None) -> RatingFollowUp:
    answer = (answer or "").strip()
    if len(answer) < 5:
        raise ValidationFailed("请填写整改情况（至少5个字）", code="follow_up_answer_required",
                               fields={"answer": "请填写整改情况"})
    with transaction.atomic():
        current = (RatingFollowUp.objects.select_for_update(of=("self",))
                   .select_related("rating", "rating__case", "rating__rater").get(pk=follow_up.pk))
        case = current.rating.case
        if not selectors.case_actor_roles(actor=actor, case=case) & {REVIEWER, LEADER}:
            raise PermissionDenied("只有本部门审批人员或领导可以回复整改", code="case_role_forbidden")
        if current.status == FollowUpStatus.DONE:
            raise Conflict("该整改任务已回复", code="follow_up_done")
        now = now or timezone.now()
        current.status = FollowUpStatus.DONE
        current.answer = answer[:2000]
        current.answered_by = staff_of_user(user=actor)
        current.answered_at = now
        current.save(update_fields=["status", "answer", "answered_by", "answered_at", "updated_at"])
        _event(case=case, action="follow_up", title="差评整改回复", actor=actor, at=now,
               note=current.answer, data={"overdue": now > current.due_at})
        audit_record(actor=actor, action=c.AUDIT_FOLLOW_UP, obj=case, summary={
            "number": case.number, "overdue": now > current.due_at})
        notifications.notify(recipient=current.rating.rater, kind=NotificationKind.FOLLOW_UP,
                             case=case, title=f"您对办件{case.number}的评价已有整改回复",
                             body=current.answer, link=_link(case), external=True)
    return current


# --- Notifications ----------------------------------------------------------------------------
def notifications_mark_read(*, actor: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(id__in=list(ids))
    return qs.update(read_at=timezone.now())
