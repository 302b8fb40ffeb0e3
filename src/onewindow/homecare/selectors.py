"""Reads of home care, scoped by who asks.

- the civil-affairs bureau (supervisors, leaders, administrators) and community staff (grid
  workers, the care hotline's operators) see elders and orders whose ``region_path`` lies in their
  region: the bureau the whole district, a community its own elders;
- a provider's managers and carers see only their provider's orders and the elders it serves;
- an elder sees themself, a family member the elders they are a contact of.
Anything out of scope is NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from onewindow.accounts.constants import Role
from onewindow.accounts.scope import Scope, scope_for
from onewindow.accounts.selectors import person_ids_by_number
from onewindow.core.errors import NotFound
from onewindow.core.selectors import by_public_id

from . import constants as c
from .models import (
    Alert,
    AllowanceRule,
    Assessment,
    Carer,
    Elder,
    FamilyContact,
    Order,
    Provider,
    Service,
    Settlement,
    SettlementLine,
    SpotCheck,
)

BUREAU_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR)
COMMUNITY_ROLES = (Role.GRID_WORKER, Role.HOTLINE_OPERATOR)


def _get(qs: QuerySet[Any], public_id: UUID | str, *, code: str, message: str) -> Any:
    try:
        return qs.get(public_id=public_id)
    except (qs.model.DoesNotExist, ValueError, DjangoValidationError):
        raise NotFound(message, code=code) from None


def _authenticated(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def is_bureau(actor: Any) -> bool:
    return scope_for(actor).has_role(*BUREAU_ROLES)


def is_community(actor: Any) -> bool:
    return scope_for(actor).has_role(*COMMUNITY_ROLES)


def region_scope(actor: Any) -> Scope | None:
    """The region scope of staff who see elders by place (bureau, community, hotline)."""
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(*BUREAU_ROLES, *COMMUNITY_ROLES):
        return None
    return scope


def provider_of(actor: Any) -> Provider | None:
    """The provider an account works for (as manager or carer), cached on the user."""
    if not _authenticated(actor):
        return None
    if hasattr(actor, "_homecare_provider"):
        return actor._homecare_provider  # type: ignore[no-any-return]
    provider = Provider.objects.filter(managers=actor).first()
    if provider is None:
        carer = Carer.objects.select_related("provider").filter(user=actor, is_active=True).first()
        provider = carer.provider if carer else None
    actor._homecare_provider = provider
    return provider


def is_provider_manager(actor: Any, provider: Provider) -> bool:
    return _authenticated(actor) and provider.managers.filter(pk=actor.pk).exists()


def carer_of(actor: Any) -> Carer | None:
    if not _authenticated(actor):
        return None
    return Carer.objects.select_related("provider").filter(user=actor, is_active=True).first()


# --- Elders -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ElderFilters:
    q: str = ""
    care_level: int | None = None
    living: str = ""
    care_mode: str = ""


def elder_qs_for(actor: Any) -> QuerySet[Elder]:
    base = Elder.objects.select_related("community", "person")
    if not _authenticated(actor):
        return base.none()
    scope = region_scope(actor)
    if scope is not None:
        return base.filter(scope.q(region_path_field="region_path"))
    provider = provider_of(actor)
    if provider is not None:
        return base.filter(Exists(Order.objects.filter(elder=OuterRef("pk"), provider=provider)))
    contact = FamilyContact.objects.filter(elder=OuterRef("pk"), user=actor)
    return base.filter(Q(person__user=actor) | Q(Exists(contact)))


def elder_list(*, actor: Any, filters: ElderFilters | None = None) -> QuerySet[Elder]:
    f = filters or ElderFilters()
    qs = elder_qs_for(actor)
    text = f.q.strip()
    person_ids = person_ids_by_number(text=text) if text else None
    if person_ids is not None:  # the elder's full ID or mobile number (staff searches post it)
        qs = qs.filter(person_id__in=person_ids)
    elif text:
        qs = qs.filter(name__contains=text)
    if f.care_level is not None:
        qs = qs.filter(care_level=f.care_level)
    if f.living:
        qs = qs.filter(living=f.living)
    if f.care_mode:
        qs = qs.filter(care_mode=f.care_mode)
    return qs.order_by("-id")


def elder_get(*, actor: Any, public_id: UUID | str) -> Elder:
    return _get(elder_qs_for(actor), public_id, code="elder_not_found", message="找不到该老人，或您无权查看")


def elders_of_user(*, user: Any) -> list[Elder]:
    """The elders a citizen may order for: themself, and those they are a contact of (may order)."""
    if not _authenticated(user):
        return []
    contact = FamilyContact.objects.filter(elder=OuterRef("pk"), user=user, may_order=True)
    return list(Elder.objects.filter(Q(person__user=user) | Q(Exists(contact)), status=c.ElderStatus.ACTIVE)
                .select_related("community").order_by("name"))


def elder_contacts(*, elder: Elder) -> QuerySet[FamilyContact]:
    return elder.contacts.all()


def elder_assessments(*, elder: Elder) -> QuerySet[Assessment]:
    return elder.assessments.all()


def allowance_used(*, elder: Elder, month: date) -> Decimal:
    total = (Order.objects.filter(elder=elder, month=month).exclude(status=c.OrderStatus.CANCELLED)
             .aggregate(s=Coalesce(Sum("allowance_part"), Decimal("0.00")))["s"])
    return Decimal(total)


def allowance_left(*, elder: Elder, month: date) -> Decimal:
    return max(elder.monthly_allowance - allowance_used(elder=elder, month=month), Decimal("0.00"))


def allowance_rules(*, active_only: bool = True) -> QuerySet[AllowanceRule]:
    qs = AllowanceRule.objects.all()
    return qs.filter(is_active=True) if active_only else qs


# --- Providers and services -----------------------------------------------------------------
def provider_list(*, approved_only: bool = True, category: str = "", street_code: str = "") -> QuerySet[Provider]:
    qs = Provider.objects.prefetch_related("streets")
    if approved_only:
        qs = qs.filter(status=c.ProviderStatus.APPROVED)
    if category:
        qs = qs.filter(services__category=category, services__is_active=True).distinct()
    if street_code:
        qs = qs.filter(streets__code=street_code).distinct()
    return qs.order_by("name")


def provider_get(*, public_id: UUID | str, approved_only: bool = True) -> Provider:
    qs = Provider.objects.all()
    if approved_only:
        qs = qs.filter(status=c.ProviderStatus.APPROVED)
    return _get(qs, public_id, code="provider_not_found", message="找不到该服务机构")


def provider_for_actor(*, actor: Any, public_id: UUID | str) -> Provider:
    """A provider as staff see it: the bureau any, a provider's own people their own."""
    provider = provider_get(public_id=public_id, approved_only=False)
    if is_bureau(actor) or provider_of(actor) == provider:
        return provider
    if provider.status == c.ProviderStatus.APPROVED:
        return provider
    raise NotFound("找不到该服务机构", code="provider_not_found")


