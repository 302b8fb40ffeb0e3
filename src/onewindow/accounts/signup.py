"""Accounts of citizens and enterprise agents: registration, window registration, password
reset and the person's own changes (password, phone).

Real-name registration follows 国办函〔2016〕108号 (the national technical guide for
"互联网+政务服务"): the ID number with the name, plus at least two more factors — the mobile
phone proved by an SMS code, and a social security card or bank card number verified by the
real-name provider (``identity.realname_provider``) — and the online service agreement, whose
version is recorded. People who cannot do this online register at a window: a clerk reads the
ID card, the person receives an SMS code on their phone and tells it to the clerk, and the
clerk activates the account. Every write is audited; personal data is masked in audit entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.masking import mask_id_number, mask_phone
from onewindow.regions.models import Region

from . import constants as c
from .identity import RealNameUnavailable, realname_provider
from .models import AgreementAcceptance, Enterprise, Person, RealNameRecord, User
from .otp import sms_code_check, sms_code_send, sms_code_use, sms_notice_send
from .rules import card_validate, credit_code_validate, id_number_parse, mobile_validate, username_validate
from .scope import scope_for
from .services import api_token_revoke_all
from .signin import signin_reset


def agreement_version() -> str:
    return str(getattr(settings, "ONEWINDOW_SERVICE_AGREEMENT_VERSION", "2026.1"))


class _Errors:
    """Collects per-field messages so that a form shows every problem at once."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.first_code = ""

    def run(self, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except ValidationFailed as exc:
            for field, msg in (exc.fields or {"__all__": exc.message}).items():
                self.fields.setdefault(field, msg)
            self.first_code = self.first_code or exc.code
            return None

    def add(self, field: str, msg: str, code: str) -> None:
        self.fields.setdefault(field, msg)
        self.first_code = self.first_code or code

    def raise_any(self) -> None:
        if self.fields:
            message = next(iter(self.fields.values())) if len(self.fields) == 1 else "提交的内容有误，请检查标出的项目"
            raise ValidationFailed(message, code=self.first_code, fields=self.fields)


def _password_check(password: str, user: User | None = None, *, field: str = "password") -> str:
    if not password:
        raise ValidationFailed("请设置密码", code="password_required", fields={field: "请设置密码"})
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        msg = "；".join(str(m) for m in exc.messages)
        raise ValidationFailed(msg, code="password_weak", fields={field: msg}) from None
    return password


def _name_check(value: str, *, field: str = "name", label: str = "姓名") -> str:
    name = (value or "").strip()
    if not name:
        raise ValidationFailed(f"请填写{label}", code=f"{field}_required", fields={field: f"请填写{label}"})
    if len(name) > 60:
        raise ValidationFailed(f"{label}过长", code=f"{field}_too_long", fields={field: f"{label}过长"})
    return name


def _realname(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except RealNameUnavailable:
        raise DomainError("实名核验服务暂时不可用，请稍后再试或到窗口办理", code="realname_unavailable",
                          status=503) from None


@dataclass(frozen=True)
class Registration:
    """What a person types to register online (or sends to the API)."""

    username: str
    password: str
    name: str
    id_number: str
    phone: str
    sms_code: str
    card_kind: str
    card_number: str
    agreement_version: str
    agreed: bool
    credit_code: str = ""  # enterprise agents: the enterprise's 统一社会信用代码
    enterprise_name: str = ""


def sms_code_request(*, phone: str, purpose: str, client_ip: str = "") -> str:
    """Send a code for registration or a phone change; returns the masked phone."""
    if purpose not in (c.SmsPurpose.REGISTER, c.SmsPurpose.PHONE_CHANGE):
        raise ValidationFailed("验证码用途无效", code="sms_purpose_invalid", fields={"purpose": "验证码用途无效"})
    phone = mobile_validate(phone)
    sms_code_send(phone=phone, purpose=purpose, client_ip=client_ip)
    return mask_phone(phone)


def _person_for_account(*, id_number: str) -> Person | None:
    person = Person.objects.select_for_update().filter(id_number_hash=lookup_hash(id_number)).first()
    if person is not None and person.user_id is not None:
        raise Conflict("该身份证号码已注册账号，请直接登录；忘记密码可用短信验证码找回",
                       code="person_has_account", fields={"id_number": "该身份证号码已注册账号"})
    return person


def _bind_person(*, person: Person | None, user: User, name: str, id_number: str, phone: str,
                 region: Region | None = None) -> Person:
    facts = id_number_parse(id_number)
    if person is None:
        return Person.objects.create(
            name=name, id_number=facts.number, id_number_hash=lookup_hash(facts.number),
            gender=facts.gender, birth_date=facts.birth_date, phone=phone, phone_hash=lookup_hash(phone),
            region=region, region_path=region.path if region else "", user=user)
    person.user = user
    person.phone = phone
    person.phone_hash = lookup_hash(phone)
    fields = ["user", "phone", "phone_hash", "updated_at"]
    if region is not None and person.region_id is None:
        person.region, person.region_path = region, region.path
        fields += ["region", "region_path"]
    person.save(update_fields=fields)
    return person


def account_register(*, data: Registration, channel: str = c.RegistrationChannel.ONLINE,
                     now: datetime | None = None) -> User:
    """Register a citizen, or an enterprise's agent when ``data.credit_code`` is given."""
    now = now or timezone.now()
    errors = _Errors()
    username = errors.run(lambda: username_validate(data.username))
    if username and User.objects.filter(username__iexact=username).exists():
        errors.add("username", "该用户名已被使用，请换一个", "username_taken")
    name = errors.run(lambda: _name_check(data.name))
    facts = errors.run(lambda: id_number_parse(data.id_number))
    phone = errors.run(lambda: mobile_validate(data.phone))
    card = errors.run(lambda: card_validate(data.card_kind, data.card_number))
    enterprise: Enterprise | None = None
    if data.credit_code or data.enterprise_name:
        code = errors.run(lambda: credit_code_validate(data.credit_code))
        ent_name = errors.run(lambda: _name_check(data.enterprise_name, field="enterprise_name",
                                                  label="企业名称"))
        if code and ent_name:
            enterprise = Enterprise.objects.filter(credit_code=code).first()
            if enterprise is None or enterprise.name != ent_name:
                errors.add("credit_code", "法人库中没有该统一社会信用代码与名称的企业，请核对营业执照或到窗口办理",
                           "enterprise_not_found")
    provisional = User(username=username or "", display_name=name or "")
    errors.run(lambda: _password_check(data.password, provisional))
    if not data.agreed:
        errors.add("agreed", "请阅读并同意用户服务协议", "agreement_required")
    elif data.agreement_version != agreement_version():
        errors.add("agreed", "服务协议已更新，请重新阅读后同意", "agreement_outdated")
    if not data.sms_code.strip():
        errors.add("sms_code", "请填写短信验证码", "sms_code_required")
    errors.raise_any()
    assert username and name and facts and phone and card

    provider = realname_provider()
    if not _realname(lambda: provider.check_name(id_number=facts.number, name=name)):
        raise ValidationFailed("姓名与身份证号码不一致，请核对", code="realname_mismatch",
                               fields={"name": "姓名与身份证号码不一致", "id_number": "姓名与身份证号码不一致"})
    if not _realname(lambda: provider.check_card(kind=data.card_kind, number=card, id_number=facts.number,
                                                 name=name)):
        msg = f"{c.CardKind(data.card_kind).label}号码与本人身份信息不一致，请核对"
        raise ValidationFailed(msg, code="card_mismatch", fields={"card_number": msg})
    code_row = sms_code_check(phone=phone, purpose=c.SmsPurpose.REGISTER, code=data.sms_code, now=now)

    kind = c.UserKind.ENTERPRISE if enterprise else c.UserKind.CITIZEN
    with transaction.atomic():
        person = _person_for_account(id_number=facts.number)
        sms_code_use(row=code_row, now=now)
        user = User(username=username, kind=kind, display_name=name)
        user.set_password(data.password)
        user.save()
        person = _bind_person(person=person, user=user, name=name, id_number=facts.number, phone=phone)
        if enterprise is not None:
            enterprise.users.add(user)
        factors = [c.FACTOR_ID_NAME, c.FACTOR_MOBILE_SMS, data.card_kind]
        RealNameRecord.objects.create(user=user, channel=channel, factors=factors, provider=provider.code)
        AgreementAcceptance.objects.create(user=user, version=data.agreement_version, channel=channel,
                                           accepted_at=now)
        audit_record(actor=user, action=c.AUDIT_ACCOUNT_REGISTER, obj=user, summary={
            "channel": channel, "kind": kind, "name": name, "id_number": mask_id_number(facts.number),
            "phone": mask_phone(phone), "factors": factors, "agreement_version": data.agreement_version,
            "enterprise": enterprise.credit_code if enterprise else "", "person": str(person.public_id)})
    return user


# --- Window registration ---------------------------------------------------------------------
def _require_window_clerk(actor: Any) -> None:
    if not scope_for(actor).has_role(c.Role.WINDOW_CLERK, c.Role.ADMINISTRATOR):
        raise PermissionDenied("只有窗口工作人员可以办理窗口注册", code="window_clerk_required")


def window_register_send_code(*, actor: Any, phone: str, client_ip: str = "") -> str:
    _require_window_clerk(actor)
    phone = mobile_validate(phone)
    sms_code_send(phone=phone, purpose=c.SmsPurpose.WINDOW_REGISTER, client_ip=client_ip)
    return mask_phone(phone)


def window_register(
    *, actor: Any, name: str, id_number: str, phone: str, sms_code: str, username: str,
    password: str = "", agreement_signed: bool, region: Region | None = None, now: datetime | None = None,
) -> User:
    """A clerk activates the account of a person present at the window.

    The ID card is read at the window (the reader's stand-in: the clerk types name and number),
    the person proves the phone with the SMS code, signs the service agreement on paper, and
    either types a password on the counter keypad or later sets one through 忘记密码.
    """
    _require_window_clerk(actor)
    now = now or timezone.now()
    errors = _Errors()
    name = errors.run(lambda: _name_check(name))
    facts = errors.run(lambda: id_number_parse(id_number))
    phone = errors.run(lambda: mobile_validate(phone))
    username = errors.run(lambda: username_validate(username))
    if username and User.objects.filter(username__iexact=username).exists():
        errors.add("username", "该用户名已被使用，请换一个", "username_taken")
    if password:
        errors.run(lambda: _password_check(password, User(username=username or "", display_name=name or "")))
    if not agreement_signed:
        errors.add("agreement_signed", "请办事人阅读并签署用户服务协议", "agreement_required")
    if region is not None and not scope_for(actor).covers_region_path(region.path):
        errors.add("region", "该区划不在您的管辖范围内", "region_out_of_scope")
    if not (sms_code or "").strip():
        errors.add("sms_code", "请填写办事人收到的短信验证码", "sms_code_required")
    errors.raise_any()
    assert name and facts and phone and username

    provider = realname_provider()
    if not _realname(lambda: provider.check_name(id_number=facts.number, name=name)):
        raise ValidationFailed("姓名与身份证号码不一致，请核对证件", code="realname_mismatch",
                               fields={"name": "姓名与身份证号码不一致"})
    code_row = sms_code_check(phone=phone, purpose=c.SmsPurpose.WINDOW_REGISTER, code=sms_code, now=now)
    channel = c.RegistrationChannel.WINDOW
    with transaction.atomic():
        person = _person_for_account(id_number=facts.number)
        sms_code_use(row=code_row, now=now)
        user = User(username=username, kind=c.UserKind.CITIZEN, display_name=name)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        person = _bind_person(person=person, user=user, name=name, id_number=facts.number, phone=phone,
                              region=region)
        factors = [c.FACTOR_ID_CARD, c.FACTOR_IN_PERSON, c.FACTOR_ID_NAME, c.FACTOR_MOBILE_SMS]
        RealNameRecord.objects.create(user=user, channel=channel, factors=factors, provider=provider.code,
                                      clerk=actor)
        AgreementAcceptance.objects.create(user=user, version=agreement_version(), channel=channel,
                                           accepted_at=now)
        audit_record(actor=actor, action=c.AUDIT_ACCOUNT_WINDOW_REGISTER, obj=user, summary={
            "channel": channel, "username": username, "name": name,
            "id_number": mask_id_number(facts.number), "phone": mask_phone(phone), "factors": factors,
            "password_set": bool(password), "agreement_version": agreement_version(),
            "person": str(person.public_id)})
    platform = getattr(settings, "ONEWINDOW_PLATFORM_NAME", "一窗通办")
    tail = "" if password else "请在登录页点“忘记密码”，用本手机号收到的验证码设置密码。"
    transaction.on_commit(lambda: sms_notice_send(
        phone=phone, text=f"您的{platform}账号 {username} 已在窗口开通。{tail}"))
    return user


# --- Password reset by SMS -------------------------------------------------------------------
def _user_by_identifier(identifier: str) -> User | None:
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if len(identifier) == 18 and identifier[:17].isdigit():
        person = Person.objects.select_related("user").filter(
            id_number_hash=lookup_hash(identifier.upper())).first()
        return person.user if person else None
    return User.objects.filter(username__iexact=identifier, is_active=True).first()


def _person_phone_matches(user: User | None, phone: str) -> bool:
    if user is None or not user.is_active or user.kind == c.UserKind.STAFF:
        return False
    person = Person.objects.filter(user=user).only("phone_hash").first()
    return person is not None and bool(person.phone_hash) and person.phone_hash == lookup_hash(phone)


def password_reset_request(*, identifier: str, phone: str, client_ip: str = "") -> str:
    """Send a reset code when the account's phone is ``phone``. Says the same either way, so it
    reveals neither accounts nor phone numbers; returns the masked phone."""
    errors = _Errors()
    if not (identifier or "").strip():
        errors.add("identifier", "请填写用户名或身份证号码", "identifier_required")
    phone = errors.run(lambda: mobile_validate(phone))
    errors.raise_any()
    user = _user_by_identifier(identifier)
    if _person_phone_matches(user, phone):
        sms_code_send(phone=phone, purpose=c.SmsPurpose.PASSWORD_RESET, client_ip=client_ip)
    return mask_phone(phone)


def password_reset_confirm(*, identifier: str, phone: str, sms_code: str, new_password: str,
                           now: datetime | None = None) -> User:
    """Set a new password after the SMS code; revokes API tokens, ends other sessions (their
    session hash no longer matches) and lifts sign-in locks of this user name."""
    now = now or timezone.now()
    errors = _Errors()
    phone = errors.run(lambda: mobile_validate(phone))
    if not (sms_code or "").strip():
        errors.add("sms_code", "请填写短信验证码", "sms_code_required")
    user = _user_by_identifier(identifier)
    errors.run(lambda: _password_check(new_password, user, field="new_password"))
    errors.raise_any()
    assert phone
    if not _person_phone_matches(user, phone):
        msg = "验证码不正确或已过期，请重新获取"
        raise ValidationFailed(msg, code="sms_code_wrong", fields={"sms_code": msg})
    assert user is not None
    code_row = sms_code_check(phone=phone, purpose=c.SmsPurpose.PASSWORD_RESET, code=sms_code, now=now)
    with transaction.atomic():
        sms_code_use(row=code_row, now=now)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        api_token_revoke_all(user=user, reason="password_reset", now=now)
        audit_record(actor=user, action=c.AUDIT_PASSWORD_RESET, obj=user,
                     summary={"channel": "sms", "phone": mask_phone(phone)})
    signin_reset(username=user.get_username())
    return user


# --- The person's own changes ----------------------------------------------------------------
def password_change(*, user: User, old_password: str, new_password: str, now: datetime | None = None) -> User:
    """Change one's password; API tokens are revoked and other sessions end (the view keeps the
    current one with ``update_session_auth_hash``)."""
    now = now or timezone.now()
    if user.has_usable_password() and not user.check_password(old_password or ""):
        raise ValidationFailed("当前密码不正确", code="password_wrong", fields={"old_password": "当前密码不正确"})
    _password_check(new_password, user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoked = api_token_revoke_all(user=user, reason="password_changed", now=now)
        audit_record(actor=user, action=c.AUDIT_PASSWORD_CHANGE, obj=user, summary={"tokens_revoked": revoked})
    return user


def _own_person(user: User) -> Person:
    person = Person.objects.filter(user=user).first()
    if person is None:
        raise NotFound("您的账号未关联个人实名信息，请到窗口办理", code="person_missing")
    return person


def phone_change_request(*, user: User, new_phone: str, password: str, client_ip: str = "") -> str:
    person = _own_person(user)
    if user.has_usable_password() and not user.check_password(password or ""):
        raise ValidationFailed("当前密码不正确", code="password_wrong", fields={"password": "当前密码不正确"})
    phone = mobile_validate(new_phone, field="new_phone")
    if person.phone_hash == lookup_hash(phone):
        raise ValidationFailed("新手机号与当前手机号相同", code="phone_unchanged",
                               fields={"new_phone": "新手机号与当前手机号相同"})
    sms_code_send(phone=phone, purpose=c.SmsPurpose.PHONE_CHANGE, client_ip=client_ip)
    return mask_phone(phone)


def phone_change_confirm(*, user: User, new_phone: str, sms_code: str, now: datetime | None = None) -> Person:
    """Bind the new phone after its SMS code; the old number gets a notice."""
    now = now or timezone.now()
    person = _own_person(user)
    phone = mobile_validate(new_phone, field="new_phone")
    code_row = sms_code_check(phone=phone, purpose=c.SmsPurpose.PHONE_CHANGE, code=sms_code, now=now)
    old = person.phone
    with transaction.atomic():
        sms_code_use(row=code_row, now=now)
        person.phone = phone
        person.phone_hash = lookup_hash(phone)
        person.save(update_fields=["phone", "phone_hash", "updated_at"])
        audit_record(actor=user, action=c.AUDIT_PHONE_CHANGE, obj=person,
                     summary={"phone": [mask_phone(old), mask_phone(phone)], "channel": "sms"})
    if old:
        platform = getattr(settings, "ONEWINDOW_PLATFORM_NAME", "一窗通办")
        transaction.on_commit(lambda: sms_notice_send(
            phone=old, text=f"您的{platform}账号手机号已更换为{mask_phone(phone)}。如非本人操作，请立即联系12345。"))
    return person
