"""Reads of the catalogue.

The public reads published versions only (and, by public id, retired ones, because an
application shows the version it was made under). Staff pages list the items the actor may
manage: administrators everything whose department lies in their region subtree, department
reviewers (部门审批人员) the items of their own departments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, Q, QuerySet

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.core.errors import NotFound
from onewindow.core.selectors import by_public_id

from .constants import ListKind, PersonKind, VersionStatus
from .models import (
    CatalogRevision,
    ListPublication,
    Material,
    PowerEntry,
    ResponsibilityEntry,
    ServiceItem,
    ServiceItemVersion,
    Theme,
)
from .rules import ELEMENT_DEFAULTS, MATERIAL_DEFAULTS

MANAGER_ROLES = (Role.ADMINISTRATOR, Role.DEPT_REVIEWER)


# --- Permissions ------------------------------------------------------------------------------
def catalog_is_manager(*, actor: Any) -> bool:
    """Whether the actor may use the catalogue administration at all."""
    return scope_for(actor).has_role(*MANAGER_ROLES)


def catalog_is_administrator(*, actor: Any) -> bool:
    return scope_for(actor).has_role(Role.ADMINISTRATOR)


def catalog_can_manage(*, actor: Any, department: Department) -> bool:
    """Administrators manage items of departments in their region subtree; department
    reviewers manage the items of their own departments."""
    scope = scope_for(actor)
    if scope.is_empty:
        return False
    if scope.has_role(Role.ADMINISTRATOR) and scope.covers_region_path(department.region.path):
        return True
    return scope.has_role(Role.DEPT_REVIEWER) and department.id in scope.department_ids


def manageable_q(*, actor: Any, prefix: str = "") -> Q:
    scope = scope_for(actor)
    if scope.is_empty:
        return Q(pk__in=[])
    conditions = Q(pk__in=[])
    if scope.has_role(Role.ADMINISTRATOR):
        conditions |= Q(**{f"{prefix}department__region__path__startswith": scope.region_path})
    if scope.has_role(Role.DEPT_REVIEWER):
        conditions |= Q(**{f"{prefix}department_id__in": sorted(scope.department_ids)})
    return conditions


def manageable_departments(*, actor: Any) -> QuerySet[Department]:
    scope = scope_for(actor)
    qs = Department.objects.filter(is_active=True).select_related("region")
    if scope.is_empty:
        return qs.none()
    condition = Q(pk__in=[])
    if scope.has_role(Role.ADMINISTRATOR):
        condition |= Q(region__path__startswith=scope.region_path)
    if scope.has_role(Role.DEPT_REVIEWER):
        condition |= Q(id__in=sorted(scope.department_ids))
    return qs.filter(condition).order_by("code")


def manageable_department_get(*, actor: Any, code: str) -> Department:
    department = manageable_departments(actor=actor).filter(code=code).first()
    if department is None:
        raise NotFound("找不到该部门，或您无权管理", code="department_not_found")
    return department


def department_list_status(*, actor: Any) -> list[dict[str, Any]]:
    """Per managed department: item counts and the last publication of each list."""
    from django.db.models import Count

    departments = list(manageable_departments(actor=actor).annotate(
        published_items=Count("service_items", filter=Q(
            service_items__current_version__isnull=False), distinct=True),
        power_entries=Count("service_items__power_entry", distinct=True),
        responsibility_entries=Count("service_items__responsibility_entries", distinct=True)))
    last: dict[tuple[int, str], ListPublication] = {}
    for pub in ListPublication.objects.filter(department__in=departments).order_by("published_at"):
        last[(pub.department_id, pub.kind)] = pub
    return [{"department": d, "power": last.get((d.id, ListKind.POWER)),
             "responsibility": last.get((d.id, ListKind.RESPONSIBILITY))}
            for d in departments if d.published_items]


# --- For the search index ---------------------------------------------------------------------
def catalog_revision() -> int:
    """A number that changes whenever the published catalogue changes (publish, retire,
    import, theme change). Cheap: one primary-key read."""
    row = CatalogRevision.objects.filter(id=1).values_list("value", flat=True).first()
    return int(row or 0)


def published_versions_for_index() -> QuerySet[ServiceItemVersion]:
    """Every published version with what search and guide lists need, in a fixed number of
    queries: item, department (and its region), co-handling departments, materials, and the
    item's themes (``version.item.themes.all()``)."""
    return (
        ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("item", "item__department", "item__department__region")
        .prefetch_related("co_departments", "materials",
                          Prefetch("item__themes", queryset=Theme.objects.order_by("order")))
        .order_by("item_id")
    )


