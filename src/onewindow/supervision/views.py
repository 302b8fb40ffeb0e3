"""Staff pages of supervision: the workbench home and the audit trail."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onewindow.accounts.constants import Role
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import person_list, staff_of_user
from onewindow.accounts.views import staff_required
from onewindow.catalog.selectors import catalog_is_manager
from onewindow.core.errors import NotFound
from onewindow.grid.selectors import can_see_figures, is_grid_worker

from . import selectors


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    staff = staff_of_user(user=request.user)
    scope = scope_for(request.user)
    return render(request, "supervision/home.html", {
        "staff": staff,
        "scope": scope,
        "people_count": person_list(actor=request.user).count(),
        "calendar_warnings": selectors.calendar_warnings(),
        "can_audit": scope.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR),
        "can_intake": scope.has_role(Role.WINDOW_CLERK),
        "can_report": scope.has_role(Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR),
        "can_manage_catalog": catalog_is_manager(actor=request.user),
        "can_grid": can_see_figures(request.user), "is_grid_worker": is_grid_worker(request.user),
    })


@staff_required
def audit(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).has_role(Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise NotFound()
    qs = selectors.audit_list(action=request.GET.get("action", ""),
                              object_id=request.GET.get("object", ""))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/audit.html", {"page": page})
