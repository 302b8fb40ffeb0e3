"""The staff home in the navigation (see accounts.navigation)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from onewindow.accounts.navigation import NavLink, nav_register


def register() -> None:
    nav_register(NavLink("supervision.home", "top", _("Workbench"), "supervision:home", order=10))
