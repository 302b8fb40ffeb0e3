"""One way to show a DomainError at the top of a page or in an htmx fragment.

``{% error_summary error "text requester_phone" %}`` at the top of a form: one clear sentence,
the messages of fields the page does *not* show next to an input, and the error code and
request id folded away in a ``<details>`` (for support staff; citizens never need them). The
fields named are those the page shows next to their inputs (``ow_forms``: ``field_aria`` and
``field_error``), so that every message appears once. ``core/error_fragment.html`` (htmx) and
``core/error_page.html`` (whole pages) use the same fold.
"""

from __future__ import annotations

from typing import Any

from django import template

from onewindow.core.errors import ValidationFailed

register = template.Library()


def _fields(error: Any) -> dict[str, str]:  # the field messages of a DomainError
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