# --- Items for applications, cached per process -------------------------------------------------
# An application (window intake, online draft, bundle) reads its item with the department and
# the published version, then the version's materials: two queries on every intake for data
# that changes only when the catalogue is published. They are kept per process, stamped with
# ``catalog_revision()`` (bumped in the same transaction as every publish, retire and import),
# which is read at most every ``ONEWINDOW_CATALOG_CHECK_SECONDS`` (0 in the test suite: no
# cache, as factories change items without bumping the revision); the publishing process
# forgets its copies as soon as the publish commits (ADR 0022).
_ITEMS_MAX = 4096
_items: dict[str, ServiceItem] = {}
_items_revision: int | None = None
_items_checked_at = 0.0


def item_for_application(*, public_id: UUID | str) -> ServiceItem:
    """The item with its department (and region, without the shape) and its current version,
    the version's materials prefetched (``version.materials.all()`` makes no query). Shared by
    every request of the process: callers read it and never change it."""
    global _items_revision, _items_checked_at
    import time

    from django.conf import settings

    key = str(public_id)
    interval = float(getattr(settings, "ONEWINDOW_CATALOG_CHECK_SECONDS", 0))
    now = time.monotonic()
    cached = interval > 0  # 0 (the test suite): no cache, every call reads the item afresh
    if cached and (_items_revision is None or now - _items_checked_at >= interval):
        revision = catalog_revision()
        if revision != _items_revision:
            _items.clear()
            _items_revision = revision
        _items_checked_at = now
    item = _items.get(key) if cached else None
    if item is None:
        try:
            found = list(ServiceItem.objects.select_related("department", "department__region", "current_version")
                         .defer("department__region__geometry")
                         .prefetch_related("current_version__materials")
                         .filter(public_id=key).order_by()[:1])
        except (ValueError, TypeError, DjangoValidationError):
            found = []
        item = found[0] if found else None
        if item is None:  # not remembered: creating an item does not bump the revision
            raise NotFound("找不到该事项", code="item_not_found")
        if cached:
            if len(_items) >= _ITEMS_MAX:
                _items.clear()
            _items[key] = item
    return item


def item_cache_clear() -> None:
    """Forget the cached items (on commit of a publish in this process; tests)."""
    global _items_revision
    _items.clear()
    _items_revision = None


# --- Public reads -----------------------------------------------------------------------------
def _version_qs() -> QuerySet[ServiceItemVersion]:
    return (ServiceItemVersion.objects
            .select_related("item", "item__department", "item__department__region")
            .prefetch_related("co_departments", "materials"))


