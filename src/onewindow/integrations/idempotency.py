"""Idempotent creates: ``Idempotency-Key`` on every POST that makes a record.

A client that retries a create (time-out, lost answer) sends the same ``Idempotency-Key`` header
and gets the first answer back (same status, body and ``Location``, plus ``Idempotent-Replayed:
true``) instead of a second record. Keys are per caller (the signed-in user or service account,
else the client address) and per operation, and kept for IDEMPOTENCY_TTL_HOURS. The same key
with a different request body answers 422 ``idempotency_key_reused``; a key whose first request
is still running answers 409 ``idempotency_in_progress``. Only successful (2xx) answers are kept
(encrypted): after an error the client may retry with the same key.

The key is reserved, the operation runs and its answer is stored in one transaction, so the
record and the stored answer commit together (or neither does). For django-ninja operations
use ``@idempotent`` under the router decorator; plain Django views (Open311) call
``idempotent_call``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_callback

from onewindow.core.clientip import client_ip
from onewindow.core.crypto import lookup_hash, open_sealed, seal
from onewindow.core.errors_en import localized_message

from . import constants as c
from .models import IdempotencyRecord

_STATE = "_ow_idempotency"
_CONTEXT = b"idempotency"  # the stored answer may carry personal data: sealed (AES-GCM)

KEY_DESCRIPTION = (f"幂等键（1–{c.IDEMPOTENCY_KEY_MAX} 个可见 ASCII 字符，如 UUID）。同一调用方以同一键重试时，"
                   f"返回首次请求的结果（响应头 {c.REPLAY_HEADER}: true），不会重复创建；"
                   f"保存 {c.IDEMPOTENCY_TTL_HOURS} 小时。同一键换了请求内容返回 422 idempotency_key_reused。")
OPENAPI_EXTRA: dict[str, Any] = {
    "parameters": [{"name": c.IDEMPOTENCY_HEADER, "in": "header", "required": False,
                    "description": KEY_DESCRIPTION,
                    "schema": {"type": "string", "minLength": 1, "maxLength": c.IDEMPOTENCY_KEY_MAX}}],
}


def _error(status: int, code: str, message: str, request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": code, "message": localized_message(request, code, message), "detail": None,
                         "fields": {},
                         "request_id": getattr(request, "request_id", "")},
                        status=status, json_dumps_params={"ensure_ascii": False})


def key_problem(key: str) -> str | None:
    if not key or len(key) > c.IDEMPOTENCY_KEY_MAX:
        return f"幂等键长度应为 1–{c.IDEMPOTENCY_KEY_MAX} 个字符"
    if not all(33 <= ord(ch) <= 126 for ch in key):
        return "幂等键只能包含可见的 ASCII 字符"
    return None


def caller_scope(request: HttpRequest) -> str:
    """Who is calling: a service account, a signed-in user, else the client address."""
    explicit = getattr(request, "idempotency_scope", None)
    if explicit:
        return str(explicit)[:80]
    client = getattr(request, "service_client", None)
    if client is not None:
        return f"client:{client.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"anon:{lookup_hash(client_ip(request))[:32]}"


def _request_hash(request: HttpRequest, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(request.path.encode())
    digest.update(request.META.get("QUERY_STRING", "").encode())
    digest.update(body)
    return digest.hexdigest()


def _body_for_hash(request: HttpRequest) -> bytes:
    """The raw body, or, once a middleware or the view has parsed a multipart form, the form
    fields with each file's name and content digest (a retried upload hashes the same)."""
    try:
        return request.body
    except RawPostDataException:
        parts = [request.POST.urlencode().encode()]
        for field in sorted(request.FILES):
            for upload in request.FILES.getlist(field):
                digest = hashlib.sha256()
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
                parts.append(f"{field}:{upload.name}:{digest.hexdigest()}".encode())
        return b"\n".join(parts)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(_unseal(record.body), status=record.status or 200,
                            content_type=record.content_type or "application/json")
    if record.location:
        response["Location"] = record.location
    response[c.REPLAY_HEADER] = "true"
    return response


