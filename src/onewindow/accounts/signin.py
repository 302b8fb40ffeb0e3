"""Sign-in throttling: progressive delays, a CAPTCHA, then a hard lock — per user name AND client.

django-axes records every failed sign-in with the user name and the real client address
(``core.clientip`` resolves it behind trusted proxies) and enforces the hard lock. Before a
password is even checked, ``signin_gate`` applies the softer steps of ``rules.signin_throttle``
to the failures of this (user name, address) pair: a growing wait, then a CAPTCHA. Failures from
other addresses never lock anyone out; many failures for one user name across addresses only
add a CAPTCHA. Pages show the steps on the form; the API answers 429 in the JSON error shape.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from onewindow.core.clientip import client_ip
from onewindow.core.errors import ValidationFailed

from .otp import TooManyRequests
from .rules import SignInThrottle, signin_throttle

CAPTCHA_DIGITS = "23456789"  # no 0/1: they look like O/l in a noisy image


def digits_challenge() -> tuple[str, str]:
    """django-simple-captcha challenge: a few digits (easy to read out and type on a phone)."""
    text = "".join(secrets.choice(CAPTCHA_DIGITS) for _ in range(int(getattr(settings, "CAPTCHA_LENGTH", 4))))
    return text, text


@dataclass(frozen=True)
class CaptchaChallenge:
    key: str
    image_url: str


def captcha_new() -> CaptchaChallenge:
    key = CaptchaStore.generate_key()
    return CaptchaChallenge(key=key, image_url=reverse("captcha-image", kwargs={"key": key}))


def captcha_verify(*, key: str, value: str) -> bool:
    """True when ``value`` answers the challenge ``key``; a challenge is answered once."""
    key, value = (key or "").strip(), (value or "").strip().lower()
    if not key or not value:
        return False
    matched, _ = CaptchaStore.objects.filter(hashkey=key, response=value,
                                             expiration__gt=timezone.now()).delete()
    CaptchaStore.objects.filter(hashkey=key).delete()
    return matched > 0


def _cooloff() -> timedelta:
    hours = float(getattr(settings, "AXES_COOLOFF_TIME", 0.25) or 0.25)
    return timedelta(hours=hours)


def signin_cooloff_seconds() -> int:
    return int(_cooloff().total_seconds())


def signin_state(*, username: str, ip: str, now: datetime | None = None) -> SignInThrottle:
    now = now or timezone.now()
    cooloff = _cooloff()
    if not username:
        return SignInThrottle(captcha_required=False, wait_seconds=0, locked=False)
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - cooloff)
    pair = recent.filter(ip_address=ip or None).aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    failures = int(pair["n"] or 0)
    since = (now - pair["last"]).total_seconds() if pair["last"] else cooloff.total_seconds()
    state = signin_throttle(
        failures=failures, seconds_since_last=since,
        captcha_after=int(getattr(settings, "ONEWINDOW_LOGIN_CAPTCHA_AFTER", 3)),
        lock_after=int(getattr(settings, "AXES_FAILURE_LIMIT", 10)),
        cooloff_seconds=int(cooloff.total_seconds()),
        delay_base_seconds=float(getattr(settings, "ONEWINDOW_LOGIN_DELAY_SECONDS", 1.0)),
    )
    if not state.captcha_required:
        # A user name attacked from many addresses: a CAPTCHA for everyone, never a lock.
        across = int(recent.aggregate(n=Sum("failures_since_start"))["n"] or 0)
        if across >= int(getattr(settings, "ONEWINDOW_LOGIN_CAPTCHA_AFTER_ANY_CLIENT", 20)):
            state = SignInThrottle(captcha_required=True, wait_seconds=state.wait_seconds, locked=False)
    return state


def _wait_text(seconds: int) -> str:
    return f"{seconds}秒" if seconds < 120 else f"{-(-seconds // 60)}分钟"


def signin_locked_error(seconds: int) -> TooManyRequests:
    return TooManyRequests(
        f"登录失败次数过多，本设备暂停登录该账号，请{_wait_text(seconds)}后再试；"
        "也可以用“忘记密码”通过短信验证码重设密码",
        code="signin_locked", detail={"retry_after": seconds})


def signin_gate(*, request: HttpRequest, username: str, captcha_key: str = "", captcha_value: str = "",
                now: datetime | None = None) -> SignInThrottle:
    """Raise before the password is checked when this client must wait, is locked, or owes a
    CAPTCHA; returns the state (so a page knows to show the CAPTCHA next time)."""
    state = signin_state(username=username, ip=client_ip(request), now=now)
    if state.locked:
        raise signin_locked_error(state.wait_seconds)
    if state.wait_seconds:
        raise TooManyRequests(f"登录尝试过于频繁，请{_wait_text(state.wait_seconds)}后再试",
                              code="signin_wait", detail={"retry_after": state.wait_seconds})
    if state.captcha_required:
        if not (captcha_value or "").strip():
            raise TooManyRequests(
                "请先输入图片中的验证码", code="captcha_required",
                detail={"captcha_url": "/api/v1/auth/captcha"}, fields={"captcha": "请输入图片中的数字"})
        if not captcha_verify(key=captcha_key, value=captcha_value):
            raise ValidationFailed("图片验证码不正确，请重新输入", code="captcha_wrong",
                                   fields={"captcha": "图片验证码不正确，请重新输入"})
    return state


def signin_reset(*, username: str) -> None:
    """Forget failed sign-ins of ``username`` (after the owner proved the phone by SMS)."""
    AccessAttempt.objects.filter(username=username).delete()


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """django-axes lockout: the JSON error shape on the API, the Chinese page elsewhere."""
    seconds = signin_cooloff_seconds()
    error = signin_locked_error(seconds)
    if request.path.startswith("/api/"):
        body = {**error.as_dict(), "request_id": getattr(request, "request_id", "")}
        response: HttpResponse = JsonResponse(body, status=429)
    else:
        response = TemplateResponse(request, "accounts/locked_out.html",
                                    {"minutes": max(1, seconds // 60)}, status=429).render()
    response["Retry-After"] = str(seconds)
    return response
