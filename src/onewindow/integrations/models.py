from __future__ import annotations

from django.db import models

from onewindow.accounts.models import ServiceClient, User
from onewindow.core.fields import EncryptedTextField
from onewindow.core.models import BaseModel


class IdempotencyRecord(models.Model):
    """The first answer to a create made with an ``Idempotency-Key``: a retry with the same key
    (same caller, same operation) gets this answer again instead of a second record."""

    scope = models.CharField(max_length=80, help_text="调用方：user:<id> / client:<id> / anon:<地址摘要>")
    operation = models.CharField(max_length=120)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)  # null: still running
    body = models.BinaryField(blank=True, default=b"")
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "幂等请求记录"
        verbose_name_plural = "幂等请求记录"
        constraints = [models.UniqueConstraint(fields=["scope", "operation", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class WebhookSubscription(BaseModel):
    """A service account's subscription: these events, POSTed signed to this address."""

    client = models.ForeignKey(ServiceClient, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField("接收地址", max_length=500)
    events = models.JSONField("事件", default=list)
    secret = EncryptedTextField("签名密钥")
    secret_prefix = models.CharField(max_length=12)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name = "事件推送订阅"
        verbose_name_plural = "事件推送订阅"

    def __str__(self) -> str:
        return f"{self.client.name} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    SUCCEEDED = "succeeded", "已送达"
    FAILED = "failed", "失败待重试"
    GAVE_UP = "gave_up", "已放弃"


class WebhookDelivery(BaseModel):
    """One event for one subscription, with every attempt's outcome (the delivery log)."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_key = models.CharField(max_length=64, help_text="outbox:<事件编号>，同一事件只投递一次")
    event_name = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "事件推送记录"
        verbose_name_plural = "事件推送记录"
        constraints = [models.UniqueConstraint(fields=["subscription", "event_key"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_name} → {self.subscription.url}"
