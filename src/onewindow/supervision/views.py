"""Staff pages of supervision: the workbench home and the audit trail."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onewindow.accounts.constants import Role
from onewindow.accounts.navigation import nav_links
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import person_list, staff_of_user
from onewindow.accounts.views import staff_required
from onewindow.core.background import background_alert_count
from onewindow.core.errors import NotFound
from onewindow.hall.selectors import window_of_clerk

from . import selectors


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    staff = staff_of_user(user=request.user)
    scope = scope_for(request.user)
    is_admin = scope.has_role(Role.ADMINISTRATOR)
    return render(request, "supervision/home.html", {
        "is_admin": is_admin,
        "background_alerts": background_alert_count() if is_admin else 0,
        "staff": staff,
        "scope": scope,
        "people_count": person_list(actor=request.user).count(),
        "calendar_warnings": selectors.calendar_warnings(),
        "can_audit": scope.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR),
        # One card per module this person may use (each app declares its pages and roles).
        "cards": nav_links(user=request.user, menu="workbench"),
        "hall_window": window_of_clerk(actor=request.user) if scope.has_role(Role.WINDOW_CLERK) else None,
    })


@staff_required
def audit(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).has_role(Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise NotFound()
    qs = selectors.audit_list(action=request.GET.get("action", ""),
                              object_id=request.GET.get("object", ""))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/audit.html", {"page": page})
