"""API plumbing shared by every app's router: errors in one JSON shape, auth helpers."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import PathView
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from .errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from .errors_en import localized_field_message, localized_message
from .inputs import bad_input_error

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    """The one error shape of the API."""

    code: str
    message: str
    detail: Any = None
    fields: dict[str, str] = {}
    request_id: str = ""


class LocalTimeJSONEncoder(NinjaJSONEncoder):
    """One time convention: ISO 8601 with the platform's offset (+08:00), never "Z" or UTC."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime) and o.tzinfo is not None:
            return timezone.localtime(o).isoformat()
        return super().default(o)


class LocalTimeRenderer(JSONRenderer):
    encoder_class = LocalTimeJSONEncoder


def api_json(data: Any, *, status: int = 200) -> HttpResponse:
    """The response the API's renderer gives for ``data``, for hot lists that build their answer
    from trusted rows already in the declared schema's shape (key order included): the same
    bytes as validating and dumping it again, without that cost (≈ 0.1 ms a row). The operation
    still declares its ``response=`` schema, and the test client checks answers against it."""
    return HttpResponse(json.dumps(data, cls=LocalTimeJSONEncoder), status=status,
                        content_type="application/json; charset=utf-8")


class OneWindowAPI(NinjaAPI):
    """The platform's NinjaAPI: readable operation ids (``<app>_<view>``), the error shape
    documented on every operation (see onewindow.core.openapi), times in +08:00, Location on
    201 answers."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("renderer", LocalTimeRenderer())
        super().__init__(**kwargs)
        self.openapi_operations: dict[str, Any] = {}
        #: Functions ``hook(schema, operations_by_id)`` that higher layers (accounts: the scope
        #: each operation needs) apply to the generated document.
        self.openapi_hooks: list[Any] = []

    def get_openapi_operation_id(self, operation: Any) -> str:
        # onewindow.tickets.api.accept -> tickets_accept
        module = str(operation.view_func.__module__).split(".")
        app = module[1] if len(module) > 2 and module[0] == "onewindow" else module[0]
        operation_id = f"{app}_{operation.view_func.__name__}"
        self.openapi_operations[operation_id] = operation
        return operation_id

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        from .openapi import add_error_responses

        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        add_error_responses(schema)
        for hook in self.openapi_hooks:
            hook(schema, self.openapi_operations)
        return schema

    def create_response(self, request: HttpRequest, data: Any, *, status: int | None = None,
                        temporal_response: HttpResponse | None = None) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        if response.status_code == 201 and not response.has_header("Location"):
            location = self.created_location(request, data)
            if location:
                response["Location"] = location
        return response

    def created_location(self, request: HttpRequest, data: Any) -> str | None:
        """Where a created record can be read: ``<collection>/<id>`` when the API has such a GET."""
        from .openapi import get_path_matcher

        record_id = data.get("id") if isinstance(data, dict) else getattr(data, "id", None)
        if record_id is None:
            return None
        path = request.path.rstrip("/")
        candidates = [f"{path}/{record_id}"]
        parent, _, last = path.rpartition("/")
        if not _ID_SEGMENT.match(last) and not _ID_SEGMENT.match(parent.rpartition("/")[2]):
            candidates.append(f"{parent}/{record_id}")  # /cases/intake -> /cases/<id>
        matcher = get_path_matcher(self)
        for candidate in candidates:
            if matcher(candidate):
                return request.build_absolute_uri(candidate)
        return None


_ID_SEGMENT = re.compile(r"^([0-9a-fA-F-]{32,36}|[0-9]+|v1|api)$")


def _json_method_not_allowed(self: PathView) -> HttpResponse:
    """A wrong method under /api/ answers the error shape (ninja's default is plain text)."""
    allowed = sorted({method for op in self.operations for method in op.methods})
    response = JsonResponse({"code": "method_not_allowed", "message": "不支持该请求方法",
                             "detail": {"allowed": allowed}, "fields": {}, "request_id": ""},
                            status=405, json_dumps_params={"ensure_ascii": False})
    response["Allow"] = ", ".join(allowed)
    return response


def error_response(api: NinjaAPI, request: HttpRequest, error: DomainError) -> HttpResponse:
    body = error.as_dict()
    body["message"] = localized_message(request, error.code, error.message)
    body["request_id"] = getattr(request, "request_id", "")
    return api.create_response(request, body, status=error.status)


_LOC_SKIP = {"body", "query", "path", "form", "header", "cookie", "payload", "data", "filters"}


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if str(p) not in _LOC_SKIP]
    return ".".join(parts) or "body"


_PYDANTIC_MESSAGES = {
    "missing": "此项为必填项",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为是或否",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601",
    "uuid_parsing": "编号格式不正确",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体格式不正确",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
}


def install_error_handlers(api: NinjaAPI) -> None:
    PathView._not_allowed = _json_method_not_allowed  # type: ignore[method-assign,assignment]

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(api, request, exc)

    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, str] = {}
        for err in exc.errors:
            name = _field_name(list(err.get("loc", [])))
            kind = str(err.get("type"))
            fields.setdefault(name, localized_field_message(request, kind, _PYDANTIC_MESSAGES.get(kind, "取值无效")))
        error = DomainError("提交的内容有误，请检查标出的项目", code="validation_failed",
                            fields=fields, status=422)
        return error_response(api, request, error)

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, NotAuthenticated())

    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, NotFound())

    @api.exception_handler(DjangoPermissionDenied)
    def on_403(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return error_response(api, request, PermissionDenied())

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied",
                404: "not_found", 405: "method_not_allowed", 413: "too_large",
                429: "too_many_requests"}.get(exc.status_code, "http_error")
        message = {401: "请先登录", 403: "您没有执行此操作的权限", 404: "找不到该记录，或您无权查看",
                   405: "不支持该请求方法", 429: "请求过于频繁，请稍后再试"}.get(
            exc.status_code, "请求有误")
        return error_response(api, request, DomainError(message, code=code,
                                                        status=exc.status_code))

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        refused = bad_input_error(exc)  # bad input raised deep down: a Chinese 4xx, not a 500
        if refused is not None:
            return error_response(api, request, refused)
        logger.exception("unhandled API error")
        return error_response(api, request, DomainError(
            "系统繁忙，请稍后再试；如持续出现请联系管理员并提供请求编号",
            code="internal_error", status=500))
