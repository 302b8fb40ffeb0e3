"""Home-care pages in the navigation (see accounts.navigation)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from onewindow.accounts.constants import Role
from onewindow.accounts.navigation import PUBLIC, SIGNED_IN, NavLink, nav_register, roles

CARE_STAFF = roles(Role.CARE_PROVIDER, Role.GRID_WORKER, Role.HOTLINE_OPERATOR, Role.SUPERVISOR, Role.LEADER,
                   Role.ADMINISTRATOR)
BUREAU = roles(Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR)


def register() -> None:
    nav_register(
        NavLink("homecare.public", "top", _("Elderly care"), "homecare:public", PUBLIC, order=45),
        NavLink("homecare.mine", "top", _("Care orders"), "homecare:my", SIGNED_IN, order=56),
        NavLink("homecare.home", "top", _("Home care"), "homecare:home", roles=roles(Role.CARE_PROVIDER), order=26),
        NavLink("homecare.card.home", "workbench", _("Home and elderly care"), "homecare:home", roles=CARE_STAFF,
                order=27, description=_("Elders, assessments, orders, visits, alerts and providers.")),
        NavLink("homecare.card.figures", "workbench", _("Care supervision and settlement"), "homecare:figures",
                roles=BUREAU, order=86, description=_("Providers' figures, spot checks, monthly settlement and "
                                                      "the care data page.")),
    )
