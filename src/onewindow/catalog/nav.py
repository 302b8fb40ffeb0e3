"""The catalogue's pages in the navigation (see accounts.navigation)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop as _

from onewindow.accounts.navigation import PUBLIC, NavLink, nav_register

from .selectors import catalog_is_manager


def _manager(user: Any) -> bool:
    return catalog_is_manager(actor=user)


def register() -> None:
    nav_register(
        NavLink("catalog.guide", "top", _("Service guide"), "catalog:guide", PUBLIC, order=10),
        NavLink("catalog.card.admin", "workbench", _("Service catalogue"), "catalog:admin_items",
                check=_manager, order=50,
                description=_("Items, versions, power and responsibility lists.")),
    )
