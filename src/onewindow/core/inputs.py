"""Untrusted input: what the platform refuses before a view sees it, and the exceptions bad input
raises deep inside Django, the database driver or a library, turned into Chinese 4xx errors.

Two layers, both here so that no view has to think about them:

- ``BadInputMiddleware`` refuses NUL characters and lone UTF-16 surrogates in the path, the query
  string and JSON or form bodies (PostgreSQL cannot store the first, UTF-8 cannot encode the
  second), and bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, before anything is read or written.
- ``bad_input_error`` maps what still escapes (a multipart body without a boundary, a number
  too large for the database, a date past year 9999, a decompression bomb) to a ``DomainError``;
  the API's exception handler and ``DomainErrorMiddleware`` use it, so such a request is a
  400/413 with a stable code, never a 500. The service that failed rolled its transaction back.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .errors import DomainError, ValidationFailed

logger = logging.getLogger(__name__)

_BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")

BAD_CHARACTERS = ("bad_characters",
                  "提交的内容含有无法处理的字符（空字符或残缺的文字编码），请删除后重新提交")
_JSON_TYPES = ("application/json", "application/merge-patch+json")
_FORM_TYPE = "application/x-www-form-urlencoded"
_MULTIPART_TYPE = "multipart/form-data"


# --- Checks the services share ----------------------------------------------------------------
TOO_LONG = "{label}过长（最多{max}个字）"


def required_text(value: str | None, *, field: str, label: str, max_length: int, min_length: int = 1,
                  too_long: str = TOO_LONG, invalid: str | None = None) -> str:
    """A text the user must give: line breaks as LF (a browser sends CRLF; counted as one
    character, as the page counts it), trimmed, ``min_length``…``max_length`` characters.

    Errors (``ValidationFailed`` on ``field``): ``<field>_required`` (请填写…, or …过短 when
    shorter than ``min_length``), ``<field>_too_long`` (``too_long``, formatted with ``label``,
    ``max``, ``n`` the length and ``over`` the excess). ``invalid``: one message for both, under
    ``<field>_invalid`` (a form that states the range).
    """
    text = (value or "").replace("\r\n", "\n").strip()
    if invalid is not None and not min_length <= len(text) <= max_length:
        raise ValidationFailed(invalid, code=f"{field}_invalid", fields={field: invalid})
    if len(text) < min_length:
        msg = f"请填写{label}" if not text else f"{label}过短（至少{min_length}个字）"
        raise ValidationFailed(msg, code=f"{field}_required", fields={field: msg})
    if len(text) > max_length:
        msg = too_long.format(label=label, max=max_length, n=len(text), over=len(text) - max_length)
        raise ValidationFailed(msg, code=f"{field}_too_long", fields={field: msg})
    return text


def choice(value: str, choices: Any, *, field: str, label: str) -> str:
    """One of the values of ``choices`` (a ``TextChoices``), else ``<field>_invalid``."""
    if value not in choices.values:
        msg = f"{label}取值无效"
        raise ValidationFailed(msg, code=f"{field}_invalid", fields={field: msg})
    return str(value)


def decode_csv_text(raw: bytes) -> str | None:
    """Text of an uploaded CSV or text file: UTF-8 (with or without a BOM), else GB18030 as Excel
    on Chinese Windows saves it; None when neither reads it (each caller raises its own error)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def text_has_bad_characters(value: str) -> bool:
    """True when ``value`` holds a NUL character or a lone surrogate."""
    return bool(_BAD_CHARACTERS.search(value))


