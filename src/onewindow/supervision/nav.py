"""Supervision's pages in the navigation (see accounts.navigation)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from onewindow.accounts.constants import Role
from onewindow.accounts.navigation import PUBLIC, NavLink, nav_register

WATCHERS = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR, Role.LEADER})
ASSESSED = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR, Role.LEADER, Role.DEPT_REVIEWER, Role.WINDOW_CLERK,
                      Role.HOTLINE_OPERATOR, Role.GRID_WORKER})


def register() -> None:
    nav_register(
        NavLink("supervision.home", "top", _("Workbench"), "supervision:home", order=10),
        NavLink("supervision.card.monitor", "workbench", _("Monitor"), "supervision:monitor", roles=WATCHERS,
                order=60, description=_("Yellow and red lights, oldest overdue items, anomalies, supervision orders.")),
        NavLink("supervision.card.dashboard", "workbench", _("Dashboard"), "supervision:dashboard", roles=WATCHERS,
                order=61, description=_("Headline figures, map and trends of the district, down to each grid.")),
        NavLink("supervision.card.assessment", "workbench", _("Assessment"), "supervision:assessment",
                roles=ASSESSED, order=62,
                description=_("Monthly scores and rankings, deductions with their records, appeals.")),
        NavLink("supervision.card.data_applications", "workbench", _("Data applications"), "opendata:applications",
                roles=frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}), order=63,
                description=_("Applications for conditionally open datasets and their API keys.")),
        NavLink("supervision.opendata", "top", _("Open data"), "opendata:catalogue", audience=PUBLIC, order=80),
    )
