"""The hotline's pages in the navigation (see accounts.navigation); the hotline's own sub-pages
keep their role checks in tickets.views."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from onewindow.accounts.constants import Role
from onewindow.accounts.navigation import PUBLIC, NavLink, nav_register, roles


def register() -> None:
    nav_register(
        NavLink("tickets.public_new", "top", _("12345 message"), "tickets:public_new", PUBLIC,
                order=40),
        NavLink("tickets.home", "top", _("12345 hotline"), "tickets:home", order=30),
        NavLink("tickets.card.home", "workbench", _("12345 hotline"), "tickets:home", order=30,
                description=_("Calls, dispatch, department inbox, callbacks and supervision.")),
        NavLink("tickets.card.report", "workbench", _("Monthly hotline report"), "tickets:report",
                roles=roles(Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR), order=80,
                description=_("Rates, hot topics and worst overdue tickets.")),
    )
