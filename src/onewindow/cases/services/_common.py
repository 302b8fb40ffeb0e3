"""Helpers shared by the stages of the applications' writes: settings, the deadline clock and
pauses, the transition plumbing (lock, begin, event, finish), notifications to the applicant,
the applicant checks, and completing a bundle when its last case finishes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.models import Enterprise, Person, Staff
from onewindow.accounts.selectors import person_of_user, staff_of_user
from onewindow.catalog.constants import ServiceObject, VersionStatus
from onewindow.catalog.models import ServiceItem, ServiceItemVersion
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.workdays import WorkCalendar

from .. import constants as c
from .. import notify as notifications
from .. import rules, selectors
from ..constants import (
    APPLICANT,
    SYSTEM,
    Action,
    ApplicantKind,
    BundleStatus,
    CaseStatus,
    DeliveryMethod,
    NotificationKind,
    WarningLevel,
)
from ..models import (
    Case,
    CaseBundle,
    CaseEvent,
    CasePause,
    CaseStep,
    Notification,
)

S = CaseStatus
CLERK, REVIEWER, LEADER = rules.CLERK, rules.REVIEWER, rules.LEADER
ROLE_PREFERENCE = (APPLICANT, CLERK, REVIEWER, LEADER, SYSTEM)
LEVEL_RANK = {WarningLevel.NONE: 0, WarningLevel.YELLOW: 1, WarningLevel.RED: 2}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def warning_share() -> float:
    return float(_setting(c.SETTING_WARNING_SHARE, c.DEFAULT_WARNING_SHARE))


def accept_days() -> int:
    return int(_setting(c.SETTING_ACCEPT_DAYS, c.DEFAULT_ACCEPT_DAYS))


def follow_up_days() -> int:
    return int(_setting(c.SETTING_FOLLOW_UP_DAYS, c.DEFAULT_FOLLOW_UP_DAYS))


def max_upload_bytes() -> int:
    return int(_setting(c.SETTING_MAX_UPLOAD, c.DEFAULT_MAX_UPLOAD))


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "系统"
    staff = getattr(actor, "staff", None) if getattr(actor, "kind", "") == "staff" else None
    if staff is not None:
        return str(staff.name)
    return str(getattr(actor, "display_name", "") or actor.get_username())


def _link(case: Case) -> str:
    return f"/cases/{case.public_id}/"


# --- Deadlines --------------------------------------------------------------------------------
def _clock_set(case: Case, *, calendar: WorkCalendar, now: datetime) -> None:
    """Recompute due dates, the yellow moment and the provisional flag from the case's own
    start, limits and paused days. The warning level only falls here; the timer raises it
    (and tells people)."""
    share = warning_share()
    if case.accepted_at is None:
        if case.submitted_at is None:
            return
        days = accept_days()
        due = rules.due_compute(calendar, start=case.submitted_at, days=days, unit="working_day",
                                paused_days=case.paused_days)
        assert due is not None
        case.legal_due_at = case.promised_due_at = None
        case.due_at = due.at
        case.warn_at = rules.warn_at_compute(calendar, due=due.at, total_days=days, share=share)
        case.deadline_provisional = due.provisional
    else:
        legal = rules.due_compute(calendar, start=case.accepted_at, days=case.legal_limit_days,
                                  unit=case.legal_limit_unit, paused_days=case.paused_days)
        promised = rules.due_compute(calendar, start=case.accepted_at,
                                     days=case.promised_limit_days, unit=case.promised_limit_unit,
                                     paused_days=case.paused_days)
        case.legal_due_at = legal.at if legal else None
        case.promised_due_at = promised.at if promised else None
        main, limit = (promised, case.promised_limit_days) if promised else (legal, case.legal_limit_days)
        case.due_at = main.at if main else None
        case.warn_at = (rules.warn_at_compute(calendar, due=main.at, total_days=limit or 0, share=share)
                        if main else None)
        case.deadline_provisional = any(d.provisional for d in (legal, promised) if d)
    if case.status in c.CLOCK_STATUSES:
        level = rules.warning_level(now=now, due_at=case.due_at, warn_at=case.warn_at)
        if LEVEL_RANK[WarningLevel(level)] < LEVEL_RANK[WarningLevel(case.warning_level)]:
            case.warning_level = level


CLOCK_FIELDS = ["legal_due_at", "promised_due_at", "due_at", "warn_at", "deadline_provisional",
                "warning_level"]


def _pause_start(case: Case, *, kind: str, reason: str, now: datetime, actor: Any,
                 special_kind: str = "") -> CasePause:
    case.resume_status = (case.status if case.status in (S.ACCEPTED, S.IN_REVIEW) else S.SUBMITTED)
    case.paused_since = now
    return CasePause.objects.create(case=case, kind=kind, special_kind=special_kind,
                                    reason=reason, started_at=now,
                                    started_by=actor if getattr(actor, "pk", None) else None)


def _pause_end(case: Case, *, calendar: WorkCalendar, now: datetime, outcome: str = "") -> int:
    pause = case.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
    days = 0
    if pause is not None:
        unit = case.promised_limit_unit if case.accepted_at else "working_day"
        days = rules.pause_days(calendar, rules.Pause(pause.started_at, now), unit=unit)
        pause.ended_at = now
        pause.days = days
        pause.outcome = outcome[:2000]
        pause.save(update_fields=["ended_at", "days", "outcome", "updated_at"])
    case.paused_days += days
    case.paused_since = None
    return days


# --- Transition plumbing ----------------------------------------------------------------------
@dataclass
class _Step:
    case: Case
    roles: frozenset[str]
    role: str
    source: str
    target: str
    now: datetime
    staff: Staff | None
    current: CaseStep | None


def _lock(case: Case) -> Case:
    return (Case.objects.select_for_update(of=("self",))
            .select_related("department", "department__region", "applicant_person",
                            "applicant_enterprise", "item_version", "item", "bundle")
            .get(pk=case.pk))


def _begin(*, actor: Any, case: Case, action: str, now: datetime | None = None) -> _Step:
    """Lock the case, check reach, status and role; return what the transition needs."""
    case = _lock(case)
    if not selectors.case_visible(actor=actor, case=case):
        raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
    roles = selectors.case_actor_roles(actor=actor, case=case)
    current = selectors.case_current_step(case=case)
    target = rules.transition_check(
        action=action, status=case.status, roles=roles, channel=case.channel,
        step=selectors.case_step_plan(current), resume_status=case.resume_status,
        result_ready=case.result_issued_at is not None)
    allowed = rules.TRANSITIONS[action].roles
    if current is not None and action in (Action.COMPLETE_STEP, Action.APPROVE, Action.REFUSE):
        allowed = allowed & frozenset(current.roles)
    role = next(r for r in ROLE_PREFERENCE if r in roles and r in allowed)
    staff = staff_of_user(user=actor) if actor is not None and role not in (APPLICANT, SYSTEM) else None
    return _Step(case=case, roles=roles, role=role, source=case.status, target=target,
                 now=now or timezone.now(), staff=staff, current=current)


def _event(*, case: Case, action: str, title: str, actor: Any, role: str = "", from_status: str = "",
           to_status: str = "", note: str = "", data: Mapping[str, Any] | None = None,
           public: bool = True, at: datetime | None = None, actor_label: str | None = None) -> CaseEvent:
    """One timeline row. ``actor_label``: the actor's name when the caller already has it (saves
    reading the actor's staff row again)."""
    return CaseEvent.objects.create(
        case=case, at=at or timezone.now(), action=action, from_status=from_status,
        to_status=to_status, actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(actor_label if actor_label is not None else _actor_label(actor))[:100], role=role,
        title=title[:100], note=note, data=dict(data or {}), public=public)


