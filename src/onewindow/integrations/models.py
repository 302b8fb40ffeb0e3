from __future__ import annotations

from django.db import models


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
