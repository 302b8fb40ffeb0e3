"""Optimistic concurrency for the API: ETag on detail GETs, If-Match on writes.

A detail GET answers ``ETag: "<version>"`` (derived from the record's public id and
``updated_at``); a client sending ``If-None-Match`` with that tag gets 304 without a body. A
PATCH/PUT of a protected record must send ``If-Match`` with the tag it last read: none answers
428 ``if_match_required``, an older one 412 ``version_conflict`` (someone else changed the record
meanwhile: read it again, reapply the change).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse

from .errors import DomainError


class PreconditionFailed(DomainError):
    status = 412
    code = "version_conflict"
    message = "记录已被他人修改，请重新读取后再提交"


class PreconditionRequired(DomainError):
    status = 428
    code = "if_match_required"
    message = "修改前请在 If-Match 请求头中提供读取时得到的 ETag"


def version_tag(obj: Any) -> str:
    stamp = obj.updated_at.isoformat() if getattr(obj, "updated_at", None) else ""
    return '"' + hashlib.sha256(f"{obj.public_id}|{stamp}".encode()).hexdigest()[:24] + '"'


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def not_modified(request: HttpRequest, tag: str) -> HttpResponse | None:
    """The 304 answer when the client already holds this version."""
    header = request.headers.get("If-None-Match", "")
    if header and (tag in _tags(header) or header.strip() == "*"):
        response = HttpResponse(status=304)
        response["ETag"] = tag
        return response
    return None


def require_if_match(request: HttpRequest, tag: str) -> None:
    header = request.headers.get("If-Match", "")
    if not header:
        raise PreconditionRequired()
    if header.strip() != "*" and tag not in _tags(header):
        raise PreconditionFailed(detail={"current_etag": tag})


ETAG_HEADER_DOC = {"description": "记录版本；修改时放入 If-Match", "schema": {"type": "string"}}
GET_EXTRA: dict[str, Any] = {
    "parameters": [{"name": "If-None-Match", "in": "header", "required": False,
                    "description": "上次读取得到的 ETag；未变化时返回 304", "schema": {"type": "string"}}],
    "responses": {304: {"description": "未修改（与 If-None-Match 的版本相同）"}},
}
WRITE_EXTRA: dict[str, Any] = {
    "parameters": [{"name": "If-Match", "in": "header", "required": True,
                    "description": "读取时得到的 ETag；缺少返回 428，已过期返回 412", "schema": {"type": "string"}}],
    "x-errors": [412, 428],
}
