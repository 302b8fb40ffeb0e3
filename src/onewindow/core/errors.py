"""One error hierarchy for the whole platform.

Every error a user or a client can cause is a DomainError with a stable machine-readable
``code``, a Chinese ``message`` for people, an HTTP status, and optional ``detail`` and
per-field messages. The API renders it as ``{"code", "message", "detail", "fields"}``;
pages show the message.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        detail: Any = None,
        fields: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.detail = detail
        self.fields = fields or {}
        if status is not None:
            self.status = status
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail,
                "fields": self.fields}


class ValidationFailed(DomainError):
    status = 400
    code = "validation_failed"
    message = "提交的内容有误，请检查标出的项目"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "找不到该记录，或您无权查看"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    message = "您没有执行此操作的权限"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    message = "请先登录"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = "该操作与记录的当前状态冲突"
