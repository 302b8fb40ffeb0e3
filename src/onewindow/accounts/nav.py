"""The accounts' pages in the navigation (see navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from .navigation import SIGNED_IN, NavLink, nav_register


def register() -> None:
    nav_register(
        NavLink("accounts.me", "top", _("My account"), "accounts:me", SIGNED_IN, order=60),
        NavLink("accounts.people", "top", _("Residents"), "accounts:people", order=40),
    )
