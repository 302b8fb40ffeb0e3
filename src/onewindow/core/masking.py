"""Masking of personal data for pages, API output and logs."""

from __future__ import annotations

import logging
import re

ID_NUMBER_RE = re.compile(r"(?<![0-9])([1-9][0-9]{5})((?:19|20)[0-9]{2})([0-9]{7})([0-9Xx])(?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


def mask_id_number(value: str | None) -> str:
    """5301**********1234: the first four and last four characters stay."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; other numbers keep their last four digits."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) == 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_address(value: str | None) -> str:
    """Keep the first six characters (city, district), hide the rest; short ones keep half."""
    if not value:
        return ""
    keep = 6 if len(value) > 9 else max(len(value) // 2, 1)
    return value[:keep] + "*" * min(len(value) - keep, 8)


def mask_name(value: str | None) -> str:
    """张*明 / 张*: the surname and, for long names, the last character stay."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number found in free text (logs, summaries)."""
    text = ID_NUMBER_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return MOBILE_RE.sub(lambda m: mask_phone(m.group(0)), text)


def has_personal_number(text: str) -> bool:
    """True when ``text`` holds an ID number or a mobile number (what ``mask_text`` hides)."""
    return mask_text(text) != text


class PersonalDataLogFilter(logging.Filter):
    """Rewrites log records so that no ID number or mobile number reaches a log sink."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
