"""Limits of the integration contract."""

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 255
IDEMPOTENCY_TTL_HOURS = 24
REPLAY_HEADER = "Idempotent-Replayed"

# --- Outgoing webhooks ------------------------------------------------------------------------
#: Outbox events an integrator may subscribe to, with the scope their client must hold to
#: receive them (the resource's read).
WEBHOOK_EVENTS: dict[str, str] = {
    "ticket.dispatched": "tickets:read",
    "ticket.replied": "tickets:read",
    "ticket.closed": "tickets:read",
    "ticket.reopened": "tickets:read",
    "ticket.merged": "tickets:read",
    "ticket.site_checked": "tickets:read",
    "case.prereview_passed": "cases:read",
    "case.closed": "cases:read",
    "licence.issued": "licences:read",
    "licence.revoked": "licences:read",
}
WEBHOOK_EVENT_LABELS: dict[str, str] = {
    "ticket.dispatched": "12345工单已派发",
    "ticket.replied": "12345工单已答复",
    "ticket.closed": "12345工单已办结",
    "ticket.reopened": "12345工单已重办",
    "ticket.merged": "12345工单已合并",
    "ticket.site_checked": "12345工单已现场核查",
    "case.prereview_passed": "办件预审通过",
    "case.closed": "办件已办结",
    "licence.issued": "电子证照已签发",
    "licence.revoked": "电子证照已注销",
}
WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_BACKOFF_BASE_SECONDS = 60
WEBHOOK_BACKOFF_MAX_SECONDS = 6 * 3600
WEBHOOK_TIMEOUT_SECONDS = 10
WEBHOOK_RESPONSE_KEEP = 500  # characters of the receiver's answer kept in the log
WEBHOOK_LOG_KEEP_DAYS = 90  # finished deliveries stay in the log this long
HEADER_EVENT = "X-OneWindow-Event"
HEADER_DELIVERY = "X-OneWindow-Delivery"
HEADER_TIMESTAMP = "X-OneWindow-Timestamp"
HEADER_SIGNATURE = "X-OneWindow-Signature"

AUDIT_WEBHOOK_CREATE = "webhook.create"
AUDIT_WEBHOOK_DELETE = "webhook.delete"
AUDIT_WEBHOOK_REDELIVER = "webhook.redeliver"