def providers_near(*, lng: float | None, lat: float | None, category: str = "") -> list[tuple[Provider, int | None]]:
    from .rules import distance_m

    rows = []
    for p in provider_list(category=category):
        d = (round(distance_m(lng, lat, p.lng, p.lat))
             if lng is not None and lat is not None and p.lng is not None and p.lat is not None else None)
        rows.append((p, d))
    rows.sort(key=lambda r: (r[1] is None, r[1] or 0, r[0].name))
    return rows


def institutions_with_beds() -> QuerySet[Provider]:
    return provider_list().filter(kind=c.ProviderKind.INSTITUTION, beds_total__gt=0).order_by("name")


def service_list(*, category: str = "", active_only: bool = True) -> QuerySet[Service]:
    qs = Service.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("category", "code")


def service_list_by_codes(*, codes: list[str]) -> list[Service]:
    """The services with these codes (a provider's offer; unknown codes are left out)."""
    return list(Service.objects.filter(code__in=codes))


def service_get(*, public_id: UUID | str) -> Service:
    return _get(Service.objects.filter(is_active=True), public_id, code="service_not_found", message="找不到该服务项目")


def category_counts() -> list[tuple[str, str, int]]:
    counts = dict(Service.objects.filter(is_active=True).values_list("category").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in c.Category.choices]


def carers_of(*, provider: Provider) -> QuerySet[Carer]:
    return provider.carers.filter(is_active=True).order_by("name")


