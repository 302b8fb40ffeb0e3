"""Deadline warnings to the responsible staff and recomputing deadlines when the calendar changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Staff
from onewindow.core.audit import audit_record
from onewindow.core.selectors import work_calendar

from .. import constants as c
from .. import notify as notifications
from .. import rules
from ..constants import (
    SYSTEM,
    NotificationKind,
    WarningLevel,
)
from ..models import (
    Case,
)
from ._common import CLOCK_FIELDS, LEVEL_RANK, _clock_set, _event


# --- Deadline warnings and the calendar -------------------------------------------------------
def _responsible(case: Case) -> tuple[list[Staff], list[Staff]]:
    """Who is told about a warning: the assignee (else the department's reviewers, or the
    intake clerk before acceptance) and their supervisors (else the department's leaders)."""
    people: list[Staff] = []
    if case.assignee_id and case.assignee and case.assignee.is_active:
        people = [case.assignee]
    else:
        department_staff = list(Staff.objects.filter(departments=case.department_id, is_active=True)
                                .select_related("user", "supervisor__user")[:50])
        people = [s for s in department_staff if s.has_role(Role.DEPT_REVIEWER)][:20]
        if not people and case.intake_clerk_id and case.intake_clerk:
            people = [case.intake_clerk]
    supervisors = {s.supervisor.pk: s.supervisor for s in people if s.supervisor_id and s.supervisor}
    if not supervisors:
        for s in Staff.objects.filter(departments=case.department_id, is_active=True).select_related("user"):
            if s.has_role(Role.LEADER):
                supervisors[s.pk] = s
    return people, [s for s in supervisors.values() if s.pk not in {p.pk for p in people}]


def deadline_warnings_raise(*, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Timer job: raise yellow (under the configured share of the time left) and red (overdue)
    warnings on running cases — a timeline event and an audit entry per case — and tell the
    responsible staff and their supervisors once per level, in one digest per person and run.
    Served by two small partial indexes."""
    now = now or timezone.now()
    base = Case.objects.filter(status__in=c.CLOCK_STATUSES, paused_since__isnull=True)
    red_ids = list(base.exclude(warning_level=WarningLevel.RED).filter(due_at__lt=now)
                   .values_list("id", flat=True)[:limit])
    yellow_ids = list(base.filter(warning_level=WarningLevel.NONE, warn_at__lte=now)
                      .values_list("id", flat=True)[:limit])
    counts = {"yellow": 0, "red": 0}
    responsible: dict[tuple[int, int | None, int | None], tuple[list[Staff], list[Staff]]] = {}
    digest: dict[tuple[int, str], list[str]] = {}
    users: dict[int, Any] = {}
    ids = list(dict.fromkeys([*red_ids, *yellow_ids]))
    raised: list[tuple[Case, str]] = []
    for chunk_start in range(0, len(ids), 100):  # one commit per 100 cases, not per case
        with transaction.atomic():
            chunk = (Case.objects.select_for_update(of=("self",))
                     .select_related("assignee", "assignee__user", "assignee__supervisor__user",
                                     "intake_clerk__user")
                     .filter(pk__in=ids[chunk_start:chunk_start + 100]).order_by("pk"))
            for case in chunk:
                if case.status not in c.CLOCK_STATUSES or case.paused_since is not None:
                    continue
                level = rules.warning_level(now=now, due_at=case.due_at, warn_at=case.warn_at)
                if LEVEL_RANK[WarningLevel(level)] <= LEVEL_RANK[WarningLevel(case.warning_level)]:
                    continue
                case.warning_level = level
                case.save(update_fields=["warning_level", "updated_at"])
                counts[level] += 1
                label = "已超期（红色预警）" if level == WarningLevel.RED else "临近办理时限（黄色预警）"
                due = case.due_at.astimezone(rules.SHANGHAI).strftime("%Y-%m-%d") if case.due_at else ""
                _event(case=case, action="warning", title=label, actor=None, role=SYSTEM, at=now,
                       data={"level": level, "due": due}, public=False)
                audit_record(actor=None, action=c.AUDIT_WARNING, obj=case,
                             summary={"number": case.number, "level": level, "due": due})
                raised.append((case, level))
    for case, level in raised:
        key = (case.department_id, case.assignee_id, case.intake_clerk_id)
        if key not in responsible:
            responsible[key] = _responsible(case)
        people, supervisors = responsible[key]
        for person in [*people, *supervisors]:
            users[person.user_id] = person.user
            digest.setdefault((person.user_id, level), []).append(case.number or "")
    if digest:
        with transaction.atomic():
            for (user_id, level), numbers in digest.items():
                label = "已超期（红色预警）" if level == WarningLevel.RED else "临近办理时限（黄色预警）"
                title = (f"办件{numbers[0]}{label}" if len(numbers) == 1
                         else f"{len(numbers)}件办件{label}")
                body = "、".join(numbers[:20]) + ("等" if len(numbers) > 20 else "")
                notifications.notify(recipient=users[user_id], kind=NotificationKind.WARNING, title=title,
                                     body=body, link="/cases/staff/?tab=warned")
    return counts


def deadlines_recompute(*, year: int | None = None, limit: int = 50000) -> int:
    """After a year's official holiday schedule arrives: recompute provisional deadlines of
    open cases (those touching ``year`` when given). Returns how many changed."""
    calendar = work_calendar()
    now = timezone.now()
    qs = Case.objects.filter(deadline_provisional=True, status__in=c.OPEN_STATUSES)
    changed = 0
    for case_id in list(qs.values_list("id", flat=True)[:limit]):
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).select_related(
                "department").filter(pk=case_id).first()
            if case is None:
                continue
            if year is not None and case.due_at is not None and case.due_at.year < year and (
                    case.submitted_at is None or case.submitted_at.year < year - 1):
                continue
            before = (case.due_at, case.deadline_provisional)
            _clock_set(case, calendar=calendar, now=now)
            if (case.due_at, case.deadline_provisional) != before:
                case.save(update_fields=[*CLOCK_FIELDS, "updated_at"])
                old = before[0].astimezone(rules.SHANGHAI).date().isoformat() if before[0] else ""
                new = case.due_at.astimezone(rules.SHANGHAI).date().isoformat() if case.due_at else ""
                _event(case=case, action="deadline_recompute", title="按正式节假日安排重算时限",
                       actor=None, role=SYSTEM, at=now, data={"from": old, "to": new},
                       public=old != new)
                audit_record(actor=None, action=c.AUDIT_DEADLINE_RECOMPUTE, obj=case,
                             summary={"number": case.number, "from": old, "to": new,
                                      "provisional": case.deadline_provisional})
                changed += 1
    return changed