def _begin(request: HttpRequest, *, operation: str, key: str, request_hash: str) -> HttpResponse | None:
    """Reserve the key for this call, or answer with what the first call answered."""
    scope = caller_scope(request)
    existing = IdempotencyRecord.objects.filter(scope=scope, operation=operation, key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(scope=scope, operation=operation, key=key,
                                                          request_hash=request_hash, created_at=timezone.now())
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(scope=scope, operation=operation, key=key).first()
        else:
            setattr(request, _STATE, {"record": record})
            return None
    if existing is None or existing.status is None:
        return _error(409, "idempotency_in_progress", "使用该幂等键的请求正在处理中，请稍后重试", request)
    if existing.request_hash != request_hash:
        return _error(422, "idempotency_key_reused", "该幂等键已用于内容不同的请求，请换一个键", request)
    return _replay(existing)


def _finish(request: HttpRequest, response: HttpResponseBase) -> None:
    state = getattr(request, _STATE, None)
    record: IdempotencyRecord | None = (state or {}).get("record")
    if record is None or transaction.get_connection().needs_rollback:
        return  # not reserved here, or the whole transaction (reservation included) rolls back
    if 200 <= response.status_code < 300 and isinstance(response, HttpResponse):
        record.status = response.status_code
        record.body = seal(base64.b64encode(response.content).decode(), context=_CONTEXT).encode()
        record.content_type = response.get("Content-Type", "")
        record.location = response.get("Location", "")[:500]
        record.save(update_fields=["status", "body", "content_type", "location"])
    else:
        record.delete()


def idempotent_call(request: HttpRequest, operation: str,
                    run: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """Run ``run`` once per (caller, operation, Idempotency-Key); plain Django views."""
    key = request.headers.get(c.IDEMPOTENCY_HEADER)
    if key is None:
        return run()
    problem = key_problem(key)
    if problem:
        return _error(400, "idempotency_key_invalid", problem, request)
    body = _body_for_hash(request)
    with transaction.atomic():
        replay = _begin(request, operation=operation, key=key, request_hash=_request_hash(request, body))
        if replay is not None:
            return replay
        response = run()
        _finish(request, response)
    return response


def _replay_view(func: Callable[..., Any], operation_name: str) -> Callable[..., Any]:
    @functools.wraps(func)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        pending = getattr(request, _STATE, None)
        if pending and "key" in pending:
            replay = _begin(request, operation=operation_name, key=pending["key"], request_hash=pending["hash"])
            if replay is not None:
                return replay
        return func(request, *args, **kwargs)

    view._ow_idempotent = True  # type: ignore[attr-defined]
    return view


def _wrap_run(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @functools.wraps(run)
    def wrapped(request: HttpRequest, **kw: Any) -> HttpResponseBase:
        key = request.headers.get(c.IDEMPOTENCY_HEADER)
        if key is None:
            return run(request, **kw)
        problem = key_problem(key)
        if problem:
            return _error(400, "idempotency_key_invalid", problem, request)
        try:
            body = _body_for_hash(request)
        except Exception:  # too large or unreadable: the operation answers that itself
            return run(request, **kw)
        setattr(request, _STATE, {"key": key, "hash": _request_hash(request, body)})
        with transaction.atomic():
            response = run(request, **kw)
            _finish(request, response)
        return response

    return wrapped


def _document(operation: Any) -> None:
    extra = operation.openapi_extra or {}
    params = [*extra.get("parameters", []), *OPENAPI_EXTRA["parameters"]]
    operation.openapi_extra = {**extra, "parameters": params}


def idempotent(func: Callable[..., Any]) -> Callable[..., Any]:
    """Make a django-ninja create operation idempotent (put it under ``@router.post``).

    The operation's run (after authentication) is wrapped so that the reservation, the work and
    the stored answer share one transaction; the view itself replays a stored answer."""
    view = _replay_view(func, f"{func.__module__}.{func.__name__}")
    contribute_operation_callback(view, _document)
    return decorate_view(_wrap_run)(view)


def install_idempotent_creates(api: Any) -> list[str]:
    """Every create (a POST answering 201) of ``api`` not yet ``@idempotent`` becomes so: the
    apps below this one (accounts, news) cannot import the decorator. Token endpoints
    (``/auth/tokens``, ``/auth/client-tokens``) are left out (a replay would hand out a stored
    credential). Call it once after
    all routers are added and before the URLs are built; returns the operations it changed."""
    from ninja.decorators import _apply_decorators

    changed: list[str] = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if "POST" not in operation.methods or 201 not in operation.response_models:
                    continue
                if "token" in path or getattr(operation.view_func, "_ow_idempotent", False):
                    continue
                func = operation.view_func
                operation.view_func = _replay_view(func, f"{func.__module__}.{func.__name__}")
                _apply_decorators((_wrap_run,), operation)
                _document(operation)
                changed.append(f"{func.__module__}.{func.__name__}")
    return changed


def _unseal(sealed: bytes | memoryview) -> bytes:
    return base64.b64decode(open_sealed(bytes(sealed).decode(), context=_CONTEXT)) if sealed else b""


def stored_body(record: IdempotencyRecord) -> Any:
    """The stored first answer (tests, support)."""
    return json.loads(_unseal(record.body) or b"null")
