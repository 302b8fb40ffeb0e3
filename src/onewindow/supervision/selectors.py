"""Reads for supervision pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from onewindow.core.errors import NotFound
from onewindow.core.models import AuditEntry
from onewindow.core.selectors import calendar_missing_year_warning

from .constants import RunStatus, Tier
from .models import (
    AssessmentAppeal,
    AssessmentDeduction,
    AssessmentRun,
    AssessmentScore,
    DataApplication,
    Dataset,
)


def audit_list(*, action: str = "", object_id: str = "", since: datetime | None = None) -> QuerySet[AuditEntry]:
    """Audit entries, newest first; ``since`` keeps those recorded at or after it (the feed)."""
    qs = AuditEntry.objects.order_by("-seq")
    if action:
        qs = qs.filter(action=action)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since is not None:
        qs = qs.filter(at__gte=since)
    return qs


def calendar_warnings() -> list[str]:
    warning = calendar_missing_year_warning()
    return [warning] if warning else []


# --- Assessment -------------------------------------------------------------------------------
def _is_assessor(actor: Any) -> bool:
    from onewindow.accounts.constants import Role
    from onewindow.accounts.scope import scope_for

    return scope_for(actor).has_role(Role.SUPERVISOR, Role.ADMINISTRATOR)


def _is_staff(actor: Any) -> bool:
    from onewindow.accounts.scope import scope_for

    return not scope_for(actor).is_empty


def run_list(*, actor: Any) -> QuerySet[AssessmentRun]:
    """Supervisors see every run; other staff the published ones."""
    if not _is_staff(actor):
        return AssessmentRun.objects.none()
    qs = AssessmentRun.objects.all()
    return qs if _is_assessor(actor) else qs.filter(status=RunStatus.PUBLISHED)


def run_get(*, actor: Any, period: str) -> AssessmentRun:
    run = run_list(actor=actor).filter(period=(period or "").upper()).first()
    if run is None:
        raise NotFound("找不到该考核期的结果，或尚未发布", code="run_not_found")
    return run


def score_list(*, run: AssessmentRun, target_kind: str = "") -> QuerySet[AssessmentScore]:
    qs = run.scores.select_related("department", "region")
    return qs.filter(target_kind=target_kind) if target_kind else qs


def deduction_list(*, actor: Any, run: AssessmentRun) -> QuerySet[AssessmentDeduction]:
    """Supervisors see every deduction; departments their own; street/grid staff their area's."""
    from onewindow.accounts.scope import scope_for

    qs = run.deductions.select_related("score", "rule").prefetch_related("appeals")
    if _is_assessor(actor):
        return qs
    scope = scope_for(actor)
    mine = Q(score__department_id__in=sorted(scope.department_ids))
    if scope.region_path and not scope.all_departments:
        mine |= Q(score__department__isnull=True, score__region_path__startswith=scope.region_path)
    return qs.filter(mine)


def deduction_get(*, actor: Any, public_id: Any) -> AssessmentDeduction:
    found = None
    try:
        found = AssessmentDeduction.objects.select_related("run", "score").filter(public_id=public_id).first()
    except (ValueError, TypeError):
        found = None
    if found is None or not deduction_list(actor=actor, run=found.run).filter(pk=found.pk).exists():
        raise NotFound("找不到该扣分，或您无权查看", code="deduction_not_found")
    return found


def appeal_list(*, actor: Any, status: str = "") -> QuerySet[AssessmentAppeal]:
    qs = AssessmentAppeal.objects.select_related("deduction", "deduction__run", "deduction__score", "department",
                                                 "filed_by")
    if not _is_assessor(actor):
        from onewindow.accounts.scope import scope_for

        qs = qs.filter(department_id__in=sorted(scope_for(actor).department_ids))
    return qs.filter(status=status) if status else qs


def appeal_get(*, actor: Any, public_id: Any) -> AssessmentAppeal:
    found = appeal_list(actor=actor).filter(public_id=public_id).first()
    if found is None:
        raise NotFound("找不到该申诉，或您无权查看", code="appeal_not_found")
    return found


def deduction_link(d: AssessmentDeduction) -> str:
    """The page of the ticket or case behind a deduction."""
    from django.urls import reverse

    if d.object_type == "ticket":
        return reverse("tickets:detail", args=[d.object_public_id])
    return reverse("cases:detail", args=[d.object_public_id])


# --- Open data --------------------------------------------------------------------------------
def dataset_list(*, include_closed: bool = True) -> QuerySet[Dataset]:
    qs = Dataset.objects.filter(is_published=True)
    return qs if include_closed else qs.exclude(tier=Tier.CLOSED)


def dataset_get(*, slug: str) -> Dataset:
    found = Dataset.objects.filter(slug=slug, is_published=True).first()
    if found is None:
        raise NotFound("找不到该数据集", code="dataset_not_found")
    return found


def data_application_list(*, actor: Any, status: str = "") -> QuerySet[DataApplication]:
    if not getattr(actor, "is_authenticated", False):
        return DataApplication.objects.none()
    qs = DataApplication.objects.select_related("dataset", "applicant")
    if not _is_assessor(actor):
        qs = qs.filter(applicant=actor)
    return qs.filter(status=status) if status else qs


def data_application_get(*, actor: Any, public_id: Any) -> DataApplication:
    found = data_application_list(actor=actor).filter(public_id=public_id).first()
    if found is None:
        raise NotFound("找不到该申请，或您无权查看", code="application_not_found")
    return found
