"""English ``message`` of API errors, for callers whose Accept-Language prefers English.

Domain messages are Chinese literals (the platform's language); an integrator's log is often
read in English. Where this table has the error's stable ``code``, an API answer to a request
whose negotiated language (``LocaleMiddleware``: Accept-Language, language cookie) is English
carries the English text; other codes keep the Chinese message. ``code`` never changes.
"""

from __future__ import annotations

from typing import Any

ENGLISH_MESSAGES: dict[str, str] = {
    "bad_request": "The request is not valid.",
    "validation_failed": "Some fields are not valid: see fields.",
    "not_found": "Not found, or outside what you may see.",
    "permission_denied": "You may not do this.",
    "not_authenticated": "Sign in or send a valid bearer token.",
    "conflict": "This conflicts with the record's current state.",
    "method_not_allowed": "This method is not allowed here: see the Allow header.",
    "too_many_requests": "Too many requests: try again later.",
    "too_large": "The request is too large.",
    "internal_error": "Something went wrong on our side; quote the request_id when you report it.",
    "personal_lookup_in_url": "ID and mobile numbers may not appear in a URL: use the POST search.",
    "token_expired": "The token has expired: create a new one.",
    "token_revoked": "The token has been revoked: create a new one.",
    "bad_credentials": "Wrong user name or password.",
    "bad_client_credentials": "Wrong client id or secret.",
    "client_revoked": "This service account has been revoked.",
    "scope_missing": "This service account's scopes do not include this operation: see detail.required_scope.",
    "service_client_only": "Only a service account may call this.",
    "idempotency_key_invalid": "The Idempotency-Key must be 1-255 visible ASCII characters.",
    "idempotency_key_reused": "This Idempotency-Key was used for a different request: use a new key.",
    "idempotency_in_progress": "A request with this Idempotency-Key is still running: retry shortly.",
    "version_conflict": "The record changed since you read it: read it again (see detail.current_etag).",
    "if_match_required": "Send If-Match with the ETag you read.",
    "export_period_invalid": "The period must lie within 2000-2100 and last 1 to 366 days.",
    "webhook_url_invalid": "The receiver address must be a public https URL.",
    "webhook_events_invalid": "Unknown or missing events.",
    "webhook_forbidden": "Only an administrator or the service account itself may manage its webhooks.",
    "signin_wait": "Wait before the next sign-in attempt.",
    "captcha_required": "Solve the CAPTCHA and try again.",
    "signin_locked": "Sign-in is locked for a while after repeated failures.",
    "cursor_invalid": "The cursor is not valid or was changed: start again with cursor=*.",
}


def prefers_english(request: Any) -> bool:
    return str(getattr(request, "LANGUAGE_CODE", "") or "").lower().startswith("en")


def localized_message(request: Any, code: str, message: str) -> str:
    """The English text for ``code`` when the request prefers English and one exists."""
    if prefers_english(request):
        return ENGLISH_MESSAGES.get(code, message)
    return message

#: English per-field messages of the request validation (pydantic error types).
ENGLISH_FIELD_MESSAGES: dict[str, str] = {
    "missing": "Required.",
    "string_too_short": "Too short.",
    "string_too_long": "Too long.",
    "int_parsing": "Must be a whole number.",
    "float_parsing": "Must be a number.",
    "bool_parsing": "Must be true or false.",
    "date_from_datetime_parsing": "Date as YYYY-MM-DD.",
    "date_parsing": "Date as YYYY-MM-DD.",
    "datetime_parsing": "Time as ISO 8601.",
    "datetime_from_date_parsing": "Time as ISO 8601.",
    "uuid_parsing": "Not a valid id.",
    "enum": "Not one of the allowed values.",
    "literal_error": "Not one of the allowed values.",
    "json_invalid": "The body is not valid JSON.",
    "model_attributes_type": "The body has the wrong shape.",
    "dict_type": "Must be an object.",
    "list_type": "Must be a list.",
    "string_type": "Must be text.",
    "int_type": "Must be a whole number.",
    "greater_than_equal": "Too small.",
    "less_than_equal": "Too large.",
    "greater_than": "Too small.",
    "less_than": "Too large.",
}


def localized_field_message(request: Any, error_type: str, message: str) -> str:
    if prefers_english(request):
        return ENGLISH_FIELD_MESSAGES.get(error_type, message)
    return message
