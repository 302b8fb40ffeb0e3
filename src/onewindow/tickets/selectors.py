"""Reads of the hotline: settings, categories, rules, scoped ticket lists and the knowledge base.

Who sees which tickets (a business rule, applied by every list and every lookup):

- hotline operators, supervisors, leaders and administrators: every ticket in their region
  subtree (the district for the hotline centre);
- department staff: the tickets their departments own or co-handle;
- staff whose region is a street or below (street offices, grid workers): additionally every
  ticket located in their region.

Out-of-scope tickets are reported as not found. Confidential requesters (要求保密) are hidden
from everybody but hotline operators and supervisors.
"""

from __future__ import annotations

import math
import operator
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department
from onewindow.accounts.scope import Scope, scope_for
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import NotFound, ValidationFailed
from onewindow.core.masking import mask_name, mask_phone
from onewindow.core.pagination import bounded_count
from onewindow.core.phones import phone_normalise
from onewindow.core.selectors import by_public_id
from onewindow.regions.models import Region

from .constants import (
    DEPARTMENT_QUEUE,
    DISPATCHER_QUEUE,
    OPEN_STATUSES,
    Action,
    ExtensionStatus,
    LimitClass,
    OrderStatus,
    Status,
)
from .dispatch import RuleSpec
from .models import (
    Category,
    DispatchRule,
    ExtensionRequest,
    HotlineConfig,
    KnowledgeArticle,
    SupervisionOrder,
    Ticket,
    TicketAttachment,
    TicketCoHandler,
    TicketEvent,
    TimeLimitSetting,
)
from .rules import DEFAULT_LIMITS, TimeLimit

WIDE_ROLES = (Role.HOTLINE_OPERATOR, Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR)
DISPATCHER_ROLES = (Role.HOTLINE_OPERATOR, Role.SUPERVISOR)
SUPERVISOR_ROLES = (Role.SUPERVISOR,)
REQUESTER_ROLES = (Role.HOTLINE_OPERATOR, Role.SUPERVISOR)


# --- Roles ------------------------------------------------------------------------------------
def is_operator(actor: Any) -> bool:
    return scope_for(actor).has_role(Role.HOTLINE_OPERATOR)


def is_dispatcher(actor: Any) -> bool:
    return scope_for(actor).has_role(*DISPATCHER_ROLES)


def is_supervisor(actor: Any) -> bool:
    return scope_for(actor).has_role(*SUPERVISOR_ROLES)


def is_department_handler(actor: Any, department_id: int | None) -> bool:
    scope = scope_for(actor)
    return (department_id is not None and scope.has_role(Role.DEPT_REVIEWER)
            and department_id in scope.department_ids)


def handler_departments(actor: Any) -> list[int]:
    scope = scope_for(actor)
    return sorted(scope.department_ids) if scope.has_role(Role.DEPT_REVIEWER) else []


# --- Reference data cache --------------------------------------------------------------------
# Settings, time limits, dispatch rules, departments and classifier labels are read on every
# intake and change rarely: each process keeps them for a few seconds (writes through the
# services clear this process's copy at once; other processes see them within the TTL).
# Tests run without the cache, since each test builds its own reference data.
REFERENCE_TTL_SECONDS = 0.0 if "pytest" in sys.modules else 30.0
_reference: dict[Any, tuple[float, Any]] = {}
_reference_lock = threading.Lock()


def _cached(key: Any, loader: Any) -> Any:
    if REFERENCE_TTL_SECONDS <= 0:
        return loader()
    now = time.monotonic()
    hit = _reference.get(key)
    if hit is not None and now - hit[0] < REFERENCE_TTL_SECONDS:
        return hit[1]
    value = loader()
    with _reference_lock:
        if len(_reference) > 2000:
            _reference.clear()
        _reference[key] = (now, value)
    return value


def reference_cache_clear() -> None:
    with _reference_lock:
        _reference.clear()


def department_by_id(department_id: int | None) -> Department | None:
    if department_id is None:
        return None
    return _cached(("department", department_id),
                   lambda: Department.objects.filter(pk=department_id).first())


def region_by_code(code: str) -> Region | None:
    """A region (the district, for tickets located nowhere deeper), without its polygon."""
    return _cached(("region", code), lambda: Region.objects.defer("geometry").filter(code=code).first())


# --- Settings ---------------------------------------------------------------------------------
def district_code_of(region_path: str) -> str:
    codes = [c for c in (region_path or "").split("/") if c]
    return codes[0] if codes else settings.ONEWINDOW_DISTRICT_CODE


def hotline_config(*, region_path: str = "") -> HotlineConfig:
    """The settings of the district a ticket lies in (defaults when none are saved)."""
    code = district_code_of(region_path)
    return _cached(("config", code), lambda: _hotline_config(code))


def _hotline_config(code: str) -> HotlineConfig:
    config = HotlineConfig.objects.select_related("fallback_department").filter(district__code=code).first()
    if config is None:
        district = Region.objects.filter(code=code).first()
        config = HotlineConfig(district=district) if district else HotlineConfig()
    return config


