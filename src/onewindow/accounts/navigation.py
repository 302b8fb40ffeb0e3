"""Navigation by role: every app declares its pages once, and each person sees only the links
to what they may use.

An app registers its links in its ``AppConfig.ready`` (``nav_register(NavLink(...))``); a link
names the menu it belongs to, the page (URL name), who sees it (the audience, and for staff the
roles, or a predicate for rules that are not a role), and its label as an English msgid. Pages
and templates ask for the links of a menu (``nav_links`` or ``{% nav_menu %}``), and a view
may check the same declaration with ``nav_allows`` so that the link and the page never
disagree. Apps lower than accounts never import this; higher apps register into it.

Menus in use: ``top`` (the header bar), ``workbench`` (cards on the staff home), ``cases``
(the case pages' sub-navigation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from .constants import UserKind
from .scope import scope_for

#: Who a link is for: staff (optionally narrowed by roles or a predicate), everybody who is
#: not staff (visitors and signed-in citizens and enterprise agents), or only signed-in ones.
STAFF = "staff"
PUBLIC = "public"
SIGNED_IN = "signed_in"
AUDIENCES = (STAFF, PUBLIC, SIGNED_IN)


@dataclass(frozen=True)
class NavLink:
    key: str  # unique, "<app>.<page>"
    menu: str
    label: str  # English msgid, translated when shown
    url_name: str
    audience: str = STAFF
    roles: frozenset[str] | None = None  # staff roles that may use it; None = any staff
    check: Callable[[Any], bool] | None = None  # extra rule on the user (not a role)
    order: int = 100
    description: str = ""  # English msgid (workbench cards)

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCES:
            raise ValueError(f"unknown audience {self.audience!r} for {self.key}")

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    @property
    def text(self) -> str:
        return gettext(self.label)

    @property
    def description_text(self) -> str:
        return gettext(self.description) if self.description else ""


_LINKS: dict[str, NavLink] = {}


def nav_register(*links: NavLink) -> None:
    """Declare links (idempotent: registering the same key again replaces it)."""
    for link in links:
        _LINKS[link.key] = link


def nav_link(key: str) -> NavLink:
    return _LINKS[key]


def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "kind", None) == UserKind.STAFF


def link_allows(link: NavLink, user: Any) -> bool:
    """Whether ``user`` may use the page behind ``link``."""
    if link.audience == PUBLIC:
        allowed = not _is_staff(user)
    elif link.audience == SIGNED_IN:
        allowed = bool(getattr(user, "is_authenticated", False)) and not _is_staff(user)
    else:
        allowed = _is_staff(user)
        if allowed and link.roles is not None:
            scope = scope_for(user)
            allowed = not scope.is_empty and scope.has_role(*link.roles)
    if allowed and link.check is not None:
        allowed = bool(link.check(user))
    return allowed


def nav_allows(*, user: Any, key: str) -> bool:
    """The check a view makes for the page it serves (the same rule as its link)."""
    return link_allows(_LINKS[key], user)


def nav_links(*, user: Any, menu: str) -> list[NavLink]:
    """The links of ``menu`` that ``user`` may use, in order; a link whose page is not
    installed is left out."""
    found = []
    for link in sorted(_LINKS.values(), key=lambda x: (x.order, x.key)):
        if link.menu != menu or not link_allows(link, user):
            continue
        try:
            link.url  # noqa: B018  (the page must exist)
        except NoReverseMatch:
            continue
        found.append(link)
    return found


def nav_keys(*, user: Any, menu: str) -> list[str]:
    return [link.key for link in nav_links(user=user, menu=menu)]


def roles(*values: Iterable[str] | str) -> frozenset[str]:
    """A role set from Role members or strings (``roles(Role.LEADER, Role.SUPERVISOR)``)."""
    out: set[str] = set()
    for value in values:
        if isinstance(value, str):
            out.add(str(value))
        else:
            out.update(str(v) for v in value)
    return frozenset(out)
