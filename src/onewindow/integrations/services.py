"""Writes of the integrations app: outgoing webhooks on the outbox.

An outbox event (``core.events``) that a service account subscribed to becomes one
``WebhookDelivery`` per subscription (once per event: ``outbox:<event id>``), if the client holds
the event's read scope and, when the event names a region, its reach covers it. Deliveries are
POSTed after commit by a task, signed with the subscription's secret
(``X-OneWindow-Signature: sha256=HMAC(secret, "<timestamp>." ‖ body)``,
``X-OneWindow-Timestamp``); a failure (network, time-out, non-2xx, redirect) is retried with
exponential back-off by the timer until ``WEBHOOK_MAX_ATTEMPTS``, then given up. Every attempt's
outcome stays in the delivery log the administrator sees.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import ServiceClient
from onewindow.accounts.rules import scope_allows
from onewindow.accounts.scope import scope_for
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, PermissionDenied

from . import constants as c
from . import rules, transport
from .models import DeliveryStatus, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)


def _may_manage(actor: Any, client: ServiceClient) -> None:
    """The client itself, or an administrator whose region covers the client's reach."""
    if getattr(actor, "pk", None) == client.user_id:
        return
    scope = scope_for(actor)
    if not scope.has_role(Role.ADMINISTRATOR) or not scope.covers_region_path(client.user.staff.region.path):
        raise PermissionDenied("只有系统管理员或该服务账户本身可以管理其事件推送", code="webhook_forbidden")


def _url_check(url: str) -> str:
    return rules.webhook_url_check(
        url, allow_private=bool(getattr(settings, "ONEWINDOW_WEBHOOK_ALLOW_PRIVATE", False)),
        require_https=not settings.DEBUG and not getattr(settings, "ONEWINDOW_WEBHOOK_ALLOW_HTTP", False))


def webhook_subscription_create(*, actor: Any, client: ServiceClient, url: str,
                                events: list[str]) -> tuple[WebhookSubscription, str]:
    """Subscribe ``client`` to ``events`` at ``url``; returns the signing secret (shown once)."""
    _may_manage(actor, client)
    if client.revoked_at is not None:
        raise Conflict("该服务账户已吊销", code="client_revoked")
    url = _url_check(url)
    chosen = rules.webhook_events_check(events)
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            client=client, url=url, events=chosen, secret=secret, secret_prefix=secret[:12],
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit_record(actor=actor, action=c.AUDIT_WEBHOOK_CREATE, obj=subscription,
                     summary={"client_id": client.client_id, "url": url, "events": chosen})
    return subscription, secret


def webhook_subscription_delete(*, actor: Any, subscription: WebhookSubscription) -> None:
    _may_manage(actor, subscription.client)
    with transaction.atomic():
        WebhookSubscription.objects.filter(id=subscription.id).update(is_active=False, updated_at=timezone.now())
        WebhookDelivery.objects.filter(
            subscription=subscription, status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        ).update(status=DeliveryStatus.GAVE_UP, next_attempt_at=None, last_error="订阅已删除")
        audit_record(actor=actor, action=c.AUDIT_WEBHOOK_DELETE, obj=subscription,
                     summary={"client_id": subscription.client.client_id, "url": subscription.url})


def webhook_fanout(*, name: str, payload: dict[str, Any], event_key: str,
                   occurred_at: datetime | None = None) -> list[WebhookDelivery]:
    """Queue ``name`` for every subscription that wants it and may see it (idempotent)."""
    required = c.WEBHOOK_EVENTS.get(name)
    if required is None:
        return []
    subscriptions = (WebhookSubscription.objects.filter(is_active=True, client__revoked_at__isnull=True,
                                                        client__user__is_active=True)
                     .select_related("client__user"))
    region_path = payload.get("region_path")
    now = timezone.now()
    created: list[WebhookDelivery] = []
    for subscription in subscriptions:
        if name not in subscription.events or not scope_allows(subscription.client.scopes, required):
            continue
        if isinstance(region_path, str) and not scope_for(subscription.client.user).covers_region_path(region_path):
            continue
        body = {"event": name, "occurred_at": timezone.localtime(occurred_at or now).isoformat(),
                "data": _public(payload)}
        delivery, is_new = WebhookDelivery.objects.get_or_create(
            subscription=subscription, event_key=event_key,
            defaults={"event_name": name, "payload": body, "next_attempt_at": now})
        if is_new:
            created.append(delivery)
    if created:
        ids = [d.id for d in created]
        transaction.on_commit(lambda: _enqueue(ids))
    return created


