"""Request id middleware: every request gets an id, echoed in X-Request-ID and in logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import client_ip_var, new_request_id, request_id_var

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(request.META.get("REMOTE_ADDR", ""))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class DomainErrorMiddleware:
    """Pages: a DomainError raised by a view becomes an error page with its status and message,
    and so does an exception that bad input causes (``core.inputs.bad_input_error``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from .inputs import bad_input_error
        from .views import error_response

        if request.path.startswith("/api/"):
            return None
        # a DomainError, or an exception bad input raised deep down (a number too large for
        # the database, a date past 9999, a decompression bomb): a Chinese 4xx page, not a 500
        error = bad_input_error(exception)
        return None if error is None else error_response(request, error)


class UriLengthMiddleware:
    """Addresses longer than ``ONEWINDOW_MAX_URI_LENGTH`` get a Chinese 414 page (or the API's
    JSON error) instead of reaching a view. The web server's own limit on the request line is
    set above this one (gunicorn.conf.py), so people see this page, not the server's English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.limit = int(getattr(settings, "ONEWINDOW_MAX_URI_LENGTH", 4096))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        uri = request.META.get("PATH_INFO", "") + "?" + request.META.get("QUERY_STRING", "")
        if len(uri) > self.limit:
            from .views import uri_too_long

            return uri_too_long(request)
        return self.get_response(request)


class FileViewCSPMiddleware:
    """Files shown in the browser (an uploaded photo, a PDF) get a policy of their own.

    Chromium draws an image or a PDF opened on its own in a document it builds with inline
    styles; under the pages' policy (``style-src 'self'``) each of them is a console error and
    the viewer is mis-drawn. A file is not HTML we wrote, so it gets the policy used for user
    content: nothing may load or run except the file itself and the viewer's own styles.
    Listed after ``CSPMiddleware``: its header is set first, and CSPMiddleware keeps a header
    that is already there.
    """

    POLICY = ("default-src 'none'; img-src 'self' data: blob:; media-src 'self'; style-src 'unsafe-inline'; "
              "object-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
    HTML_TYPES = ("text/html", "application/xhtml")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "").lower()
        if content_type and not content_type.startswith(self.HTML_TYPES) and (
                content_type.startswith(("image/", "application/pdf", "audio/", "video/", "text/plain"))):
            response["Content-Security-Policy"] = self.POLICY
        return response


class NoStoreMiddleware:
    """Responses that may carry personal data are never kept by a browser or a proxy cache.

    Every API response, every staff, account, "my centre" and admin page, and every page served
    to someone signed in gets ``Cache-Control: no-store, private`` (a shared computer's back
    button or disk cache would otherwise show the last clerk's search). A view that marked its
    response ``public`` (a cacheable public document) or already ``no-store`` keeps its own
    header. Anonymous public pages are left to the defaults.
    """

    PRIVATE_PREFIXES = ("/api/", "/staff/", "/me/", "/accounts/", "/admin/")
    VALUE = "no-store, private"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        current = response.get("Cache-Control", "")
        if "public" in current or "no-store" in current:
            return response
        user = getattr(request, "user", None)
        if request.path.startswith(self.PRIVATE_PREFIXES) or (user is not None and user.is_authenticated):
            response["Cache-Control"] = self.VALUE
        return response
