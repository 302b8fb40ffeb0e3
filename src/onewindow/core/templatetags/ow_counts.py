"""Totals on pages: a bounded count (ADR 0024) read correctly in Chinese ("1万+ 件")."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def count_short(value: Any) -> str:
    """A total in the reader's units: 10000 → "1万" in Chinese (whole 万 only; other numbers,
    and every number in another language, with thousands separators: "9,999", "10,000")."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return str(value)
    if (get_language() or "").lower().startswith("zh") and n >= 10_000 and n % 10_000 == 0:
        return f"{n // 10_000}万"
    return f"{n:,}"
