"""Reads of the integrations app: webhook subscriptions and the delivery log of a client."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from onewindow.accounts.models import ServiceClient
from onewindow.core.errors import NotFound

from .models import WebhookDelivery, WebhookSubscription


def webhook_subscription_list(*, client: ServiceClient, active_only: bool = True) -> QuerySet[WebhookSubscription]:
    qs = WebhookSubscription.objects.filter(client=client).select_related("client")
    return qs.filter(is_active=True) if active_only else qs


def webhook_subscription_get(*, client: ServiceClient, public_id: UUID | str) -> WebhookSubscription:
    subscription = webhook_subscription_list(client=client).filter(public_id=public_id).first()
    if subscription is None:
        raise NotFound("找不到该订阅", code="webhook_not_found")
    return subscription


def webhook_delivery_list(*, client: ServiceClient, status: str = "", event: str = "") -> QuerySet[WebhookDelivery]:
    """The delivery log of a client, newest first."""
    qs = WebhookDelivery.objects.filter(subscription__client=client).select_related("subscription__client")
    if status:
        qs = qs.filter(status=status)
    if event:
        qs = qs.filter(event_name=event)
    return qs.order_by("-id")


def webhook_delivery_get(*, client: ServiceClient, public_id: UUID | str) -> WebhookDelivery:
    delivery = webhook_delivery_list(client=client).filter(public_id=public_id).first()
    if delivery is None:
        raise NotFound("找不到该推送记录", code="webhook_delivery_not_found")
    return delivery


def parse_uuid(value: Any) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound() from None
