"""``{% nav_links "top" as links %}``: the links of a menu the signed-in person may use."""

from __future__ import annotations

from typing import Any

from django import template

from ..navigation import NavLink
from ..navigation import nav_links as links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_links(context: template.Context, menu: str) -> list[NavLink]:
    request = context.get("request")
    user: Any = getattr(request, "user", None) or context.get("user")
    return links_for(user=user, menu=menu)
