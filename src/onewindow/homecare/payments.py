"""The payment adapter for the elder's own part. A real gateway (WeChat Pay, UnionPay, the
city's citizen card) implements ``PaymentGateway``; the sandbox settles at once and declines
amounts above its limit so that the failure path can be exercised. Selected by the setting
``HOMECARE_PAYMENT_GATEWAY`` (dotted path), the sandbox by default."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from onewindow.core.errors import DomainError


class PaymentDeclined(DomainError):
    status = 402
    code = "payment_declined"
    message = "支付未成功，请稍后重试或改用其他方式支付"


class PaymentGateway(Protocol):
    name: str

    def charge(self, *, reference: str, amount: Decimal, description: str) -> str:
        """Charge ``amount`` yuan; return the gateway's transaction id or raise PaymentDeclined."""


class SandboxGateway:
    name = "sandbox"
    limit = Decimal("5000.00")

    def charge(self, *, reference: str, amount: Decimal, description: str) -> str:
        if amount <= 0 or amount > self.limit:
            raise PaymentDeclined(f"沙箱支付拒绝了本次金额（{amount} 元）")
        return f"SBX{uuid.uuid4().hex[:20].upper()}"


def gateway() -> PaymentGateway:
    path = getattr(settings, "HOMECARE_PAYMENT_GATEWAY", "onewindow.homecare.payments.SandboxGateway")
    return import_string(path)()  # type: ignore[no-any-return]
