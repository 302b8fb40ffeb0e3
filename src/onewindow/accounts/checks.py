"""System checks: development stand-ins (SMS to the log, simulated real-name checks) in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.utils.module_loading import import_string

DEV_PROVIDER_IN_PRODUCTION = "onewindow.E101"


@register(deploy=True)
def dev_providers_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "PRODUCTION", False) or getattr(settings, "ONEWINDOW_ALLOW_DEV_PROVIDERS", False):
        return []
    errors: list[CheckMessage] = []
    for setting, default in (("ONEWINDOW_SMS_PROVIDER", "onewindow.accounts.sms.LogSmsProvider"),
                             ("ONEWINDOW_REALNAME_PROVIDER",
                              "onewindow.accounts.identity.DevelopmentRealNameProvider")):
        path = getattr(settings, setting, default)
        if getattr(import_string(path), "development_only", False):
            errors.append(Error(
                f"{setting} is the development stand-in {path} in production",
                hint=f"Set {setting} to the class of your provider (docs/deploy.md), or "
                     "ONEWINDOW_ALLOW_DEV_PROVIDERS=1 on a demonstration system.",
                id=DEV_PROVIDER_IN_PRODUCTION))
    return errors
