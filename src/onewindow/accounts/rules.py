"""Pure identity rules: ID numbers (GB 11643-1999) and credit codes (GB 32100-2015).

Each checker returns the normalised value or raises ``ValidationFailed`` with a specific
Chinese message and a stable code. No database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from onewindow.core.errors import ValidationFailed

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
    if born.year < 1900 or born > date.today():  # noqa: DTZ011 (a calendar date, no time zone)
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