def time_limits() -> dict[str, TimeLimit]:
    return dict(_cached("limits", _time_limits))


def _time_limits() -> dict[str, TimeLimit]:
    limits = dict(DEFAULT_LIMITS)
    for row in TimeLimitSetting.objects.all():
        limits[row.limit_class] = TimeLimit(row.amount, row.unit)
    return limits


# --- Categories and rules ---------------------------------------------------------------------
def category_list(*, level: int | None = None, active: bool = True) -> QuerySet[Category]:
    qs = Category.objects.all()
    if active:
        qs = qs.filter(is_active=True)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("path")


def category_get(*, code: str) -> Category:
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise NotFound("找不到该诉求分类", code="category_not_found")
    return category


def category_find(*, code: str) -> Category | None:
    """An active category by its code, or None (a form's optional choice)."""
    return Category.objects.filter(code=code, is_active=True).first()


def category_resolve(label: str) -> Category | None:
    """The category a classifier label names: a code, a full name ("城乡建设 / 安全生产 / …"),
    a path of names separated by "/" or ">", or a unique name (deepest level first). One query."""
    label = (label or "").strip()
    if not label:
        return None
    return _cached(("label", label), lambda: _category_resolve(label))


def _category_resolve(label: str) -> Category | None:
    parts = [p.strip() for p in label.replace(">", "/").replace("／", "/").split("/") if p.strip()]
    full_name = " / ".join(parts)
    candidates = list(Category.objects.filter(is_active=True).filter(
        Q(code=label) | Q(full_name=full_name) | Q(name=label)).select_related("parent")[:20])
    for cat in candidates:
        if cat.code == label:
            return cat
    if len(parts) > 1:
        found = next((cat for cat in candidates if cat.full_name == full_name), None)
        if found is None:
            # a path deeper than (or beside) this tree: its deepest known ancestor
            prefixes = [" / ".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]
            known = {cat.full_name: cat for cat in
                     Category.objects.filter(is_active=True, full_name__in=prefixes)}
            found = next((known[p] for p in prefixes if p in known), None)
        return found
    for level in (3, 2, 1):
        matches = [cat for cat in candidates if cat.name == label and cat.level == level]
        if len(matches) == 1:
            return matches[0]
    return None


def category_keyword_table() -> list[Any]:
    """The categories that have keywords, as rules.KeywordCategory (cached like reference data)."""
    from .rules import KeywordCategory

    def load() -> list[KeywordCategory]:
        rows = Category.objects.filter(is_active=True).exclude(keywords="").values_list("path", "keywords")
        return [KeywordCategory(path, tuple(k for k in keywords.split() if k)) for path, keywords in rows]

    return list(_cached("keywords", load))


def category_by_path(path: str) -> Category | None:
    return _cached(("path", path), lambda: Category.objects.filter(path=path, is_active=True)
                   .select_related("parent").first())


def category_ids_under(path: str) -> list[int]:
    """Ids of a category and all below it (cached: the tree changes rarely)."""
    return list(_cached(("under", path), lambda: list(
        Category.objects.filter(path__startswith=path).values_list("id", flat=True))))


def category_limit_class(category: Category | None) -> str:
    """The category's time-limit class, inherited from its ancestors."""
    node = category
    seen = 0
    while node is not None and seen < 5:
        if node.limit_class:
            return node.limit_class
        node = node.parent
        seen += 1
    return ""


def dispatch_rule_specs() -> list[RuleSpec]:
    return list(_cached("rules", _dispatch_rule_specs))


def _dispatch_rule_specs() -> list[RuleSpec]:
    rows = DispatchRule.objects.filter(is_active=True).values_list(
        "id", "department_id", "priority", "category__path", "region__path")
    return [RuleSpec(id=i, department_id=d, priority=p, category_path=c or "", region_path=r or "")
            for i, d, p, c, r in rows]


def dispatch_rule_get(*, public_id: UUID | str) -> DispatchRule:
    """One dispatch rule (who may change it is checked by the services); NotFound otherwise."""
    rule = by_public_id(DispatchRule.objects.select_related("department", "category", "region"), public_id)
    if rule is None:
        raise NotFound("找不到该派单规则", code="rule_not_found")
    return rule


def dispatch_rule_list() -> QuerySet[DispatchRule]:
    return DispatchRule.objects.select_related("category", "region", "department").order_by("-priority", "id")


# --- Scope ------------------------------------------------------------------------------------
def _depth(path: str) -> int:
    return len([p for p in path.split("/") if p])


# Co-handled tickets of the actor's departments are looked up first and named by id, so that each
# part of the scope can use its own index (see ticket_list); more than this falls back to a join.
COHANDLED_INLINE_MAX = 5000


