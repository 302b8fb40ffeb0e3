"""Limits of the integration contract."""

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 255
IDEMPOTENCY_TTL_HOURS = 24
REPLAY_HEADER = "Idempotent-Replayed"
