"""Administrator pages: service accounts (create, rotate, revoke; the secret shown once), their
webhook subscriptions and delivery log (redeliver)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from onewindow.accounts import selectors as account_selectors
from onewindow.accounts import services as account_services
from onewindow.accounts.views import staff_page
from onewindow.core.errors import DomainError

from . import selectors, services
from .forms import ServiceClientForm, ServiceClientReachForm, WebhookForm
from .models import DeliveryStatus


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


def _reach_form(request: HttpRequest, client: Any) -> ServiceClientReachForm:
    staff = client.user.staff
    return ServiceClientReachForm(actor=request.user, initial={
        "scopes": " ".join(client.scopes), "region": staff.region_id,
        "departments": [d.pk for d in staff.departments.all()], "roles": list(staff.roles)})


def _client_page(request: HttpRequest, client_id: str, *, form: WebhookForm | None = None,
                 reach_form: ServiceClientReachForm | None = None, secret: str = "",
                 status: int = 200) -> HttpResponse:
    client = account_selectors.service_client_get(actor=request.user, client_id=client_id)
    status_filter = request.GET.get("status", "")
    if status_filter not in DeliveryStatus.values:
        status_filter = ""
    deliveries = selectors.webhook_delivery_list(client=client, status=status_filter)[:100]
    return render(request, "integrations/client.html", {
        "client": client, "subscriptions": selectors.webhook_subscription_list(client=client),
        "deliveries": deliveries, "form": form or WebhookForm(), "secret": secret,
        "statuses": DeliveryStatus.choices, "status_filter": status_filter,
        "reach_form": reach_form or _reach_form(request, client),
    }, status=status)


@staff_page("integrations.clients")
def client_detail(request: HttpRequest, client_id: str) -> HttpResponse:
    if request.method != "POST":
        return _client_page(request, client_id)
    client = account_selectors.service_client_get(actor=request.user, client_id=client_id)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _client_page(request, client_id, form=form, status=400)
    try:
        _, secret = services.webhook_subscription_create(
            actor=request.user, client=client, url=form.cleaned_data["url"], events=form.cleaned_data["events"])
    except DomainError as error:
        for name, message in (error.fields or {"url": error.message}).items():
            form.add_error(name if name in form.fields else None, message)
        form.aria_refresh()
        return _client_page(request, client_id, form=form, status=error.status)
    return _client_page(request, client_id, secret=secret, status=201)


@staff_page("integrations.clients")
@require_POST
def webhook_delete(request: HttpRequest, client_id: str, subscription_id: str) -> HttpResponse:
    client = account_selectors.service_client_get(actor=request.user, client_id=client_id)
    subscription = selectors.webhook_subscription_get(client=client, public_id=selectors.parse_uuid(subscription_id))
    services.webhook_subscription_delete(actor=request.user, subscription=subscription)
    return redirect("integrations:client", client_id=client.client_id)


@staff_page("integrations.clients")
@require_POST
def delivery_redeliver(request: HttpRequest, client_id: str, delivery_id: str) -> HttpResponse:
    client = account_selectors.service_client_get(actor=request.user, client_id=client_id)
    delivery = selectors.webhook_delivery_get(client=client, public_id=selectors.parse_uuid(delivery_id))
    services.webhook_redeliver(actor=request.user, delivery=delivery)
    return redirect("integrations:client", client_id=client.client_id)


@staff_page("integrations.clients")
@require_POST
def client_edit(request: HttpRequest, client_id: str) -> HttpResponse:
    client = account_selectors.service_client_get(actor=request.user, client_id=client_id)
    form = ServiceClientReachForm(request.POST, actor=request.user)
    if not form.is_valid():
        return _client_page(request, client_id, reach_form=form, status=400)
    data = form.cleaned_data
    try:
        account_services.service_client_update(
            actor=request.user, client=client, scopes=data["scopes"], region=data["region"],
            departments=list(data["departments"]), roles=data["roles"])
    except DomainError as error:
        for name, message in (error.fields or {"scopes": error.message}).items():
            form.add_error(name if name in form.fields else None, message)
        form.aria_refresh()
        return _client_page(request, client_id, reach_form=form, status=error.status)
    return redirect("integrations:client", client_id=client.client_id)
