"""Fixtures of the accounts tests: the development SMS stand-in's outbox, emptied per test."""

import pytest

from onewindow.accounts.sms import LogSmsProvider


@pytest.fixture(autouse=True)
def sms_outbox():  # type: ignore[no-untyped-def]
    LogSmsProvider.outbox.clear()
    yield LogSmsProvider.outbox
    LogSmsProvider.outbox.clear()
