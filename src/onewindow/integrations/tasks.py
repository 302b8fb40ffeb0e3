"""Periodic housekeeping of the integration tables."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from onewindow.core.timer import periodic

from . import constants as c


@periodic("integrations.idempotency_cleanup", every=3600)
def idempotency_cleanup() -> int:
    """Forget stored first answers older than the retry window."""
    from .models import IdempotencyRecord

    cutoff = timezone.now() - timedelta(hours=c.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
