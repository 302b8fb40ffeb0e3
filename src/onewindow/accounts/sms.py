"""SMS delivery behind a settings-selected provider (``ONEWINDOW_SMS_PROVIDER``).

A real deployment plugs in its SMS gateway (the province's 短信平台 or an operator's
interface) by writing a class with ``send(*, phone, text)`` that raises ``SmsSendError`` when the
message cannot be handed over, and naming it in the setting. The development stand-in
``LogSmsProvider`` writes the message to the log (the phone masked) instead of sending it, so a
developer reads the one-time code in the server console; tests read ``outbox``. It is marked
``development_only``: in production it refuses to send unless ``ONEWINDOW_ALLOW_DEV_PROVIDERS``
is set for a demonstration system, and ``check --deploy`` reports it.
"""

from __future__ import annotations

import logging
from collections import deque
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from onewindow.core.masking import mask_phone

logger = logging.getLogger("onewindow.sms")


class SmsSendError(Exception):
    """The provider could not take the message."""


class SmsProvider(Protocol):
    code: str
    development_only: bool

    def send(self, *, phone: str, text: str) -> None:
        """Hand the message over for delivery or raise SmsSendError."""


def dev_providers_allowed() -> bool:
    return not getattr(settings, "PRODUCTION", False) or bool(
        getattr(settings, "ONEWINDOW_ALLOW_DEV_PROVIDERS", False))


class LogSmsProvider:
    """Development stand-in: the message goes to the log (phone masked), not to a phone."""

    code = "log"
    development_only = True
    # The last messages, for tests and the demo (never used by a real provider).
    outbox: deque[tuple[str, str]] = deque(maxlen=200)

    def send(self, *, phone: str, text: str) -> None:
        if not dev_providers_allowed():
            raise SmsSendError("the development SMS stand-in does not send in production")
        self.outbox.append((phone, text))
        logger.info("SMS (development stand-in, not sent) to %s: %s", mask_phone(phone), text)


@lru_cache(maxsize=4)
def _provider(path: str) -> SmsProvider:
    return import_string(path)()  # type: ignore[no-any-return]


def sms_provider() -> SmsProvider:
    return _provider(getattr(settings, "ONEWINDOW_SMS_PROVIDER", "onewindow.accounts.sms.LogSmsProvider"))


def sms_last_code(phone: str) -> str | None:
    """Development/test helper: the last six-digit code written for ``phone`` by the stand-in."""
    import re

    for to, text in reversed(LogSmsProvider.outbox):
        if to == phone:
            match = re.search(r"验证码[：:]?\s*(\d{6})", text)
            if match:
                return match.group(1)
    return None
