"""Reads of people, organisations and staff, always through the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import NotFound
from onewindow.core.masking import mask_address, mask_id_number, mask_phone
from onewindow.core.selectors import by_public_id

from .models import (
    AgreementAcceptance,
    ApiToken,
    Department,
    Enterprise,
    Person,
    RealNameRecord,
    ServiceClient,
    ServiceHall,
    Staff,
    User,
)
from .scope import Scope, scope_for


@dataclass(frozen=True)
class PersonFilters:
    q: str = ""
    region_code: str = ""


def person_list(*, actor: Any, filters: PersonFilters | None = None) -> QuerySet[Person]:
    """People whose home region lies in the actor's scope, newest first."""
    filters = filters or PersonFilters()
    scope = scope_for(actor)
    qs = Person.objects.filter(scope.q(region_path_field="region_path")).select_related("region")
    if filters.region_code:
        from onewindow.regions.selectors import region_get_by_code

        region = region_get_by_code(code=filters.region_code)
        qs = qs.filter(region_path__startswith=region.path) if region else qs.none()
    text = filters.q.strip()
    if text:
        if len(text) == 18 and text[:17].isdigit():
            qs = qs.filter(id_number_hash=lookup_hash(text))
        elif text.isdigit() and len(text) == 11:
            qs = qs.filter(phone_hash=lookup_hash(text))
        else:
            qs = qs.filter(name__startswith=text)
    return qs.order_by("-id")


def person_ids_by_number(*, text: str) -> list[int] | None:
    """The natural persons whose full ID number or mobile number is ``text`` (by keyed hash), or
    None when ``text`` is neither: other apps' staff searches (cases, tickets, households,
    elders) use it and apply their own scope to what they list."""
    text = (text or "").strip()
    if len(text) == 18 and text[:17].isdigit():
        wanted = Q(id_number_hash=lookup_hash(text.upper()))
    elif len(text) == 11 and text.isdigit():
        wanted = Q(phone_hash=lookup_hash(text))
    else:
        return None
    return list(Person.objects.filter(wanted).values_list("id", flat=True)[:50])


def person_get(*, actor: Any, public_id: UUID | str) -> Person:
    """One person in the actor's scope; NotFound otherwise (never reveal it exists)."""
    scope = scope_for(actor)
    try:
        return Person.objects.select_related("region").get(
            scope.q(region_path_field="region_path"), public_id=public_id
        )
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def person_get_for_intake(*, public_id: UUID | str) -> Person:
    """The person a window clerk takes an application for. A service hall serves everyone, so this
    is not limited to the clerk's region; the case services check what the clerk may do."""
    found = by_public_id(Person.objects.all(), public_id)
    if found is None:
        raise NotFound("找不到该自然人", code="person_not_found")
    return found  # type: ignore[no-any-return]


def person_find_by_id_number(*, id_number: str) -> Person | None:
    """The person registered with this (normalised) ID number, by keyed hash; None if none."""
    return Person.objects.filter(id_number_hash=lookup_hash(id_number)).first()


def person_of_user(*, user: Any) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.select_related("region").filter(user=user).first()


def person_masked(person: Person) -> dict[str, str]:
    return {
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
        "address": mask_address(person.address),
    }


def department_list(*, region_path: str | None = None) -> QuerySet[Department]:
    qs = Department.objects.filter(is_active=True).select_related("region")
    if region_path:
        qs = qs.filter(region__path__startswith=region_path)
    return qs.order_by("code")


def department_get(*, code: str) -> Department:
    try:
        return Department.objects.select_related("region").get(code=code)
    except Department.DoesNotExist:
        raise NotFound("找不到该部门", code="department_not_found") from None


def department_find(*, code: str, active_only: bool = False) -> Department | None:
    """A department by its code (only an active one when asked), or None: a form's choice, where
    the caller says what a missing one means."""
    qs = Department.objects.filter(code=(code or "").strip())
    return (qs.filter(is_active=True) if active_only else qs).first()


def hall_list(*, region_path: str | None = None) -> QuerySet[ServiceHall]:
    qs = ServiceHall.objects.select_related("region").prefetch_related("windows__department")
    if region_path:
        qs = qs.filter(region__path__startswith=region_path)
    return qs


def enterprise_list(*, actor: Any) -> QuerySet[Enterprise]:
    scope: Scope = scope_for(actor)
    return Enterprise.objects.filter(scope.q(region_path_field="region_path")).order_by("-id")


def enterprise_get(*, public_id: UUID | str) -> Enterprise:
    """An enterprise named by an applicant or a clerk. Not region-scoped: who may act for it is
    checked by the service that uses it (membership for applicants, duty for clerks)."""
    found = by_public_id(Enterprise.objects.all(), public_id)
    if found is None:
        raise NotFound("找不到该企业", code="enterprise_not_found")
    return found  # type: ignore[no-any-return]


def enterprise_find_by_credit_code(*, credit_code: str) -> Enterprise | None:
    """The enterprise registered with this (validated) unified social credit code; None if none."""
    return Enterprise.objects.filter(credit_code=credit_code).first()


def service_hall_get(*, public_id: UUID | str) -> ServiceHall:
    """A service hall (public: halls are listed on the portal), with its region."""
    found = by_public_id(ServiceHall.objects.select_related("region"), public_id)
    if found is None:
        raise NotFound("找不到该大厅", code="hall_not_found")
    return found  # type: ignore[no-any-return]


def staff_get(*, public_id: UUID | str | None) -> Staff:
    """A staff member picked from a list (an assignee). The service that assigns checks that the
    person may take the work; a missing or malformed id is NotFound."""
    found = by_public_id(Staff.objects.all(), public_id)
    if found is None:
        raise NotFound("找不到该工作人员", code="staff_not_found")
    return found  # type: ignore[no-any-return]


def staff_of_user(*, user: Any) -> Staff | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Staff.objects.select_related("region", "window", "window__hall")
        .prefetch_related("departments")
        .filter(user=user)
        .first()
    )


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def realname_of_user(*, user: Any) -> RealNameRecord | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return RealNameRecord.objects.filter(user=user).order_by("-id").first()


def agreement_of_user(*, user: Any) -> AgreementAcceptance | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return AgreementAcceptance.objects.filter(user=user).order_by("-accepted_at").first()


# --- Service accounts ----------------------------------------------------------------------------
def service_client_list(*, actor: Any) -> QuerySet[ServiceClient]:
    """Machine clients whose reach lies inside an administrator's region (nothing for others)."""
    from .constants import Role

    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(Role.ADMINISTRATOR):
        return ServiceClient.objects.none()
    return (ServiceClient.objects.filter(user__staff__region__path__startswith=scope.region_path or "")
            .select_related("user__staff__region", "created_by").prefetch_related("user__staff__departments")
            .order_by("revoked_at", "name"))


def service_client_get(*, actor: Any, client_id: str) -> ServiceClient:
    client = service_client_list(actor=actor).filter(client_id=client_id).first()
    if client is None:
        raise NotFound("找不到该服务账户，或您无权查看", code="client_not_found")
    return client


def actor_label(actor: Any) -> str:
    """The name written beside an event or record: the user's display name, else the username;
    "系统" for the timer, a task or an anonymous request (at most 100 characters)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "系统"
    return str(getattr(actor, "display_name", "") or actor.get_username())[:100]


def actor_id(actor: Any) -> int | None:
    """The user's id for an ``actor`` foreign key; None for the system or an anonymous request."""
    return actor.pk if getattr(actor, "is_authenticated", False) else None
