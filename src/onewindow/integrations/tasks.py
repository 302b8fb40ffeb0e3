"""Background work of the integrations app: webhook deliveries and retries, housekeeping."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from onewindow.core.background import task_policy
from onewindow.core.events import event_current, subscribe, subscribers
from onewindow.core.timer import periodic

from . import constants as c


@periodic("integrations.idempotency_cleanup", every=3600)
def idempotency_cleanup() -> int:
    """Forget stored first answers older than the retry window."""
    from .models import IdempotencyRecord

    cutoff = timezone.now() - timedelta(hours=c.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@task()
def webhook_deliver_task(delivery_id: int) -> bool:
    from .services import webhook_deliver

    delivery = webhook_deliver(delivery_id=delivery_id)
    return delivery is not None


task_policy(webhook_deliver_task, label="事件推送", max_seconds=120, attempts=3)


@periodic("integrations.webhooks_retry", every=60)
def webhooks_retry() -> int:
    """Retry failed webhook deliveries whose back-off has passed (and any left pending)."""
    from .services import webhooks_deliver_due

    return webhooks_deliver_due()


def _webhook_handler(name: str) -> Any:
    def handle(payload: dict[str, Any]) -> None:
        from .services import webhook_fanout

        current = event_current()
        key = f"outbox:{current.id}" if current else "payload:" + hashlib.sha256(
            json.dumps([name, payload], sort_keys=True, default=str).encode()).hexdigest()[:48]
        webhook_fanout(name=name, payload=payload, event_key=key,
                       occurred_at=current.created_at if current else None)

    handle.__name__ = f"webhook_{name.replace('.', '_')}"
    return handle


def webhooks_subscribe() -> None:
    """Hear every event that integrators may subscribe to (called from AppConfig.ready)."""
    for name in c.WEBHOOK_EVENTS:
        if not any(getattr(h, "__name__", "") == f"webhook_{name.replace('.', '_')}" for h in subscribers(name)):
            subscribe(name)(_webhook_handler(name))


@periodic("integrations.webhook_log_cleanup", every=24 * 3600)
def webhook_log_cleanup() -> int:
    """Forget finished deliveries (succeeded or given up) older than WEBHOOK_LOG_KEEP_DAYS."""
    from .models import DeliveryStatus, WebhookDelivery

    cutoff = timezone.now() - timedelta(days=c.WEBHOOK_LOG_KEEP_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.GAVE_UP], created_at__lt=cutoff).delete()
    return deleted
