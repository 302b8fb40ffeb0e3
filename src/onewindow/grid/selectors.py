"""Reads of grid governance, always through the actor's grid scope.

Who sees what (a business rule, applied by every list and lookup here):

- personal data (households, residents, declarations, visits, events): grid workers only, in
  their region — a grid worker (网格员) their grid, a community grid leader (网格长, a grid
  worker whose region is the community) its grids, the street's grid centre (a grid worker
  whose region is the street) all its communities;
- figures and the map (counts, boundaries, buildings, event states; no names): the same, plus
  leaders, supervisors and administrators in their region;
- departments see none of it: a department reaches grid facts only through a ticket it handles
  (the event) or a case it handles (the residence registration e-licence).

Out-of-scope rows are reported as not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Person, Staff
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import person_ids_by_number
from onewindow.core.errors import NotFound
from onewindow.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from onewindow.core.selectors import by_public_id
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

from . import constants as c
from . import rules
from .models import (
    Building,
    ChangeRecord,
    Declaration,
    GridEvent,
    House,
    Household,
    Photo,
    ProxyService,
    ResidenceRegistration,
    Resident,
    Tenancy,
    Visit,
    WorkerQuota,
)

OVERSIGHT_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR)
_NONE = "\x00"  # a path no row has


# --- Scope ------------------------------------------------------------------------------------
def data_path(actor: Any) -> str | None:
    """The region path under which the actor may read grid personal data (None: nothing)."""
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(Role.GRID_WORKER):
        return None
    return scope.region_path


def figures_path(actor: Any) -> str | None:
    """The region path under which the actor may read grid figures and the map."""
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(Role.GRID_WORKER, *OVERSIGHT_ROLES):
        return None
    return scope.region_path


def is_grid_worker(actor: Any) -> bool:
    return data_path(actor) is not None


def can_see_figures(actor: Any) -> bool:
    return figures_path(actor) is not None


def _scoped(qs: QuerySet[Any], path: str | None) -> QuerySet[Any]:
    return qs.filter(region_path__startswith=path) if path else qs.none()


def _get(qs: QuerySet[Any], public_id: UUID | str, path: str | None) -> Any:
    try:
        return _scoped(qs, path).get(public_id=public_id)
    except (qs.model.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None


def worker_staff(actor: Any) -> Staff | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return Staff.objects.select_related("region").filter(user=actor, is_active=True).first()


def worker_grid(actor: Any) -> Region | None:
    """The grid a grid worker belongs to (None for leaders of a community or a street)."""
    staff = worker_staff(actor)
    if staff is None or not staff.has_role(Role.GRID_WORKER) or staff.region.level != RegionLevel.GRID:
        return None
    return staff.region


def region_in_scope(*, actor: Any, code: str, figures: bool = True) -> Region:
    path = figures_path(actor) if figures else data_path(actor)
    region = Region.objects.defer("geometry").filter(code=(code or "").strip()).first()
    if region is None or not path or not region.path.startswith(path):
        raise NotFound("找不到该区划，或不在您的管辖范围内", code="region_not_found")
    return region


def home_region(actor: Any) -> Region | None:
    """Where the actor's grid pages open: their own region."""
    path = figures_path(actor)
    if not path:
        return None
    return Region.objects.defer("geometry").filter(path=path).first()


# --- Houses -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HouseFilters:
    grid_code: str = ""
    q: str = ""
    use: str = ""


def house_list(*, actor: Any, filters: HouseFilters | None = None) -> QuerySet[House]:
    filters = filters or HouseFilters()
    qs = _scoped(House.objects.filter(is_active=True), data_path(actor))
    if filters.grid_code:
        qs = qs.filter(grid__code=filters.grid_code)
    if filters.use:
        qs = qs.filter(use=filters.use)
    text = filters.q.strip()
    if text:
        qs = qs.filter(code__startswith=text) if text[:1].isdigit() else qs.filter(address__contains=text)
    return qs.select_related("building", "grid").defer("grid__geometry").order_by("code")


def house_get(*, actor: Any, public_id: UUID | str) -> House:
    return _get(House.objects.select_related("building", "grid", "owner_person", "owner_enterprise")
                .defer("grid__geometry"), public_id, data_path(actor))


