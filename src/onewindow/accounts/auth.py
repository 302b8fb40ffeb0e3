"""API authentication: a session (browser, with CSRF) or a bearer token (programs)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .services import api_token_authenticate


class TokenAuth(HttpBearer):
    openapi_description = "令牌：在“个人中心 / API 令牌”或 POST /api/v1/auth/tokens 创建"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(key=token)
        if user is not None:
            request.user = user
        return user


session_auth = SessionAuth(csrf=True)
token_auth = TokenAuth()
API_AUTH = [token_auth, session_auth]
