"""Error pages: every error a browser can meet, in Chinese, in the site's layout.

Django calls these for errors raised outside a view's own handling (``handler400`` … in
config/urls.py, ``CSRF_FAILURE_VIEW`` in settings); ``DomainErrorMiddleware`` renders the same
templates for DomainErrors raised by views, and ``UriLengthMiddleware`` for addresses too long.
API paths answer in the API's JSON error shape instead; htmx requests get the error fragment
(see ``error_response``). The error code and request id are folded away in a ``<details>``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.html import escape

from .errors import DomainError

logger = logging.getLogger(__name__)

#: The header that marks an htmx response as an error fragment (static/js/onewindow.js shows it).
ERROR_FRAGMENT_HEADER = "X-Error-Fragment"

BAD_REQUEST = ("bad_request", "请求有误", "您提交的内容或访问的网址无法处理，请返回上一页重试。")
BAD_HOST = ("bad_host", "无法识别您访问的网址", "请检查浏览器地址栏中的域名，或从本平台的首页进入。")
FORBIDDEN = ("permission_denied", "您没有访问此页面的权限",
             "如果您认为应当可以访问，请联系您所在单位的平台管理员。")
CSRF = ("csrf_failed", "页面已过期，请刷新后重新提交",
        "为保护您的信息安全，表单在长时间未操作或重新登录后会失效。请返回上一页，刷新后再提交一次。")
NOT_FOUND = ("not_found", "页面不存在", "网址可能输入有误，或页面已移动。请前往办事指南或首页。")
URI_TOO_LONG = ("uri_too_long", "网址过长，无法处理", "请返回上一页，减少搜索条件后再试。")
SERVER_ERROR = ("internal_error", "系统繁忙，请稍后再试",
                "我们已记录此问题。如持续出现，请联系平台管理员，并提供下方“技术信息”中的请求编号。")

_STATIC_500 = """<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>系统繁忙</title>
<link rel="stylesheet" href="/static/css/onewindow.css"></head><body><main class="container">
<div class="card error-page"><h1>系统繁忙，请稍后再试</h1><p>我们已记录此问题。如持续出现，请联系平台管理员。</p>
<p><a class="btn btn-secondary" href="/">返回首页</a></p>
<details class="error-details"><summary>技术信息（供工作人员排查）</summary>
<p>错误代码：internal_error · 请求编号：{rid}</p></details>
</div></main></body></html>"""


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_response(request: HttpRequest, error: DomainError, *, explanation: str = "",
                   template: str = "core/error.html") -> HttpResponse:
    """The response for an error: JSON on the API, a fragment for htmx, else a full page."""
    request_id = getattr(request, "request_id", "")
    if _is_api(request):
        return JsonResponse({**error.as_dict(), "request_id": request_id}, status=error.status,
                            json_dumps_params={"ensure_ascii": False})
    if request.headers.get("HX-Request"):
        fragment = TemplateResponse(request, "core/error_fragment.html", {"error": error}, status=error.status)
        fragment[ERROR_FRAGMENT_HEADER] = "1"
        return fragment.render()
    context: dict[str, Any] = {"error": error, "status": error.status, "explanation": explanation}
    return TemplateResponse(request, template, context, status=error.status).render()


def _error(spec: tuple[str, str, str], status: int) -> tuple[DomainError, str]:
    code, message, explanation = spec
    return DomainError(message, code=code, status=status), explanation


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from django.core.exceptions import DisallowedHost

    spec = BAD_HOST if isinstance(exception, DisallowedHost) else BAD_REQUEST
    error, explanation = _error(spec, 400)
    return error_response(request, error, explanation=explanation)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    error, explanation = _error(FORBIDDEN, 403)
    return error_response(request, error, explanation=explanation)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    logger.info("CSRF check failed: %s", reason)
    error, explanation = _error(CSRF, 403)
    return error_response(request, error, explanation=explanation)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    error, explanation = _error(NOT_FOUND, 404)
    return error_response(request, error, explanation=explanation)


def uri_too_long(request: HttpRequest) -> HttpResponse:
    error, explanation = _error(URI_TOO_LONG, 414)
    return error_response(request, error, explanation=explanation)


def server_error(request: HttpRequest) -> HttpResponse:
    """A 500 in the site layout; if even that fails (say the database is down), a static page."""
    error, explanation = _error(SERVER_ERROR, 500)
    try:
        return error_response(request, error, explanation=explanation)
    except Exception:
        logger.exception("the error page itself failed; answering with the static one")
        rid = escape(getattr(request, "request_id", ""))
        return HttpResponse(_STATIC_500.format(rid=rid), status=500, content_type="text/html; charset=utf-8")

