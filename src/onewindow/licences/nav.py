"""The licence library's pages in the navigation (see accounts.navigation)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from onewindow.accounts.navigation import NavLink, nav_register


def register() -> None:
    nav_register(
        NavLink("licences.card.staff", "workbench", _("E-licences"), "licences:staff_list",
                order=40, description=_("Licences in scope, import and revocation.")),
    )
