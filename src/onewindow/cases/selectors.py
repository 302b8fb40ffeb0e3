"""Reads of applications, always through the actor's reach.

Who sees a case:
- its applicant: the account that applied, the applicant person's own account, or an account
  linked to the applicant enterprise;
- staff whose region subtree contains the case's ``region_path`` and who either belong to the
  owning department, or whose roles span departments (leaders, supervisors, administrators)
  or who work at the integrated window (综合受理: they take and hand out every department's
  cases). Drafts are their applicant's alone.
Anything else is NotFound (404), never 403, so nothing leaks that it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models import Max as models_Max
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department, Person, Staff
from onewindow.accounts.scope import Scope, scope_for
from onewindow.accounts.selectors import person_ids_by_number
from onewindow.core.errors import NotFound
from onewindow.core.selectors import by_public_id, work_calendar
from onewindow.core.workdays import SHANGHAI, WorkCalendar

from . import rules
from .constants import (
    APPLICANT,
    CASE_STAFF_ROLES,
    CLOCK_STATUSES,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    SYSTEM,
    CaseStatus,
    Channel,
    FollowUpStatus,
    MaterialState,
    StepStatus,
    WarningLevel,
)
from .models import (
    Case,
    CaseBundle,
    CaseEvent,
    CaseMaterial,
    CaseStep,
    Notification,
    Rating,
    RatingFollowUp,
)

CLERK, REVIEWER, LEADER = rules.CLERK, rules.REVIEWER, rules.LEADER
STAFF_VIEW_ROLES = CASE_STAFF_ROLES


# --- Reach ------------------------------------------------------------------------------------
def _spans_departments(scope: Scope) -> bool:
    return scope.all_departments or scope.has_role(Role.WINDOW_CLERK)


def staff_q(scope: Scope, *, prefix: str = "") -> Q:
    """Cases a member of staff may see (empty scope or no case role: none)."""
    if scope.is_empty or not scope.has_role(*STAFF_VIEW_ROLES):
        return Q(pk__in=[])
    condition = Q(**{f"{prefix}region_path__startswith": scope.region_path})
    if not _spans_departments(scope):
        condition &= Q(**{f"{prefix}department_id__in": sorted(scope.department_ids)})
    return condition & ~Q(**{f"{prefix}status": CaseStatus.DRAFT})


def applicant_q(user: Any, *, prefix: str = "") -> Q:
    """Cases of a signed-in citizen or enterprise agent (two small lookups, then indexes)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    person_ids = list(Person.objects.filter(user=user).values_list("id", flat=True))
    enterprise_ids = list(user.enterprises.values_list("id", flat=True))
    condition = Q(**{f"{prefix}applicant_user": user})
    if person_ids:
        condition |= Q(**{f"{prefix}applicant_person_id__in": person_ids})
    if enterprise_ids:
        condition |= Q(**{f"{prefix}applicant_enterprise_id__in": enterprise_ids})
    return condition


def is_applicant(user: Any, case: Case | CaseBundle) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if case.applicant_user_id == user.pk:
        return True
    if case.applicant_person_id and case.applicant_person and case.applicant_person.user_id == user.pk:
        return True
    if case.applicant_enterprise_id:
        return user.enterprises.filter(pk=case.applicant_enterprise_id).exists()
    return False


def staff_sees(scope: Scope, case: Case) -> bool:
    if scope.is_empty or not scope.has_role(*STAFF_VIEW_ROLES) or case.status == CaseStatus.DRAFT:
        return False
    if not scope.covers_region_path(case.region_path):
        return False
    return _spans_departments(scope) or case.department_id in scope.department_ids


def case_visible(*, actor: Any, case: Case) -> bool:
    if actor is None:
        return True  # the platform itself
    return is_applicant(actor, case) or staff_sees(scope_for(actor), case)


def case_actor_roles(*, actor: Any, case: Case) -> frozenset[str]:
    """The roles (of ``rules.TRANSITIONS``) the actor holds for this case."""
    if actor is None:
        return frozenset({SYSTEM})
    roles: set[str] = set()
    if is_applicant(actor, case):
        roles.add(APPLICANT)
    scope = scope_for(actor)
    if not scope.is_empty and scope.covers_region_path(case.region_path) and case.status != CaseStatus.DRAFT:
        in_department = case.department_id in scope.department_ids
        if scope.has_role(Role.WINDOW_CLERK):
            roles.add(CLERK)
        if scope.has_role(Role.DEPT_REVIEWER) and in_department:
            roles.add(REVIEWER)
        if scope.has_role(Role.LEADER) and (in_department or not scope.department_ids):
            roles.add(LEADER)
    return frozenset(roles)