_INTERNAL_KEYS = frozenset({"region_path", "user_id"})


def _public(value: Any) -> Any:
    """An event's payload as integrators get it: internal keys (row ids, scope paths) left out."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if k not in _INTERNAL_KEYS}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def _enqueue(ids: list[int]) -> None:
    from .tasks import webhook_deliver_task

    for delivery_id in ids:
        webhook_deliver_task.enqueue(delivery_id)


def webhook_body(delivery: WebhookDelivery) -> bytes:
    document = {"id": str(delivery.public_id), **delivery.payload}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder).encode()


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Try one delivery if it is due. The row is claimed with a conditional UPDATE (a lease
    of three time-outs), so two workers never send it at once; the POST runs outside any
    transaction; its outcome is written back."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=c.WEBHOOK_TIMEOUT_SECONDS * 3)
    claimed = WebhookDelivery.objects.filter(
        id=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now,
        subscription__is_active=True,
    ).update(next_attempt_at=lease)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("subscription__client").get(id=delivery_id)
    subscription = delivery.subscription
    body = webhook_body(delivery)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "OneWindow-Webhooks/1.0",
        c.HEADER_EVENT: delivery.event_name,
        c.HEADER_DELIVERY: str(delivery.public_id),
        c.HEADER_TIMESTAMP: str(timestamp),
        c.HEADER_SIGNATURE: rules.webhook_signature(secret=subscription.secret, timestamp=timestamp, body=body),
    }
    try:
        _url_check(subscription.url)
        status, error = transport.post(subscription.url, body=body, headers=headers)
    except Exception as exc:  # a refused address counts as a failed attempt
        status, error = None, str(getattr(exc, "message", exc))[:c.WEBHOOK_RESPONSE_KEEP]
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {"attempts": attempts, "last_attempt_at": now, "last_status_code": status,
                              "updated_at": timezone.now()}
    if status is not None and 200 <= status < 300:
        fields.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None, last_error="")
    else:
        retry_at = rules.webhook_next_attempt(attempts=attempts, now=now)
        fields.update(status=DeliveryStatus.FAILED if retry_at else DeliveryStatus.GAVE_UP,
                      next_attempt_at=retry_at, last_error=error or f"HTTP {status}")
        logger.warning("webhook delivery %s to client %s failed (attempt %s): %s", delivery.public_id,
                       subscription.client.client_id, attempts, fields["last_error"])
    WebhookDelivery.objects.filter(id=delivery.id).update(**fields)
    delivery.refresh_from_db()
    return delivery


def webhooks_deliver_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Deliver (or retry) every due delivery; returns how many succeeded."""
    now = now or timezone.now()
    due = list(WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now,
    ).order_by("next_attempt_at").values_list("id", flat=True)[:limit])
    succeeded = 0
    for delivery_id in due:
        delivery = webhook_deliver(delivery_id=delivery_id, now=now)
        if delivery is not None and delivery.status == DeliveryStatus.SUCCEEDED:
            succeeded += 1
    return succeeded


def webhook_redeliver(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now (after a receiver was fixed), whatever its state."""
    _may_manage(actor, delivery.subscription.client)
    if not delivery.subscription.is_active:
        raise Conflict("该订阅已删除", code="webhook_inactive")
    with transaction.atomic():
        WebhookDelivery.objects.filter(id=delivery.id).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), updated_at=timezone.now())
        audit_record(actor=actor, action=c.AUDIT_WEBHOOK_REDELIVER, obj=delivery,
                     summary={"event": delivery.event_name, "url": delivery.subscription.url})
        delivery_id = delivery.id
        transaction.on_commit(lambda: _enqueue([delivery_id]))
    delivery.refresh_from_db()
    return delivery