def ticket_scope_parts(scope: Scope) -> list[Q]:
    """The actor's scope as alternatives (OR), each answerable from one index."""
    if scope.is_empty or scope.region_path is None:
        return []
    in_region = Q(region_path__startswith=scope.region_path)
    if scope.has_role(*WIDE_ROLES):
        return [in_region]
    parts: list[Q] = []
    if scope.department_ids:
        ids = sorted(scope.department_ids)
        parts.append(Q(department_id__in=ids))
        cohandled = list(TicketCoHandler.objects.filter(department_id__in=ids)
                         .values_list("ticket_id", flat=True)[: COHANDLED_INLINE_MAX + 1])
        if len(cohandled) > COHANDLED_INLINE_MAX:
            parts.append(Q(Exists(TicketCoHandler.objects.filter(ticket_id=OuterRef("pk"), department_id__in=ids))))
        elif cohandled:
            parts.append(Q(pk__in=cohandled))
    if _depth(scope.region_path) >= 2:
        parts.append(in_region)
    return parts


def _prefixed(q: Q, prefix: str) -> Q | None:
    """The same filter seen from a related model ("ticket__…"); None if it cannot be rewritten."""
    children: list[Any] = []
    for child in q.children:
        if isinstance(child, Q):
            inner = _prefixed(child, prefix)
            if inner is None:
                return None
            children.append(inner)
        elif isinstance(child, tuple):
            children.append((prefix + child[0], child[1]))
        else:
            return None
    rebuilt = Q(*children, _connector=q.connector, _negated=q.negated)
    return rebuilt


def ticket_scope_q_via(scope: Scope, relation: str) -> Q:
    """The actor's ticket scope as a filter on a model pointing at tickets (``relation``)."""
    q = ticket_scope_q(scope)
    prefixed = _prefixed(q, f"{relation}__")
    if prefixed is None:
        return Q(**{f"{relation}__in": Ticket.objects.filter(q).values("pk")})
    return prefixed


def ticket_scope_q(scope: Scope) -> Q:
    """The actor's scope as one filter (nothing when the scope is empty)."""
    parts = ticket_scope_parts(scope)
    if not parts:
        return Q(pk__in=[])
    return reduce(operator.or_, parts)


def ticket_visible(actor: Any, ticket: Ticket) -> bool:
    scope = scope_for(actor)
    if scope.is_empty:
        return False
    if scope.has_role(*WIDE_ROLES):
        return scope.covers_region_path(ticket.region_path)
    if ticket.department_id in scope.department_ids:
        return True
    if _depth(scope.region_path or "") >= 2 and scope.covers_region_path(ticket.region_path):
        return True
    return ticket.cohandlers.filter(department_id__in=sorted(scope.department_ids)).exists()


@dataclass(frozen=True)
class TicketFilters:
    status: tuple[str, ...] = ()
    department_id: int | None = None
    category_path: str = ""
    region_path: str = ""
    kind: str = ""
    channel: str = ""
    overdue: bool | None = None
    warned: bool | None = None
    q: str = ""
    received_from: datetime | None = None
    received_to: datetime | None = None
    order: str = "due"  # due | newest | updated (oldest change first: incremental sync)
    updated_since: datetime | None = None


# Columns a list never shows: long texts, sealed personal data (decrypting costs), region shapes.
LIST_DEFERRED = ("text", "reply_text", "requester_name", "requester_phone", "callback_note",
                 "classifier_alternatives", "region__geometry", "category__description")
# What a list row shows (the API's TicketListOut), read as plain values: at 50 rows a page,
# building Ticket, Category, Department and Region instances cost more CPU than the query.
LIST_VALUES = ("id", "public_id", "number", "kind", "title", "channel", "urgency", "status",
               "category__code", "category__name", "department__code", "department__name",
               "region__code", "region__name", "address", "received_at", "due_at", "due_provisional",
               "warned", "overdue", "duplicate_of__number")


def _filters_q(filters: TicketFilters) -> Q:
    q = Q()
    if filters.status:
        q &= Q(status__in=list(filters.status))
    if filters.department_id:
        q &= Q(department_id=filters.department_id)
    if filters.category_path:
        q &= Q(category__path__startswith=filters.category_path)
    if filters.region_path:
        q &= Q(region_path__startswith=filters.region_path)
    if filters.kind:
        q &= Q(kind=filters.kind)
    if filters.channel:
        q &= Q(channel=filters.channel)
    if filters.overdue is not None:
        q &= Q(overdue=filters.overdue)
    if filters.warned is not None:
        q &= Q(warned=filters.warned)
    if filters.received_from:
        q &= Q(received_at__gte=filters.received_from)
    if filters.received_to:
        q &= Q(received_at__lt=filters.received_to)
    if filters.updated_since:
        q &= Q(updated_at__gte=filters.updated_since)
    text = filters.q.strip()
    if text:
        phone = _search_phone(text)
        if text.startswith("12345-"):
            q &= Q(number__startswith=text)
        elif phone:  # the requester's full number (staff searches post it; never in a URL)
            q &= Q(requester_phone_hash=lookup_hash(phone))
        else:
            q &= Q(title__contains=text) | Q(address__contains=text)
    return q


