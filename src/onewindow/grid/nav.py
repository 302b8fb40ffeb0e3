"""Grid pages in the navigation (see accounts.navigation): the worker's phone page for grid
workers, the map and figures for those who may see them, the household page for residents."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from onewindow.accounts.constants import Role
from onewindow.accounts.navigation import SIGNED_IN, NavLink, nav_register, roles

from .selectors import OVERSIGHT_ROLES

WORKERS = roles(Role.GRID_WORKER)
OVERSIGHT = roles(*OVERSIGHT_ROLES)


def register() -> None:
    nav_register(
        NavLink("grid.mine", "top", _("My household"), "grid:my_household", SIGNED_IN, order=55),
        NavLink("grid.home", "top", _("My grid"), "grid:home", roles=WORKERS, order=25),
        NavLink("grid.card.home", "workbench", _("Grid governance"), "grid:home", roles=WORKERS, order=25,
                description=_("Households due for a visit, events, declarations, the grid map and figures.")),
        NavLink("grid.card.figures", "workbench", _("Grid figures and map"), "grid:figures", roles=OVERSIGHT,
                order=85, description=_("Households, residents, visit coverage and events per street, "
                                        "community and grid, on the grid map.")),
    )