def case_visible_q(*, actor: Any) -> Q:
    scope = scope_for(actor)
    condition = applicant_q(actor)
    if not scope.is_empty:
        condition |= staff_q(scope)
    return condition


# --- Single cases -----------------------------------------------------------------------------
def _case_qs() -> QuerySet[Case]:
    return Case.objects.select_related(
        "department", "department__region", "applicant_person", "applicant_enterprise",
        "item_version", "bundle", "assignee")


def case_get(*, actor: Any, public_id: UUID | str) -> Case:
    """One case the actor may see; NotFound otherwise."""
    try:
        case = _case_qs().get(public_id=public_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该办件，或您无权查看", code="case_not_found") from None
    if not case_visible(actor=actor, case=case):
        raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
    return case


def case_get_by_number(*, actor: Any, number: str) -> Case:
    normalised = rules.case_number_normalise(number)
    case = _case_qs().filter(number=normalised).first() if normalised else None
    if case is None or not case_visible(actor=actor, case=case):
        raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
    return case


def case_material_of(*, case: Case, public_id: UUID | str) -> CaseMaterial:
    """One material slot of a case the caller has already read (and may see); NotFound otherwise.
    The slot keeps the case instance it was read through."""
    material = by_public_id(case.materials, public_id)
    if material is None:
        raise NotFound("找不到该材料", code="case_material_not_found")
    material.case = case
    return material


def case_material_get(*, actor: Any, public_id: UUID | str) -> CaseMaterial:
    try:
        material = CaseMaterial.objects.select_related("case", "case__applicant_person").get(
            public_id=public_id)
    except (CaseMaterial.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该材料", code="case_material_not_found") from None
    if not case_visible(actor=actor, case=material.case):
        raise NotFound("找不到该材料", code="case_material_not_found")
    return material


def case_materials(*, case: Case, with_material: bool = False) -> list[CaseMaterial]:
    """The case's material slots in order; ``with_material`` joins the catalogue material."""
    qs = case.materials.select_related("material") if with_material else case.materials.all()
    return list(qs.order_by("order", "id"))


def case_step_of(*, case: Case, public_id: UUID | str) -> CaseStep:
    """One step of a case the caller has already read (and may see); NotFound otherwise (also for
    a malformed id)."""
    step = by_public_id(case.steps, public_id)
    if step is None:
        raise NotFound("找不到该服务环节", code="case_step_not_found")
    return step


def case_steps(*, case: Case) -> list[CaseStep]:
    return list(case.steps.select_related("handler").order_by("order", "id"))


def case_current_step(*, case: Case) -> CaseStep | None:
    return case.steps.filter(status=StepStatus.ACTIVE).order_by("order").first()


def case_step_plan(step: CaseStep | None) -> rules.StepPlan | None:
    if step is None:
        return None
    return rules.StepPlan(step.name, step.kind, tuple(step.roles or ()))


def case_timeline(*, case: Case, public_only: bool) -> list[CaseEvent]:
    qs = CaseEvent.objects.filter(case=case)
    if public_only:
        qs = qs.filter(public=True)
    return list(qs.order_by("at", "id"))


# What a case's detail shows of its materials, timeline and ratings, read as plain values
# (issue 18): one query per list, in display order, shaped by the API without model instances.
MATERIAL_VALUES = ("public_id", "name", "is_required", "state", "original_name", "content_type", "size",
                   "licence_number", "note", "material__public_id", "trust_level", "trust_source",
                   "accepted_levels", "watermark", "commitment_text")
EVENT_VALUES = ("at", "action", "title", "actor_label", "role", "from_status", "to_status", "note")
RATING_VALUES = ("public_id", "level", "comment", "step__name", "created_at", "follow_up__status",
                 "follow_up__due_at", "follow_up__answer")


@dataclass(frozen=True)
class CaseDetailRows:
    """A case's materials, timeline (public only for the applicant) and ratings as ``*_VALUES``
    dicts, and its steps (instances: the allowed actions read the active one)."""

    materials: list[dict[str, Any]]
    steps: list[CaseStep]
    events: list[dict[str, Any]]
    ratings: list[dict[str, Any]]


def case_detail_rows(*, case: Case, public_only: bool) -> CaseDetailRows:
    events = CaseEvent.objects.filter(case_id=case.pk)
    if public_only:
        events = events.filter(public=True)
    return CaseDetailRows(
        materials=list(CaseMaterial.objects.filter(case_id=case.pk).order_by("order", "id").values(*MATERIAL_VALUES)),
        steps=case_steps(case=case),
        events=list(events.order_by("at", "id").values(*EVENT_VALUES)),
        ratings=list(Rating.objects.filter(case_id=case.pk).order_by("id").values(*RATING_VALUES)))


def case_allowed_actions(*, actor: Any, case: Case, steps: list[CaseStep] | None = None) -> list[str]:
    """``steps``: the case's steps when the caller has them (the active one is taken from them)."""
    roles = case_actor_roles(actor=actor, case=case)
    if not roles:
        return []
    if steps is None:
        current = case_current_step(case=case)
    else:
        current = min((s for s in steps if s.status == StepStatus.ACTIVE), key=lambda s: s.order, default=None)
    return rules.allowed_actions(
        status=case.status, roles=roles, channel=case.channel,
        step=case_step_plan(current), resume_status=case.resume_status,
        result_ready=case.result_issued_at is not None)


@dataclass(frozen=True)
class CaseParts:
    """The rows of a case a detail shows besides the case itself, in display order: materials
    (with their catalogue material), steps, timeline events (all, public or not), ratings."""

    materials: list[CaseMaterial]
    steps: list[CaseStep]
    events: list[CaseEvent]
    ratings: list[Rating]
    calendar: WorkCalendar | None = None


_FRESH_PARTS = "_onewindow_fresh_parts"


def case_parts_remember(case: Case, parts: CaseParts) -> None:
    """A service that has just written every row of a new case hands them to the response
    (which would otherwise read back what it wrote a moment ago). Taken once."""
    setattr(case, _FRESH_PARTS, parts)


def case_parts_fresh(case: Case) -> CaseParts | None:
    """The rows a service handed over with this case object (once), else None."""
    return case.__dict__.pop(_FRESH_PARTS, None)


# --- Deadlines for display --------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    due_at: datetime | None
    remaining: int | None  # working days after today up to the due day; negative = overdue
    level: str
    paused: bool
    provisional: bool

    @property
    def overdue_days(self) -> int:
        return -self.remaining if self.remaining is not None and self.remaining < 0 else 0


def case_clock(case: Case, *, calendar: WorkCalendar | None = None,
               now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    paused = case.paused_since is not None
    running = case.status in CLOCK_STATUSES
    if case.due_at is None or not (running or paused):
        return Clock(case.due_at, None, case.warning_level, paused, case.deadline_provisional)
    calendar = calendar or work_calendar()
    remaining = rules.remaining_working_days(calendar, now=now, due=case.due_at)
    level = case.warning_level if paused else rules.warning_level(
        now=now, due_at=case.due_at, warn_at=case.warn_at)
    return Clock(case.due_at, remaining, level, paused, case.deadline_provisional)


# --- Lists ------------------------------------------------------------------------------------
TABS = ("mine", "department", "warned", "overdue", "open", "all")


@dataclass(frozen=True)
class CaseFilters:
    tab: str = "department"
    status: str = ""
    channel: str = ""
    department_code: str = ""
    q: str = ""
    updated_since: datetime | None = None


LIST_FIELDS = (
    "id", "public_id", "number", "item_name", "department_id", "status", "step_name", "due_at",
    "warn_at", "warning_level", "applicant_name", "channel", "submitted_at", "assignee_id",
    "deadline_provisional", "paused_since", "region_path", "bundle_id",
    "department__code", "department__name", "department__short_name", "assignee__name",
    "bundle__public_id",
)


def case_list(*, actor: Any, filters: CaseFilters | None = None,
              now: datetime | None = None) -> QuerySet[Case]:
    """The staff workbench: scoped, filtered, open cases earliest-due first (history newest
    first). Every variant is served by one of the indexes declared on ``Case``."""
    filters = filters or CaseFilters()
    scope = scope_for(actor)
    qs = (Case.objects.filter(staff_q(scope)).select_related("department", "assignee", "bundle")
          .only(*LIST_FIELDS))
    tab = filters.tab if filters.tab in TABS else "department"
    now = now or timezone.now()
    if tab == "mine":
        staff = Staff.objects.filter(user=actor).values_list("id", flat=True).first()
        qs = qs.filter(assignee_id=staff, status__in=OPEN_STATUSES)
    elif tab == "department":
        if scope.department_ids:
            qs = qs.filter(department_id__in=sorted(scope.department_ids))
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif tab == "warned":
        qs = qs.filter(status__in=OPEN_STATUSES, warning_level__in=[WarningLevel.YELLOW, WarningLevel.RED])
    elif tab == "overdue":
        qs = qs.filter(status__in=CLOCK_STATUSES, due_at__lt=now)
    elif tab == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.updated_since:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.department_code:
        qs = qs.filter(department__code=filters.department_code)
    text = filters.q.strip()
    if text:
        number = rules.case_number_normalise(text)
        person_ids = None if number else person_ids_by_number(text=text)
        if number:
            qs = qs.filter(number=number)
        elif person_ids is not None:  # the applicant's full ID or mobile number (searches post it)
            qs = qs.filter(applicant_person_id__in=person_ids)
        else:
            qs = qs.filter(applicant_name=text)
    if tab == "all" and not filters.status:
        return qs.order_by("-id")
    return qs.order_by("due_at", "id")


def page_slice(qs: QuerySet[Case], *, page: int, size: int = 50) -> tuple[list[Case], bool]:
    """One page without counting the whole list: rows and whether there is a next page."""
    page = max(page, 1)
    start = (page - 1) * size
    rows = list(qs[start:start + size + 1])
    return rows[:size], len(rows) > size


ROW_VALUES = (
    "public_id", "number", "status", "channel", "item_name", "department__code", "department__name",
    "applicant_name", "step_name", "submitted_at", "due_at", "warning_level", "deadline_provisional",
    "paused_since", "assignee__name", "bundle__public_id",
)


def page_rows(qs: QuerySet[Case], *, page: int, size: int = 50) -> tuple[list[dict[str, Any]], bool]:
    """One page as plain dicts (no model instances): what the API's lists serialise.

    One query. Reading the page's ids first from ``case_open_due_id`` and then the rows was
    measured (issue 18, 1,000,000 cases, warm cache) at 12 ms instead of 6 ms for a department
    queue and no faster for a street clerk: the second round trip costs more than the table
    rows it saves, so the page stays one query; the index serves the counts instead.
    """
    page = max(page, 1)
    start = (page - 1) * size
    rows = list(qs.values(*ROW_VALUES)[start:start + size + 1])
    return rows[:size], len(rows) > size


def case_count_capped(qs: QuerySet[Case], cap: int = 1000) -> int:
    return qs.order_by()[:cap].count()


def keyset_rows(qs: QuerySet[Case]) -> QuerySet[Any]:
    """``page_rows``' dicts plus the keyset of cursor pages (``updated_at``, ``id``)."""
    return qs.values(*ROW_VALUES, "updated_at", "id")


def case_list_for_applicant(*, user: Any) -> QuerySet[Case]:
    """My applications, newest first (drafts included)."""
    return (Case.objects.filter(applicant_q(user)).select_related("department", "bundle")
            .order_by("-id"))


def case_list_for_visit(*, actor: Any, person_id: int | None = None, id_number_hash: str = "",
                        clerk_staff_id: int | None = None, since: datetime | None = None,
                        limit: int = 20) -> list[Case]:
    """Cases a window clerk may link to a visit (a hall's queue number): those of the person
    being served that are still open, and those the clerk took in since the visit began.
    Scoped like the workbench; newest first."""
    scope = scope_for(actor)
    if person_id is None and id_number_hash:
        person_id = Person.objects.filter(id_number_hash=id_number_hash).values_list(
            "id", flat=True).first()
    wanted = Q(pk__in=[])
    if person_id is not None:
        wanted |= Q(applicant_person_id=person_id, status__in=OPEN_STATUSES)
    if clerk_staff_id is not None and since is not None:
        wanted |= Q(intake_clerk_id=clerk_staff_id, submitted_at__gte=since)
    return list(Case.objects.filter(staff_q(scope)).filter(wanted).select_related("department")
                .order_by("-id")[:limit])


def case_progress(*, number: str, id_tail: str) -> Case:
    """The public progress query: case number plus the last 4–6 characters of the applicant's
    ID number (or credit code). Any mismatch is the same NotFound."""
    normalised = rules.case_number_normalise(number)
    tail = rules.id_tail_normalise(id_tail)
    not_found = NotFound("未查询到办件：请核对办件编号和证件号码后几位", code="case_progress_not_found")
    if not normalised or not tail:
        raise not_found
    case = (Case.objects.select_related("applicant_person", "applicant_enterprise", "department")
            .filter(number=normalised).first())
    if case is None:
        raise not_found
    if case.applicant_person_id:
        full = case.applicant_person.id_number if case.applicant_person else ""
    else:
        full = case.applicant_enterprise.credit_code if case.applicant_enterprise else ""
    if not rules.id_tail_matches(full, tail):
        raise not_found
    return case


# --- Bundles ----------------------------------------------------------------------------------
def bundle_get(*, actor: Any, public_id: UUID | str) -> CaseBundle:
    try:
        bundle = (CaseBundle.objects.select_related("applicant_person", "applicant_enterprise")
                  .get(public_id=public_id))
    except (CaseBundle.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该“一件事”申请", code="bundle_not_found") from None
    if is_applicant(actor, bundle):
        return bundle
    scope = scope_for(actor)
    if bundle.status != "draft" and Case.objects.filter(staff_q(scope), bundle=bundle).exists():
        return bundle
    raise NotFound("找不到该“一件事”申请", code="bundle_not_found")


def bundle_cases(*, bundle: CaseBundle) -> list[Case]:
    return list(bundle.cases.select_related("department").order_by("id"))


def bundle_list_for_user(*, user: Any) -> QuerySet[CaseBundle]:
    return CaseBundle.objects.filter(applicant_q(user)).order_by("-id")


# --- Notifications, ratings, follow-ups -------------------------------------------------------
def notification_list(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-id")


def notification_unread_count(*, user: Any) -> int:
    return notification_list(user=user, unread_only=True)[:100].count()


def case_ratings(*, case: Case) -> list[Rating]:
    return list(case.ratings.select_related("step", "follow_up").order_by("id"))


def follow_up_list(*, actor: Any, open_only: bool = True) -> QuerySet[RatingFollowUp]:
    """差评整改 tasks of the actor's departments (leaders and supervisors: their region)."""
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(*STAFF_VIEW_ROLES):
        return RatingFollowUp.objects.none()
    qs = RatingFollowUp.objects.filter(region_path__startswith=scope.region_path or "")
    if not scope.all_departments:
        qs = qs.filter(department_id__in=sorted(scope.department_ids))
    if open_only:
        qs = qs.filter(status=FollowUpStatus.OPEN)
    return qs.select_related("rating", "rating__case", "department").order_by("due_at")


def follow_up_get(*, actor: Any, public_id: UUID | str) -> RatingFollowUp:
    try:
        return follow_up_list(actor=actor, open_only=False).get(public_id=public_id)
    except (RatingFollowUp.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该整改任务", code="follow_up_not_found") from None


def staff_for_departments(*, department_ids: Iterable[int]) -> list[Staff]:
    """Active reviewers and leaders of some departments (for bulk assignment choices)."""
    staff = Staff.objects.filter(departments__in=list(department_ids), is_active=True).distinct()
    return [s for s in staff.order_by("employee_no")
            if s.has_role(Role.DEPT_REVIEWER) or s.has_role(Role.LEADER)]


# --- Figures ----------------------------------------------------------------------------------
def figure_departments(*, actor: Any) -> QuerySet[Department]:
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(*STAFF_VIEW_ROLES):
        return Department.objects.none()
    qs = Department.objects.filter(region__path__startswith=scope.region_path or "", is_active=True)
    if not _spans_departments(scope):
        qs = qs.filter(id__in=sorted(scope.department_ids))
    return qs.order_by("code")


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time.min, tzinfo=SHANGHAI),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI))


def case_figures(*, actor: Any, start: date, end: date, department: Department | None = None,
                 now: datetime | None = None) -> rules.Figures:
    """网办率、提前办结率、平均用时、超期、免提交材料、少跑次数、满意度 for cases submitted in
    ``start..end`` (inclusive) within the actor's reach."""
    now = now or timezone.now()
    since, until = _period(start, end)
    qs = Case.objects.filter(staff_q(scope_for(actor)), submitted_at__gte=since, submitted_at__lt=until)
    if department is not None:
        qs = qs.filter(department=department)
    agg = qs.aggregate(
        cases=Count("id"),
        online=Count("id", filter=Q(channel=Channel.ONLINE)),
        finished=Count("id", filter=Q(decided_at__isnull=False)),
        early=Count("id", filter=Q(completed_early=True)),
        overdue_done=Count("id", filter=Q(overdue=True)),
        overdue_open=Count("id", filter=Q(status__in=CLOCK_STATUSES, due_at__lt=now)),
        wd_total=Sum("working_days_used"),
        wd_count=Count("working_days_used"),
        licence_materials=Sum("licence_materials"),
        visits=Sum("visits_saved"),
        not_accepted=Count("id", filter=Q(status=CaseStatus.NOT_ACCEPTED)),
        withdrawn=Count("id", filter=Q(status=CaseStatus.WITHDRAWN)),
    )
    ratings = Rating.objects.filter(case__in=qs.values("id"))
    ragg = ratings.aggregate(n=Count("id"), satisfied=Count("id", filter=Q(level__gte=3)),
                             points=Sum("level"))
    return rules.Figures(
        cases=agg["cases"] or 0, online=agg["online"] or 0, finished=agg["finished"] or 0,
        early=agg["early"] or 0, overdue=(agg["overdue_done"] or 0) + (agg["overdue_open"] or 0),
        working_days_total=agg["wd_total"] or 0, working_days_count=agg["wd_count"] or 0,
        licence_materials=agg["licence_materials"] or 0, visits_saved=agg["visits"] or 0,
        ratings=ragg["n"] or 0, satisfied=ragg["satisfied"] or 0, rating_points=ragg["points"] or 0,
        extra={"not_accepted": agg["not_accepted"] or 0, "withdrawn": agg["withdrawn"] or 0},
    )


def finished_statuses() -> tuple[str, ...]:
    return FINISHED_STATUSES


# --- For the licences app (registered in apps.ready via handlers) -----------------------------
def case_licence_check(*, actor: Any, case_ref: str, holder_id_number_hash: str = "",
                       credit_code: str = "") -> bool:
    """True when ``case_ref`` is a case the actor may work on whose applicant is the holder."""
    number = rules.case_number_normalise(case_ref)
    if not number:
        return False
    case = (Case.objects.select_related("applicant_person", "applicant_enterprise")
            .filter(number=number).first())
    if case is None:
        return False
    if actor is not None and not (case_actor_roles(actor=actor, case=case) - {APPLICANT}):
        return False
    if holder_id_number_hash:
        return bool(case.applicant_person and case.applicant_person.id_number_hash == holder_id_number_hash)
    if credit_code:
        return bool(case.applicant_enterprise
                    and case.applicant_enterprise.credit_code == credit_code.strip().upper())
    return False


def case_facts_for_enterprise(*, enterprise: Any) -> list[dict[str, Any]]:
    """The enterprise's applications as facts for its lifecycle map: item id, status, current
    deadline, number and public id (newest first; drafts left out)."""
    rows = (Case.objects.filter(applicant_enterprise=enterprise).exclude(status=CaseStatus.DRAFT)
            .order_by("-id").values("item_id", "status", "due_at", "number", "public_id")[:500])
    return [dict(row) for row in rows]
# --- Figures of materials by trust level (issue 16) -------------------------------------------
@dataclass(frozen=True)
class MaterialFigures:
    """How the required materials of the cases of one item (or of everything) were satisfied:
    A (e-licence, shared data), B (material library), D (commitment) or a fresh check in the
    case; uploads saved (免提交 = A + B + D), visits saved (cases where no original had to be
    brought or checked), and the post-checks of the commitments made in the period."""

    department_code: str
    department_name: str
    item_name: str
    cases: int
    levels: Any  # materials.rules.LevelCounts
    stored: int  # originals checked in these cases and stored in the library (C → B)
    visits_saved: int
    postcheck: Any  # materials.selectors.PostcheckCounts


def material_figures(*, actor: Any, start: date, end: date, department: Department | None = None
                     ) -> tuple[list[MaterialFigures], MaterialFigures]:
    """Rows per (department, item) of cases submitted in ``start..end`` in the actor's reach,
    and the total. Three grouped queries whatever the number of items."""
    from onewindow.materials.rules import LevelCounts
    from onewindow.materials.selectors import PostcheckCounts, postcheck_counts

    since, until = _period(start, end)
    cases = Case.objects.filter(staff_q(scope_for(actor)), submitted_at__gte=since, submitted_at__lt=until)
    if department is not None:
        cases = cases.filter(department=department)
    S_ = MaterialState
    required = CaseMaterial.objects.filter(case__in=cases.values("id"), is_required=True).order_by()
    level_rows = required.values("case__department_id", "case__item_id").annotate(
        a=Count("id", filter=Q(state__in=[S_.LICENCE, S_.SHARED])),
        b=Count("id", filter=Q(state=S_.LIBRARY)),
        d=Count("id", filter=Q(state=S_.COMMITTED)),
        fresh=Count("id", filter=Q(state__in=[S_.UPLOADED, S_.PAPER])),
        missing=Count("id", filter=Q(state__in=[S_.MISSING, S_.REJECTED])),
        stored=Count("id", filter=Q(state=S_.PAPER, library_ref__isnull=False)),
    )
    case_rows = cases.order_by().values("department_id", "item_id", "department__code", "department__name").annotate(
        n=Count("id"),
        item_name=models_Max("item_name"),
    )
    by_key: dict[tuple[int, int], dict[str, Any]] = {}
    for r in case_rows:
        key = (r["department_id"], r["item_id"])
        entry = by_key.setdefault(key, {"code": r["department__code"], "name": r["department__name"],
                                        "item": r["item_name"], "cases": 0, "visits": 0})
        entry["cases"] += r["n"]
    # visits saved: cases none of whose required materials needed a fresh check
    needs_check = required.exclude(state__in=[S_.LICENCE, S_.SHARED, S_.LIBRARY, S_.COMMITTED]).values("case_id")
    saved_rows = (cases.order_by().exclude(id__in=needs_check)
                  .values("department_id", "item_id").annotate(n=Count("id")))
    for saved in saved_rows:
        if (saved["department_id"], saved["item_id"]) in by_key:
            by_key[(saved["department_id"], saved["item_id"])]["visits"] = saved["n"]
    levels: dict[tuple[int, int], dict[str, Any]] = {
        (r["case__department_id"], r["case__item_id"]): dict(r) for r in level_rows}
    checks = postcheck_counts(actor=actor, since=since, until=until)
    rows: list[MaterialFigures] = []
    for key, entry in by_key.items():
        lv: dict[str, Any] = levels.get(key, {})
        rows.append(MaterialFigures(
            entry["code"], entry["name"], entry["item"], entry["cases"],
            LevelCounts(a=lv.get("a", 0), b=lv.get("b", 0), d=lv.get("d", 0), fresh=lv.get("fresh", 0),
                        missing=lv.get("missing", 0)),
            lv.get("stored", 0), entry["visits"], checks.get(key, PostcheckCounts())))
    rows.sort(key=lambda r: (r.department_code, -r.cases, r.item_name))
    total = MaterialFigures(
        "", "", "", sum(r.cases for r in rows),
        LevelCounts(a=sum(r.levels.a for r in rows), b=sum(r.levels.b for r in rows),
                    d=sum(r.levels.d for r in rows), fresh=sum(r.levels.fresh for r in rows),
                    missing=sum(r.levels.missing for r in rows)),
        sum(r.stored for r in rows), sum(r.visits_saved for r in rows),
        PostcheckCounts(*(sum(getattr(c, f) for c in checks.values())
                          for f in ("commitments", "drawn", "passed", "failed", "open"))))
    return rows, total


# --- National 办件信息 exchange ----------------------------------------------------------------------
def case_exchange_list(*, actor: Any, period_from: datetime, period_to: datetime,
                       by: str = "updated") -> QuerySet[Case]:
    """Cases in the actor's scope changed (``by="updated"``) or closed (``by="closed"``) in the
    period, oldest first, with what ``exchange.exchange_record`` needs (one query, streamed)."""
    from django.db.models import OuterRef, Subquery

    field = "closed_at" if by == "closed" else "updated_at"
    decided = (CaseEvent.objects.filter(case=OuterRef("pk"), to_status__in=[CaseStatus.APPROVED, CaseStatus.REFUSED])
               .order_by("-at").values("to_status")[:1])
    return (Case.objects.filter(staff_q(scope_for(actor)))
            .filter(**{f"{field}__gte": period_from, f"{field}__lt": period_to})
            .select_related("department", "item", "applicant_person", "applicant_enterprise")
            .annotate(decided_status=Subquery(decided))
            .order_by(field, "id"))
