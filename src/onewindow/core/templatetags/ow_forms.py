"""Accessible form errors, the same way on every page.

A view passes the ``DomainError`` it caught (or a mapping of field name to message) as
``error``; the template marks each input and prints its message next to it::

    {% load ow_forms %}
    <input id="id_number" name="id_number"{% field_aria error "id_number" %}>
    {% field_error error "id_number" %}

``field_aria`` adds ``aria-invalid="true"`` and ``aria-describedby`` pointing at the message
(plus any hint ids given), ``field_error`` prints the message with that id. static/js/
onewindow.js moves the focus to the first invalid field when the page (or an htmx fragment)
loads, so a keyboard or screen-reader user lands on what needs fixing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def field_messages(error: Any) -> Mapping[str, Any]:
    if not error:
        return {}
    if isinstance(error, Mapping):
        return error
    fields = getattr(error, "fields", None)
    return fields if isinstance(fields, Mapping) else {}


def _message(error: Any, names: tuple[str, ...]) -> tuple[str, str]:
    fields = field_messages(error)
    for name in names:
        text = fields.get(name)
        if text:
            return names[0], str(text)
    return names[0], ""


@register.simple_tag
def field_aria(error: Any, name: str, *also: str, hint: str = "") -> SafeString:
    """Attributes for the input of field ``name`` (or of any of ``also``, e.g. nested keys)."""
    key, text = _message(error, (name, *also))
    if not text:
        return format_html(' aria-describedby="{}"', hint) if hint else mark_safe("")
    described = f"err-{key}" + (f" {hint}" if hint else "")
    return format_html(' aria-invalid="true" aria-describedby="{}"', described)


@register.simple_tag
def field_error(error: Any, name: str, *also: str) -> SafeString:
    """The message of field ``name`` as a paragraph the input points at (empty if none)."""
    key, text = _message(error, (name, *also))
    if not text:
        return mark_safe("")
    return format_html('<p class="field-error" id="err-{}">{}</p>', key, text)


@register.filter
def form_level_error(error: Any) -> str:
    """The message for the top of the form: empty when every problem is shown on a field."""
    if not error:
        return ""
    if field_messages(error):
        return ""
    return str(getattr(error, "message", error))


@register.simple_tag
def char_counter(field_id: str, limit: int, value: Any = "") -> SafeString:
    """The limit of a text field said up front and counted down as one types (with
    ``data-maxchars`` on the textarea; onewindow.js keeps the count current)."""
    from django.utils.translation import gettext

    left = int(limit) - len(str(value or ""))
    left_text = gettext("Up to %(limit)s characters; %(left)s left")
    over_text = gettext("Up to %(limit)s characters; %(over)s too many")
    current = (left_text % {"limit": limit, "left": left} if left >= 0
               else over_text % {"limit": limit, "over": -left})
    return format_html(
        '<span class="char-count{}" id="{}-count" data-count-for="{}" data-left="{}" '
        'data-over="{}" aria-live="polite">{}</span>',
        "" if left >= 0 else " count-over", field_id, field_id,
        left_text % {"limit": limit, "left": "%s"}, over_text % {"limit": limit, "over": "%s"},
        current)
