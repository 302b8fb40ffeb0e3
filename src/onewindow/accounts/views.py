"""Pages: sign in/out, the citizen's own account, and the staff's resident register."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from onewindow.core.errors import DomainError, NotFound
from onewindow.regions.selectors import region_get

from . import selectors, services
from .constants import UserKind
from .navigation import nav_allows


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff pages: signed-in staff only; anyone else is sent to sign in or gets a 404."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "kind", None) != UserKind.STAFF:
            raise NotFound()
        return view(request, *args, **kwargs)

    return wrapper


def staff_page(key: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A staff page declared in the navigation (``navigation.NavLink`` ``key``): whoever is not
    shown its link gets a 404, so the link and the page follow one rule."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @staff_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not nav_allows(user=request.user, key=key):
                raise NotFound()
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def me(request: HttpRequest) -> HttpResponse:
    person = selectors.person_of_user(user=request.user)
    return render(request, "accounts/me.html", {
        "person": person,
        "masked": selectors.person_masked(person) if person else None,
        "enterprises": request.user.enterprises.all(),  # type: ignore[union-attr]
        "tokens": selectors.api_token_list(user=request.user),  # type: ignore[arg-type]
    })


@staff_required
def people(request: HttpRequest) -> HttpResponse:
    filters = selectors.PersonFilters(q=request.GET.get("q", ""),
                                      region_code=request.GET.get("region", ""))
    qs = selectors.person_list(actor=request.user, filters=filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [(p, selectors.person_masked(p)) for p in page.object_list]
    template = "accounts/_people_rows.html" if request.htmx else "accounts/people.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "rows": rows, "filters": filters})


@staff_required
def person_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    person = selectors.person_get(actor=request.user, public_id=public_id)
    return render(request, "accounts/person_detail.html",
                  {"person": person, "masked": selectors.person_masked(person)})


@staff_required
@require_POST
def person_reveal(request: HttpRequest, public_id: str) -> HttpResponse:
    person = selectors.person_get(actor=request.user, public_id=public_id)
    try:
        full = services.person_reveal(actor=request.user, person=person,
                                      reason=request.POST.get("reason", ""))
    except DomainError as error:
        return render(request, "accounts/_reveal.html", {"person": person, "error": error},
                      status=error.status)
    return render(request, "accounts/_reveal.html", {"person": person, "full": full})


@staff_required
@require_POST
def person_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    person = selectors.person_get(actor=request.user, public_id=public_id)
    region_code = request.POST.get("region", "").strip()
    try:
        services.person_update(
            actor=request.user, person=person, phone=request.POST.get("phone") or None,
            address=request.POST.get("address") or None,
            region=region_get(code=region_code) if region_code else None,
        )
    except DomainError as error:
        return render(request, "accounts/person_detail.html",
                      {"person": person, "masked": selectors.person_masked(person),
                       "error": error}, status=error.status)
    return redirect("accounts:person", public_id=person.public_id)
