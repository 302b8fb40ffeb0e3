"""Forms of the integration pages (service accounts, webhook subscriptions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.accounts.constants import SCOPE_RESOURCES, Role
from onewindow.accounts.forms import AriaMixin
from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.regions.models import Region

from .constants import WEBHOOK_EVENT_LABELS, WEBHOOK_EVENTS

CLIENT_ROLES = [(value, label) for value, label in Role.choices if value != Role.ADMINISTRATOR]


class ServiceClientReachForm(AriaMixin, forms.Form):
    scopes = forms.CharField(
        label=_("Scopes"), max_length=500,
        help_text=_("resource:action separated by spaces, e.g. tickets:create cases:read. "
                    "Actions: read, create, write, *. Resources: %(resources)s")
        % {"resources": " ".join(SCOPE_RESOURCES)})
    region = forms.ModelChoiceField(label=_("Reach: region"), queryset=Region.objects.none())
    departments = forms.ModelMultipleChoiceField(
        label=_("Reach: departments"), queryset=Department.objects.none(), required=False,
        help_text=_("Records owned by a department are visible only for these departments."))
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=CLIENT_ROLES, required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = scope_for(actor)
        prefix = scope.region_path or "\0"
        self.fields["region"].queryset = (  # type: ignore[attr-defined]
            Region.objects.filter(path__startswith=prefix, level__in=["district", "street", "community"])
            .order_by("path"))
        self.fields["departments"].queryset = (  # type: ignore[attr-defined]
            Department.objects.filter(region__path__startswith=prefix, is_active=True).order_by("code"))
        self.aria_refresh()


class ServiceClientForm(ServiceClientReachForm):
    name = forms.CharField(label=_("Account name"), max_length=100)
    contact = forms.CharField(label=_("Contact person"), max_length=200, required=False,
                              help_text=_("Person or mailbox responsible for the connected system."))
    field_order = ["name", "contact", "scopes", "region", "departments", "roles"]


class WebhookForm(AriaMixin, forms.Form):
    url = forms.CharField(label=_("Receiver address"), max_length=500,
                          help_text=_("https address of the connected system that receives the events."))
    events = forms.MultipleChoiceField(
        label=_("Events"), widget=forms.CheckboxSelectMultiple,
        choices=[(name, f"{WEBHOOK_EVENT_LABELS[name]}（{name}）") for name in WEBHOOK_EVENTS])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aria_refresh()
