"""A small transactional outbox: lower apps announce events, higher apps subscribe.

``event_publish`` writes the event in the caller's transaction, so it exists exactly when the
change it describes was committed. After commit a background task hands it to the handlers
that higher apps registered with ``@subscribe`` in their ``AppConfig.ready``; the periodic
timer retries anything left over. Handlers must be idempotent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import OutboxEvent

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class CurrentEvent:
    id: int
    name: str
    created_at: datetime


_current: ContextVar[CurrentEvent | None] = ContextVar("onewindow_current_event", default=None)


def event_current() -> CurrentEvent | None:
    """The outbox event whose handlers are running (its id makes a handler idempotent)."""
    return _current.get()


def subscribe(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        if func not in _handlers[name]:
            _handlers[name].append(func)
        return func

    return register


def subscribers(name: str) -> list[Handler]:
    return list(_handlers.get(name, ()))


def event_publish(*, name: str, payload: dict[str, Any]) -> OutboxEvent:
    event = OutboxEvent.objects.create(name=name, payload=payload)

    def _dispatch() -> None:
        from .tasks import outbox_process_task

        outbox_process_task.enqueue()

    transaction.on_commit(_dispatch)
    return event


def outbox_process(*, limit: int = 200) -> int:
    """Deliver pending events to their handlers; returns how many were delivered."""
    delivered = 0
    pending = OutboxEvent.objects.filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    for event in pending.order_by("id")[:limit]:
        try:
            reset = _current.set(CurrentEvent(id=event.id, name=event.name, created_at=event.created_at))
            try:
                with transaction.atomic():
                    for handler in subscribers(event.name):
                        handler(event.payload)
                    updated = OutboxEvent.objects.filter(
                        id=event.id, processed_at__isnull=True
                    ).update(processed_at=timezone.now(), attempts=event.attempts + 1)
            finally:
                _current.reset(reset)
            delivered += updated
        except Exception as exc:
            logger.exception("outbox event %s (%s) failed", event.id, event.name)
            OutboxEvent.objects.filter(id=event.id).update(
                attempts=event.attempts + 1, last_error=str(exc)[:2000]
            )
    return delivered