def building_get(*, actor: Any, code: str) -> Building:
    building = _scoped(Building.objects.select_related("grid"), data_path(actor)).filter(code=code).first()
    if building is None:
        raise NotFound("找不到该楼栋", code="building_not_found")
    return building


def person_by_id_number(*, id_number: str) -> Person | None:
    """The registered natural person with this ID number (looked up by its keyed hash)."""
    from onewindow.core.crypto import lookup_hash

    number = (id_number or "").strip().upper()
    return Person.objects.filter(id_number_hash=lookup_hash(number)).first() if number else None


def houses_of_owner(*, person: Person) -> QuerySet[House]:
    return House.objects.filter(owner_person=person, is_active=True).select_related("building").order_by("code")


# --- Households and residents -----------------------------------------------------------------
@dataclass(frozen=True)
class HouseholdFilters:
    grid_code: str = ""
    q: str = ""
    special: bool | None = None
    floating: bool | None = None


def household_list(*, actor: Any, filters: HouseholdFilters | None = None) -> QuerySet[Household]:
    filters = filters or HouseholdFilters()
    qs = _scoped(Household.objects.filter(dissolved_at__isnull=True), data_path(actor))
    if filters.grid_code:
        qs = qs.filter(grid__code=filters.grid_code)
    if filters.special is not None:
        qs = qs.filter(special=filters.special)
    if filters.floating is not None:
        qs = qs.filter(floating=filters.floating)
    text = filters.q.strip()
    person_ids = person_ids_by_number(text=text) if text else None
    if person_ids is not None:  # a current member's full ID or mobile number (searches post it)
        qs = qs.filter(pk__in=Resident.objects.filter(person_id__in=person_ids, left_on__isnull=True)
                       .values("household_id"))
    elif text:
        qs = qs.filter(number__startswith=text) if text[:1].isdigit() else qs.filter(
            Q(head_name__startswith=text) | Q(house__address__contains=text))
    return qs.select_related("house", "grid").defer("grid__geometry").order_by("number")


def household_get(*, actor: Any, public_id: UUID | str) -> Household:
    return _get(Household.objects.select_related("house", "house__building", "grid", "grid__parent")
                .defer("grid__geometry", "grid__parent__geometry"), public_id, data_path(actor))


def household_members(*, household: Household, include_left: bool = False) -> list[Resident]:
    qs = Resident.objects.filter(household=household).select_related("person")
    if not include_left:
        qs = qs.filter(left_on__isnull=True)
    order = {r: i for i, r in enumerate(c.Relation.values)}
    return sorted(qs, key=lambda r: (r.left_on is not None, order.get(r.relation, 99), r.id))


def resident_get(*, actor: Any, public_id: UUID | str) -> Resident:
    return _get(Resident.objects.select_related("person", "household"), public_id, data_path(actor))


def resident_find(*, public_id: UUID | str | None) -> Resident | None:
    """The resident a declaration names (the declaration was read in scope), with the person; None
    when gone or malformed."""
    return by_public_id(Resident.objects.select_related("person"), public_id)


def household_history(*, household: Household, limit: int = 100) -> list[ChangeRecord]:
    return list(ChangeRecord.objects.filter(Q(household=household) | Q(house_id=household.house_id))
                .order_by("-at", "-id")[:limit])


def household_of_person(*, person: Person) -> Household | None:
    member = (Resident.objects.filter(person=person, left_on__isnull=True)
              .select_related("household", "household__house", "household__grid").first())
    return member.household if member else None


@dataclass(frozen=True)
class MemberView:
    """A member as staff pages and the API show them: masked, tags only inside the grid scope."""

    resident: Resident
    name: str
    gender: str
    age: int | None
    id_number: str
    phone: str
    relation: str
    residence_type: str
    tags: list[str]
    tag_labels: list[str]


