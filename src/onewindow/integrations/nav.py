"""Integration pages in the navigation: administrators manage service accounts and webhooks."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from onewindow.accounts.constants import Role
from onewindow.accounts.navigation import NavLink, nav_register

ADMINS = frozenset({str(Role.ADMINISTRATOR)})


def register() -> None:
    nav_register(
        NavLink("integrations.clients", "workbench", _("Service accounts"), "integrations:clients",
                roles=ADMINS, order=90,
                description=_("Machine clients of the API: scopes, reach, secrets, webhooks and deliveries.")),
    )