def json_has_bad_characters(value: Any) -> bool:
    """True when any key or string inside a decoded JSON document has a bad character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if text_has_bad_characters(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


PERSONAL_IN_URL_MESSAGE = ("身份证号、手机号不能放在网址中查询：请在页面的搜索框中输入，"
                           "接口请改用 POST 的对应 search 接口")


def url_lookup_check(value: str, *, field: str = "q") -> str:
    """A search term taken from a URL, refused when it holds an ID or mobile number.

    Lookups by ID number or phone travel in POST bodies (pages post their search forms, the API
    has ``POST …/search``), so that no number lands in an access log, a proxy's log or the
    browser's history; a URL carrying one is ``400 personal_lookup_in_url``.
    """
    from .masking import has_personal_number

    if has_personal_number(value or ""):
        raise DomainError(PERSONAL_IN_URL_MESSAGE, code="personal_lookup_in_url",
                          fields={field: PERSONAL_IN_URL_MESSAGE}, status=400)
    return value


def search_params(request: HttpRequest) -> Any:
    """The filters of a staff search page (cases, tickets, residents, households, elders …).

    The search forms post, so an ID or mobile number typed into them never travels in a URL (an
    access log, a proxy's log, the browser's history, a Referer header). A GET (tabs, bookmarks,
    the pager of a search without numbers) may carry any filter except such a number: a URL
    holding one in any parameter is ``400 personal_lookup_in_url``. Returns the ``QueryDict``.
    """
    if request.method == "POST":
        return request.POST
    for key, values in request.GET.lists():
        for value in values:
            url_lookup_check(value, field=key)
    return request.GET


def bad_characters_error() -> DomainError:
    code, message = BAD_CHARACTERS
    return DomainError(message, code=code, status=400)


def request_too_large_error() -> DomainError:
    limit_mb = max(int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) // (1024 * 1024), 1)
    return DomainError(f"提交的内容过大（表单内容不能超过 {limit_mb} MB；上传文件请使用对应的上传功能）",
                       code="request_too_large", status=413)


def bad_input_error(exc: BaseException) -> DomainError | None:
    """The Chinese 4xx for an exception that bad input causes, or None for a real fault."""
    from django.core.exceptions import (
        RequestDataTooBig,
        SuspiciousFileOperation,
        TooManyFieldsSent,
        TooManyFilesSent,
    )
    from django.db import DataError
    from django.http.multipartparser import MultiPartParserError
    from django.http.request import UnreadablePostError

    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, RequestDataTooBig):
        return request_too_large_error()
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return DomainError("提交的表单项或文件过多", code="too_many_fields", status=400)
    if isinstance(exc, MultiPartParserError):
        return DomainError("上传的表单格式不正确（multipart 内容缺少分隔符或不完整），请重新提交",
                           code="multipart_invalid", status=400)
    if isinstance(exc, UnreadablePostError):
        return DomainError("提交的内容未能完整接收，请重新提交", code="body_unreadable", status=400)
    if isinstance(exc, SuspiciousFileOperation):
        return DomainError("文件名无法处理，请改用较短的文件名后重新上传", code="file_name_invalid",
                           status=400)
    if isinstance(exc, UnicodeError):
        return bad_characters_error()
    if isinstance(exc, (OverflowError, DataError)):
        # a value the database or the date arithmetic cannot hold: 2**66, year 10000, NUL …
        logger.warning("bad input refused: %s: %s", type(exc).__name__, str(exc)[:200])
        return DomainError("提交的数值或日期超出可处理的范围", code="value_out_of_range", status=400)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency
        return None
    if isinstance(exc, Image.DecompressionBombError):
        return DomainError("图片像素过多，无法处理，请缩小后重新上传", code="image_too_many_pixels",
                           status=400)
    return None


class BadInputMiddleware:
    """Refuse NUL characters, lone surrogates and over-large bodies before any view runs.

    Listed after the authentication middleware (the error page shows who is signed in) and
    before the views. Form and multipart bodies are parsed here (Django keeps the result for
    the view, as it does for CsrfViewMiddleware); a multipart body without a boundary is
    ``400 multipart_invalid`` here, before any view or authentication runs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        error = self.check(request)
        if error is not None:
            from .views import error_response

            return error_response(request, error)
        return self.get_response(request)

    @staticmethod
    def check(request: HttpRequest) -> DomainError | None:
        from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
        from django.http.multipartparser import MultiPartParserError

        if text_has_bad_characters(request.path_info):
            return bad_characters_error()
        for key, values in request.GET.lists():
            if text_has_bad_characters(key) or any(text_has_bad_characters(v) for v in values):
                return bad_characters_error()
        content_type = (request.content_type or "").lower()
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        try:
            if content_type in _JSON_TYPES:
                body = request.body
                if b"\x00" in body:
                    return bad_characters_error()
                try:
                    document = json.loads(body)
                except ValueError:
                    return None  # the API answers 422 json_invalid in its own words
                if json_has_bad_characters(document):
                    return bad_characters_error()
            elif content_type in (_FORM_TYPE, _MULTIPART_TYPE):
                # Django parses the form once and keeps it (CsrfViewMiddleware reads it too)
                for key, values in request.POST.lists():
                    if text_has_bad_characters(key) or any(text_has_bad_characters(v) for v in values):
                        return bad_characters_error()
        except (RequestDataTooBig, MultiPartParserError, TooManyFieldsSent, TooManyFilesSent) as exc:
            return bad_input_error(exc)
        return None
