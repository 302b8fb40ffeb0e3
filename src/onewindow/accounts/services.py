"""Writes of people, organisations, staff and tokens. Each owns its transaction and audits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.masking import mask_id_number, mask_phone
from onewindow.regions.models import Region

from . import constants as c
from . import rules
from .models import ApiToken, Department, Enterprise, Person, ServiceClient, ServiceWindow, Staff, User
from .rules import credit_code_validate, id_number_parse, phone_validate
from .scope import scope_for

TOKEN_PREFIX = "ow_"


def _require_name(value: str, *, field: str = "name", label: str = "姓名") -> str:
    name = (value or "").strip()
    if not name:
        raise ValidationFailed(f"请填写{label}", code=f"{field}_required", fields={field: f"请填写{label}"})
    if len(name) > 60:
        raise ValidationFailed(f"{label}过长", code=f"{field}_too_long", fields={field: f"{label}过长"})
    return name


def _require_staff_scope(actor: Any, region: Region | None) -> None:
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(
        c.Role.WINDOW_CLERK, c.Role.ADMINISTRATOR, c.Role.GRID_WORKER, c.Role.HOTLINE_OPERATOR
    ):
        raise PermissionDenied()
    if region is not None and not scope.covers_region_path(region.path):
        raise PermissionDenied("该区划不在您的管辖范围内", code="region_out_of_scope")


def user_create(
    *, username: str, password: str | None, kind: str, display_name: str = "",
    validate: bool = True,
) -> User:
    username = (username or "").strip()
    if not username:
        raise ValidationFailed("请填写用户名", code="username_required", fields={"username": "请填写用户名"})
    if User.objects.filter(username=username).exists():
        raise Conflict("该用户名已被使用", code="username_taken", fields={"username": "该用户名已被使用"})
    user = User(username=username, kind=kind, display_name=display_name)
    if password:
        if validate:
            try:
                validate_password(password, user)
            except DjangoValidationError as exc:
                msg = "；".join(exc.messages)
                raise ValidationFailed(msg, code="password_weak", fields={"password": msg}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def person_create(
    *, actor: Any, name: str, id_number: str, phone: str = "", address: str = "",
    region: Region | None = None, user: User | None = None, audit: bool = True,
) -> Person:
    """Register a natural person. Staff need a scope covering ``region``."""
    if actor is not None:
        _require_staff_scope(actor, region)
    name = _require_name(name)
    facts = id_number_parse(id_number)
    phone = phone_validate(phone)
    id_hash = lookup_hash(facts.number)
    with transaction.atomic():
        if Person.objects.filter(id_number_hash=id_hash).exists():
            raise Conflict("该身份证号码已登记", code="person_exists",
                           fields={"id_number": "该身份证号码已登记"})
        person = Person.objects.create(
            name=name, id_number=facts.number, id_number_hash=id_hash,
            gender=facts.gender, birth_date=facts.birth_date,
            phone=phone, phone_hash=lookup_hash(phone) if phone else "",
            address=(address or "").strip(), region=region,
            region_path=region.path if region else "", user=user,
        )
        if audit:
            audit_record(actor=actor, action=c.AUDIT_PERSON_CREATE, obj=person,
                         summary={"name": name, "id_number": mask_id_number(facts.number),
                                  "region": region.code if region else ""})
    return person


def person_update(
    *, actor: Any, person: Person, phone: str | None = None, address: str | None = None,
    region: Region | None = None,
) -> Person:
    """Change a person's contact details or home region (staff within scope)."""
    scope = scope_for(actor)
    if not scope.covers_region_path(person.region_path):
        raise NotFound()
    _require_staff_scope(actor, region)
    changed: dict[str, Any] = {}
    fields: list[str] = []
    if phone is not None:
        phone = phone_validate(phone)
        if phone != person.phone:
            changed["phone"] = [mask_phone(person.phone), mask_phone(phone)]
            person.phone = phone
            person.phone_hash = lookup_hash(phone) if phone else ""
            fields += ["phone", "phone_hash"]
    if address is not None and address.strip() != person.address:
        changed["address"] = "已修改"
        person.address = address.strip()
        fields.append("address")
    if region is not None and region.id != person.region_id:
        changed["region"] = [person.region.code if person.region else "", region.code]
        person.region = region
        person.region_path = region.path
        fields += ["region", "region_path"]
    if not fields:
        return person
    with transaction.atomic():
        person.save(update_fields=[*fields, "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_PERSON_UPDATE, obj=person, summary=changed)
    return person


def person_reveal(*, actor: Any, person: Person, reason: str) -> dict[str, str]:
    """Return a person's personal data in full. The reading itself is audited."""
    scope = scope_for(actor)
    if not scope.covers_region_path(person.region_path):
        raise NotFound()
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationFailed("查看完整信息须填写事由", code="reveal_reason_required",
                               fields={"reason": "请填写查看事由"})
    with transaction.atomic():
        audit_record(actor=actor, action=c.AUDIT_PERSON_UNMASK, obj=person,
                     summary={"fields": ["id_number", "phone", "address"], "reason": reason[:200]})
    return {"id_number": person.id_number, "phone": person.phone, "address": person.address}


def enterprise_create(
    *, actor: Any, name: str, credit_code: str, legal_representative: str = "",
    region: Region | None = None, address: str = "", audit: bool = True,
) -> Enterprise:
    if actor is not None:
        _require_staff_scope(actor, region)
    name = _require_name(name, label="名称")
    code = credit_code_validate(credit_code)
    with transaction.atomic():
        if Enterprise.objects.filter(credit_code=code).exists():
            raise Conflict("该统一社会信用代码已登记", code="enterprise_exists",
                           fields={"credit_code": "该统一社会信用代码已登记"})
        enterprise = Enterprise.objects.create(
            name=name, credit_code=code, legal_representative=legal_representative,
            region=region, region_path=region.path if region else "", address=address,
        )
        if audit:
            audit_record(actor=actor, action=c.AUDIT_ENTERPRISE_CREATE, obj=enterprise,
                         summary={"name": name, "credit_code": code})
    return enterprise


def staff_create(
    *, actor: Any, user: User, name: str, employee_no: str, roles: list[str], region: Region,
    departments: list[Department] | None = None, window: ServiceWindow | None = None,
    supervisor: Staff | None = None,
) -> Staff:
    unknown = sorted(set(roles) - set(c.Role.values))
    if unknown:
        raise ValidationFailed(f"未知角色：{', '.join(unknown)}", code="role_unknown",
                               fields={"roles": "未知角色"})
    if not roles:
        raise ValidationFailed("至少选择一个角色", code="role_required", fields={"roles": "至少选择一个角色"})
    with transaction.atomic():
        try:
            staff = Staff.objects.create(
                user=user, name=_require_name(name), employee_no=employee_no,
                roles=sorted(set(roles)), region=region, window=window, supervisor=supervisor,
            )
        except IntegrityError:
            raise Conflict("工号或账号已被使用", code="staff_exists") from None
        if departments:
            staff.departments.set(departments)
        if user.kind != c.UserKind.STAFF:
            user.kind = c.UserKind.STAFF
            user.save(update_fields=["kind"])
        audit_record(actor=actor, action=c.AUDIT_STAFF_CREATE, obj=staff,
                     summary={"employee_no": employee_no, "roles": sorted(set(roles)),
                              "region": region.code,
                              "departments": [d.code for d in departments or []]})
    return staff


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None, ttl_days: int | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the clear key, which is never stored.

    Every token expires: at ``expires_at``, after ``ttl_days``, or after the configured default
    (``ONEWINDOW_TOKEN_TTL_DAYS``); never later than ``ONEWINDOW_TOKEN_MAX_TTL_DAYS``.
    """
    now = now or timezone.now()
    max_days = int(getattr(settings, "ONEWINDOW_TOKEN_MAX_TTL_DAYS", 365))
    if expires_at is None:
        days = ttl_days if ttl_days is not None else int(getattr(settings, "ONEWINDOW_TOKEN_TTL_DAYS", 90))
        if not 1 <= days <= max_days:
            msg = f"有效期应为1至{max_days}天"
            raise ValidationFailed(msg, code="token_ttl_invalid", fields={"expires_in_days": msg})
        expires_at = now + timedelta(days=days)
    elif expires_at <= now or expires_at > now + timedelta(days=max_days):
        msg = f"到期时间应在今后{max_days}天之内"
        raise ValidationFailed(msg, code="token_ttl_invalid", fields={"expires_at": msg})
    name = (name or "").strip() or "API"
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:100], prefix=key[:10], key_hash=_token_hash(key),
            expires_at=expires_at,
        )
        audit_record(actor=user, action=c.AUDIT_TOKEN_CREATE, obj=token,
                     summary={"name": token.name, "prefix": token.prefix,
                              "expires_at": expires_at.isoformat()})
    return token, key


def api_token_revoke(*, user: User, public_id: str) -> None:
    with transaction.atomic():
        token = ApiToken.objects.filter(user=user, public_id=public_id,
                                        revoked_at__isnull=True).first()
        if token is None:
            raise NotFound("找不到该令牌", code="token_not_found")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=user, action=c.AUDIT_TOKEN_REVOKE, obj=token,
                     summary={"prefix": token.prefix})


def api_token_revoke_all(*, user: User, reason: str, now: datetime | None = None) -> int:
    """Revoke every active token of ``user`` (after a password change or reset)."""
    now = now or timezone.now()
    with transaction.atomic():
        count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=now, updated_at=now)
        if count:
            audit_record(actor=user, action=c.AUDIT_TOKEN_REVOKE, obj=user,
                         summary={"count": count, "reason": reason})
    return count


def api_token_authenticate(*, key: str, now: datetime | None = None) -> User | None:
    principal = api_token_principal(key=key, now=now)
    return principal[0] if principal else None


def api_token_principal(*, key: str, now: datetime | None = None) -> tuple[User, ServiceClient | None] | None:
    """The active user behind a bearer key, or None when the key is unknown.

    An expired or revoked key raises ``NotAuthenticated`` with its own code, so a program learns
    that it must create a new token. Records the last use (coarsely).
    """
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user", "client").filter(key_hash=_token_hash(key)).first()
    if token is None:
        return None
    if token.revoked_at is not None or (token.client is not None and token.client.revoked_at is not None):
        raise NotAuthenticated("该令牌已吊销，请重新创建", code="token_revoked")
    if not token.user.is_active:
        return None
    now = now or timezone.now()
    ttl = timedelta(days=int(getattr(settings, "ONEWINDOW_TOKEN_TTL_DAYS", 90)))
    expires_at = token.expires_at or token.created_at + ttl
    if expires_at <= now:
        raise NotAuthenticated("该令牌已过期，请重新创建", code="token_expired",
                               detail={"expired_at": expires_at.isoformat()})
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
    return token.user, token.client


# --- Service accounts (machine clients) ---------------------------------------------------------
def _require_administrator(actor: Any, region: Region | None = None) -> None:
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(c.Role.ADMINISTRATOR):
        raise PermissionDenied("只有系统管理员可以管理服务账户", code="client_admin_only")
    if region is not None and not scope.covers_region_path(region.path):
        raise PermissionDenied("该区划不在您的管辖范围内", code="region_out_of_scope")


def _new_secret() -> str:
    return c.CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)


def service_client_create(
    *, actor: Any, name: str, contact: str = "", scopes: list[str] | str, region: Region,
    departments: list[Department] | None = None, roles: list[str] | None = None,
) -> tuple[ServiceClient, str]:
    """Create a machine client; returns it with its secret, shown once and stored as SHA-256.

    Its reach is a ``Staff`` record of its own user (region subtree, departments, roles), so the
    selectors of every app scope it as they scope people."""
    _require_administrator(actor, region)
    name = (name or "").strip()
    if not name or len(name) > 100:
        msg = "请填写名称（不超过100字）"
        raise ValidationFailed(msg, code="client_name_required", fields={"name": msg})
    clean_scopes = rules.scopes_parse(scopes, resources=c.SCOPE_RESOURCES)
    roles = sorted(set(roles or []))
    unknown = sorted(set(roles) - set(c.Role.values))
    if unknown:
        raise ValidationFailed(f"未知角色：{', '.join(unknown)}", code="role_unknown", fields={"roles": "未知角色"})
    if c.Role.ADMINISTRATOR in roles:
        msg = "服务账户不能拥有系统管理员角色"
        raise ValidationFailed(msg, code="client_role_forbidden", fields={"roles": msg})
    client_id = c.CLIENT_ID_PREFIX + secrets.token_hex(8)
    secret = _new_secret()
    with transaction.atomic():
        user = User(username=f"svc-{client_id}", kind=c.UserKind.SERVICE, display_name=name)
        user.set_unusable_password()
        user.save()
        staff = Staff.objects.create(user=user, name=name[:60], employee_no=f"svc-{client_id}"[:30],
                                     roles=roles, region=region)
        if departments:
            staff.departments.set(departments)
        client = ServiceClient.objects.create(
            name=name, contact=(contact or "").strip()[:200], client_id=client_id,
            secret_prefix=secret[:10], secret_hash=_token_hash(secret), scopes=clean_scopes,
            user=user, created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(actor=actor, action=c.AUDIT_CLIENT_CREATE, obj=client,
                     summary={"name": name, "client_id": client_id, "scopes": clean_scopes,
                              "region": region.code, "roles": roles,
                              "departments": [d.code for d in departments or []]})
    return client, secret


def service_client_rotate(*, actor: Any, client: ServiceClient) -> tuple[ServiceClient, str]:
    """A new secret (shown once); the old one stops working at once. Tokens already issued
    run until they expire (at most ``ONEWINDOW_SERVICE_TOKEN_TTL_SECONDS``)."""
    _require_administrator(actor, client.user.staff.region)
    if client.revoked_at is not None:
        raise Conflict("该服务账户已吊销", code="client_revoked")
    secret = _new_secret()
    with transaction.atomic():
        client.secret_hash = _token_hash(secret)
        client.secret_prefix = secret[:10]
        client.secret_rotated_at = timezone.now()
        client.save(update_fields=["secret_hash", "secret_prefix", "secret_rotated_at", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_CLIENT_ROTATE, obj=client,
                     summary={"client_id": client.client_id, "prefix": client.secret_prefix})
    return client, secret


def service_client_revoke(*, actor: Any, client: ServiceClient) -> ServiceClient:
    """Revoke a client: its secret and every token it holds stop working at once."""
    _require_administrator(actor, client.user.staff.region)
    if client.revoked_at is not None:
        raise Conflict("该服务账户已吊销", code="client_revoked")
    now = timezone.now()
    with transaction.atomic():
        client.revoked_at = now
        client.save(update_fields=["revoked_at", "updated_at"])
        ApiToken.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now, updated_at=now)
        User.objects.filter(id=client.user_id).update(is_active=False)
        audit_record(actor=actor, action=c.AUDIT_CLIENT_REVOKE, obj=client,
                     summary={"client_id": client.client_id})
    return client


def service_token_issue(*, client_id: str, client_secret: str,
                        now: datetime | None = None) -> tuple[ApiToken, str]:
    """Exchange a client's id and secret for a bearer token that expires after
    ``ONEWINDOW_SERVICE_TOKEN_TTL_SECONDS`` (OAuth 2.0 client credentials, RFC 6749 §4.4)."""
    now = now or timezone.now()
    client = (ServiceClient.objects.select_related("user").filter(client_id=(client_id or "").strip()).first()
              if client_id else None)
    supplied = _token_hash(client_secret or "")
    if client is None or not hmac.compare_digest(client.secret_hash, supplied):
        raise NotAuthenticated("客户端编号或密钥不正确", code="bad_client_credentials")
    if client.revoked_at is not None or not client.user.is_active:
        raise NotAuthenticated("该服务账户已吊销", code="client_revoked")
    ttl = int(getattr(settings, "ONEWINDOW_SERVICE_TOKEN_TTL_SECONDS", 3600))
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=client.user, client=client, name=f"client:{client.client_id}"[:100], prefix=key[:10],
            key_hash=_token_hash(key), expires_at=now + timedelta(seconds=ttl),
        )
        ServiceClient.objects.filter(id=client.id).update(last_used_at=now)
        audit_record(actor=client.user, action=c.AUDIT_CLIENT_TOKEN, obj=client,
                     summary={"client_id": client.client_id, "prefix": token.prefix,
                              "expires_at": token.expires_at.isoformat() if token.expires_at else ""})
    return token, key


def service_call_record(*, client: ServiceClient, method: str, path: str, status: int,
                        scope: str) -> None:
    """Audit one API call of a machine client under its own name (reads included)."""
    with transaction.atomic():
        audit_record(actor=client.user, action=c.AUDIT_CLIENT_CALL, obj=client,
                     summary={"client_id": client.client_id, "method": method, "path": path[:300],
                              "status": status, "scope": scope})


def service_client_update(*, actor: Any, client: ServiceClient, scopes: list[str] | str, region: Region,
                          departments: list[Department] | None = None,
                          roles: list[str] | None = None) -> ServiceClient:
    """Change a client's scopes and reach; its tokens keep working under the new rights (the
    scope and the reach are read on every call)."""
    _require_administrator(actor, client.user.staff.region)
    _require_administrator(actor, region)
    if client.revoked_at is not None:
        raise Conflict("该服务账户已吊销", code="client_revoked")
    clean_scopes = rules.scopes_parse(scopes, resources=c.SCOPE_RESOURCES)
    roles = sorted(set(roles or []))
    if set(roles) - set(c.Role.values):
        raise ValidationFailed("未知角色", code="role_unknown", fields={"roles": "未知角色"})
    if c.Role.ADMINISTRATOR in roles:
        msg = "服务账户不能拥有系统管理员角色"
        raise ValidationFailed(msg, code="client_role_forbidden", fields={"roles": msg})
    with transaction.atomic():
        before = {"scopes": list(client.scopes), "region": client.user.staff.region.code,
                  "roles": list(client.user.staff.roles)}
        client.scopes = clean_scopes
        client.save(update_fields=["scopes", "updated_at"])
        staff = client.user.staff
        staff.region = region
        staff.roles = roles
        staff.save(update_fields=["region", "roles", "updated_at"])
        staff.departments.set(departments or [])
        audit_record(actor=actor, action=c.AUDIT_CLIENT_UPDATE, obj=client, summary={
            "client_id": client.client_id, "before": before,
            "after": {"scopes": clean_scopes, "region": region.code, "roles": roles,
                      "departments": [d.code for d in departments or []]}})
    return client
