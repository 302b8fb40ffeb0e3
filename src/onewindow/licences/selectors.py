"""Reads of the licence library.

Nobody browses licences freely: holders see their own; staff lists are limited to
administrators of the issuing department within their region; staff use an applicant's
licences only inside that applicant's case (``services.licence_find_for_applicant``, audited).
The public verification answers one code at a time with masked holder data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Enterprise, Person
from onewindow.accounts.scope import scope_for
from onewindow.core.errors import NotFound
from onewindow.core.masking import mask_id_number, mask_name

from .constants import STANDARD_TYPES, HolderKind, LicenceStatus, VerifyStatus
from .models import Licence, LicenceType, LicenceUse
from .rules import mask_credit_code, verification_code_normalise, verify_status

# --- The case check hook ----------------------------------------------------------------------
CaseChecker = Callable[..., bool]
_case_checkers: list[CaseChecker] = []


def register_case_checker(func: CaseChecker) -> CaseChecker:
    """Higher apps (cases) register ``func(*, actor, case_ref, holder_id_number_hash,
    credit_code) -> bool``: True when ``case_ref`` is a case in the actor's reach whose
    applicant is that holder. Used by ``licence_find_for_applicant`` and ``licence_use``."""
    if func not in _case_checkers:
        _case_checkers.append(func)
    return func


def case_checkers() -> list[CaseChecker]:
    return list(_case_checkers)


def case_allows(*, actor: Any, case_ref: str, holder_id_number_hash: str, credit_code: str) -> bool:
    return all(
        checker(actor=actor, case_ref=case_ref, holder_id_number_hash=holder_id_number_hash,
                credit_code=credit_code)
        for checker in _case_checkers
    )


# --- Types --------------------------------------------------------------------------------------
def licence_type_get(*, code: str) -> LicenceType:
    """A type by code; a built-in (``STANDARD_TYPES``) code is created on first use."""
    code = (code or "").strip().upper()
    found = LicenceType.objects.select_related("issuing_department__region").filter(code=code).first()
    if found is not None:
        return found
    standard = STANDARD_TYPES.get(code)
    if standard is None:
        raise NotFound(f"证照类型“{code}”不存在", code="licence_type_not_found",
                       fields={"type_code": "证照类型不存在"})
    try:
        with transaction.atomic():
            return LicenceType.objects.create(
                code=standard.code, name=standard.name, document_kind=standard.document_kind,
                holder_kind=standard.holder_kind, issuer_name=standard.issuer_name,
                validity_years=standard.validity_years, validity_rule=standard.validity_rule,
            )
    except IntegrityError:  # created meanwhile by another request
        return LicenceType.objects.get(code=code)


def licence_types_ensure() -> int:
    """Create every built-in type that is missing; returns how many were created."""
    existing = set(LicenceType.objects.values_list("code", flat=True))
    missing = [code for code in STANDARD_TYPES if code not in existing]
    for code in missing:
        licence_type_get(code=code)
    return len(missing)


def licence_type_list() -> QuerySet[LicenceType]:
    return LicenceType.objects.filter(is_active=True).select_related("issuing_department").order_by("code")


# --- Public verification ------------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    status: VerifyStatus
    code: str = ""
    licence: Licence | None = None
    type_name: str = ""
    document_kind: str = ""
    number: str = ""
    holder_kind: str = ""
    holder_name_masked: str = ""
    holder_id_masked: str = ""
    issuer_name: str = ""
    issued_on: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    revoked_at: Any = None
    revocation_reason: str = ""
    #: "valid", "invalid" or "unsigned" (imported) — see ``signing``
    signature_status: str = ""
    signature_label: str = ""
    signature_key: str = ""
    signature: str = ""
    signed_content: str = ""

    @property
    def is_genuine(self) -> bool:
        return self.status != VerifyStatus.UNKNOWN

    @property
    def status_label(self) -> str:
        return str(self.status.label)


def holder_masked(licence: Licence) -> tuple[str, str]:
    """Masked holder name and identifier: persons fully masked; enterprise names are public."""
    if licence.holder_kind == HolderKind.PERSON:
        return mask_name(licence.holder_name), mask_id_number(licence.holder_id_number)
    return licence.holder_name, mask_credit_code(licence.holder_credit_code)


def licence_verify(*, code: str, today: date | None = None) -> Verification:
    """Is the document with this verification code genuine, and is it current?"""
    normalised = verification_code_normalise(code)
    if not normalised:
        return Verification(status=VerifyStatus.UNKNOWN, code=(code or "")[:40])
    licence = (Licence.objects.select_related("licence_type")
               .filter(verification_code=normalised).first())
    if licence is None:
        return Verification(status=VerifyStatus.UNKNOWN, code=normalised)
    today = today or timezone.localdate()
    name, identifier = holder_masked(licence)
    from .signing import signature_check, signed_content

    check = signature_check(licence)
    return Verification(
        status=verify_status(status=licence.status, valid_until=licence.valid_until, today=today),
        code=normalised, licence=licence, type_name=licence.title or licence.licence_type.name,
        document_kind=licence.document_kind, number=licence.masked_number,
        holder_kind=licence.holder_kind, holder_name_masked=name, holder_id_masked=identifier,
        issuer_name=licence.issuer_name, issued_on=licence.issued_on,
        valid_from=licence.valid_from, valid_until=licence.valid_until,
        revoked_at=licence.revoked_at, revocation_reason=licence.revocation_reason,
        signature_status=check.status, signature_label=check.label, signature_key=check.key_id,
        signature=licence.signature, signed_content=signed_content(licence) if licence.signature else "",
    )


# --- Holders ------------------------------------------------------------------------------------
def _holder_q_for_user(user: Any) -> Q | None:
    if not getattr(user, "is_authenticated", False):
        return None
    condition = Q(pk__in=[])
    matched = False
    person = Person.objects.filter(user=user).only("id_number_hash").first()
    if person is not None:
        condition |= Q(holder_kind=HolderKind.PERSON, holder_id_number_hash=person.id_number_hash)
        matched = True
    codes = list(Enterprise.objects.filter(users=user).values_list("credit_code", flat=True))
    if codes:
        condition |= Q(holder_kind=HolderKind.ENTERPRISE, holder_credit_code__in=codes)
        matched = True
    return condition if matched else None


def licence_list_for_user(*, user: Any) -> QuerySet[Licence]:
    """我的证照: licences of the user's own person record and of the enterprises they act for."""
    condition = _holder_q_for_user(user)
    if condition is None:
        return Licence.objects.none()
    return (Licence.objects.filter(condition).select_related("licence_type")
            .order_by("document_kind", "licence_type__code", "-issued_on", "-id"))


