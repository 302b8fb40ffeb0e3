"""Administrator pages: service accounts (create, rotate, revoke; the secret shown once)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from onewindow.accounts import selectors as account_selectors
from onewindow.accounts import services as account_services
from onewindow.accounts.views import staff_page
from onewindow.core.errors import DomainError

from .forms import ServiceClientForm


def _clients_page(request: HttpRequest, form: ServiceClientForm, *, status: int = 200,
                  error: DomainError | None = None) -> HttpResponse:
    clients = account_selectors.service_client_list(actor=request.user)
    return render(request, "integrations/clients.html",
                  {"clients": clients, "form": form, "error": error}, status=status)


@staff_page("integrations.clients")
def clients(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _clients_page(request, ServiceClientForm(actor=request.user))
    form = ServiceClientForm(request.POST, actor=request.user)
    if not form.is_valid():
        return _clients_page(request, form, status=400)
    data = form.cleaned_data
    try:
        client, secret = account_services.service_client_create(
            actor=request.user, name=data["name"], contact=data["contact"], scopes=data["scopes"],
            region=data["region"], departments=list(data["departments"]), roles=data["roles"])
    except DomainError as error:
        for name, message in error.fields.items():
            if name in form.fields:
                form.add_error(name, message)
        form.aria_refresh()
        return _clients_page(request, form, status=error.status, error=None if error.fields else error)
    return render(request, "integrations/client_secret.html", {"client": client, "secret": secret}, status=201)


@staff_page("integrations.clients")
@require_POST
def client_rotate(request: HttpRequest, client_id: str) -> HttpResponse:
    client = account_selectors.service_client_get(actor=request.user, client_id=client_id)
    client, secret = account_services.service_client_rotate(actor=request.user, client=client)
    return render(request, "integrations/client_secret.html", {"client": client, "secret": secret, "rotated": True})


@staff_page("integrations.clients")
@require_POST
def client_revoke(request: HttpRequest, client_id: str) -> HttpResponse:
    client = account_selectors.service_client_get(actor=request.user, client_id=client_id)
    account_services.service_client_revoke(actor=request.user, client=client)
    return redirect("integrations:clients")
