"""Chinese telephone numbers: what a person may give as a number to be called back on.

Pure functions, no database. Accepted:

- **mobiles**: 11 digits starting 13–19 (``13812345678``), optionally written with a
  ``+86``/``0086``/``86`` prefix, spaces or hyphens (``+86 138-1234-5678``);
- **landlines with their area code**: ``010`` or ``02x`` followed by 8 digits, or ``0xxx``
  (``0871`` for Kunming) followed by 7 or 8 digits; the local number never starts with 0 or 1.
  Written ``0871-63123456``, ``(0871) 6312 3456`` or ``087163123456``; an extension may follow
  (``-801``, ``转801``).

Refused, each with its own Chinese message and stable code: hotline and service numbers
(``12345``, ``110``, ``95588``…), local numbers without an area code, mobiles of the wrong
length, and anything with letters. Landlines are normalised to ``0871-63123456[-801]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ValidationFailed

MOBILE = "mobile"
LANDLINE = "landline"

_SEPARATORS = re.compile(r"[\s\-‐－—()（）]")
_EXTENSION = re.compile(r"(?:转|ext\.?|x|#|分机)\s*(\d{1,6})$", re.IGNORECASE)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Short numbers of public services and hotlines people sometimes type instead of their own.
_SERVICE = re.compile(r"^(?:1\d{2}|1\d{4}|9\d{4,5}|(?:400|800)\d{7})$")
# Landline area codes: 010 and 020–029 take 8-digit numbers; 0300–0999 take 7 or 8 digits.
_LANDLINE = re.compile(r"^(?:(?P<big>0(?:10|2\d))(?P<n8>[2-9]\d{7})|(?P<area>0[3-9]\d{2})(?P<n>[2-9]\d{6,7}))$")

EXAMPLE_LANDLINE = "0871-63123456"


@dataclass(frozen=True)
class Phone:
    number: str  # normalised: "13812345678" or "0871-63123456" (with "-801" for an extension)
    kind: str  # MOBILE or LANDLINE


def _fail(code: str, message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


def phone_parse(value: str | None, *, field: str = "phone") -> Phone | None:
    """The number a person gave, checked and normalised; None when empty.

    Raises ValidationFailed with ``fields={field: message}`` and one of the codes
    ``phone_service_number``, ``phone_area_code_missing``, ``phone_mobile_length``,
    ``phone_characters`` or ``phone_invalid``.
    """
    raw = (value or "").strip()
    if not raw:
        return None
    extension = ""
    found = _EXTENSION.search(raw)
    if found:
        extension, raw = found.group(1), raw[:found.start()]
    else:
        # "0871-63123456-801": a landline followed by a short group is an extension
        parts = re.split(r"\s*[-－]\s*", raw)
        head = _SEPARATORS.sub("", "".join(parts[:-1]))
        if len(parts) >= 3 and len(parts[-1]) <= 6 and parts[-1].isdigit() and _LANDLINE.match(head):
            extension, raw = parts[-1], head
    digits = _SEPARATORS.sub("", raw)
    international = True
    if digits.startswith("+"):
        if not digits.startswith("+86"):
            raise _fail("phone_invalid", "只能登记中国大陆的手机号码或固定电话", field)
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    else:
        international = False
    if international and digits[:1] not in ("0", "1"):
        digits = "0" + digits  # +86 871 6312 3456: the area code without its leading 0
    if not digits.isdigit():
        raise _fail("phone_characters", "电话号码只能包含数字，例如 13812345678 或 " + EXAMPLE_LANDLINE, field)
    if _SERVICE.match(digits):
        what = "12345 是热线号码" if digits == "12345" else f"{digits} 是服务热线号码"
        raise _fail("phone_service_number", f"请填写诉求人本人的电话（{what}），以便回访", field)
    if len(digits) < 7:
        raise _fail("phone_invalid", f"请填写 11 位手机号码，或带区号的固定电话（如 {EXAMPLE_LANDLINE}）", field)
    if digits.startswith("1"):
        if _MOBILE.match(digits):
            if extension:
                raise _fail("phone_invalid", "手机号码不带分机号，请只填写 11 位手机号码", field)
            return Phone(digits, MOBILE)
        raise _fail("phone_mobile_length", f"手机号码应为 11 位数字（现为 {len(digits)} 位）", field)
    if not digits.startswith("0"):
        if 7 <= len(digits) <= 8:
            raise _fail("phone_area_code_missing", f"固定电话请加区号，例如 {EXAMPLE_LANDLINE}", field)
        raise _fail("phone_invalid", f"请填写 11 位手机号码，或带区号的固定电话（如 {EXAMPLE_LANDLINE}）", field)
    match = _LANDLINE.match(digits)
    if match is None:
        raise _fail("phone_invalid", f"固定电话号码格式不正确，应为区号加号码，例如 {EXAMPLE_LANDLINE}", field)
    area = match.group("big") or match.group("area")
    local = match.group("n8") or match.group("n")
    return Phone(f"{area}-{local}" + (f"-{extension}" if extension else ""), LANDLINE)


def phone_normalise(value: str | None, *, field: str = "phone") -> str:
    """``phone_parse`` as a string ("" when empty)."""
    parsed = phone_parse(value, field=field)
    return parsed.number if parsed else ""
