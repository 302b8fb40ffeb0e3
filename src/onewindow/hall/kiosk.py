"""The 7×24 self-service kiosk (自助终端): the reads and writes behind ``kiosk_views``.

A kiosk stands in a service hall and is shared by strangers, so a citizen's session there is
marked as a kiosk session of that hall and is short-lived: it ends after
``ONEWINDOW_KIOSK_IDLE_SECONDS`` without a touch (the page's own timer signs out; the server
refuses a session idle for longer than that plus a grace period) and, whatever happens, after
``ONEWINDOW_KIOSK_MAX_SECONDS``.

Identification goes through ``accounts.identity``: the provider named by
``ONEWINDOW_KIOSK_IDENTITY_PROVIDER`` (the ID-card reader + face check adapter of the
hardware; by default the typed-in development provider).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest

from onewindow.accounts.constants import UserKind
from onewindow.accounts.identity import (
    VerifiedIdentity,
    identity_provider_get,
    identity_resolve_user,
)
from onewindow.accounts.models import Person, ServiceHall, User
from onewindow.cases import services
from onewindow.catalog.constants import VersionStatus
from onewindow.catalog.models import ServiceItem, ServiceItemVersion, Theme
from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import (
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from onewindow.core.masking import mask_id_number

SETTING_IDLE = "ONEWINDOW_KIOSK_IDLE_SECONDS"
SETTING_MAX = "ONEWINDOW_KIOSK_MAX_SECONDS"
SETTING_PROVIDER = "ONEWINDOW_KIOSK_IDENTITY_PROVIDER"
SETTING_IDENTIFY_RATE = "ONEWINDOW_KIOSK_IDENTIFY_RATE"
DEFAULT_IDLE = 120
DEFAULT_MAX = 20 * 60
DEFAULT_PROVIDER = "kiosk_typed_id"
DEFAULT_IDENTIFY_RATE = 10  # attempts per terminal address per minute
IDLE_GRACE_SECONDS = 30  # the server tolerates a page timer that fired a little late

SESSION_KEY = "kiosk"  # {"hall": public id, "started": epoch seconds, "seen": epoch seconds}

AUDIT_SIGN_IN = "kiosk.sign_in"
AUDIT_SIGN_IN_FAILED = "kiosk.sign_in_failed"
AUDIT_SIGN_OUT = "kiosk.sign_out"


def idle_seconds() -> int:
    return max(int(getattr(settings, SETTING_IDLE, DEFAULT_IDLE)), 1)


def max_seconds() -> int:
    return max(int(getattr(settings, SETTING_MAX, DEFAULT_MAX)), 1)


def session_seconds() -> int:
    """How long the server keeps an untouched kiosk session (the cookie's expiry)."""
    return idle_seconds() + IDLE_GRACE_SECONDS


def provider_code() -> str:
    return str(getattr(settings, SETTING_PROVIDER, DEFAULT_PROVIDER))


# --- Halls and items ----------------------------------------------------------------------------
def kiosk_hall_get(*, public_id: UUID | str) -> ServiceHall:
    hall = ServiceHall.objects.select_related("region").filter(public_id=public_id).first()
    if hall is None:
        raise NotFound("找不到该服务大厅的自助终端", code="hall_not_found")
    return hall


def _kiosk_versions() -> QuerySet[ServiceItemVersion]:
    return (ServiceItemVersion.objects
            .filter(status=VersionStatus.PUBLISHED, kiosk=True, item__current_version_id=F("id"))
            .select_related("item", "item__department"))


@dataclass
class KioskGroup:
    title: str
    versions: list[ServiceItemVersion] = field(default_factory=list)


@dataclass
class KioskCatalogue:
    groups: list[KioskGroup]
    themes: list[Theme]
    query: str = ""
    theme: str = ""
    did_you_mean: str = ""

    @property
    def count(self) -> int:
        return sum(len(g.versions) for g in self.groups)


def _by_department(versions: Iterable[ServiceItemVersion]) -> list[KioskGroup]:
    groups: dict[str, KioskGroup] = {}
    for version in versions:
        department = version.item.department
        name = department.short_name or department.name
        groups.setdefault(name, KioskGroup(name)).versions.append(version)
    return list(groups.values())


def kiosk_catalogue(*, query: str = "", theme: str = "", limit: int = 200) -> KioskCatalogue:
    """The items a kiosk offers (published version in force with ``kiosk=True``), grouped by
    department; narrowed by a theme code, or searched with the catalogue search (which already
    knows the kiosk flag), best match first."""
    from onewindow.catalog.search import SearchFilters, catalogue_search

    query = (query or "").strip()[:64]
    themes = list(Theme.objects.filter(items__current_version__kiosk=True,
                                       items__current_version__status=VersionStatus.PUBLISHED)
                  .distinct().order_by("person_kind", "order", "code"))
    theme = theme if theme in {t.code for t in themes} else ""
    qs = _kiosk_versions()
    if theme:
        qs = qs.filter(item__themes__code=theme)
    if query:
        result = catalogue_search(query, SearchFilters(flag="kiosk", theme=theme), limit=50)
        order = [hit.doc.id for hit in result.hits]
        found = {str(v.item.public_id): v for v in qs.filter(item__public_id__in=order)}
        ranked = [found[i] for i in order if i in found]
        return KioskCatalogue([KioskGroup("搜索结果", ranked)] if ranked else [], themes, query,
                              theme, result.did_you_mean)
    versions = list(qs.order_by("item__department__code", "name")[:limit])
    return KioskCatalogue(_by_department(versions), themes, "", theme)


def kiosk_item_get(*, public_id: UUID | str) -> ServiceItem:
    """An item a kiosk may take applications for; NotFound for any other."""
    try:
        version = _kiosk_versions().get(item__public_id=public_id)
    except (ServiceItemVersion.DoesNotExist, ValueError, TypeError):
        raise NotFound("该事项暂不支持自助终端办理，请到窗口办理", code="kiosk_item_not_found") from None
    item = version.item
    item.current_version = version
    return item


# --- Identification -----------------------------------------------------------------------------
def kiosk_identify(*, request: HttpRequest, hall: ServiceHall, credentials: dict[str, Any],
                   client_ip: str = "") -> User:
    """Identify a citizen at a kiosk through the configured identity provider. Success and
    failure are both audited (the ID number masked); attempts are rate-limited per terminal."""
    rate = int(getattr(settings, SETTING_IDENTIFY_RATE, DEFAULT_IDENTIFY_RATE))
    if not services.throttle_hit(key=f"kiosk:identify:{client_ip}", limit=rate):
        raise DomainError("核验次数过多，请稍后再试或到窗口办理", code="kiosk_identify_throttled",
                          status=429)
    provider = identity_provider_get(provider_code())
    masked = mask_id_number(str(credentials.get("id_number") or "").strip().upper())
    try:
        identity = provider.verify(request, credentials)
        if identity is None:
            raise NotAuthenticated("姓名与身份证号码不一致，或您尚未在本平台登记实名信息，请核对后重试或到窗口办理",
                                   code="kiosk_identity_not_verified",
                                   fields={"id_number": "姓名与身份证号码不一致"})
    except DomainError as error:
        if not isinstance(error, ValidationFailed):  # typing mistakes are not worth a record
            with transaction.atomic():
                audit_record(actor=None, action=AUDIT_SIGN_IN_FAILED, obj=hall, summary={
                    "provider": provider.code, "id_number": masked, "code": error.code})
        raise
    if _is_staff_identity(identity):
        with transaction.atomic():
            audit_record(actor=None, action=AUDIT_SIGN_IN_FAILED, obj=hall, summary={
                "provider": provider.code, "id_number": masked, "code": "kiosk_staff_refused"})
        raise PermissionDenied("工作人员账号不能在自助终端登录，请使用本人的个人身份办理",
                               code="kiosk_staff_refused")
    user = identity_resolve_user(identity=identity)
    with transaction.atomic():
        audit_record(actor=user, action=AUDIT_SIGN_IN, obj=hall, summary={
            "provider": identity.provider, "assurance": identity.assurance, "id_number": masked,
            "hall": hall.name})
    return user


def _is_staff_identity(identity: VerifiedIdentity) -> bool:
    """A kiosk signs in citizens only: never a staff or administrator account."""
    user = identity.user
    if user is None and identity.id_number:
        person = (Person.objects.select_related("user")
                  .filter(id_number_hash=lookup_hash(identity.id_number.strip().upper())).first())
        user = person.user if person is not None else None
    if user is None:
        return False
    return bool(user.kind == UserKind.STAFF or user.is_staff or user.is_superuser)


def kiosk_sign_out_record(*, user: Any, hall: ServiceHall, reason: str) -> None:
    with transaction.atomic():
        audit_record(actor=user, action=AUDIT_SIGN_OUT, obj=hall, summary={"reason": reason})
