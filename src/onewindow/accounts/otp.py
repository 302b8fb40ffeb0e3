"""One-time codes by SMS: send (rate-limited per phone and per client), check, use once.

A code is six random digits; only ``lookup_hash("sms:<row id>:<code>")`` is stored. It expires
after ``ONEWINDOW_SMS_CODE_TTL_SECONDS``, allows ``ONEWINDOW_SMS_CODE_MAX_ATTEMPTS`` wrong tries,
and a newer code for the same phone and purpose replaces the older one. Checking and using are
two steps: ``sms_code_check`` counts a wrong try in its own transaction (so the count survives
the caller's failure), and ``sms_code_use`` marks the code used inside the caller's transaction,
so a registration that fails half way leaves the code valid for a second try.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, DomainError, ValidationFailed
from onewindow.core.masking import mask_phone

from .constants import SmsPurpose
from .models import SmsCode
from .rules import SmsLimits, mobile_validate, sms_send_wait
from .sms import SmsSendError, sms_provider

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    message = "请求过于频繁，请稍后再试"


def _ttl_seconds() -> int:
    return int(getattr(settings, "ONEWINDOW_SMS_CODE_TTL_SECONDS", 300))


def _max_attempts() -> int:
    return int(getattr(settings, "ONEWINDOW_SMS_CODE_MAX_ATTEMPTS", 5))


def sms_limits() -> SmsLimits:
    values = getattr(settings, "ONEWINDOW_SMS_LIMITS", None) or {}
    return SmsLimits(**values)


def _phone_hash(phone: str) -> str:
    return lookup_hash(f"phone:{phone}")


def client_hash(client_ip: str) -> str:
    return lookup_hash(f"client:{client_ip}") if client_ip else ""


def _code_hash(row: SmsCode, code: str) -> str:
    return lookup_hash(f"sms:{row.public_id}:{code}")


_TEXTS = {
    SmsPurpose.REGISTER: "您正在注册{platform}账号，验证码：{code}，{minutes}分钟内有效。如非本人操作请忽略。",
    SmsPurpose.PASSWORD_RESET: "您正在找回{platform}账号密码，验证码：{code}，{minutes}分钟内有效。请勿告诉他人。",
    SmsPurpose.PHONE_CHANGE: "您正在把{platform}账号的手机号更换为本号码，验证码：{code}，{minutes}分钟内有效。",
    SmsPurpose.WINDOW_REGISTER: "您正在{platform}窗口办理账号注册，验证码：{code}，{minutes}分钟内有效，"
                                "请告知窗口工作人员。",
}


def sms_code_send(*, phone: str, purpose: str, client_ip: str = "", now: datetime | None = None) -> SmsCode:
    """Create a code for ``phone`` and send it. Raises ``TooManyRequests`` (429) over the limits."""
    phone = mobile_validate(phone)
    if purpose not in SmsPurpose.values:
        raise ValidationFailed("验证码用途无效", code="sms_purpose_invalid", fields={"purpose": "验证码用途无效"})
    now = now or timezone.now()
    phone_key, client_key = _phone_hash(phone), client_hash(client_ip)
    day_ago = now - timedelta(days=1)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        # Serialise sends to one phone so that two parallel requests cannot both pass the limit.
        recent = list(SmsCode.objects.select_for_update().filter(phone_hash=phone_key, created_at__gte=day_ago)
                      .values_list("created_at", flat=True))
        by_client = (list(SmsCode.objects.filter(client_hash=client_key, created_at__gte=day_ago)
                          .values_list("created_at", flat=True)) if client_key else [])
        wait = sms_send_wait(phone_ages=[(now - t).total_seconds() for t in recent],
                             client_ages=[(now - t).total_seconds() for t in by_client],
                             limits=sms_limits())
        if wait:
            raise TooManyRequests(f"验证码发送过于频繁，请{_wait_text(wait)}后再试", code="sms_rate_limited",
                                  detail={"retry_after": wait})
        SmsCode.objects.filter(phone_hash=phone_key, purpose=purpose, used_at__isnull=True).update(
            used_at=now, updated_at=now)
        row = SmsCode(purpose=purpose, phone_hash=phone_key, client_hash=client_key,
                      expires_at=now + timedelta(seconds=_ttl_seconds()))
        row.code_hash = _code_hash(row, code)
        row.save()
    text = _TEXTS[SmsPurpose(purpose)].format(platform=getattr(settings, "ONEWINDOW_PLATFORM_NAME", "一窗通办"),
                                              code=code, minutes=max(1, _ttl_seconds() // 60))
    try:
        sms_provider().send(phone=phone, text=text)
    except SmsSendError as exc:
        logger.warning("SMS to %s failed: %s", mask_phone(phone), exc)
        SmsCode.objects.filter(id=row.id).update(used_at=now)
        raise DomainError("短信发送失败，请稍后再试或到窗口办理", code="sms_send_failed", status=503) from None
    return row


def sms_notice_send(*, phone: str, text: str) -> None:
    """A plain notice (no code); failures are logged, never raised."""
    try:
        sms_provider().send(phone=phone, text=text)
    except SmsSendError as exc:
        logger.warning("SMS notice to %s failed: %s", mask_phone(phone), exc)


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds}秒"
    if seconds < 7200:
        return f"{-(-seconds // 60)}分钟"
    return f"{-(-seconds // 3600)}小时"


def sms_code_check(*, phone: str, purpose: str, code: str, field: str = "sms_code",
                   now: datetime | None = None) -> SmsCode:
    """The valid code row for this phone and purpose, or a ValidationFailed. Counts wrong tries.

    Call it outside any transaction of the caller (it commits the count of wrong tries).
    """
    now = now or timezone.now()
    code = (code or "").strip()
    if not code:
        raise ValidationFailed("请填写短信验证码", code="sms_code_required", fields={field: "请填写短信验证码"})
    with transaction.atomic():
        row = (SmsCode.objects.select_for_update()
               .filter(phone_hash=_phone_hash(phone), purpose=purpose, used_at__isnull=True)
               .order_by("-id").first())
        if row is None:
            msg = "请先获取短信验证码"
            failure = ValidationFailed(msg, code="sms_code_missing", fields={field: msg})
        elif row.expires_at <= now:
            msg = "验证码已过期，请重新获取"
            failure = ValidationFailed(msg, code="sms_code_expired", fields={field: msg})
        elif row.attempts >= _max_attempts():
            msg = "验证码错误次数过多，请重新获取"
            failure = ValidationFailed(msg, code="sms_code_attempts", fields={field: msg})
        elif not hmac.compare_digest(row.code_hash, _code_hash(row, code)):
            row.attempts += 1
            row.save(update_fields=["attempts", "updated_at"])
            left = _max_attempts() - row.attempts
            msg = f"验证码不正确，还可以再试{left}次" if left > 0 else "验证码错误次数过多，请重新获取"
            failure = ValidationFailed(msg, code="sms_code_wrong", fields={field: msg})
        else:
            return row
    raise failure


def sms_code_use(*, row: SmsCode, now: datetime | None = None) -> None:
    """Mark a checked code used; inside the caller's transaction. A code is used only once."""
    now = now or timezone.now()
    if not SmsCode.objects.filter(id=row.id, used_at__isnull=True).update(used_at=now, updated_at=now):
        msg = "验证码已使用，请重新获取"
        raise Conflict(msg, code="sms_code_used", fields={"sms_code": msg})


def sms_codes_cleanup(*, now: datetime | None = None) -> int:
    """Drop rows older than two days (they no longer count for any limit)."""
    now = now or timezone.now()
    deleted, _ = SmsCode.objects.filter(created_at__lt=now - timedelta(days=2)).delete()
    return deleted
