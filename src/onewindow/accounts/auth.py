"""API authentication: a session (browser, with CSRF) or a bearer token (programs).

A bearer token of a service account (machine client) carries the client's scopes: every
operation needs ``<app>:<action>`` (see ``rules.scope_required``; an operation may name its own
with ``openapi_extra={"x-scope": "..."}``), a token without it answers 403 ``scope_missing``, and
every call of a client is audited under the client's name. ``install_service_client_checks``
hooks this into ninja's operations once, for the whole API.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.operation import Operation
from ninja.security import HttpBearer, SessionAuth

from onewindow.core.errors import PermissionDenied

from . import rules
from .services import api_token_principal, service_call_record

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    openapi_description = ("令牌：个人令牌在“个人中心 / API 令牌”或 POST /api/v1/auth/tokens 创建；"
                           "服务账户用 POST /api/v1/auth/client-tokens 以客户端编号和密钥换取")

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        principal = api_token_principal(key=token)
        if principal is None:
            return None
        user, client = principal
        request.user = user
        if client is not None:
            request.service_client = client  # type: ignore[attr-defined]
        return user


session_auth = SessionAuth(csrf=True)
token_auth = TokenAuth()
API_AUTH = [token_auth, session_auth]


def operation_scope(operation: Operation, method: str) -> str:
    """The scope a machine client needs for ``operation`` called with ``method``."""
    extra = operation.openapi_extra or {}
    if isinstance(extra.get("x-scope"), str):
        return str(extra["x-scope"])
    statuses = {int(s) for s in operation.response_models if str(s).isdigit()}
    return rules.scope_required(module=str(operation.view_func.__module__), method=method,
                                statuses=frozenset(statuses), path=operation.path)


_installed = False


def install_service_client_checks(api: Any) -> None:
    """Enforce clients' scopes after authentication and audit each of their calls."""
    global _installed
    if _installed:
        return
    _installed = True
    original_auth = Operation._run_authentication
    original_run = Operation.run

    def _run_authentication(self: Operation, request: HttpRequest) -> HttpResponse | None:
        error = original_auth(self, request)
        client = getattr(request, "service_client", None)
        if error is None and client is not None:
            required = operation_scope(self, request.method or "GET")
            request.service_scope = required  # type: ignore[attr-defined]
            if not rules.scope_allows(client.scopes, required):
                denied = PermissionDenied(f"该服务账户未获授权：{required}", code="scope_missing",
                                          detail={"required_scope": required, "granted": list(client.scopes)})
                return self.api.on_exception(request, denied)  # type: ignore[no-any-return]
        return error

    def run(self: Operation, request: HttpRequest, **kw: Any) -> Any:
        response = original_run(self, request, **kw)
        client = getattr(request, "service_client", None)
        if client is not None:
            try:
                service_call_record(client=client, method=request.method or "", path=request.path,
                                    status=response.status_code,
                                    scope=getattr(request, "service_scope", ""))
            except Exception:  # the answer stands; a failed audit write is logged loudly
                logger.exception("audit of service client call failed")
        return response

    Operation._run_authentication = _run_authentication  # type: ignore[method-assign]
    Operation.run = run  # type: ignore[method-assign]
    if hasattr(api, "openapi_hooks"):
        api.openapi_hooks.append(document_scopes)


def document_scopes(schema: Any, operations: dict[str, Operation]) -> None:
    """Write the scope each authenticated operation needs as ``x-scope`` into the document."""
    for methods in schema.get("paths", {}).values():
        for method, spec in methods.items():
            operation = operations.get(spec.get("operationId", "")) if isinstance(spec, dict) else None
            if operation is None or not spec.get("security"):
                continue
            spec["x-scope"] = operation_scope(operation, method)
