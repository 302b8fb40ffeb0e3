"""The material library's pages in the navigation (see accounts.navigation)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from onewindow.accounts.constants import Role
from onewindow.accounts.navigation import NavLink, nav_register, roles

FIGURES = roles((Role.WINDOW_CLERK, Role.DEPT_REVIEWER, Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR))
POSTCHECK = roles((Role.DEPT_REVIEWER, Role.LEADER, Role.WINDOW_CLERK, Role.SUPERVISOR))


def register() -> None:
    nav_register(
        NavLink("materials.postchecks", "cases", _("Post-checks"), "materials:postchecks",
                roles=POSTCHECK, order=45),
        NavLink("materials.figures", "cases", _("Material figures"), "cases:material_figures",
                roles=FIGURES, order=42),
        NavLink("materials.card.postchecks", "workbench", _("Post-checks"), "materials:postchecks",
                roles=POSTCHECK, order=65,
                description=_("Commitments drawn for post-check, results and credit records.")),
    )
