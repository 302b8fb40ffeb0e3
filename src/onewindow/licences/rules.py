"""Pure rules of the licence library: codes, validity arithmetic, import cell parsing."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime

from .constants import VERIFY_ALPHABET, VERIFY_CODE_LENGTH, LicenceStatus, VerifyStatus

_SEPARATORS = re.compile(r"[\s\-_.·]+")


def verification_code_new() -> str:
    return "".join(secrets.choice(VERIFY_ALPHABET) for _ in range(VERIFY_CODE_LENGTH))


def verification_code_normalise(value: str) -> str:
    """Upper-case, separators removed; "" when it cannot be a verification code."""
    code = _SEPARATORS.sub("", value or "").upper()
    if len(code) != VERIFY_CODE_LENGTH or any(c not in VERIFY_ALPHABET for c in code):
        return ""
    return code


def licence_number_store(number: str, holder_id: str) -> tuple[str, bool]:
    """The number as stored: a keyed hash when it is the holder's ID number (see models)."""
    from onewindow.core.crypto import lookup_hash

    number = (number or "").strip()
    if holder_id and number.upper() == holder_id.strip().upper() and len(number) == 18:
        return "H:" + lookup_hash(number)[:48], True
    return number, False


def add_years(start: date, years: int) -> date:
    """The same calendar day ``years`` later (29 Feb → 28 Feb in a common year)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def default_valid_until(valid_from: date, validity_years: int | None) -> date | None:
    """``validity_years`` after ``valid_from``, the day before (自…起N年); None = long term."""
    if not validity_years:
        return None
    return date.fromordinal(add_years(valid_from, validity_years).toordinal() - 1)


def licence_number_new(*, prefix: str, on: date) -> str:
    """A readable, sortable-by-date number: <prefix><yyyymmdd><8 random digits>."""
    return f"{prefix}{on:%Y%m%d}{secrets.randbelow(10**8):08d}"


def verify_status(*, status: str, valid_until: date | None, today: date) -> VerifyStatus:
    """What the public page says: revoked wins, then expiry by date (even before the job ran)."""
    if status == LicenceStatus.REVOKED:
        return VerifyStatus.REVOKED
    if status == LicenceStatus.EXPIRED or (valid_until is not None and valid_until < today):
        return VerifyStatus.EXPIRED
    return VerifyStatus.VALID


LONG_TERM_WORDS = frozenset({"", "长期", "长期有效", "永久", "无期限", "LONG", "LONG-TERM", "-"})
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date_cell(value: object, *, long_term_ok: bool = False) -> date | None:
    """A date from a CSV/Excel cell: 2024-05-01, 2024/5/1, 2024年5月1日, 20240501, or an
    Excel date. ``None`` for "长期"/empty when ``long_term_ok``; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value if value is not None else "").strip()
    if long_term_ok and text.upper() in LONG_TERM_WORDS:
        return None
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(g) for g in match.groups())
    return date(year, month, day)


STATUS_WORDS: dict[str, str] = {
    "": LicenceStatus.VALID, "有效": LicenceStatus.VALID, "正常": LicenceStatus.VALID,
    "VALID": LicenceStatus.VALID,
    "注销": LicenceStatus.REVOKED, "已注销": LicenceStatus.REVOKED, "吊销": LicenceStatus.REVOKED,
    "已吊销": LicenceStatus.REVOKED, "撤销": LicenceStatus.REVOKED, "REVOKED": LicenceStatus.REVOKED,
    "过期": LicenceStatus.EXPIRED, "已过期": LicenceStatus.EXPIRED, "EXPIRED": LicenceStatus.EXPIRED,
}


def parse_status_cell(value: object) -> str:
    text = str(value if value is not None else "").strip().upper()
    if text not in STATUS_WORDS:
        raise ValueError(text)
    return STATUS_WORDS[text]


def mask_credit_code(value: str) -> str:
    """9153**********123X: enough to recognise, not to copy."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