def _search_phone(text: str) -> str:
    """The normalised phone number a search term is (a mobile, or a landline with its area code,
    written with digits, spaces or dashes), or "" when it is something else."""
    if len(text) < 7 or not all(ch.isdigit() or ch in " -" for ch in text):
        return ""
    try:
        return phone_normalise(text, field="q")
    except ValidationFailed:
        return ""


def ticket_list(*, actor: Any, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """Tickets in the actor's scope, most urgent first (or newest first).

    The filters are repeated inside every part of the scope ((department ∧ status) ∨ (street ∧
    status) …) so that PostgreSQL answers each part from its own index and combines them, instead
    of reading every open ticket of the district to test the scope row by row.
    """
    filters = filters or TicketFilters()
    return _ticket_list(ticket_scope_parts(scope_for(actor)), filters)


def _ticket_list(parts: list[Q], filters: TicketFilters) -> QuerySet[Ticket]:
    if not parts:
        return Ticket.objects.none()
    condition = _filters_q(filters)
    qs = Ticket.objects.filter(reduce(operator.or_, [part & condition for part in parts]))
    qs = qs.select_related("category", "department", "region").defer(*LIST_DEFERRED)
    if filters.order == "newest":
        return qs.order_by("-received_at", "-id")
    if filters.order == "updated":
        return qs.order_by("updated_at", "id")
    return qs.order_by("due_at", "id")


class TicketPage:
    """One page at a time of ``ticket_list``, fetched the fast way on PostgreSQL.

    Sorting every matching row by deadline to keep 50 is what makes scoped lists slow at a
    million rows (a street holds thousands of open tickets). Instead, each (scope part,
    status) pair is read from its index already in deadline order and stopped after the page;
    the few ids are merged, then only those rows are loaded. Works as a sequence for Django's
    Paginator and the API paginator (``count()`` and slicing). Other databases, and the
    "newest first" order, simply slice the queryset.
    """

    def __init__(self, *, parts: list[Q], condition: Q, statuses: tuple[str, ...], order: str,
                 queryset: QuerySet[Ticket], memo_key: Any = None) -> None:
        self.parts, self.condition, self.order = parts, condition, order
        self.statuses = statuses or tuple(Status.values)
        self.queryset = queryset
        self.memo_key = memo_key  # what makes two lists the same rows (core.pagination.bounded_count)
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.queryset.order_by().count()
        return self._count

    def bounded_count(self) -> tuple[int, bool]:
        """``(count, exact)``: exact up to ``COUNT_CAP`` rows, else the cap and False (ADR 0024)."""
        return bounded_count(self.queryset, memo_key=self.memo_key)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Any:
        return iter(self.queryset)

    def __getitem__(self, item: slice) -> list[Ticket]:
        if not isinstance(item, slice) or item.stop is None:
            raise TypeError("TicketPage supports slices with an end only")
        return self._fetch(item.start or 0, item.stop, values=False)

    def rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        """Rows ``start:stop`` as ``LIST_VALUES`` dicts: what the API's lists render, without
        building a model instance and three related ones per row."""
        return self._fetch(start, stop, values=True)

    def _fetch(self, start: int, stop: int, *, values: bool) -> list[Any]:
        from django.db import connection

        if stop <= start:
            return []
        qs: QuerySet[Any] = self.queryset.values(*LIST_VALUES) if values else self.queryset
        if connection.vendor != "postgresql" or self.order != "due" or not self.parts or stop > 1000:
            return list(qs[start:stop])
        branches = [Ticket.objects.filter(part & self.condition & Q(status=status))
                    .order_by("due_at", "id").values_list("due_at", "id")[:stop]
                    for part in self.parts for status in self.statuses]
        merged = branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0]
        ids = [pk for _, pk in merged.order_by("due_at", "id")[start:stop]] if len(branches) > 1 \
            else [pk for _, pk in list(merged)[start:stop]]
        rows = {(r["id"] if values else r.id): r for r in qs.filter(id__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


def ticket_rows(source: QuerySet[Ticket] | TicketPage, start: int, stop: int) -> list[dict[str, Any]]:
    """Rows ``start:stop`` of a ticket list (a queue's queryset or a TicketPage) as
    ``LIST_VALUES`` dicts, in the list's order."""
    if isinstance(source, TicketPage):
        return source.rows(start, stop)
    return list(source.values(*LIST_VALUES)[start:stop])


def ticket_keyset_rows(source: QuerySet[Ticket] | TicketPage) -> QuerySet[Any]:
    """A ticket list's rows as ``LIST_VALUES`` dicts plus ``updated_at``, for cursor pages
    (core.pagination.keyset_page orders and filters them by ``(updated_at, id)``)."""
    qs = source.queryset if isinstance(source, TicketPage) else source
    return qs.values(*LIST_VALUES, "updated_at")


def ticket_page(*, actor: Any, filters: TicketFilters | None = None) -> TicketPage:
    """``ticket_list`` for paging (lists and the API): see TicketPage."""
    filters = filters or TicketFilters()
    scope = scope_for(actor)
    parts = ticket_scope_parts(scope)
    condition = _filters_q(filters)
    return TicketPage(parts=parts, condition=condition, statuses=filters.status, order=filters.order,
                      queryset=_ticket_list(parts, filters),
                      memo_key=("tickets", getattr(actor, "pk", None), scope, filters))


def ticket_get(*, actor: Any, public_id: UUID | str) -> Ticket:
    try:
        ticket = (Ticket.objects.select_related("category", "category__parent", "department", "region", "kb_article")
                  .defer("region__geometry").get(public_id=public_id))
    except (Ticket.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found") from None
    if not ticket_visible(actor, ticket):
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found")
    return ticket


def ticket_get_by_number(*, actor: Any, number: str) -> Ticket:
    ticket = Ticket.objects.filter(number=number).only("public_id").first()
    if ticket is None:
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found")
    return ticket_get(actor=actor, public_id=ticket.public_id)


# What a ticket's detail shows of its related rows, read as plain values (issue 18): one query
# per list, in display order, shaped by the API without model instances.
COHANDLER_VALUES = ("department__name", "status", "request", "reply_text")
ATTACHMENT_VALUES = ("public_id", "name", "content_type", "size")
EVENT_VALUES = ("at", "action", "actor_label", "from_status", "to_status", "department__name", "note", "data")


@dataclass(frozen=True)
class TicketDetailRows:
    """The related rows of a ticket's detail as ``*_VALUES`` dicts, in display order."""

    cohandlers: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    events: list[dict[str, Any]]


def ticket_detail_get(*, actor: Any, public_id: UUID | str | None = None, number: str | None = None) -> Ticket:
    """``ticket_get`` (by public id or number) for the detail: one query that also reads the
    numbers of the ticket it duplicates and the one it was merged into (as
    ``detail_duplicate_number`` and ``detail_merged_number``), without their rows."""
    qs = (Ticket.objects.select_related("category", "department", "region")
          .defer("region__geometry", "category__description")
          .annotate(detail_duplicate_number=F("duplicate_of__number"),
                    detail_merged_number=F("merged_into__number")))
    try:
        ticket = qs.get(number=number) if number is not None else qs.get(public_id=public_id or "")
    except (Ticket.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found") from None
    if not ticket_visible(actor, ticket):
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found")
    return ticket


def ticket_cohandlers(*, ticket: Ticket) -> list[TicketCoHandler]:
    """The co-handling departments of a ticket (the ticket was read in scope)."""
    return list(ticket.cohandlers.select_related("department"))


def ticket_cohandler_pending(*, ticket: Ticket, department_ids: Iterable[int]) -> bool:
    """Whether one of these departments still owes the ticket a co-handling reply."""
    return ticket.cohandlers.filter(department_id__in=list(department_ids), status="pending").exists()


def ticket_orders(*, ticket: Ticket) -> list[SupervisionOrder]:
    """The supervision orders of a ticket, with their departments."""
    return list(ticket.orders.select_related("department"))


def ticket_order_of(*, ticket: Ticket, public_id: UUID | str | None) -> SupervisionOrder | None:
    """One supervision order of this ticket, or None (also for a malformed id)."""
    return by_public_id(ticket.orders, public_id)


def ticket_extension_of(*, ticket: Ticket, public_id: UUID | str | None) -> ExtensionRequest | None:
    """One extension request of this ticket, or None (also for a malformed id)."""
    if not public_id:
        return None
    return by_public_id(ticket.extensions, public_id)


def ticket_detail_rows(*, ticket: Ticket) -> TicketDetailRows:
    """The co-handlers, attachments and timeline of a ticket: three queries, plain rows."""
    return TicketDetailRows(
        cohandlers=list(TicketCoHandler.objects.filter(ticket_id=ticket.pk).order_by("id").values(*COHANDLER_VALUES)),
        attachments=list(TicketAttachment.objects.filter(ticket_id=ticket.pk).order_by("id")
                         .values(*ATTACHMENT_VALUES)),
        events=list(TicketEvent.objects.filter(ticket_id=ticket.pk).order_by("at", "id").values(*EVENT_VALUES)))


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor", "department").order_by("at", "id")


@dataclass(frozen=True)
class TicketParts:
    """The rows of a ticket its detail shows besides the ticket itself, in display order."""

    events: list[TicketEvent]
    attachments: list[TicketAttachment]
    cohandlers: list[TicketCoHandler]
    duplicate_number: str | None = None


_FRESH_PARTS = "_onewindow_fresh_parts"


def ticket_parts_remember(ticket: Ticket, parts: TicketParts) -> None:
    """Intake has just written every row of a new ticket: it hands them to the response, which
    would otherwise read back what was written a moment ago. Taken once."""
    setattr(ticket, _FRESH_PARTS, parts)


def ticket_parts_fresh(ticket: Ticket) -> TicketParts | None:
    """The rows intake handed over with this ticket object (once), else None."""
    return ticket.__dict__.pop(_FRESH_PARTS, None)


# --- Queues -----------------------------------------------------------------------------------
def triage_queue(*, actor: Any) -> QuerySet[Ticket]:
    """The dispatcher's queue: tickets the classifier left to people, and returned tickets."""
    if not is_dispatcher(actor):
        return Ticket.objects.none()
    return ticket_list(actor=actor, filters=TicketFilters(status=tuple(DISPATCHER_QUEUE)))


def duplicate_queue(*, actor: Any) -> QuerySet[Ticket]:
    if not is_dispatcher(actor):
        return Ticket.objects.none()
    return (Ticket.objects.filter(ticket_scope_q(scope_for(actor)), duplicate_of__isnull=False,
                                  status__in=[s for s in OPEN_STATUSES])
            .select_related("duplicate_of", "category").defer(*LIST_DEFERRED[:-2])
            .order_by("-received_at"))


def department_inbox(*, actor: Any, department_id: int | None = None,
                     statuses: Iterable[str] = DEPARTMENT_QUEUE) -> QuerySet[Ticket]:
    """Tickets the actor's departments own and must act on, most urgent first."""
    ids = handler_departments(actor)
    if department_id is not None:
        ids = [i for i in ids if i == department_id]
    if not ids:
        return Ticket.objects.none()
    return (Ticket.objects.filter(department_id__in=ids, status__in=list(statuses))
            .select_related("category", "department", "region").defer(*LIST_DEFERRED).order_by("due_at", "id"))


def cohandling_inbox(*, actor: Any) -> QuerySet[TicketCoHandler]:
    ids = handler_departments(actor)
    return (TicketCoHandler.objects.filter(department_id__in=ids, status="pending")
            .select_related("ticket", "department").order_by("ticket__due_at"))


def overdue_list(*, actor: Any) -> QuerySet[Ticket]:
    return ticket_list(actor=actor, filters=TicketFilters(status=tuple(OPEN_STATUSES), overdue=True))


def warning_list(*, actor: Any) -> QuerySet[Ticket]:
    return ticket_list(actor=actor, filters=TicketFilters(status=tuple(OPEN_STATUSES), warned=True,
                                                          overdue=False))


def callback_queue(*, actor: Any) -> QuerySet[Ticket]:
    """Replied tickets waiting for the callback (回访) by the hotline."""
    if not is_dispatcher(actor):
        return Ticket.objects.none()
    # grid events wait for the reporting grid worker's site check, not for the hotline
    return ticket_list(actor=actor, filters=TicketFilters(status=(Status.REPLIED,), order="newest")).exclude(
        site_check=True)


def reopen_candidates(*, actor: Any) -> QuerySet[Ticket]:
    """Unsatisfied callbacks waiting for a supervisor's decision (reopen once, or close)."""
    if not is_supervisor(actor):
        return Ticket.objects.none()
    return ticket_list(actor=actor, filters=TicketFilters(status=(Status.CALLBACK_DONE,), order="newest"))


def order_list(*, actor: Any, status: str | None = None) -> QuerySet[SupervisionOrder]:
    scope = scope_for(actor)
    qs = SupervisionOrder.objects.select_related("ticket", "department", "issued_by")
    if is_supervisor(actor):
        qs = qs.filter(ticket__region_path__startswith=scope.region_path or "\x00")
    else:
        qs = qs.filter(department_id__in=handler_departments(actor))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("due_at")


def order_get(*, public_id: UUID | str) -> SupervisionOrder:
    """One supervision order with its ticket and department; the answering service checks that the
    actor handles that department. NotFound otherwise (also for a malformed id)."""
    order = by_public_id(SupervisionOrder.objects.select_related("ticket", "department"), public_id)
    if order is None:
        raise NotFound()
    return order


def extension_get(*, public_id: UUID | str) -> ExtensionRequest:
    """One extension request with its ticket; the deciding service checks the actor supervises it.
    NotFound otherwise (also for a malformed id)."""
    ext = by_public_id(ExtensionRequest.objects.select_related("ticket"), public_id)
    if ext is None:
        raise NotFound()
    return ext


def order_open_for(*, actor: Any) -> QuerySet[SupervisionOrder]:
    return order_list(actor=actor).filter(status__in=[OrderStatus.OPEN, OrderStatus.OVERDUE])


def extension_pending(*, actor: Any) -> QuerySet[ExtensionRequest]:
    if not is_supervisor(actor):
        return ExtensionRequest.objects.none()
    scope = scope_for(actor)
    return (ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING,
                                            ticket__region_path__startswith=scope.region_path or "\x00")
            .select_related("ticket", "department", "requested_by").order_by("id"))


# --- Requester data ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RequesterView:
    name: str
    phone: str
    confidential: bool
    hidden: bool
    can_reveal: bool


def requester_view(*, actor: Any, ticket: Ticket) -> RequesterView:
    """What the actor may see of the requester: masked, or nothing when confidential."""
    scope = scope_for(actor)
    privileged = scope.has_role(*REQUESTER_ROLES)
    if ticket.confidential and not privileged:
        return RequesterView("（保密）", "（保密）", True, True, False)
    can_reveal = privileged or is_department_handler(actor, ticket.department_id)
    return RequesterView(mask_name(ticket.requester_name) or "（匿名）", mask_phone(ticket.requester_phone),
                         ticket.confidential, False, can_reveal and bool(ticket.requester_phone
                                                                         or ticket.requester_name))


def ticket_public_track(*, number: str, phone: str) -> Ticket | None:
    """The public tracking page: a ticket by its number AND the requester's phone (cleaned), both
    needed, so nobody finds another's ticket by guessing a number."""
    return (Ticket.objects.select_related("department", "merged_into")
            .filter(number=number, requester_phone_hash=lookup_hash(phone)).first())


def caller_history(*, actor: Any, phone_hash: str, limit: int = 10) -> list[Ticket]:
    """Earlier tickets of the same caller (by the phone's lookup hash), for the operator."""
    if not phone_hash or (not is_operator(actor) and not is_supervisor(actor)):
        return []
    return list(Ticket.objects.filter(requester_phone_hash=phone_hash)
                .select_related("category").order_by("-received_at")[:limit])


# --- Knowledge base ---------------------------------------------------------------------------
@dataclass(frozen=True)
class KbHit:
    article: KnowledgeArticle
    score: float


_kb_lock = threading.Lock()
_kb_cache: tuple[Any, list[tuple[KnowledgeArticle, dict[str, Counter[str]]]], dict[str, float]] | None = None
_FIELD_WEIGHTS = {"title": 3.0, "keywords": 2.5, "question": 1.5, "answer": 1.0}


def _tokens(text: str) -> list[str]:
    import rjieba

    out: list[str] = []
    for token in rjieba.cut_for_search(text or ""):
        token = token.strip().lower()
        if not token or not any(ch.isalnum() for ch in token):
            continue
        out.append(token)
    return out


def _kb_index() -> tuple[list[tuple[KnowledgeArticle, dict[str, Counter[str]]]], dict[str, float]]:
    global _kb_cache
    stats = KnowledgeArticle.objects.aggregate(latest=Max("updated_at"))
    version = (KnowledgeArticle.objects.count(), stats["latest"])
    cached = _kb_cache
    if cached is not None and cached[0] == version:
        return cached[1], cached[2]
    docs: list[tuple[KnowledgeArticle, dict[str, Counter[str]]]] = []
    df: Counter[str] = Counter()
    for article in KnowledgeArticle.objects.filter(is_active=True).select_related("category"):
        fields = {name: Counter(_tokens(getattr(article, name))) for name in _FIELD_WEIGHTS}
        docs.append((article, fields))
        df.update({t for c in fields.values() for t in c})
    n = max(len(docs), 1)
    idf = {t: math.log(1 + n / (1 + f)) + 0.1 for t, f in df.items()}
    with _kb_lock:
        _kb_cache = (version, docs, idf)
    return docs, idf


def kb_search(*, q: str, limit: int = 5) -> list[KbHit]:
    """Articles for a caller's question, best first (segmented words, weighted by field)."""
    words = set(_tokens(q))
    if not words:
        return []
    docs, idf = _kb_index()
    hits: list[KbHit] = []
    for article, fields in docs:
        score = 0.0
        for word in words:
            if word not in idf:
                continue
            best = max((_FIELD_WEIGHTS[name] for name, counter in fields.items() if word in counter),
                       default=0.0)
            score += best * idf[word] * (1 + 0.2 * min(len(word) - 1, 3))
        if score > 0:
            hits.append(KbHit(article, round(score, 3)))
    hits.sort(key=lambda h: (-h.score, h.article.id))
    return hits[:limit]


def kb_list(*, q: str = "") -> list[KnowledgeArticle]:
    if q.strip():
        return [h.article for h in kb_search(q=q, limit=50)]
    return list(KnowledgeArticle.objects.select_related("category").order_by("-uses", "id")[:200])


def kb_get(*, public_id: UUID | str) -> KnowledgeArticle:
    try:
        return KnowledgeArticle.objects.get(public_id=public_id)
    except (KnowledgeArticle.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound("找不到该知识库条目", code="kb_not_found") from None


def now() -> datetime:
    return timezone.now()


LIMIT_CLASS_LABELS = dict(LimitClass.choices)


# --- The classifier: versions and drift ---------------------------------------------------------
MODEL_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR)


def _require_model_reader(actor: Any) -> None:
    if not scope_for(actor).has_role(*MODEL_ROLES):
        raise NotFound("找不到该页面", code="not_found")


def classifier_versions(*, actor: Any, limit: int = 50) -> list[Any]:
    """Trained classifier versions, newest first (supervisors, leaders, administrators)."""
    from .models import ClassifierVersion

    _require_model_reader(actor)
    return list(ClassifierVersion.objects.select_related("promoted_by").order_by("-created_at", "-id")[:limit])


def classifier_label_counts(*, actor: Any) -> dict[str, int]:
    """Human labels by source (active ones), for the model page."""
    from .models import ClassifierLabel

    _require_model_reader(actor)
    counts = Counter(ClassifierLabel.objects.filter(superseded=False).values_list("source", flat=True))
    return dict(counts)


@dataclass(frozen=True)
class StageTiming:
    stage: str  # "fast" (intake, the sparse model) or "full" (the background refinement)
    n: int
    median_ms: float
    p95_ms: float


def classifier_stage_timings(*, actor: Any, recent: int = 500) -> list[StageTiming]:
    """How long each classification stage took on the latest tickets (from their CLASSIFY
    events), for the model page: intake's fast stage and the background refinement."""
    _require_model_reader(actor)
    rows = (TicketEvent.objects.filter(action=Action.CLASSIFY, data__has_key="ms")
            .order_by("-id").values_list("data__stage", "data__ms")[:max(1, min(recent, 5000))])
    by_stage: dict[str, list[float]] = {}
    for stage, ms in rows:
        try:
            by_stage.setdefault(str(stage or "full"), []).append(float(ms))
        except (TypeError, ValueError):
            continue
    out = []
    for stage in ("fast", "full"):
        values = sorted(by_stage.get(stage, []))
        if values:
            out.append(StageTiming(stage=stage, n=len(values), median_ms=round(values[len(values) // 2], 1),
                                   p95_ms=round(values[min(len(values) - 1, int(len(values) * 0.95))], 1)))
    return out


@dataclass(frozen=True)
class DriftWeek:
    week: str  # ISO week start (Monday), local date
    received: int  # tickets received that week
    classified: int  # of them with a classifier suggestion
    low_confidence: int  # suggestions below the auto-dispatch threshold
    dispatched: int  # tickets dispatched that week
    returns: int  # returns that week

    @property
    def low_confidence_share(self) -> float | None:
        return round(self.low_confidence / self.classified, 4) if self.classified else None

    @property
    def returns_rate(self) -> float | None:
        return round(self.returns / self.dispatched, 4) if self.dispatched else None


def classifier_drift_weekly(*, actor: Any, weeks: int = 12, now: datetime | None = None,
                            threshold: float | None = None) -> list[DriftWeek]:
    """Per week: the share of tickets the classifier was unsure of and the returns rate.

    A rising share of low-confidence tickets says the requests changed (new topics, new
    wording) and the model should learn; a rising returns rate says dispatch goes wrong."""
    from datetime import timedelta

    from django.db.models.functions import TruncWeek

    from .models import TicketReturn

    _require_model_reader(actor)
    now = now or timezone.now()
    weeks = max(1, min(weeks, 104))
    today = timezone.localdate(now)
    start_day = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    start = timezone.make_aware(datetime.combine(start_day, datetime.min.time()))
    threshold = hotline_config().triage_threshold if threshold is None else threshold
    tz = timezone.get_current_timezone()
    received: Counter[str] = Counter()
    classified: Counter[str] = Counter()
    low: Counter[str] = Counter()
    for week, conf in (Ticket.objects.filter(received_at__gte=start, received_at__lte=now)
                       .annotate(w=TruncWeek("received_at", tzinfo=tz))
                       .values_list("w", "classifier_confidence")):
        key = timezone.localdate(week).isoformat() if isinstance(week, datetime) else str(week)
        received[key] += 1
        if conf is not None:
            classified[key] += 1
            low[key] += conf < threshold
    dispatched = Counter(
        (timezone.localdate(w).isoformat() if isinstance(w, datetime) else str(w))
        for w in Ticket.objects.filter(dispatched_at__gte=start, dispatched_at__lte=now)
        .annotate(w=TruncWeek("dispatched_at", tzinfo=tz)).values_list("w", flat=True))
    returns = Counter(
        (timezone.localdate(w).isoformat() if isinstance(w, datetime) else str(w))
        for w in TicketReturn.objects.filter(returned_at__gte=start, returned_at__lte=now)
        .annotate(w=TruncWeek("returned_at", tzinfo=tz)).values_list("w", flat=True))
    out = []
    for i in range(weeks):
        key = (start_day + timedelta(days=7 * i)).isoformat()
        out.append(DriftWeek(week=key, received=received[key], classified=classified[key],
                             low_confidence=low[key], dispatched=dispatched[key], returns=returns[key]))
    return out


def tickets_of_requester(*, user: Any) -> QuerySet[Ticket]:
    """The 12345 requests a signed-in person made online (newest first), for 我的."""
    if not getattr(user, "is_authenticated", False):
        return Ticket.objects.none()
    return Ticket.objects.filter(requester_user=user).order_by("-id")