def _finish(step: _Step, *, actor: Any, action: str, fields: Iterable[str], note: str = "",
            data: Mapping[str, Any] | None = None, title: str = "", public: bool = True,
            tell: str = "", kind: str = NotificationKind.CASE_STATUS) -> Case:
    case = step.case
    case.status = step.target
    case.save(update_fields=sorted({"status", "updated_at", *fields}))
    label = rules.TRANSITIONS[action].label
    _event(case=case, action=action, title=title or label, actor=actor, role=step.role,
           from_status=step.source, to_status=step.target, note=note, data=data, public=public,
           at=step.now)
    audit_record(actor=actor, action=f"{c.AUDIT_PREFIX}{action}", obj=case, summary={
        "number": case.number or "", "from": step.source, "to": step.target, "role": step.role,
        **({"note": note[:300]} if note else {}), **dict(data or {})})
    if tell:
        _tell_applicant(case, title=f"您的办件{case.number}：{tell}", body=note, kind=kind)
    if case.bundle_id and step.target in c.FINISHED_STATUSES:
        _bundle_refresh(case.bundle_id, now=step.now)
    return case


def _tell_applicant(case: Case, *, title: str, body: str = "",
                    kind: str = NotificationKind.CASE_STATUS) -> Notification | None:
    # by id: the notification row needs only the key, not the account
    recipient_id = case.applicant_user_id
    if recipient_id is None and case.applicant_person_id and case.applicant_person:
        recipient_id = case.applicant_person.user_id
    return notifications.notify(recipient_id=recipient_id, kind=kind, title=title, body=body, case=case,
                                link=_link(case), external=True)


def case_timeline_note(*, actor: Any, case: Case, title: str, note: str = "",
                       data: Mapping[str, Any] | None = None, at: datetime | None = None,
                       public: bool = True) -> CaseEvent:
    """A timeline row that changes nothing (e.g. the hall's queue number that brought the
    applicant to the window), audited. Higher apps use it to make one trace of a visit."""
    with transaction.atomic():
        event = _event(case=case, action="note", title=title, actor=actor, note=note[:2000],
                       data=data, public=public, at=at)
        audit_record(actor=actor, action=f"{c.AUDIT_PREFIX}note", obj=case,
                     summary={"number": case.number or "", "title": title[:100], **dict(data or {})})
    return event


