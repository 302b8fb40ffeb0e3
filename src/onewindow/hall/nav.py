"""The hall's pages in the navigation (see accounts.navigation)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop as _

from onewindow.accounts.navigation import NavLink, nav_register


def _has_halls(user: Any) -> bool:
    from .selectors import halls_for_staff

    return bool(halls_for_staff(actor=user))


def register() -> None:
    nav_register(
        NavLink("hall.card.staff", "workbench", _("Service halls"), "hall:staff", check=_has_halls,
                order=15,
                description=_("Calling panel, guide desk, live state, calling screens and hall figures.")),
    )
