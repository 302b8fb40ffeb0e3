"""The pages of applications in the navigation, and who may use them (see accounts.navigation)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from onewindow.accounts.navigation import PUBLIC, SIGNED_IN, NavLink, nav_register, roles

from .constants import CASE_STAFF_ROLES, FOLLOW_UP_ROLES, INTAKE_ROLES

CASE_STAFF = roles(CASE_STAFF_ROLES)
INTAKE = roles(INTAKE_ROLES)
FOLLOW_UP = roles(FOLLOW_UP_ROLES)


def register() -> None:
    nav_register(
        # Header: citizens and visitors.
        NavLink("cases.apply", "top", _("Apply online"), "cases:apply_index", PUBLIC, order=20),
        NavLink("cases.progress", "top", _("Track an application"), "cases:progress", PUBLIC,
                order=30),
        NavLink("cases.mine", "top", _("My applications"), "cases:mine", SIGNED_IN, order=50),
        # Header: staff.
        NavLink("cases.workbench", "top", _("Applications"), "cases:workbench", roles=CASE_STAFF,
                order=20),
        # The case pages' own navigation.
        NavLink("cases.sub.workbench", "cases", _("Workbench"), "cases:workbench",
                roles=CASE_STAFF, order=10),
        NavLink("cases.intake", "cases", _("Window intake"), "cases:intake", roles=INTAKE,
                order=20),
        NavLink("cases.follow_ups", "cases", _("Rating follow-ups"), "cases:follow_ups",
                roles=FOLLOW_UP, order=30),
        NavLink("cases.figures", "cases", _("Figures"), "cases:figures", roles=CASE_STAFF,
                order=40),
        # Cards on the staff home.
        NavLink("cases.card.workbench", "workbench", _("Applications"), "cases:workbench",
                roles=CASE_STAFF, order=10,
                description=_("My tasks, my department's queue, warned and overdue cases.")),
        NavLink("cases.card.intake", "workbench", _("Window intake"), "cases:intake",
                roles=INTAKE, order=20,
                description=_("Accept an application at the comprehensive window.")),
        NavLink("cases.card.figures", "workbench", _("Figures"), "cases:figures",
                roles=CASE_STAFF, order=60,
                description=_("Online share, early completion, satisfaction per department.")),
        NavLink("cases.card.follow_ups", "workbench", _("Rating follow-ups"), "cases:follow_ups",
                roles=FOLLOW_UP, order=70,
                description=_("Bad ratings waiting for rectification.")),
    )
