"""Periodic jobs of the accounts app."""

from __future__ import annotations

from onewindow.core.timer import periodic


@periodic("accounts.sms_codes_cleanup")
def sms_codes_cleanup() -> None:
    from .otp import sms_codes_cleanup as cleanup

    cleanup()
