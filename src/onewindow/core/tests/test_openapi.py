"""The published OpenAPI contract: unique names, the error shape on every operation, JSON errors
for unknown paths and wrong methods under /api/."""

import types

import pytest
from django.core.management import CommandError, call_command
from ninja import NinjaAPI, Router

from config.api import api
from onewindow.core.openapi import schema_name_collisions


def _schema_class(module: str, field: str) -> type:
    namespace = types.ModuleType(module)
    exec(f"from ninja import Schema\nclass ThingOut(Schema):\n    {field}: str\n", namespace.__dict__)  # noqa: S102
    cls = namespace.ThingOut
    cls.__module__ = module
    return cls


def test_the_platform_api_has_no_name_collisions() -> None:
    assert schema_name_collisions(api) == []


def test_two_apps_publishing_one_schema_name_is_a_collision() -> None:
    first, second = _schema_class("onewindow.alpha.api", "name"), _schema_class("onewindow.beta.api", "title")
    probe = NinjaAPI(urls_namespace="probe-collisions")
    router = Router()

    @router.get("/alpha", response=first)
    def alpha(request):  # type: ignore[no-untyped-def]
        return {"name": "a"}

    @router.get("/beta", response=second)
    def beta(request):  # type: ignore[no-untyped-def]
        return {"title": "b"}

    @router.get("/alpha", response=first)
    def alpha_again(request):  # type: ignore[no-untyped-def]
        return {"name": "a"}

    probe.add_router("/", router)
    found = schema_name_collisions(probe)
    assert "ThingOut: onewindow.alpha.api, onewindow.beta.api" in found
    assert any(line.startswith("route GET /alpha") for line in found)


def test_export_refuses_a_schema_with_collisions(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("onewindow.core.openapi.schema_name_collisions", lambda api: ["MaterialOut: a, b"])
    with pytest.raises(CommandError, match="MaterialOut"):
        call_command("export_openapi", str(tmp_path / "openapi.json"), "--check")
    assert not (tmp_path / "openapi.json").exists()


def test_every_operation_documents_its_errors_in_the_one_shape() -> None:
    spec = api.get_openapi_schema(path_prefix="/api/v1")
    assert set(spec["components"]["schemas"]["ErrorOut"]["properties"]) == {
        "code", "message", "detail", "fields", "request_id"}
    operation_ids = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            responses = {str(code): body for code, body in operation["responses"].items()}
            for status in ("400", "403", "404", "422", "429", "500"):
                content = responses[status]["content"]["application/json"]["schema"]
                assert "ErrorOut" in str(content), (method, path, status)
            if operation.get("security"):
                assert "401" in responses, (method, path)
            if method != "get":
                assert "409" in responses and "413" in responses, (method, path)
    assert len(operation_ids) == len(set(operation_ids))
    assert "tickets_accept" in operation_ids and "cases_accept" in operation_ids


def test_a_wrong_method_under_the_api_answers_the_error_shape(client) -> None:
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    body = response.json()
    assert body["code"] == "method_not_allowed" and body["message"] == "不支持该请求方法"
    assert response["Allow"] == "GET" and body["detail"] == {"allowed": ["GET"]}


@pytest.mark.django_db
def test_an_unknown_path_under_the_api_answers_the_error_shape(client) -> None:
    for path in ("/api/v1/no-such-thing", "/api/nothing"):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
        assert response.json()["code"] == "not_found"


