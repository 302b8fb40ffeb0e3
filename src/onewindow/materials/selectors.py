"""Reads of the material library: what a case may reuse, a holder's library and its uses,
commitments and post-checks in a member of staff's scope, post-check figures.

Holders see their own library (a person's, or an enterprise's they act for). Staff see library
entries only through a case of that holder (the cases app hands over the reference) and
commitments of departments and regions in their scope; anything else is ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from onewindow.accounts.models import Enterprise, Person
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import person_of_user
from onewindow.core.errors import NotFound

from . import rules
from .constants import CheckStatus, LibraryStatus
from .models import Commitment, CreditRecord, LibraryMaterial, MaterialUse


def _holder_q(holder: Person | Enterprise | None, prefix: str = "holder_") -> Q | None:
    if isinstance(holder, Person):
        return Q(**{f"{prefix}person_id": holder.pk})
    if isinstance(holder, Enterprise):
        return Q(**{f"{prefix}enterprise_id": holder.pk})
    return None


# --- Reuse in a case ------------------------------------------------------------------------------
def library_for_keys(*, holder: Person | Enterprise | None, keys: Iterable[str],
                     today: date | None = None) -> dict[str, LibraryMaterial]:
    """The holder's usable B-level material for each key (valid, consent given, not expired;
    the latest verified wins). Keys without one are absent. One query on the partial index."""
    wanted = sorted({k for k in keys if k})
    condition = _holder_q(holder)
    if not wanted or condition is None:
        return {}
    today = today or timezone.localdate()
    rows = (LibraryMaterial.objects.filter(condition, key__in=wanted, status=LibraryStatus.VALID,
                                           reuse_allowed=True)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .order_by("-verified_at", "-id"))
    found: dict[str, LibraryMaterial] = {}
    for row in rows:
        found.setdefault(row.key, row)
    return found


def library_material_by_ref(*, public_id: UUID | str | None) -> LibraryMaterial | None:
    """Unscoped building block for the cases app, which checks the case first."""
    if not public_id:
        return None
    return LibraryMaterial.objects.filter(public_id=public_id).first()


# --- The holder's own library ---------------------------------------------------------------------
@dataclass(frozen=True)
class Holder:
    person: Person | None
    enterprise: Enterprise | None

    @property
    def obj(self) -> Person | Enterprise | None:
        return self.enterprise or self.person

    @property
    def name(self) -> str:
        obj = self.obj
        return obj.name if obj is not None else ""


def holder_of_user(*, user: Any, enterprise_id: UUID | str | None = None) -> Holder:
    """The signed-in person, or one of the enterprises the user acts for."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound("请先登录", code="material_holder_not_found")
    if enterprise_id:
        enterprise = user.enterprises.filter(public_id=enterprise_id).first()
        if enterprise is None:
            raise NotFound("找不到该企业", code="enterprise_not_found")
        return Holder(person=None, enterprise=enterprise)
    person = person_of_user(user=user)
    if person is None:
        raise NotFound("您的账号尚未完成实名认证，暂无材料库", code="material_holder_not_found")
    return Holder(person=person, enterprise=None)


def library_of_holder(*, holder: Holder) -> QuerySet[LibraryMaterial]:
    condition = _holder_q(holder.obj)
    if condition is None:
        return LibraryMaterial.objects.none()
    return LibraryMaterial.objects.filter(condition).exclude(status=LibraryStatus.REVOKED)


def library_material_get(*, holder: Holder, public_id: UUID | str) -> LibraryMaterial:
    try:
        return library_of_holder(holder=holder).get(public_id=public_id)
    except (LibraryMaterial.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该材料", code="material_not_found") from None


def uses_of_holder(*, holder: Holder, limit: int = 200) -> list[MaterialUse]:
    condition = _holder_q(holder.obj)
    if condition is None:
        return []
    return list(MaterialUse.objects.filter(condition)
                .select_related("library_material", "licence", "licence__licence_type")
                .order_by("-id")[:limit])


def credit_records_of_holder(*, holder: Holder) -> list[CreditRecord]:
    condition = _holder_q(holder.obj)
    if condition is None:
        return []
    return list(CreditRecord.objects.filter(condition).select_related("commitment", "department"))


def commitments_of_case(*, case_uuid: UUID) -> list[Commitment]:
    """Unscoped: the cases app shows them on a case its caller may see."""
    return list(Commitment.objects.filter(case_uuid=case_uuid).order_by("id"))


# --- Staff: commitments and post-checks -----------------------------------------------------------
def commitments_for_staff(*, actor: Any, status: str = "") -> QuerySet[Commitment]:
    scope = scope_for(actor)
    qs = Commitment.objects.filter(scope.q(region_path_field="region_path",
                                           department_field="department_id"))
    if status:
        qs = qs.filter(check_status=status)
    return qs.select_related("department", "credit_record").order_by("check_due_on", "-committed_at", "-id")


def commitment_get(*, actor: Any, public_id: UUID | str) -> Commitment:
    try:
        return commitments_for_staff(actor=actor).get(public_id=public_id)
    except (Commitment.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该承诺记录", code="commitment_not_found") from None


@dataclass(frozen=True)
class PostcheckCounts:
    commitments: int = 0
    drawn: int = 0
    passed: int = 0
    failed: int = 0
    open: int = 0


def postcheck_counts(*, actor: Any, since: datetime | None = None, until: datetime | None = None
                     ) -> dict[tuple[int, int], PostcheckCounts]:
    """Per (department id, item id): commitments made in the period and their post-checks."""
    qs = commitments_for_staff(actor=actor).order_by()
    if since is not None:
        qs = qs.filter(committed_at__gte=since)
    if until is not None:
        qs = qs.filter(committed_at__lt=until)
    drawn = [CheckStatus.SCHEDULED, CheckStatus.PASSED, CheckStatus.FAILED]
    rows = qs.values("department_id", "item_id").annotate(
        n=Count("id"), drawn=Count("id", filter=Q(check_status__in=drawn)),
        passed=Count("id", filter=Q(check_status=CheckStatus.PASSED)),
        failed=Count("id", filter=Q(check_status=CheckStatus.FAILED)),
        open=Count("id", filter=Q(check_status=CheckStatus.SCHEDULED)))
    return {(r["department_id"], r["item_id"]): PostcheckCounts(r["n"], r["drawn"], r["passed"], r["failed"],
                                                                r["open"]) for r in rows}


def library_usable(material: LibraryMaterial, *, today: date | None = None) -> bool:
    return rules.library_usable(status=material.status, reuse_allowed=material.reuse_allowed,
                                valid_until=material.valid_until, today=today or timezone.localdate())
