"""Pure identity rules: ID numbers (GB 11643-1999) and credit codes (GB 32100-2015).

Each checker returns the normalised value or raises ``ValidationFailed`` with a specific
Chinese message and a stable code. No database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from onewindow.core.errors import ValidationFailed
from onewindow.core.workdays import SHANGHAI

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE_RE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")


@dataclass(frozen=True)
class IdNumberFacts:
    number: str
    division_code: str
    birth_date: date
    gender: str  # "M" or "F"


def id_number_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_parse(value: str, *, field: str = "id_number") -> IdNumberFacts:
    """Validate an 18-digit resident ID number and return what it encodes."""
    number = (value or "").strip().upper()
    if not number:
        raise ValidationFailed("请填写身份证号码", code="id_number_required",
                               fields={field: "请填写身份证号码"})
    if len(number) != 18:
        msg = f"身份证号码应为18位，您填写了{len(number)}位"
        raise ValidationFailed(msg, code="id_number_length", fields={field: msg})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        msg = "身份证号码前17位须为数字，最后一位为数字或X"
        raise ValidationFailed(msg, code="id_number_format", fields={field: msg})
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        msg = "身份证号码中的出生日期无效"
        raise ValidationFailed(msg, code="id_number_birth_date", fields={field: msg}) from None
    if born.year < 1900 or born > datetime.now(SHANGHAI).date():  # today in China, whatever the host's zone
        msg = "身份证号码中的出生日期无效"
        raise ValidationFailed(msg, code="id_number_birth_date", fields={field: msg})
    if id_number_check_char(number[:17]) != number[17]:
        msg = "身份证号码校验位不正确，请核对后重新填写"
        raise ValidationFailed(msg, code="id_number_checksum", fields={field: msg})
    gender = "M" if int(number[16]) % 2 else "F"
    return IdNumberFacts(number=number, division_code=number[:6], birth_date=born, gender=gender)


def credit_code_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def credit_code_validate(value: str, *, field: str = "credit_code") -> str:
    """Validate an 18-character unified social credit code; returns it upper-cased."""
    code = (value or "").strip().upper()
    if not code:
        raise ValidationFailed("请填写统一社会信用代码", code="credit_code_required",
                               fields={field: "请填写统一社会信用代码"})
    if len(code) != 18:
        msg = f"统一社会信用代码应为18位，您填写了{len(code)}位"
        raise ValidationFailed(msg, code="credit_code_length", fields={field: msg})
    bad = [c for c in code if c not in USCC_CHARSET]
    if bad:
        msg = f"统一社会信用代码含有不允许的字符：{''.join(sorted(set(bad)))}（不使用I、O、Z、S、V）"
        raise ValidationFailed(msg, code="credit_code_format", fields={field: msg})
    if not code[2:8].isdigit():
        msg = "统一社会信用代码第3至8位应为行政区划码"
        raise ValidationFailed(msg, code="credit_code_format", fields={field: msg})
    if credit_code_check_char(code[:17]) != code[17]:
        msg = "统一社会信用代码校验位不正确，请核对后重新填写"
        raise ValidationFailed(msg, code="credit_code_checksum", fields={field: msg})
    return code


def phone_validate(value: str, *, field: str = "phone") -> str:
    phone = re.sub(r"[\s]", "", value or "")
    if not phone:
        return ""
    if phone.startswith("+86"):
        phone = phone[3:]
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return phone
    msg = "电话号码格式不正确：手机号为11位数字，固定电话如 0871-12345678"
    raise ValidationFailed(msg, code="phone_format", fields={field: msg})


USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{4,30}$")
SSC_RE = re.compile(r"^[A-Z0-9]{9}$")


def mobile_validate(value: str, *, field: str = "phone") -> str:
    """A mainland mobile number (SMS codes go to mobiles only); returns the 11 digits."""
    phone = re.sub(r"[\s-]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not phone:
        raise ValidationFailed("请填写手机号码", code="phone_required", fields={field: "请填写手机号码"})
    if not MOBILE_RE.match(phone):
        msg = "手机号码应为以1开头的11位数字"
        raise ValidationFailed(msg, code="mobile_format", fields={field: msg})
    return phone


def username_validate(value: str, *, field: str = "username") -> str:
    name = (value or "").strip()
    if not name:
        raise ValidationFailed("请填写用户名", code="username_required", fields={field: "请填写用户名"})
    if not USERNAME_RE.match(name):
        msg = "用户名为4至30位字母、数字或下划线"
        raise ValidationFailed(msg, code="username_format", fields={field: msg})
    if len(name) == 18 and name[:17].isdigit():
        msg = "用户名不能使用身份证号码"
        raise ValidationFailed(msg, code="username_personal_data", fields={field: msg})
    return name


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def bank_card_validate(value: str, *, field: str = "card_number") -> str:
    """A bank card number: 16 to 19 digits passing the Luhn check (ISO/IEC 7812)."""
    number = re.sub(r"[\s-]", "", value or "")
    if not number:
        raise ValidationFailed("请填写银行卡号", code="card_number_required", fields={field: "请填写银行卡号"})
    if not number.isdigit() or not 16 <= len(number) <= 19:
        msg = "银行卡号应为16至19位数字"
        raise ValidationFailed(msg, code="bank_card_format", fields={field: msg})
    if not luhn_valid(number):
        msg = "银行卡号有误，请核对后重新填写"
        raise ValidationFailed(msg, code="bank_card_checksum", fields={field: msg})
    return number


def social_security_card_validate(value: str, *, field: str = "card_number") -> str:
    """The card number printed on a social security card (社会保障卡卡号): 9 letters or digits."""
    number = re.sub(r"[\s-]", "", value or "").upper()
    if not number:
        raise ValidationFailed("请填写社会保障卡卡号", code="card_number_required",
                               fields={field: "请填写社会保障卡卡号"})
    if not SSC_RE.match(number):
        msg = "社会保障卡卡号为卡面上的9位字母或数字（不是身份证号码）"
        raise ValidationFailed(msg, code="social_security_card_format", fields={field: msg})
    return number


def card_validate(kind: str, value: str, *, field: str = "card_number") -> str:
    if kind == "bank_card":
        return bank_card_validate(value, field=field)
    if kind == "social_security_card":
        return social_security_card_validate(value, field=field)
    msg = "请选择社会保障卡或银行卡"
    raise ValidationFailed(msg, code="card_kind_invalid", fields={"card_kind": msg})


@dataclass(frozen=True)
class SignInThrottle:
    """What a sign-in attempt for one (user name, client address) pair must go through."""

    captcha_required: bool
    wait_seconds: int  # the progressive delay still to run before the next try
    locked: bool  # the hard lock: no try until the cool-off has passed


def signin_throttle(
    *, failures: int, seconds_since_last: float, captcha_after: int, lock_after: int,
    cooloff_seconds: int, delay_base_seconds: float = 1.0, delay_max_seconds: int = 60,
) -> SignInThrottle:
    """Progressive response to failed sign-ins of one user name from one client address.

    From the second failure each try waits ``base * 2**(failures-2)`` seconds (capped); from
    ``captcha_after`` failures a CAPTCHA is required; at ``lock_after`` the pair is locked for
    the cool-off. Failures from other addresses never count, so nobody can lock a user out.
    """
    if failures >= lock_after:
        remaining = max(0, cooloff_seconds - int(seconds_since_last))
        return SignInThrottle(captcha_required=True, wait_seconds=remaining, locked=remaining > 0)
    delay = 0.0 if failures < 2 else min(delay_base_seconds * 2 ** (failures - 2), delay_max_seconds)
    wait = max(0, int(-(-(delay - seconds_since_last) // 1)))  # ceil
    return SignInThrottle(captcha_required=failures >= captcha_after, wait_seconds=wait, locked=False)


@dataclass(frozen=True)
class SmsLimits:
    interval_seconds: int = 60  # between two codes to one phone
    per_phone_hour: int = 5
    per_phone_day: int = 10
    per_client_hour: int = 20
    per_client_day: int = 60


def sms_send_wait(*, phone_ages: list[float], client_ages: list[float], limits: SmsLimits) -> int:
    """Seconds to wait before another code may be sent; 0 when allowed.

    ``phone_ages``/``client_ages``: ages in seconds of the codes sent in the last day to this
    phone and from this client address.
    """
    waits = [0]
    if phone_ages and min(phone_ages) < limits.interval_seconds:
        waits.append(int(limits.interval_seconds - min(phone_ages)) + 1)
    for ages, limit, window in ((phone_ages, limits.per_phone_hour, 3600),
                                (phone_ages, limits.per_phone_day, 86400),
                                (client_ages, limits.per_client_hour, 3600),
                                (client_ages, limits.per_client_day, 86400)):
        recent = sorted(a for a in ages if a < window)
        if len(recent) >= limit:
            # wait until the oldest send that still counts leaves the window
            oldest_counting = recent[limit - 1]
            waits.append(int(window - oldest_counting) + 1)
    return max(waits)


# --- Scopes of service accounts (``<resource>:<action>``) ----------------------------------------
SCOPE_RE = re.compile(r"^([a-z_]+|\*):(read|create|write|\*)$")


def scopes_parse(values: list[str] | str, *, resources: tuple[str, ...]) -> list[str]:
    """Normalise a list (or a space/comma separated text) of scopes; refuse unknown ones."""
    if isinstance(values, str):
        values = re.split(r"[\s,，]+", values)
    scopes = sorted({v.strip().lower() for v in values if v and v.strip()})
    if not scopes:
        raise ValidationFailed("至少授予一个权限范围", code="scope_required", fields={"scopes": "至少授予一个权限范围"})
    bad = [s for s in scopes if not (m := SCOPE_RE.match(s)) or (m.group(1) != "*" and m.group(1) not in resources)]
    if bad:
        msg = f"无法识别的权限范围：{'、'.join(bad)}（格式为 资源:read|create|write|*）"
        raise ValidationFailed(msg, code="scope_unknown", fields={"scopes": msg})
    return scopes


def scope_allows(granted: list[str] | tuple[str, ...], required: str) -> bool:
    """Whether ``granted`` covers ``required`` (``write`` implies ``create``; ``*`` anything)."""
    resource, _, action = required.partition(":")
    for scope in granted:
        g_resource, _, g_action = scope.partition(":")
        if g_resource not in (resource, "*"):
            continue
        if g_action in ("*", action) or (g_action == "write" and action == "create"):
            return True
    return False


READ_POST_SUFFIXES = ("/search", "/resolve", "/lookup", "/verify", "/classify")


def scope_required(*, module: str, method: str, statuses: set[int] | frozenset[int], path: str = "") -> str:
    """The scope an API operation needs: the app of its module, ``read`` for GET/HEAD and for
    POSTs that only look things up (``…/search``: terms stay out of URLs), ``create`` for a POST
    that answers 201, else ``write``."""
    parts = module.split(".")
    resource = parts[1] if len(parts) > 2 and parts[0] == "onewindow" else parts[0]
    method = method.upper()
    if method in ("GET", "HEAD", "OPTIONS") or (method == "POST" and path.rstrip("/").endswith(READ_POST_SUFFIXES)):
        action = "read"
    elif method == "POST" and 201 in statuses:
        action = "create"
    else:
        action = "write"
    return f"{resource}:{action}"
