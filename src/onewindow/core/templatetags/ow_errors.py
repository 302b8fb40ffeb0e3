"""One way to show a DomainError on a page or in an htmx fragment.

- ``{% error_summary error "text requester_phone" %}`` at the top of a form: one clear sentence,
  the messages of fields the page does *not* show next to an input, and the error code and
  request id folded away in a ``<details>`` (for support staff; citizens never need them).
- ``{% field_error error "text" %}`` under an input: the message of that field, with the id
  ``<field>-error`` that ``{% field_aria error "text" %}`` points the input at
  (``aria-invalid``/``aria-describedby``), so screen readers read it with the input.

Fields named in ``error_summary`` are the ones rendered inline, so every message appears once.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from onewindow.core.errors import ValidationFailed

register = template.Library()


def _fields(error: Any) -> dict[str, str]:
    fields = getattr(error, "fields", None) or {}
    return {str(k): str(v) for k, v in fields.items() if v}


def error_parts(error: Any, inline: str | list[str] | tuple[str, ...] = "") -> dict[str, Any]:
    """What the summary shows: a headline, and the field messages the page shows nowhere else.

    A service usually raises ``ValidationFailed(msg, fields={name: msg})``: when that field is
    shown inline, the headline becomes the general "please check the marked items" so that the
    specific message appears once, next to its input."""
    names = set(inline.split() if isinstance(inline, str) else inline)
    fields = _fields(error)
    message = str(getattr(error, "message", "") or ValidationFailed.message)
    if message in {msg for name, msg in fields.items() if name in names}:
        message = ValidationFailed.message
    others = [msg for name, msg in fields.items() if name not in names and msg != message]
    return {"message": message, "others": list(dict.fromkeys(others))}


@register.inclusion_tag("core/_error_summary.html", takes_context=True)
def error_summary(context: Any, error: Any, inline: str = "") -> dict[str, Any]:
    request = context.get("request")
    return {"error": error, **error_parts(error, inline),
            "code": getattr(error, "code", ""), "request_id": getattr(request, "request_id", "")}


@register.simple_tag
def field_error(error: Any, name: str) -> SafeString:
    message = _fields(error).get(name)
    if not message:
        return mark_safe("")
    return format_html('<p class="field-error" id="{}-error">{}</p>', name, message)


@register.simple_tag
def field_aria(error: Any, name: str, *described_by: str) -> SafeString:
    """``aria-invalid``/``aria-describedby`` of an input (plus hints such as a character count)."""
    ids = [d for d in described_by if d]
    invalid = bool(_fields(error).get(name))
    if invalid:
        ids.insert(0, f"{name}-error")
    parts = []
    if invalid:
        parts.append(("aria-invalid", "true"))
    if ids:
        parts.append(("aria-describedby", " ".join(ids)))
    return format_html_join("", ' {}="{}"', parts)
