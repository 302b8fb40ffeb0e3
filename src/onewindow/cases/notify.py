"""Notifications: in-app rows, plus external channels (SMS, e-mail) through adapters.

An adapter is any class with a ``channel`` name and ``send(*, user, title, body, link)``;
``settings.ONEWINDOW_NOTIFY_ADAPTERS`` lists their dotted paths (default: the console
adapter, which writes the message to the log, so development and tests need no gateway).
External sending happens after commit in a background task and is recorded per attempt in
``NotificationDelivery``.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from onewindow.core.masking import mask_phone

from .constants import SETTING_NOTIFY_ADAPTERS
from .models import Case, Notification, NotificationDelivery

logger = logging.getLogger("onewindow.notify")

DEFAULT_ADAPTERS = ("onewindow.cases.notify.ConsoleSender",)


class Sender(Protocol):
    channel: str

    def send(self, *, user: Any, title: str, body: str, link: str) -> None: ...


class ConsoleSender:
    """Writes what an SMS gateway would send to the log (masked phone number)."""

    channel = "console"
    sent: list[dict[str, str]] = []  # the last messages, for tests and the demo

    def send(self, *, user: Any, title: str, body: str, link: str) -> None:
        phone = ""
        person = getattr(user, "person", None) if user is not None else None
        if person is not None:
            phone = mask_phone(person.phone)
        record = {"to": phone or str(getattr(user, "username", "")), "title": title, "body": body}
        ConsoleSender.sent = [*ConsoleSender.sent[-99:], record]
        logger.info("【%s】%s %s → %s", settings.ONEWINDOW_PLATFORM_NAME, title, body, record["to"])


@lru_cache(maxsize=4)
def _load(paths: tuple[str, ...]) -> tuple[Sender, ...]:
    return tuple(import_string(path)() for path in paths)


def senders() -> tuple[Sender, ...]:
    paths = tuple(getattr(settings, SETTING_NOTIFY_ADAPTERS, DEFAULT_ADAPTERS))
    return _load(paths)


def notify(*, recipient: Any = None, kind: str, title: str, body: str = "", case: Case | None = None,
           link: str = "", external: bool = False, recipient_id: int | None = None) -> Notification | None:
    """Create an in-app notification (inside the caller's transaction); with ``external``
    also send it through the adapters after commit. The recipient is a user or, when the
    caller has only its key, ``recipient_id``."""
    if recipient is not None:
        recipient_id = recipient.pk
    if recipient_id is None:
        return None
    notification = Notification.objects.create(
        recipient_id=recipient_id, case=case, kind=kind, title=title[:200], body=body, link=link[:300])
    if external and senders():
        notification_id = notification.id
        transaction.on_commit(lambda: _enqueue(notification_id))
    return notification


def _enqueue(notification_id: int) -> None:
    from .tasks import notification_send_task

    notification_send_task.enqueue(notification_id)


def notification_send(notification_id: int) -> int:
    """Send one notification through every adapter; returns how many succeeded."""
    notification = Notification.objects.select_related("recipient").filter(id=notification_id).first()
    if notification is None:
        return 0
    ok = 0
    for sender in senders():
        delivery = NotificationDelivery.objects.create(notification=notification,
                                                       channel=sender.channel, attempts=1)
        try:
            sender.send(user=notification.recipient, title=notification.title,
                        body=notification.body, link=notification.link)
        except Exception as exc:  # an adapter failing must not break the others
            logger.exception("notification adapter %s failed", sender.channel)
            delivery.status = "failed"
            delivery.error = str(exc)[:500]
        else:
            delivery.status = "sent"
            delivery.sent_at = timezone.now()
            ok += 1
        delivery.save(update_fields=["status", "error", "sent_at"])
    return ok