def licence_get_for_user(*, user: Any, public_id: UUID | str) -> Licence:
    try:
        return licence_list_for_user(user=user).get(public_id=public_id)
    except (Licence.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def licence_uses_for_holder(*, licence: Licence) -> QuerySet[LicenceUse]:
    """The trace a holder sees: who used their licence, in which case, when."""
    return licence.uses.all().order_by("-id")


def _holder_filter(holder: Person | Enterprise | None) -> Q | None:
    if isinstance(holder, Person):
        return Q(holder_kind=HolderKind.PERSON, holder_id_number_hash=holder.id_number_hash)
    if isinstance(holder, Enterprise):
        return Q(holder_kind=HolderKind.ENTERPRISE, holder_credit_code=holder.credit_code)
    return None


def licences_for_materials(
    *, holder: Person | Enterprise | None, material_licence_type_codes: Iterable[str],
    today: date | None = None,
) -> dict[str, Licence]:
    """For each material's licence type code, the holder's current licence of that type.

    Current = status valid and not past ``valid_until``; the one valid longest wins. Codes the
    holder has no current licence for are absent. One query.
    """
    codes = sorted({c.strip().upper() for c in material_licence_type_codes if c and c.strip()})
    condition = _holder_filter(holder)
    if not codes or condition is None:
        return {}
    today = today or timezone.localdate()
    rows = (
        Licence.objects.filter(condition, licence_type__code__in=codes, status=LicenceStatus.VALID)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("licence_type")
        .order_by("-issued_on", "-id")
    )
    found: dict[str, Licence] = {}
    for licence in rows:
        code = licence.licence_type.code
        best = found.get(code)
        if best is None or _lasts_longer(licence, best):
            found[code] = licence
    return found


def _lasts_longer(a: Licence, b: Licence) -> bool:
    if a.valid_until is None:
        return b.valid_until is not None
    return b.valid_until is not None and a.valid_until > b.valid_until


def licences_of_applicant(
    *, holder_id_number_hash: str = "", credit_code: str = "", type_codes: Iterable[str] | None = None,
) -> QuerySet[Licence]:
    """Unscoped building block of ``services.licence_find_for_applicant`` (which audits)."""
    if holder_id_number_hash:
        qs = Licence.objects.filter(holder_kind=HolderKind.PERSON,
                                    holder_id_number_hash=holder_id_number_hash)
    elif credit_code:
        qs = Licence.objects.filter(holder_kind=HolderKind.ENTERPRISE,
                                    holder_credit_code=credit_code.strip().upper())
    else:
        return Licence.objects.none()
    codes = sorted({c.strip().upper() for c in type_codes or () if c and c.strip()})
    if codes:
        qs = qs.filter(licence_type__code__in=codes)
    return (qs.exclude(status=LicenceStatus.REVOKED).select_related("licence_type")
            .order_by("-issued_on", "-id"))


# --- Staff: administrators of the issuing department ---------------------------------------------
@dataclass(frozen=True)
class LicenceFilters:
    q: str = ""
    type_code: str = ""
    status: str = ""


def _staff_q(actor: Any) -> Q:
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(Role.ADMINISTRATOR) or not scope.department_ids:
        return Q(pk__in=[])
    return Q(issuer_region_path__startswith=scope.region_path,
             issuing_department_id__in=sorted(scope.department_ids))


def licence_list(*, actor: Any, filters: LicenceFilters | None = None) -> QuerySet[Licence]:
    """Licences issued by the actor's own departments, for their administrators only."""
    filters = filters or LicenceFilters()
    qs = Licence.objects.filter(_staff_q(actor)).select_related("licence_type", "issuing_department")
    if filters.type_code:
        qs = qs.filter(licence_type__code=filters.type_code.strip().upper())
    if filters.status:
        qs = qs.filter(status=filters.status)
    text = filters.q.strip()
    if text:
        from onewindow.core.crypto import lookup_hash

        if len(text) == 18:
            qs = qs.filter(Q(number=text) | Q(holder_id_number_hash=lookup_hash(text))
                           | Q(holder_credit_code=text.upper()))
        else:
            qs = qs.filter(Q(number=text) | Q(holder_name__startswith=text))
    return qs.order_by("-id")


def licence_get(*, actor: Any, public_id: UUID | str) -> Licence:
    """One licence for an administrator of its issuing department; NotFound otherwise."""
    try:
        return (Licence.objects.select_related("licence_type", "issuing_department")
                .get(_staff_q(actor), public_id=public_id))
    except (Licence.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def licence_of_case_result(*, public_id: UUID | str | None) -> Licence | None:
    """The licence a case issued as its result (``Case.result_licence_ref``), or None when none was
    issued. The caller has already read the case through its own visibility rule, which is what
    decides who may see its result; this read adds no scope of its own."""
    if not public_id:
        return None
    try:
        return Licence.objects.select_related("licence_type").filter(public_id=public_id).first()
    except (ValueError, TypeError):
        return None


def licence_uses(*, actor: Any, licence: Licence) -> QuerySet[LicenceUse]:
    licence_get(actor=actor, public_id=licence.public_id)  # scope check
    return licence.uses.all().order_by("-id")


def licence_pdf_bytes(*, licence: Licence) -> bytes:
    """The stored PDF; rendered (and stored) again when the file is missing."""
    if licence.file:
        try:
            with licence.file.open("rb") as handle:
                return handle.read()
        except FileNotFoundError:
            pass
    from .documents import document_pdf

    pdf = document_pdf(licence)
    licence.file.save(f"{licence.public_id}.pdf", ContentFile(pdf), save=False)
    Licence.objects.filter(pk=licence.pk).update(file=licence.file.name)
    return pdf


def signing_public_keys() -> list[dict[str, str]]:
    """The platform's signature public keys (every listed version), for offline verification."""
    from onewindow.core.docsign import public_keys

    return public_keys()


def licence_type_codes_for_enterprise(*, enterprise: Any) -> set[str]:
    """Codes of the licence types the enterprise holds in force (valid and not expired)."""
    from django.utils import timezone as _tz

    today = _tz.localdate()
    return set(Licence.objects.filter(holder_enterprise=enterprise, status=LicenceStatus.VALID)
               .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
               .values_list("licence_type__code", flat=True))