def item_version_get(*, public_id: UUID | str, include_drafts: bool = False
                     ) -> ServiceItemVersion:
    """One version by its public id: published or retired (drafts only when asked, for staff).

    Applications store the version public id they were made under and read it back here.
    """
    qs = _version_qs()
    if not include_drafts:
        qs = qs.exclude(status=VersionStatus.DRAFT)
    try:
        return qs.get(public_id=public_id)
    except (ServiceItemVersion.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该事项版本", code="item_version_not_found") from None


def item_published_get(*, public_id: UUID | str) -> ServiceItemVersion:
    """The published version of an item (by the item's public id)."""
    try:
        return _version_qs().get(item__public_id=public_id, status=VersionStatus.PUBLISHED)
    except (ServiceItemVersion.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该事项，或该事项已停用", code="item_not_found") from None


def item_published_get_by_code(*, implementation_code: str) -> ServiceItemVersion:
    try:
        return _version_qs().get(item__implementation_code=implementation_code,
                                 status=VersionStatus.PUBLISHED)
    except ServiceItemVersion.DoesNotExist:
        raise NotFound("找不到该事项，或该事项已停用", code="item_not_found") from None


@dataclass(frozen=True)
class ItemPick:
    """One entry of the pick list staff choose an item from (窗口收件): the name first."""

    value: str  # the name; with the department when another item has the same name
    department: str
    code: str
    item_id: str


def item_pick_list() -> list[ItemPick]:
    """Every item with a version in force, as the pick list offers them (by name)."""
    rows = list(ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
                .order_by("name", "item__department__code")
                .values_list("name", "item__department__name", "item__implementation_code",
                             "item__public_id"))
    repeated = {name for name, count in Counter(r[0] for r in rows).items() if count > 1}
    return [ItemPick(f"{name}（{dept}）" if name in repeated else name, dept, code, str(pid))
            for name, dept, code, pid in rows]


@dataclass(frozen=True)
class ItemFound:
    item: ServiceItem | None  # the item meant, when it is clear
    candidates: list[ServiceItem]  # otherwise the likely ones, best first (may be empty)


def _current_items(public_ids: list[str]) -> list[ServiceItem]:
    found = {str(i.public_id): i for i in ServiceItem.objects.filter(
        public_id__in=public_ids, current_version__isnull=False).select_related(
        "current_version", "department", "department__region")}
    return [found[p] for p in public_ids if p in found]


def item_find(*, text: str, limit: int = 8) -> ItemFound:
    """The item in force that a member of staff means by ``text``: a pick-list entry or exact
    name, an implementation code or public id; failing those the catalogue search (names,
    aliases, pinyin, typos) decides when one item clearly leads, and otherwise offers the
    likely ones to choose from."""
    from .search import catalogue_search, normalize, split_name

    text = (text or "").strip()[:200]
    if not text:
        return ItemFound(None, [])
    picks = {p.value: p.item_id for p in item_pick_list()}
    exact = [picks[text]] if text in picks else []
    if not exact:
        same_name = list(ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, name=text)
                         .values_list("item__public_id", flat=True)[:limit])
        exact = [str(x) for x in same_name]
    if not exact:
        code = text.split(" ", 1)[0]
        exact = [str(x) for x in ServiceItem.objects.filter(
            implementation_code=code, current_version__isnull=False).values_list("public_id", flat=True)[:1]]
    if not exact and len(text) == 36:
        exact = [str(x) for x in ServiceItem.objects.filter(
            public_id__in=[text] if _is_uuid(text) else [],
            current_version__isnull=False).values_list("public_id", flat=True)]
    if len(exact) == 1:
        items = _current_items(exact)
        return ItemFound(items[0] if items else None, [])
    if exact:
        return ItemFound(None, _current_items(exact))
    hits = catalogue_search(text, limit=limit).hits
    ids = [h.doc.id for h in hits]
    items = _current_items(ids)
    if len(items) == 1:
        return ItemFound(items[0], [])
    if items:
        # One item clearly meant: the text is its name or alias, and no other item's.
        def called(doc: Any) -> set[str]:
            return {key(split_name(doc.name)[0]), *(key(k) for k in doc.keywords)}

        def key(value: str) -> str:
            return normalize(value).replace("|", "")

        wanted = key(text)
        named = [h.doc for h in hits if wanted in called(h.doc)]
        if len(named) == 1 and named[0].id == hits[0].doc.id:
            return ItemFound(items[0], [])
    return ItemFound(None, items)


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def item_public_versions(*, item: ServiceItem) -> QuerySet[ServiceItemVersion]:
    """Published and retired versions of an item, newest first (the public history)."""
    return (ServiceItemVersion.objects.filter(item=item)
            .exclude(status=VersionStatus.DRAFT).order_by("-number"))


def theme_list(*, person_kind: PersonKind | str | None = None,
               kind: str | None = None) -> QuerySet[Theme]:
    qs = Theme.objects.all()
    if person_kind:
        qs = qs.filter(person_kind=person_kind)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("person_kind", "order", "code")


def theme_get(*, code: str) -> Theme:
    try:
        return Theme.objects.get(code=code)
    except Theme.DoesNotExist:
        raise NotFound("找不到该主题", code="theme_not_found") from None


def theme_find(*, code: str | None) -> Theme | None:
    """The theme with this code, or None (an optional filter: an unknown code filters nothing)."""
    return Theme.objects.filter(code=code or "").first()


def theme_list_by_order() -> QuerySet[Theme]:
    """All themes in their display order (pickers)."""
    return Theme.objects.order_by("order")


def theme_list_online() -> QuerySet[Theme]:
    """Themes with at least one item that can be applied for online, in display order."""
    return Theme.objects.filter(items__current_version__is_online=True).distinct().order_by("order")


def item_versions_online(*, text: str = "") -> QuerySet[ServiceItemVersion]:
    """The versions in force that can be applied for online, by name; ``text`` narrows by name or
    implementation code."""
    qs = (ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, is_online=True)
          .select_related("item", "item__department").order_by("name"))
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(item__implementation_code__startswith=text))
    return qs


def item_list_online(*, theme: Theme | None = None) -> QuerySet[ServiceItem]:
    """Items whose version in force can be applied for online (optionally of one theme), by
    department and implementation code, with that version and the department."""
    qs = ServiceItem.objects.filter(current_version__is_online=True).select_related(
        "current_version", "department")
    if theme is not None:
        qs = qs.filter(themes=theme)
    return qs.order_by("department__code", "implementation_code")


