"""News pages in the navigation: news and 政务公开 for everybody, the newsroom for staff who
write for a department (or approve)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop as _

from onewindow.accounts.navigation import PUBLIC, NavLink, nav_register


def _writes(user: Any) -> bool:
    from .selectors import editable_departments

    return editable_departments(actor=user).exists()


def register() -> None:
    nav_register(
        NavLink("news.list", "top", _("News"), "news:list", PUBLIC, order=12),
        NavLink("news.open", "top", _("Open government"), "news:open", PUBLIC, order=13),
        NavLink("news.staff", "top", _("Newsroom"), "news:staff_list", check=_writes, order=60),
        NavLink("news.card.staff", "workbench", _("Newsroom"), "news:staff_list", check=_writes, order=60,
                description=_("Write news, notices and policies; approve and publish; register feeds.")),
    )