def carer_of_provider(*, provider: Provider | None, public_id: UUID | str | None) -> Carer | None:
    """A carer of this provider by public id, or None (no provider, another provider's carer, a
    malformed id): the caller says what that means."""
    return None if provider is None else by_public_id(provider.carers, public_id)


# --- Orders -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    elder: str = ""
    provider: str = ""
    month: date | None = None


def order_qs_for(actor: Any) -> QuerySet[Order]:
    base = Order.objects.select_related("elder", "service", "provider", "carer")
    if not _authenticated(actor):
        return base.none()
    scope = region_scope(actor)
    if scope is not None:
        return base.filter(scope.q(region_path_field="region_path"))
    provider = provider_of(actor)
    if provider is not None:
        return base.filter(provider=provider)
    contact = FamilyContact.objects.filter(elder=OuterRef("elder_id"), user=actor)
    return base.filter(Q(elder__person__user=actor) | Q(Exists(contact)))


def order_list(*, actor: Any, filters: OrderFilters | None = None) -> QuerySet[Order]:
    f = filters or OrderFilters()
    qs = order_qs_for(actor)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.elder:
        qs = qs.filter(elder__public_id=f.elder)
    if f.provider:
        qs = qs.filter(provider__public_id=f.provider)
    if f.month:
        qs = qs.filter(month=f.month)
    return qs.order_by("-scheduled_at", "-id")


def order_get(*, actor: Any, public_id: UUID | str) -> Order:
    return _get(order_qs_for(actor), public_id, code="order_not_found", message="找不到该订单，或您无权查看")


def carer_day(*, carer: Carer, day: date, tz: Any = None) -> QuerySet[Order]:
    """A carer's orders of one day (and any still open from before), in booking order."""
    from datetime import time, timedelta

    from django.utils import timezone

    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    return (Order.objects.select_related("elder", "service")
            .filter(carer=carer)
            .filter(Q(scheduled_at__gte=start, scheduled_at__lt=end)
                    | Q(scheduled_at__lt=start, status__in=[c.OrderStatus.ASSIGNED, c.OrderStatus.IN_SERVICE]))
            .exclude(status=c.OrderStatus.CANCELLED)
            .order_by("scheduled_at"))


def order_payments(*, order: Order) -> list[Any]:
    return list(order.payments.all())


# --- Alerts, spot checks, figures ------------------------------------------------------------------
def alert_list(*, actor: Any, open_only: bool = True) -> QuerySet[Alert]:
    qs = Alert.objects.select_related("elder", "order", "provider")
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    scope = region_scope(actor)
    if scope is not None:
        return qs.filter(scope.q(region_path_field="region_path"))
    provider = provider_of(actor)
    if provider is not None:
        return qs.filter(provider=provider)
    return qs.none()


def spot_checks(*, actor: Any) -> QuerySet[SpotCheck]:
    if not is_bureau(actor):
        return SpotCheck.objects.none()
    return SpotCheck.objects.select_related("order", "order__elder", "order__provider")


def spot_check_candidates(*, actor: Any, month: date, limit: int = 20) -> QuerySet[Order]:
    """Delivered orders of the month not checked yet, in a stable pseudo-random order."""
    if not is_bureau(actor):
        return Order.objects.none()
    checked = SpotCheck.objects.filter(order=OuterRef("pk"))
    return (order_qs_for(actor).filter(month=month, status__in=c.DONE_STATUSES)
            .exclude(Exists(checked)).order_by("public_id")[:limit])


@dataclass(frozen=True)
class ProviderFigures:
    provider: Provider
    orders: int
    delivered: int
    on_time: int
    rating: float | None
    complaints: int
    alerts: int
    allowance: Decimal

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.delivered, 1) if self.delivered else None