def item_by_public_id(*, public_id: UUID | str | None) -> ServiceItem | None:
    """An item with its version in force and department, or None (also for a malformed id).
    Callers decide what a missing item or one without a version in force means for them."""
    return by_public_id(ServiceItem.objects.select_related("current_version", "department"), public_id)


def item_public_get(*, public_id: UUID | str) -> ServiceItem:
    """An item that has at least one public (published or retired) version; NotFound otherwise."""
    try:
        item = (ServiceItem.objects
                .filter(public_id=public_id, versions__status__in=[VersionStatus.PUBLISHED,
                                                                    VersionStatus.RETIRED])
                .distinct().first())
    except (ValueError, TypeError, DjangoValidationError):
        item = None
    if item is None:
        raise NotFound("找不到该事项", code="item_not_found")
    return item


def theme_published_versions(*, theme: Theme) -> QuerySet[ServiceItemVersion]:
    return (_version_qs().filter(status=VersionStatus.PUBLISHED, item__themes=theme)
            .order_by("name"))


def power_list_published(*, department: Department) -> QuerySet[PowerEntry]:
    return (PowerEntry.objects.filter(item__department=department, published_at__isnull=False)
            .select_related("item", "item__current_version")
            .order_by("power_type", "power_code", "id"))


def responsibility_list_published(*, department: Department) -> QuerySet[ResponsibilityEntry]:
    return (ResponsibilityEntry.objects
            .filter(item__department=department, published_at__isnull=False)
            .select_related("item", "item__current_version")
            .order_by("item__implementation_code", "order", "id"))


def list_departments_published(*, kind: ListKind | str) -> QuerySet[Department]:
    """Departments that have published the given list."""
    return (Department.objects.filter(list_publications__kind=kind).distinct()
            .order_by("code"))


@dataclass(frozen=True)
class PublicListRow:
    """A department on the public 权力清单/责任清单 index."""

    department: Department
    power_count: int
    responsibility_count: int
    published_at: Any  # latest ListPublication of either kind


def public_list_departments(*, q: str = "", power_type: str = "") -> list[PublicListRow]:
    """Departments that have published a list, with their published entry counts, filtered by
    department name and by power type (行政许可, 行政给付 …); newest publication first per row."""
    publications = ListPublication.objects.order_by("department_id", "-published_at")
    latest: dict[int, Any] = {}
    for department_id, at in publications.values_list("department_id", "published_at"):
        latest.setdefault(department_id, at)
    if not latest:
        return []
    powers = PowerEntry.objects.filter(published_at__isnull=False,
                                       item__department_id__in=list(latest))
    if power_type:
        powers = powers.filter(power_type=power_type)
    power_counts = dict(powers.values("item__department_id").annotate(n=Count("id"))
                        .values_list("item__department_id", "n"))
    duty_counts = dict(ResponsibilityEntry.objects.filter(
        published_at__isnull=False, item__department_id__in=list(latest)
    ).values("item__department_id").annotate(n=Count("id")).values_list("item__department_id", "n"))
    departments = Department.objects.filter(id__in=list(latest)).order_by("code")
    if q:
        departments = departments.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    rows = [PublicListRow(d, power_counts.get(d.id, 0), duty_counts.get(d.id, 0), latest[d.id])
            for d in departments]
    if power_type:
        rows = [r for r in rows if r.power_count]
    return rows


def public_list_department_get(*, code: str) -> Department:
    """A department with at least one published list; anything else is 404."""
    department = Department.objects.filter(code=code, list_publications__isnull=False).first()
    if department is None:
        raise NotFound("该部门尚未公布权力清单或责任清单", code="list_not_found")
    return department


def public_list_publications(*, department: Department) -> QuerySet[ListPublication]:
    return ListPublication.objects.filter(department=department).order_by("-published_at")


def item_power_published(*, item: ServiceItem) -> PowerEntry | None:
    return PowerEntry.objects.filter(item=item, published_at__isnull=False).first()


def item_power(*, item: ServiceItem) -> PowerEntry | None:
    """The item's power-list entry, published or not (the staff page that edits it)."""
    return PowerEntry.objects.filter(item=item).first()


def item_responsibilities_published(*, item: ServiceItem) -> QuerySet[ResponsibilityEntry]:
    return ResponsibilityEntry.objects.filter(item=item, published_at__isnull=False).order_by(
        "order", "id")


# --- Staff reads ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemFilters:
    q: str = ""
    department_code: str = ""
    status: str = ""  # published / draft (has a draft) / retired (no published version)
    source: str = ""