def notification_send(*, recipient: Any, kind: str, title: str, body: str = "", link: str = "",
                      external: bool = True) -> Notification | None:
    """Tell a user something through the platform's notifications (in-app, and SMS/e-mail
    adapters after commit when ``external``): for higher apps' reminders."""
    return notifications.notify(recipient=recipient, kind=kind, title=title, body=body, link=link,
                                external=external)


# --- Applicants and versions ------------------------------------------------------------------
def _published_version(item: ServiceItem) -> ServiceItemVersion:
    version = item.current_version
    if version is None or version.status != VersionStatus.PUBLISHED:
        raise Conflict("该事项已停用或尚未发布，暂不能申请", code="case_item_unavailable")
    return version


def _applicant_check(version: ServiceItemVersion, *, person: Person | None,
                     enterprise: Enterprise | None) -> str:
    if (person is None) == (enterprise is None):
        raise ValidationFailed("请指定一个申请人（自然人或法人）", code="case_applicant_required",
                               fields={"applicant": "请指定申请人"})
    kind = ApplicantKind.PERSON if person is not None else ApplicantKind.ENTERPRISE
    if version.service_object == ServiceObject.NATURAL and kind != ApplicantKind.PERSON:
        raise ValidationFailed("该事项只面向自然人申请", code="case_applicant_kind",
                               fields={"applicant": "该事项只面向自然人申请"})
    if version.service_object == ServiceObject.LEGAL and kind != ApplicantKind.ENTERPRISE:
        raise ValidationFailed("该事项只面向法人申请，请选择以企业身份办理", code="case_applicant_kind",
                               fields={"applicant": "该事项只面向法人申请"})
    return kind


def _online_applicant(actor: Any, enterprise: Enterprise | None) -> tuple[Person | None, Enterprise | None]:
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "kind", "") == "staff":
        raise PermissionDenied("请以个人或企业账号登录后申请", code="case_citizen_required")
    if enterprise is not None:
        if not actor.enterprises.filter(pk=enterprise.pk).exists():
            raise NotFound("找不到该企业", code="enterprise_not_found")
        return None, enterprise
    person = person_of_user(user=actor)
    if person is None:
        raise ValidationFailed("请先完成实名认证（登记身份证号）后再申请", code="case_identity_required")
    return person, None


#: Longest text of one application-form field (申请说明 …); longer is refused, never cut.
FORM_TEXT_MAX = 2000


def _form_clean(form_data: Mapping[str, Any] | None) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, value in (form_data or {}).items():
        key = str(key)[:40]
        if not key:
            continue
        text = str(value if value is not None else "").strip()
        if len(text) > FORM_TEXT_MAX:
            message = f"“{key}”最多{FORM_TEXT_MAX}字，现有{len(text)}字，请删减{len(text) - FORM_TEXT_MAX}字"
            raise ValidationFailed(message, code="case_form_text_too_long",
                                   fields={f"form_data.{key}": message})
        cleaned[key] = text
        if len(cleaned) >= 30:
            break
    return cleaned


def _delivery_clean(method: str, address: str) -> tuple[str, str]:
    method = method or DeliveryMethod.ONLINE
    if method not in DeliveryMethod.values:
        raise ValidationFailed("送达方式无效", code="case_delivery_method",
                               fields={"delivery_method": "请选择送达方式"})
    address = (address or "").strip()[:300]
    if method == DeliveryMethod.POST and len(address) < 5:
        raise ValidationFailed("选择邮寄送达时请填写邮寄地址", code="case_delivery_address",
                               fields={"delivery_address": "请填写邮寄地址"})
    return method, address


def _bundle_refresh(bundle_id: int, *, now: datetime) -> None:
    bundle = CaseBundle.objects.select_for_update().filter(pk=bundle_id).first()
    if bundle is None or bundle.status != BundleStatus.IN_PROGRESS:
        return
    statuses = list(Case.objects.filter(bundle_id=bundle_id).values_list("status", flat=True))
    if statuses and all(s in c.FINISHED_STATUSES for s in statuses):
        bundle.status = BundleStatus.COMPLETED
        bundle.completed_at = now
        bundle.save(update_fields=["status", "completed_at", "updated_at"])
        approved = sum(1 for s in statuses if s in (S.APPROVED, S.DELIVERED, S.CLOSED))
        audit_record(actor=None, action="case.bundle_complete", obj=bundle,
                     summary={"number": bundle.number, "approved": approved, "cases": len(statuses)})
        recipient = bundle.applicant_user
        notifications.notify(recipient=recipient, kind=NotificationKind.RESULT,
                             title=f"您的“一件事”{bundle.number}已全部办结",
                             body=f"{bundle.name}：共{len(statuses)}项，准予{approved}项",
                             link=f"/cases/bundles/{bundle.public_id}/", external=True)