def provider_figures(*, actor: Any, month: date) -> list[ProviderFigures]:
    """Per provider for one month: orders, delivered, on time (checked in within the grace time),
    average rating, complaints, alerts and allowance used. One grouped query each."""
    from datetime import timedelta

    from django.db.models import Avg, ExpressionWrapper, F
    from django.db.models import DateTimeField as DTF

    qs = order_qs_for(actor).filter(month=month).exclude(status=c.OrderStatus.CANCELLED)
    late_limit = ExpressionWrapper(F("scheduled_at") + timedelta(minutes=c.LATE_START_MINUTES), output_field=DTF())
    rows = (qs.values("provider").annotate(
        orders=Count("id"),
        delivered=Count("id", filter=Q(status__in=c.DONE_STATUSES)),
        on_time=Count("id", filter=Q(status__in=c.DONE_STATUSES, checkin_at__lte=late_limit)),
        rating=Avg("rating"),
        complaints=Count("id", filter=~Q(complaint_ticket="")),
        allowance=Coalesce(Sum("allowance_part"), Decimal("0.00")),
    ))
    by_provider = {r["provider"]: r for r in rows if r["provider"]}
    alerts = dict(Alert.objects.filter(provider_id__in=list(by_provider), raised_at__date__gte=month)
                  .values_list("provider").annotate(n=Count("id")))
    providers = {p.pk: p for p in Provider.objects.filter(pk__in=list(by_provider))}
    out = [ProviderFigures(providers[pk], r["orders"], r["delivered"], r["on_time"],
                           round(r["rating"], 2) if r["rating"] is not None else None, r["complaints"],
                           alerts.get(pk, 0), r["allowance"]) for pk, r in by_provider.items()]
    return sorted(out, key=lambda f: f.provider.name)


def data_figures(*, actor: Any, month: date) -> dict[str, Any]:
    """The data page: elders by street, level and mode; services by category; allowance; trend."""
    elders = elder_qs_for(actor).filter(status=c.ElderStatus.ACTIVE)
    by_level = dict(elders.values_list("care_level").annotate(n=Count("id")))
    by_mode = dict(elders.values_list("care_mode").annotate(n=Count("id")))
    by_living = dict(elders.values_list("living").annotate(n=Count("id")))
    streets = list(elders.values_list("community__parent__name").annotate(n=Count("id"))
                   .order_by("community__parent__code"))
    orders = order_qs_for(actor).exclude(status=c.OrderStatus.CANCELLED)
    month_orders = orders.filter(month=month)
    by_category = dict(month_orders.filter(status__in=c.DONE_STATUSES).values_list("service__category")
                       .annotate(n=Count("id")))
    trend = list(orders.values("month").annotate(n=Count("id"), allowance=Coalesce(Sum("allowance_part"),
                                                                                Decimal("0.00")))
                 .order_by("-month")[:12])
    trend.reverse()
    return {
        "elders": elders.count(),
        "by_level": [(label, by_level.get(value, 0)) for value, label in c.CareLevel.choices]
        + [("未评估", by_level.get(None, 0))],
        "by_mode": [(label, by_mode.get(value, 0)) for value, label in c.CareMode.choices],
        "by_living": [(label, by_living.get(value, 0)) for value, label in c.Living.choices],
        "by_street": streets,
        "by_category": [(label, by_category.get(value, 0)) for value, label in c.Category.choices],
        "month_orders": month_orders.count(),
        "month_allowance": month_orders.aggregate(s=Coalesce(Sum("allowance_part"), Decimal("0.00")))["s"],
        "trend": [(r["month"].strftime("%Y-%m"), r["n"], float(r["allowance"])) for r in trend],
    }


# --- Settlement -------------------------------------------------------------------------------
def settlement_list(*, actor: Any, month: date | None = None) -> QuerySet[Settlement]:
    qs = Settlement.objects.select_related("provider")
    if month:
        qs = qs.filter(month=month)
    if is_bureau(actor):
        return qs
    provider = provider_of(actor)
    if provider is not None and is_provider_manager(actor, provider):
        return qs.filter(provider=provider)
    return qs.none()


def settlement_get(*, actor: Any, public_id: UUID | str) -> Settlement:
    return _get(settlement_list(actor=actor), public_id, code="settlement_not_found", message="找不到该结算单")


def settlement_lines(*, settlement: Settlement) -> QuerySet[SettlementLine]:
    return settlement.lines.select_related("order", "order__service", "elder").order_by("order__scheduled_at")


def settlement_by_elder(*, settlement: Settlement) -> list[dict[str, Any]]:
    rows = (settlement.lines.values("elder__name", "elder__public_id")
            .annotate(orders=Count("id"), amount=Sum("amount")).order_by("elder__name"))
    return [dict(r) for r in rows]