def item_list(*, actor: Any, filters: ItemFilters | None = None) -> QuerySet[ServiceItem]:
    """Items the actor manages, with the published and draft versions prefetched."""
    filters = filters or ItemFilters()
    qs = (ServiceItem.objects.filter(manageable_q(actor=actor))
          .select_related("department", "current_version")
          .prefetch_related(Prefetch(
              "versions", to_attr="draft_versions",
              queryset=ServiceItemVersion.objects.filter(status=VersionStatus.DRAFT))))
    if filters.department_code:
        qs = qs.filter(department__code=filters.department_code)
    if filters.status == VersionStatus.PUBLISHED:
        qs = qs.filter(current_version__isnull=False)
    elif filters.status == VersionStatus.DRAFT:
        qs = qs.filter(versions__status=VersionStatus.DRAFT)
    elif filters.status == VersionStatus.RETIRED:
        qs = qs.filter(current_version__isnull=True,
                       versions__status=VersionStatus.RETIRED).distinct()
    if filters.source:
        qs = qs.filter(source=filters.source)
    text = filters.q.strip()
    if text:
        qs = qs.filter(Q(implementation_code__startswith=text) | Q(basic_code__startswith=text)
                       | Q(versions__name__contains=text)).distinct()
    return qs.order_by("department__code", "implementation_code")


def item_get_for_staff(*, actor: Any, public_id: UUID | str) -> ServiceItem:
    try:
        return (ServiceItem.objects.filter(manageable_q(actor=actor))
                .select_related("department", "department__region", "current_version")
                .get(public_id=public_id))
    except (ServiceItem.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该事项，或您无权管理", code="item_not_found") from None


def item_draft(*, item: ServiceItem) -> ServiceItemVersion | None:
    return (ServiceItemVersion.objects.filter(item=item, status=VersionStatus.DRAFT)
            .prefetch_related("co_departments", "materials").first())


def item_latest_version(*, item: ServiceItem) -> ServiceItemVersion | None:
    return (ServiceItemVersion.objects.filter(item=item)
            .prefetch_related("co_departments", "materials").order_by("-number").first())


def item_versions(*, item: ServiceItem) -> QuerySet[ServiceItemVersion]:
    return (ServiceItemVersion.objects.filter(item=item)
            .select_related("created_by", "published_by")
            .prefetch_related("co_departments", "materials").order_by("-number"))


def version_get_for_staff(*, actor: Any, public_id: UUID | str) -> ServiceItemVersion:
    try:
        return (_version_qs().filter(manageable_q(actor=actor, prefix="item__"))
                .get(public_id=public_id))
    except (ServiceItemVersion.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该事项版本，或您无权管理", code="item_version_not_found") from None


def material_get_for_staff(*, actor: Any, public_id: UUID | str) -> Material:
    try:
        return (Material.objects.select_related("version", "version__item",
                                                "version__item__department")
                .filter(manageable_q(actor=actor, prefix="version__item__"))
                .get(public_id=public_id))
    except (Material.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该材料，或您无权管理", code="material_not_found") from None


def material_public_get(*, public_id: UUID | str) -> Material:
    """A material of a published or retired version (for downloading its forms)."""
    try:
        return (Material.objects.select_related("version")
                .exclude(version__status=VersionStatus.DRAFT).get(public_id=public_id))
    except (Material.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该材料", code="material_not_found") from None


# --- Snapshots (import/export, diffs) ---------------------------------------------------------
def material_snapshot(material: Material) -> dict[str, Any]:
    data = {k: getattr(material, k) for k in MATERIAL_DEFAULTS}
    return data


def version_elements(version: ServiceItemVersion) -> dict[str, Any]:
    """The elements of a version as plain values (the shape ``rules.elements_clean`` makes)."""
    data: dict[str, Any] = {}
    for field in ELEMENT_DEFAULTS:
        if field == "co_department_codes":
            data[field] = sorted(d.code for d in version.co_departments.all())
        else:
            data[field] = getattr(version, field)
    return data


def version_snapshot(version: ServiceItemVersion) -> dict[str, Any]:
    """Elements plus the ordered material list: what a diff or an export compares."""
    data = version_elements(version)
    data["materials"] = [material_snapshot(m) for m in
                         sorted(version.materials.all(), key=lambda m: (m.order, m.id))]
    return data


def versions_by_ids(ids: Iterable[int]) -> dict[int, ServiceItemVersion]:
    return {v.id: v for v in _version_qs().filter(id__in=list(ids))}
