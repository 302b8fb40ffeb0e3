"""The published OpenAPI contract of /api/v1: one error shape documented on every operation, and
schema names that are unique across apps.

django-ninja keys ``components/schemas`` by the bare class name, so two apps each defining a
``MaterialOut`` silently publish only one of them (the other operation is then documented with the
wrong fields). ``schema_name_collisions`` finds such pairs; ``export_openapi`` refuses to write or
check the schema while any exist, so ``make lint`` fails on a collision.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ninja import NinjaAPI
from ninja.constants import NOT_SET

# Which error statuses an operation can answer, by kind of operation. Every one of them carries
# the ErrorOut shape ({code, message, detail, fields, request_id}).
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "请求有误（错误代码见 code）",
    401: "未登录、令牌无效、过期或已吊销",
    403: "无权执行此操作",
    404: "记录不存在，或不在您的权限范围内",
    409: "与记录的当前状态冲突（含幂等键被不同内容重复使用）",
    412: "If-Match 与记录的当前版本不符",
    413: "请求体或上传文件过大",
    422: "参数或请求体不符合接口定义（逐项说明见 fields）",
    428: "缺少 If-Match 请求头",
    429: "请求过于频繁",
    500: "系统内部错误（请提供 request_id）",
}
READ_ERRORS = (400, 403, 404, 422, 429, 500)
WRITE_ERRORS = (400, 403, 404, 409, 413, 422, 429, 500)
AUTH_ERRORS = (401,)
ERROR_REF = "#/components/schemas/ErrorOut"


def _operations(api: NinjaAPI) -> Iterable[Any]:
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            yield from path_view.operations


def schema_models(api: NinjaAPI) -> list[tuple[type, str]]:
    """Every pydantic model the API publishes, with the JSON-schema mode it is published in."""
    from .api import ErrorOut

    found: list[tuple[type, str]] = [(ErrorOut, "serialization")]
    for op in _operations(api):
        for status, model in (op.response_models or {}).items():
            if status is not Ellipsis and model not in (None, NOT_SET):
                found.append((model, "serialization"))
        for model in op.models:
            found.append((model, "validation"))
    return found


def schema_name_collisions(api: NinjaAPI) -> list[str]:
    """Routes served twice (the first one wins, the document shows the last), operation ids
    used twice, and schema names that two different classes publish (pydantic then falls back to the dotted
    module path for each: ``onewindow__cases__api__MaterialOut``). Names of the wrapper models
    ninja generates itself (``abc__BodyParams__3``) never reach the document and are ignored."""
    from pydantic.json_schema import models_json_schema

    _, top = models_json_schema(schema_models(api))  # type: ignore[arg-type]
    clashes: dict[str, list[str]] = {}
    for name in top.get("$defs", {}):
        if "__" not in name or name.startswith("abc__"):
            continue
        *module, short = name.split("__")
        clashes.setdefault(short.split("-")[0], []).append(".".join(module))
    found = [f"{short}: {', '.join(sorted(modules))}" for short, modules in sorted(clashes.items())]
    routes: dict[tuple[str, str], str] = {}
    for router in api._get_bound_routers():
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    where = f"{op.view_func.__module__}.{op.view_func.__name__}"
                    if routes.setdefault((method, path), where) != where:
                        found.append(f"route {method} {path}: {routes[(method, path)]}, {where}")
    seen: dict[str, str] = {}
    for op in _operations(api):
        op_id = op.operation_id or api.get_openapi_operation_id(op)
        where = f"{op.view_func.__module__}.{op.view_func.__name__}"
        if op_id in seen and seen[op_id] != where:
            found.append(f"operationId {op_id}: {seen[op_id]}, {where}")
        seen.setdefault(op_id, where)
    return found


def add_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Document the error shape for every error status an operation can answer."""
    from .api import ErrorOut

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema(mode="serialization"))
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            statuses: list[int] = list(READ_ERRORS if method == "get" else WRITE_ERRORS)
            if operation.get("security"):
                statuses += AUTH_ERRORS
            statuses += [int(s) for s in operation.get("x-errors", ())]
            responses = operation.setdefault("responses", {})
            for status in sorted(set(statuses)):
                if status in responses or str(status) in responses:
                    continue
                responses[status] = {
                    "description": ERROR_DESCRIPTIONS.get(status, "错误"),
                    "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
                }
            operation.pop("x-errors", None)
    return schema