def _age(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def member_view(resident: Resident, *, today: date | None = None) -> MemberView:
    today = today or timezone.localdate()
    person = resident.person
    labels = dict(c.SpecialTag.choices)
    return MemberView(
        resident=resident, name=person.name, gender=person.get_gender_display(), age=_age(person.birth_date, today),
        id_number=mask_id_number(person.id_number), phone=mask_phone(person.phone),
        relation=resident.get_relation_display(), residence_type=resident.get_residence_type_display(),
        tags=list(resident.tags), tag_labels=[str(labels.get(t, t)) for t in resident.tags])


def person_public(person: Person) -> dict[str, str]:
    """What a citizen sees of the people of their own household: masked like everywhere else."""
    return {"name": mask_name(person.name), "id_number": mask_id_number(person.id_number),
            "phone": mask_phone(person.phone), "address": mask_address(person.address)}


def age_of(person: Person, today: date | None = None) -> int | None:
    return _age(person.birth_date, today or timezone.localdate())


# --- Due visits and quotas --------------------------------------------------------------------
def due_visits(*, actor: Any, now: datetime | None = None, grid: Region | None = None) -> QuerySet[Household]:
    """Households due for a visit: never visited, or not within the revisit interval (30 days for
    priority households, 90 otherwise); special groups first, then the longest unvisited."""
    now = now or timezone.now()
    path = data_path(actor)
    qs = Household.objects.filter(dissolved_at__isnull=True)
    grid = grid or worker_grid(actor)
    qs = qs.filter(grid=grid) if grid is not None and path and grid.path.startswith(path) else _scoped(qs, path)
    due = (Q(last_visited_at__isnull=True)
           | Q(priority=True, last_visited_at__lte=now - timedelta(days=c.REVISIT_DAYS_PRIORITY))
           | Q(priority=False, last_visited_at__lte=now - timedelta(days=c.REVISIT_DAYS)))
    return (qs.filter(due).select_related("house").only(
        "public_id", "number", "head_name", "member_count", "priority", "special", "floating", "last_visited_at",
        "house__address", "house__code", "grid_id")
        .order_by("-priority", "-special", "last_visited_at", "id"))


def worker_by_employee_no(*, actor: Any, employee_no: str) -> Staff:
    """A grid worker of a grid in the actor's grid scope (NotFound otherwise)."""
    path = data_path(actor)
    staff = Staff.objects.select_related("region").filter(employee_no=(employee_no or "").strip()).first()
    if (staff is None or not path or not staff.region.path.startswith(path) or not staff.has_role(Role.GRID_WORKER)
            or staff.region.level != RegionLevel.GRID):
        raise NotFound("找不到该网格员", code="worker_not_found")
    return staff


def quota_of(*, staff: Staff) -> int:
    row = WorkerQuota.objects.filter(staff=staff).values_list("monthly_quota", flat=True).first()
    return int(row) if row is not None else c.DEFAULT_MONTHLY_QUOTA


def _month_range(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = rules.month_start(day)
    end = rules.next_month_start(day)
    return (datetime(start.year, start.month, 1, tzinfo=tz), datetime(end.year, end.month, 1, tzinfo=tz))


def quota_progress(*, actor: Any, today: date | None = None) -> rules.QuotaProgress | None:
    """Households the worker visited this month (each counts once) against their quota."""
    staff = worker_staff(actor)
    if staff is None or not staff.has_role(Role.GRID_WORKER):
        return None
    start, end = _month_range(today or timezone.localdate())
    done = (Visit.objects.filter(worker=actor, visited_at__gte=start, visited_at__lt=end)
            .values("household").distinct().count())
    return rules.QuotaProgress(done=done, quota=quota_of(staff=staff))


# --- Visits -----------------------------------------------------------------------------------
def visit_list(*, actor: Any, household: Household | None = None, month: date | None = None,
               mine: bool = False) -> QuerySet[Visit]:
    qs = _scoped(Visit.objects.all(), data_path(actor))
    if household is not None:
        qs = qs.filter(household=household)
    if month is not None:
        start, end = _month_range(month)
        qs = qs.filter(visited_at__gte=start, visited_at__lt=end)
    if mine:
        qs = qs.filter(worker=actor)
    return qs.select_related("household").order_by("-visited_at", "-id")


def visit_get(*, actor: Any, public_id: UUID | str) -> Visit:
    return _get(Visit.objects.select_related("household", "household__house"), public_id, data_path(actor))


def photo_get(*, actor: Any, public_id: UUID | str) -> Photo:
    path = data_path(actor)
    try:
        photo = Photo.objects.select_related("visit", "event").get(public_id=public_id)
    except (Photo.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None
    owner = photo.visit or photo.event
    if not path or owner is None or not owner.region_path.startswith(path):
        raise NotFound()
    return photo


# --- Events -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventFilters:
    kind: str = ""
    open_only: bool = False
    mine: bool = False
    grid_code: str = ""


def event_list(*, actor: Any, filters: EventFilters | None = None) -> QuerySet[GridEvent]:
    filters = filters or EventFilters()
    qs = _scoped(GridEvent.objects.all(), data_path(actor))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.mine:
        qs = qs.filter(reporter=actor)
    if filters.grid_code:
        qs = qs.filter(grid__code=filters.grid_code)
    if filters.open_only:
        qs = qs.filter(kind=c.EventKind.REPORTED, closed_at__isnull=True)
    return (qs.select_related("ticket", "ticket__department", "grid").defer("grid__geometry", "ticket__text",
                                                                             "ticket__reply_text")
            .order_by("-reported_at", "-id"))


def event_get(*, actor: Any, public_id: UUID | str) -> GridEvent:
    return _get(GridEvent.objects.select_related("ticket", "ticket__department", "grid", "household")
                .defer("grid__geometry"), public_id, data_path(actor))


def event_state(event: GridEvent) -> str:
    return rules.event_state(kind=event.kind, ticket_status=event.ticket.status if event.ticket else None)


def event_timeline(*, event: GridEvent) -> list[Any]:
    """The ticket's steps as the worker follows them (the grid worker reported it)."""
    if event.ticket is None:
        return []
    from onewindow.tickets.selectors import ticket_events

    return list(ticket_events(ticket=event.ticket))


def events_to_check(*, actor: Any) -> QuerySet[GridEvent]:
    """Events whose ticket was answered and now waits for the worker's site check."""
    return event_list(actor=actor).filter(kind=c.EventKind.REPORTED, closed_at__isnull=True,
                                         ticket__status="replied")


# --- Declarations -----------------------------------------------------------------------------
def declaration_pending(*, actor: Any) -> QuerySet[Declaration]:
    return (_scoped(Declaration.objects.filter(status=c.DeclarationStatus.PENDING), data_path(actor))
            .select_related("household", "house", "declarant").order_by("submitted_at", "id"))


def declaration_get(*, actor: Any, public_id: UUID | str) -> Declaration:
    return _get(Declaration.objects.select_related("household", "house", "declarant", "grid")
                .defer("grid__geometry"), public_id, data_path(actor))


def declarations_of_user(*, user: Any) -> QuerySet[Declaration]:
    if not getattr(user, "is_authenticated", False):
        return Declaration.objects.none()
    return Declaration.objects.filter(submitted_by=user).order_by("-id")


def declaration_of_user(*, user: Any, public_id: UUID | str) -> Declaration:
    try:
        return declarations_of_user(user=user).get(public_id=public_id)
    except (Declaration.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None


# --- Rented houses, registrations, proxies ----------------------------------------------------
def households_of_house(*, house: House) -> list[Household]:
    """The households living in a house now (not dissolved)."""
    return list(house.households.filter(dissolved_at__isnull=True))


def tenancies_of_house(*, house: House) -> list[Tenancy]:
    return list(Tenancy.objects.filter(house=house).select_related("household", "landlord").order_by("-start_on"))


def registrations_of_household(*, household: Household) -> list[ResidenceRegistration]:
    return list(ResidenceRegistration.objects.filter(resident__household=household).select_related("person")
                .order_by("-verified_at"))


def registration_list(*, actor: Any) -> QuerySet[ResidenceRegistration]:
    return _scoped(ResidenceRegistration.objects.all(), data_path(actor)).select_related("person", "house")


def proxies_of_household(*, household: Household) -> list[ProxyService]:
    return list(ProxyService.objects.filter(household=household).select_related("case", "item", "person")
                .order_by("-consent_at"))


def proxy_items() -> list[Any]:
    """Published items a natural person can apply for online: what a worker may do as 代办."""
    from onewindow.catalog.selectors import published_versions_for_index

    return list(published_versions_for_index().filter(is_online=True).exclude(service_object="legal")
                .order_by("name"))


def proxy_item(*, public_id: str) -> Any:
    from onewindow.catalog.selectors import item_published_get

    return item_published_get(public_id=public_id)


def grid_workers(*, region: Region) -> list[Staff]:
    """The grid workers of a region itself (a grid's 网格员, a community's 网格长)."""
    return [s for s in Staff.objects.filter(region=region, is_active=True).order_by("employee_no")
            if s.has_role(Role.GRID_WORKER)]


def counts_by_grid(*, path: str) -> dict[int, int]:
    return dict(Household.objects.filter(region_path__startswith=path, dissolved_at__isnull=True)
                .values_list("grid").annotate(n=Count("id")).values_list("grid", "n"))


# --- Figures (also the supervision module's inputs) -------------------------------------------
@dataclass
class FigureRow:
    """What grid work amounts to in one region (a grid, a community or a street) for a month."""

    region: Region
    houses: int = 0
    rented: int = 0
    households: int = 0
    special_households: int = 0
    residents: int = 0
    registered: int = 0
    resident: int = 0
    floating: int = 0
    covered_households: int = 0  # visited within their revisit interval
    visits: int = 0
    visited_households: int = 0  # this month
    quota: int = 0
    quota_done: int = 0
    workers: int = 0
    events_reported: int = 0
    events_self_handled: int = 0
    events_dispatched: int = 0
    events_closed: int = 0
    events_closed_on_time: int = 0
    events_open: int = 0
    tenancies_reported: int = 0
    tenancies_late: int = 0
    declarations_pending: int = 0
    declarations_overdue: int = 0
    site_checks_overdue: int = 0

    @property
    def coverage(self) -> int:
        return rules.coverage_percent(self.covered_households, self.households)

    @property
    def quota_percent(self) -> int:
        return rules.QuotaProgress(self.quota_done, self.quota).percent if self.quota else 0

    @property
    def on_time_percent(self) -> int:
        return rules.coverage_percent(self.events_closed_on_time, self.events_closed)

    @property
    def deductions(self) -> float:
        """考核扣分 inputs, weighted as documented in docs/grid.md."""
        shortfall = max(self.quota - self.quota_done, 0)
        return round(0.1 * shortfall + 0.5 * self.site_checks_overdue + 0.5 * self.declarations_overdue, 1)

    def add(self, other: FigureRow) -> None:
        for name in FIGURE_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


FIGURE_FIELDS = [f for f in FigureRow.__dataclass_fields__ if f != "region"]
SITE_CHECK_DAYS = 3
DECLARATION_DAYS = 5


@dataclass
class Figures:
    region: Region
    month: date
    rows: list[FigureRow]
    total: FigureRow


def _grid_parents(region: Region) -> tuple[dict[int, Region], list[Region]]:
    """Every grid under ``region`` mapped to the child of ``region`` it lies in (itself for a grid)."""
    if region.level == RegionLevel.GRID:
        return {region.id: region}, [region]
    children = list(Region.objects.filter(parent=region).defer("geometry").order_by("code"))
    grids = Region.objects.filter(path__startswith=region.path, level=RegionLevel.GRID).only("id", "path")
    by_path = [(child.path, child) for child in children]
    mapping: dict[int, Region] = {}
    for grid in grids:
        for path, child in by_path:
            if grid.path.startswith(path):
                mapping[grid.id] = child
                break
    return mapping, children


def region_figures(*, actor: Any, region: Region, month: date | None = None,
                   now: datetime | None = None) -> Figures:
    """Figures of ``region`` split by its children (communities of a street, grids of a
    community; a grid alone), with the total. Grouped by grid in the database, one query per
    kind of record, each an index range scan over the region's path."""
    from django.db.models import F

    path = figures_path(actor)
    if not path or not region.path.startswith(path):
        raise NotFound("找不到该区划，或不在您的管辖范围内", code="region_not_found")
    now = now or timezone.now()
    month = rules.month_start(month or timezone.localdate())
    start, end = _month_range(month)
    mapping, children = _grid_parents(region)
    rows = {child.id: FigureRow(region=child) for child in children}

    def bump(grid_id: int | None, **values: int) -> None:
        child = mapping.get(grid_id or 0)
        if child is None:
            return
        row = rows[child.id]
        for name, value in values.items():
            setattr(row, name, getattr(row, name) + int(value or 0))

    prefix = {"region_path__startswith": region.path}
    for grid_id, use, n in (House.objects.filter(is_active=True, **prefix).values_list("grid", "use")
                            .annotate(n=Count("*")).values_list("grid", "use", "n").order_by()):
        bump(grid_id, houses=n, rented=n if use == c.HouseUse.RENTED else 0)
    covered = (Q(priority=True, last_visited_at__gt=now - timedelta(days=c.REVISIT_DAYS_PRIORITY))
               | Q(priority=False, last_visited_at__gt=now - timedelta(days=c.REVISIT_DAYS)))
    for grid_id, n, special, ok in (Household.objects.filter(dissolved_at__isnull=True, **prefix)
                                    .values("grid").annotate(n=Count("*"), s=Count("grid", filter=Q(special=True)),
                                                             ok=Count("grid", filter=covered))
                                    .values_list("grid", "n", "s", "ok").order_by()):
        bump(grid_id, households=n, special_households=special, covered_households=ok)
    for grid_id, kind, n in (Resident.objects.filter(left_on__isnull=True, **prefix)
                             .values_list("grid", "residence_type").annotate(n=Count("*"))
                             .values_list("grid", "residence_type", "n").order_by()):
        bump(grid_id, residents=n, **{kind: n})
    month_visits = Visit.objects.filter(visited_at__gte=start, visited_at__lt=end, **prefix)
    for grid_id, n, households in (month_visits.values("grid").annotate(
            n=Count("*"), h=Count("household", distinct=True)).values_list("grid", "n", "h").order_by()):
        bump(grid_id, visits=n, visited_households=households)
    # quotas: each grid worker of the region (grid workers, not the leaders above them)
    workers = [s for s in Staff.objects.filter(region__path__startswith=region.path, region__level=RegionLevel.GRID,
                                               is_active=True).only("id", "roles", "region_id", "user_id")
               if s.has_role(Role.GRID_WORKER)]
    quotas = dict(WorkerQuota.objects.filter(staff__in=workers).values_list("staff_id", "monthly_quota"))
    done = dict(month_visits.filter(worker_id__in=[w.user_id for w in workers]).values("worker")
                .annotate(h=Count("household", distinct=True)).values_list("worker", "h").order_by())
    for worker in workers:
        quota = quotas.get(worker.id, c.DEFAULT_MONTHLY_QUOTA)
        bump(worker.region_id, workers=1, quota=quota, quota_done=min(done.get(worker.user_id, 0), quota))

    events = GridEvent.objects.filter(reported_at__gte=start, reported_at__lt=end, **prefix)
    reported = Q(kind=c.EventKind.REPORTED)
    for row in (events.values("grid").annotate(
            reported=Count("grid", filter=reported),
            self_handled=Count("grid", filter=Q(kind=c.EventKind.SELF_HANDLED)),
            dispatched=Count("grid", filter=reported & Q(ticket__dispatched_at__isnull=False)),
            closed=Count("grid", filter=reported & Q(ticket__status="closed")),
            on_time=Count("grid", filter=reported & Q(ticket__status="closed",
                                                    ticket__replied_at__lte=F("ticket__due_at"))),
            open=Count("grid", filter=reported & Q(closed_at__isnull=True)),
    ).values_list("grid", "reported", "self_handled", "dispatched", "closed", "on_time", "open").order_by()):
        grid_id, rep, selfh, disp, closed, on_time, open_ = row
        bump(grid_id, events_reported=rep, events_self_handled=selfh, events_dispatched=disp, events_closed=closed,
             events_closed_on_time=on_time, events_open=open_)
    overdue_check = now - timedelta(days=SITE_CHECK_DAYS)
    for grid_id, n in (GridEvent.objects.filter(kind=c.EventKind.REPORTED, closed_at__isnull=True,
                                                ticket__status="replied",
                                                ticket__replied_at__lt=overdue_check, **prefix)
                       .values("grid").annotate(n=Count("*")).values_list("grid", "n").order_by()):
        bump(grid_id, site_checks_overdue=n)
    for grid_id, n, late in (Tenancy.objects.filter(reported_at__gte=start, reported_at__lt=end, **prefix)
                             .values("household__grid").annotate(n=Count("*"), late=Count("id", filter=Q(late=True)))
                             .values_list("household__grid", "n", "late").order_by()):
        bump(grid_id, tenancies_reported=n, tenancies_late=late)
    pending_old = now - timedelta(days=DECLARATION_DAYS)
    for grid_id, n, old in (Declaration.objects.filter(status=c.DeclarationStatus.PENDING, **prefix)
                            .values("grid")
                            .annotate(n=Count("*"), old=Count("grid", filter=Q(submitted_at__lt=pending_old)))
                            .values_list("grid", "n", "old").order_by()):
        bump(grid_id, declarations_pending=n, declarations_overdue=old)
    total = FigureRow(region=region)
    ordered = [rows[child.id] for child in children]
    for part in ordered:
        total.add(part)
    return Figures(region=region, month=month, rows=ordered, total=total)


def assessment_inputs(*, actor: Any, region: Region, month: date | None = None) -> list[dict[str, Any]]:
    """考核扣分 inputs per child region for the supervision module (no personal data)."""
    figures = region_figures(actor=actor, region=region, month=month)
    return [{"code": r.region.code, "name": r.region.name, "quota": r.quota, "quota_done": r.quota_done,
             "quota_shortfall": max(r.quota - r.quota_done, 0), "site_checks_overdue": r.site_checks_overdue,
             "declarations_overdue": r.declarations_overdue, "tenancies_late": r.tenancies_late,
             "deductions": r.deductions} for r in figures.rows]


# --- The map ----------------------------------------------------------------------------------
STATE_COLOURS: dict[str, str] = {
    c.EventState.REPORTED: "#9a6700", c.EventState.DISPATCHED: "#0969da", c.EventState.HANDLING: "#8250df",
    c.EventState.CHECK: "#bf3989", c.EventState.REVIEW: "#cf222e", c.EventState.CLOSED: "#1a7f37",
    c.EventState.SELF_HANDLED: "#1a7f37",
}


def _round_coords(value: Any, digits: int = 5) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, list):
        return [_round_coords(v, digits) for v in value]
    return value


def map_regions(*, actor: Any, region: Region, month: date | None = None) -> dict[str, Any]:
    """GeoJSON of ``region``'s grids (and, for a street, its communities' outlines) with each
    grid's figures and open events per state: the grid map's base layer."""
    path = figures_path(actor)
    if not path or not region.path.startswith(path):
        raise NotFound("找不到该区划，或不在您的管辖范围内", code="region_not_found")
    month = rules.month_start(month or timezone.localdate())
    start, end = _month_range(month)
    grids = list(Region.objects.filter(path__startswith=region.path, level=RegionLevel.GRID)
                 .only("id", "code", "name", "path", "geometry", "parent_id").order_by("code"))
    outlines = [] if region.level == RegionLevel.GRID else list(
        Region.objects.filter(path__startswith=region.path, level=RegionLevel.COMMUNITY)
        .only("id", "code", "name", "geometry").order_by("code"))
    prefix = {"region_path__startswith": region.path}
    households: dict[int, int] = {}
    residents: dict[int, int] = {}
    for grid_id, n, members in (Household.objects.filter(dissolved_at__isnull=True, **prefix).values("grid")
                                .annotate(n=Count("*"), r=Sum("member_count")).values_list("grid", "n", "r")
                                .order_by()):
        households[grid_id], residents[grid_id] = n, int(members or 0)
    visits = dict(Visit.objects.filter(visited_at__gte=start, visited_at__lt=end, **prefix).values("grid")
                  .annotate(n=Count("*")).values_list("grid", "n").order_by())
    states: dict[int, dict[str, int]] = {}
    for grid_id, status, n in (GridEvent.objects.filter(kind=c.EventKind.REPORTED, closed_at__isnull=True, **prefix)
                               .values_list("grid", "ticket__status").annotate(n=Count("*"))
                               .values_list("grid", "ticket__status", "n").order_by()):
        state = rules.event_state(kind=c.EventKind.REPORTED, ticket_status=status)
        states.setdefault(grid_id, {})
        states[grid_id][state] = states[grid_id].get(state, 0) + n
    month_events = dict(GridEvent.objects.filter(reported_at__gte=start, reported_at__lt=end, **prefix)
                        .values("grid").annotate(n=Count("*")).values_list("grid", "n").order_by())
    workers: dict[int, list[str]] = {}
    for staff in Staff.objects.filter(region__in=grids, is_active=True).only("name", "roles", "region_id"):
        if staff.has_role(Role.GRID_WORKER):
            workers.setdefault(staff.region_id, []).append(staff.name)
    features: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": _round_coords(o.geometry) if o.geometry else None,
         "properties": {"kind": "community", "code": o.code, "name": o.name}} for o in outlines]
    for grid in grids:
        open_states = states.get(grid.id, {})
        features.append({"type": "Feature", "geometry": _round_coords(grid.geometry) if grid.geometry else None,
                         "properties": {
                             "kind": "grid", "code": grid.code, "name": grid.name,
                             "workers": workers.get(grid.id, []), "households": households.get(grid.id, 0),
                             "residents": residents.get(grid.id, 0), "visits": visits.get(grid.id, 0),
                             "events": month_events.get(grid.id, 0), "open_events": sum(open_states.values()),
                             "open_by_state": open_states}})
    return {"type": "FeatureCollection", "region": {"code": region.code, "name": region.name,
                                                    "level": region.level},
            "month": month.isoformat(), "features": features}


def map_points(*, actor: Any, grid: Region, month: date | None = None) -> dict[str, Any]:
    """Buildings (with house counts), open and this month's events (coloured by state) and this
    month's visits of one grid, as GeoJSON points. No names or personal data."""
    path = figures_path(actor)
    if not path or not grid.path.startswith(path) or grid.level != RegionLevel.GRID:
        raise NotFound("找不到该网格，或不在您的管辖范围内", code="region_not_found")
    month = rules.month_start(month or timezone.localdate())
    start, end = _month_range(month)
    features: list[dict[str, Any]] = []
    house_counts = dict(House.objects.filter(building__grid=grid, is_active=True).values("building")
                        .annotate(n=Count("id")).values_list("building", "n").order_by())
    for b in Building.objects.filter(grid=grid, lng__isnull=False).only("id", "code", "name", "lng", "lat"):
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [b.lng, b.lat]},
                         "properties": {"kind": "building", "code": b.code, "name": b.name,
                                        "houses": house_counts.get(b.id, 0)}})
    events = (GridEvent.objects.filter(grid=grid, lng__isnull=False)
              .filter(Q(reported_at__gte=start, reported_at__lt=end) | Q(kind=c.EventKind.REPORTED,
                                                                           closed_at__isnull=True))
              .select_related("ticket").only("number", "kind", "category", "title", "lng", "lat", "reported_at",
                                             "ticket__status", "public_id"))
    for e in events:
        state = event_state(e)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [e.lng, e.lat]},
                         "properties": {"kind": "event", "number": e.number, "title": e.title,
                                        "category": e.get_category_display(), "state": state,
                                        "state_label": c.EventState(state).label, "colour": STATE_COLOURS[state],
                                        "id": str(e.public_id)}})
    for v in (Visit.objects.filter(grid=grid, visited_at__gte=start, visited_at__lt=end, lng__isnull=False)
              .only("lng", "lat", "visited_at")):
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [v.lng, v.lat]},
                         "properties": {"kind": "visit", "at": timezone.localtime(v.visited_at).strftime("%m-%d")}})
    return {"type": "FeatureCollection", "grid": {"code": grid.code, "name": grid.name}, "features": features}

