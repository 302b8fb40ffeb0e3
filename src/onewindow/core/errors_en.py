"""English ``message`` of API errors, for callers whose Accept-Language prefers English.

Domain messages are Chinese literals (the platform's language); an integrator's log is often
read in English. Where this table has the error's stable ``code``, an API answer to a request
whose negotiated language (``LocaleMiddleware``: Accept-Language, language cookie) is English
carries the English text; other codes keep the Chinese message. ``code`` never changes.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
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
    "http_error": "The request cannot be handled.",
    "bad_characters": "The request contains characters that cannot be handled (NUL or broken encoding).",
    "bad_host": "The host name in the address is not recognised.",
    "csrf_failed": "The page has expired: reload it and submit again.",
    "uri_too_long": "The address is too long.",
    "phone_area_code_missing": "Give the area code with a landline number.",
    "phone_characters": "A phone number may only contain digits.",
    "phone_mobile_length": "A mobile number has 11 digits.",
    "phone_service_number": "Give the person's own phone number, not a service number.",
    "phone_invalid": "Only mainland China mobile or landline numbers are accepted.",
    "cursor_invalid": "The cursor is not valid or was changed: start again with cursor=*.",
    "background_task_not_failed": "Only a failed background task may be retried or marked as handled.",
    "background_task_not_found": "Background task not found.",
    "body_unreadable": "The request body was not received completely: send it again.",
    "calendar_rows_invalid": "Some rows are not valid: nothing was imported.",
    "calendar_year_required": "The year of the import cannot be told: give the year.",
    "deadline_start_out_of_range": "The start date is outside the working-day calendar.",
    "file_name_invalid": "The file name cannot be handled: use a shorter name.",
    "image_too_many_pixels": "The image has too many pixels: make it smaller.",
    "multipart_invalid": "The multipart form is malformed or incomplete.",
    "request_too_large": "The request is too large; upload files through their upload operations.",
    "too_many_fields": "Too many form fields or files.",
    "value_out_of_range": "A number or date is out of the range that can be handled.",
    "year_out_of_range": "The year is out of range.",
}

#: Codes built from a field name (``f"{field}_required"``): English from the field's name.
SUFFIX_MESSAGES: dict[str, str] = {
    "_required": "{field} is required.",
    "_too_long": "{field} is too long.",
    "_invalid": "{field} is not valid.",
    "_empty": "{field} is empty.",
    "_too_large": "{field} is too large.",
    "_type": "{field}: this type is not accepted.",
    "_damaged": "{field} is damaged or cannot be read.",
}


@cache
def english_messages() -> dict[str, str]:
    """This table merged with every installed app's ``<app>.errors_en.ENGLISH_MESSAGES`` (each app
    keeps the English of its own codes; core imports no app, it looks them up by name)."""
    from django.apps import apps

    merged: dict[str, str] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("onewindow.") or config.name == "onewindow.core":
            continue
        module_name = f"{config.name}.errors_en"
        if importlib.util.find_spec(module_name) is not None:
            merged.update(importlib.import_module(module_name).ENGLISH_MESSAGES)
    merged.update(ENGLISH_MESSAGES)
    return merged


def english_for(code: str) -> str | None:
    """The English text for ``code``: from the tables, else from a field-built code's suffix."""
    found = english_messages().get(code)
    if found is not None:
        return found
    for suffix, text in SUFFIX_MESSAGES.items():
        field = code.removesuffix(suffix)
        if field != code and field:
            return text.format(field=field.replace("_", " ").capitalize())
    return None


def prefers_english(request: Any) -> bool:
    return str(getattr(request, "LANGUAGE_CODE", "") or "").lower().startswith("en")


def localized_message(request: Any, code: str, message: str) -> str:
    """The English text for ``code`` when the request prefers English and one exists."""
    if prefers_english(request):
        return english_for(code) or message
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
