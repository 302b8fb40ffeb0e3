"""Pluggable identity providers for citizens and enterprises.

Password sign-in is built in. A real-name or face-authentication service (e.g. a provincial
统一身份认证平台) plugs in by implementing ``IdentityProvider`` and registering it; on success
it returns a ``VerifiedIdentity`` carrying the verified ID number, and
``identity_resolve_user`` links it to the person's account (creating it on first sign-in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils.module_loading import import_string

from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed

from .constants import AUDIT_LOGIN, UserKind
from .models import Person, User
from .rules import id_number_parse


@dataclass(frozen=True)
class VerifiedIdentity:
    provider: str
    assurance: str  # "password", "real_name", "face"
    user: User | None = None
    id_number: str = ""
    name: str = ""
    phone: str = ""


class IdentityProvider(Protocol):
    code: str
    label: str

    def verify(self, request: HttpRequest, credentials: dict[str, Any]) -> VerifiedIdentity | None:
        """Check the credentials; None when they do not prove an identity."""


class PasswordProvider:
    code = "password"
    label = "账号密码"

    def verify(self, request: HttpRequest, credentials: dict[str, Any]) -> VerifiedIdentity | None:
        user = authenticate(request, username=credentials.get("username", ""),
                            password=credentials.get("password", ""))
        if user is None:
            return None
        return VerifiedIdentity(provider=self.code, assurance="password", user=user)  # type: ignore[arg-type]


_providers: dict[str, IdentityProvider] = {}


def identity_provider_register(provider: IdentityProvider) -> None:
    _providers[provider.code] = provider


def identity_provider_get(code: str) -> IdentityProvider:
    try:
        return _providers[code]
    except KeyError:
        raise NotFound("不支持该登录方式", code="identity_provider_unknown") from None


def identity_providers() -> list[IdentityProvider]:
    return list(_providers.values())


class TypedIdCardProvider:
    """Development stand-in for a self-service kiosk's ID-card reader and face check.

    The hardware adapter of a real kiosk implements the same ``IdentityProvider`` protocol: it
    reads the card (name, ID number) and compares the live face with the card photo, then
    returns a ``VerifiedIdentity`` with ``assurance="face"``. Here the citizen types their name
    and ID number instead; the number must pass the GB 11643 checksum and match a registered
    person (by lookup hash) with that exact name. It never creates people. In production it
    refuses to work unless ``ONEWINDOW_KIOSK_TYPED_ID`` is set explicitly.
    """

    code = "kiosk_typed_id"
    label = "手工录入身份证号（开发演示）"

    def verify(self, request: HttpRequest, credentials: dict[str, Any]) -> VerifiedIdentity | None:
        if getattr(settings, "PRODUCTION", False) and not getattr(settings, "ONEWINDOW_KIOSK_TYPED_ID",
                                                                  False):
            raise PermissionDenied("本终端未接入身份证读卡器，请到窗口办理", code="kiosk_reader_missing")
        name = str(credentials.get("name") or "").strip()
        if not name:
            raise ValidationFailed("请填写姓名", code="name_required", fields={"name": "请填写姓名"})
        facts = id_number_parse(str(credentials.get("id_number") or ""))
        person = Person.objects.filter(id_number_hash=lookup_hash(facts.number)).only("name").first()
        if person is None or person.name != name:
            return None
        return VerifiedIdentity(provider=self.code, assurance="id_card", id_number=facts.number,
                                name=person.name)


identity_provider_register(PasswordProvider())
identity_provider_register(TypedIdCardProvider())


# --- Real-name checks (实名核验) -------------------------------------------------------------
class RealNameUnavailable(Exception):
    """The real-name service could not be reached; the person may retry or go to a window."""


class RealNameProvider(Protocol):
    """Checks facts about a person against authoritative records (公安人口库, 社保, 银联).

    Selected by ``ONEWINDOW_REALNAME_PROVIDER``. Each method answers True (the facts match),
    False (they do not), or raises ``RealNameUnavailable``.
    """

    code: str
    label: str
    development_only: bool

    def check_name(self, *, id_number: str, name: str) -> bool:
        """Does ``name`` belong to the (checksum-valid) ``id_number``?"""

    def check_card(self, *, kind: str, number: str, id_number: str, name: str) -> bool:
        """Is the social security or bank card ``number`` held by this person?"""


class DevelopmentRealNameProvider:
    """Development stand-in with no population register behind it.

    Name check: when the ID number belongs to a person already in the platform's register, the
    name must be theirs; otherwise any name is accepted. Card check: any well-formed number
    (bank cards pass the Luhn check) is accepted, except numbers ending in ``0000``, which it
    reports as not matching so that the refusal can be tried. Refused in production unless
    ``ONEWINDOW_ALLOW_DEV_PROVIDERS`` is set.
    """

    code = "development"
    label = "开发环境实名核验（模拟）"
    development_only = True

    def _allowed(self) -> None:
        if getattr(settings, "PRODUCTION", False) and not getattr(settings, "ONEWINDOW_ALLOW_DEV_PROVIDERS",
                                                                  False):
            raise RealNameUnavailable("development real-name stand-in refused in production")

    def check_name(self, *, id_number: str, name: str) -> bool:
        self._allowed()
        person = Person.objects.filter(id_number_hash=lookup_hash(id_number)).only("name").first()
        return person is None or person.name == name

    def check_card(self, *, kind: str, number: str, id_number: str, name: str) -> bool:
        self._allowed()
        return not number.endswith("0000")


def realname_provider() -> RealNameProvider:
    path = getattr(settings, "ONEWINDOW_REALNAME_PROVIDER",
                   "onewindow.accounts.identity.DevelopmentRealNameProvider")
    return import_string(path)()  # type: ignore[no-any-return]


def identity_resolve_user(*, identity: VerifiedIdentity) -> User:
    """The account behind a verified identity; real-name identities get one on first sign-in."""
    if identity.user is not None:
        return identity.user
    facts = id_number_parse(identity.id_number)
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(
            id_number_hash=lookup_hash(facts.number)).first()
        if person is None:
            from .services import person_create, user_create

            user = user_create(username=f"p{lookup_hash(facts.number)[:16]}", password=None,
                               kind=UserKind.CITIZEN, display_name=identity.name)
            person = person_create(actor=None, name=identity.name or "实名用户",
                                   id_number=facts.number, phone=identity.phone, user=user)
        elif person.user is None:
            from .services import user_create

            person.user = user_create(username=f"p{person.id_number_hash[:16]}", password=None,
                                      kind=UserKind.CITIZEN, display_name=person.name)
            person.save(update_fields=["user", "updated_at"])
        assert person.user is not None
        audit_record(actor=person.user, action=AUDIT_LOGIN, obj=person.user,
                     summary={"provider": identity.provider, "assurance": identity.assurance})
        return person.user


def identity_sign_in(*, request: HttpRequest, provider_code: str, credentials: dict[str, Any]) -> User:
    identity = identity_provider_get(provider_code).verify(request, credentials)
    if identity is None:
        raise NotAuthenticated("身份核验未通过", code="identity_not_verified")
    return identity_resolve_user(identity=identity)
