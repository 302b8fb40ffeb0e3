"""Small display helpers for case pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from onewindow.core.workdays import SHANGHAI

from .. import constants as c
from .. import rules

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    return rules.status_label(value)


@register.filter
def state_label(value: str) -> str:
    try:
        return str(c.MaterialState(value).label)
    except ValueError:
        return value


@register.filter
def state_class(value: str) -> str:
    if value in c.MATERIAL_FREE:
        return "badge-free"
    if value in c.MATERIAL_PROVIDED:
        return "badge-ok"
    if value == c.MaterialState.REJECTED:
        return "badge-bad"
    return "badge-warn"


@register.filter
def level_class(value: str) -> str:
    return {"yellow": "badge-warn", "red": "badge-bad"}.get(value, "badge-ok")


@register.filter
def level_label(value: str) -> str:
    try:
        return str(c.WarningLevel(value).label)
    except ValueError:
        return value


@register.filter
def day(value: datetime | None) -> str:
    """The Asia/Shanghai date of a deadline (deadlines are the end of their day)."""
    if value is None:
        return "—"
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d")


@register.filter
def action_label(value: str) -> str:
    try:
        return str(c.Action(value).label)
    except ValueError:
        return value


@register.filter
def channel_label(value: str) -> str:
    try:
        return str(c.Channel(value).label)
    except ValueError:
        return value


@register.filter
def role_label(value: str) -> str:
    return c.ROLE_LABELS.get(value, value)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


@register.filter
def rating_label(value: int | None) -> str:
    """好差评 level 1–5 → 非常满意 … 非常不满意."""
    try:
        return str(c.RatingLevel(int(value or 0)).label)
    except ValueError:
        return ""


@register.filter
def licence_number_shown(value: str | None) -> str:
    """An e-licence number as people may see it: older rows kept a keyed hash ("H:…") for
    numbers that are ID numbers; those show nothing (the licence's own page masks the ID)."""
    text = str(value or "")
    return "" if text.startswith("H:") else text
