"""Consultation pages in the navigation: 我要问 for signed-in citizens, the inbox for staff of a
department, figures for leaders and supervisors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop as _

from onewindow.accounts.constants import Role
from onewindow.accounts.navigation import SIGNED_IN, NavLink, nav_register, roles
from onewindow.accounts.scope import scope_for


def _department_staff(user: Any) -> bool:
    scope = scope_for(user)
    return bool(scope.department_ids) or scope.all_departments


def register() -> None:
    nav_register(
        NavLink("consult.mine", "top", _("Ask online"), "consult:mine", SIGNED_IN, order=45),
        NavLink("consult.inbox", "top", _("Consultations"), "consult:inbox", check=_department_staff, order=35),
        NavLink("consult.card.inbox", "workbench", _("Online consultation"), "consult:inbox",
                check=_department_staff, order=35,
                description=_("Answer citizens' questions live, go on duty, FAQ entries.")),
        NavLink("consult.figures", "workbench", _("Consultation figures"), "consult:figures",
                roles=roles(Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR), order=86,
                description=_("Questions, first-answer time and ratings per department.")),
    )
