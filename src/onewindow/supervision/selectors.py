"""Reads for supervision pages."""

from __future__ import annotations

from django.db.models import QuerySet

from onewindow.core.models import AuditEntry
from onewindow.core.selectors import calendar_missing_year_warning


def audit_list(*, action: str = "", object_id: str = "") -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.order_by("-seq")
    if action:
        qs = qs.filter(action=action)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return qs


def calendar_warnings() -> list[str]:
    warning = calendar_missing_year_warning()
    return [warning] if warning else []
