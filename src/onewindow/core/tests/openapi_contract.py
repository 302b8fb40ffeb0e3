"""Every /api/v1 answer in the test suite conforms to the published OpenAPI document.

``OpenAPIClient`` (the ``client`` fixture of conftest.py) checks, after each request under
/api/v1, that the operation declares the status code it answered and that a JSON body matches the
declared schema; a path or method with no operation must answer the ErrorOut shape.
"""

from __future__ import annotations

from typing import Any

from django.test import Client

_API_PREFIX = "/api/v1"
_NOT_VALIDATED = {"/api/v1/openapi.json", "/api/v1/docs"}


#: Statuses the request guards answer before routing (too large, URI too long).
GUARD_STATUSES = (413, 414)

class _OpenAPIContract:
    """The published document (as `make schema` writes it) and validators built from it."""

    def __init__(self) -> None:
        import json
        import re

        from config.api import api

        self.spec = json.loads(json.dumps(api.get_openapi_schema(path_prefix=_API_PREFIX), default=str))
        self.routes: list[tuple[re.Pattern[str], str]] = []
        for template in self.spec["paths"]:
            parts = re.split(r"(\{[^}]+\})", template)
            pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
            self.routes.append((re.compile(f"^{pattern}$"), template))
        # Literal paths win over templated ones (/tickets/export before /tickets/{id}).
        self.routes.sort(key=lambda route: route[1].count("{"))
        self._validators: dict[str, object] = {}

    def template_for(self, path: str) -> str | None:
        return next((template for pattern, template in self.routes if pattern.match(path)), None)

    def validator(self, schema: dict) -> object:
        import json

        import jsonschema_rs

        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            self._validators[key] = jsonschema_rs.validator_for({**schema, "components": self.spec["components"]})
        return self._validators[key]

    def check(self, method: str, path: str, response) -> None:  # type: ignore[no-untyped-def]
        template = self.template_for(path)
        operation = (self.spec["paths"].get(template) or {}).get(method) if template else None
        if operation is None:
            # No such operation: unknown paths and wrong methods still answer the error shape.
            assert response.status_code in (404, 405), (method, path, response.status_code)
            schema: dict = {"$ref": "#/components/schemas/ErrorOut"}
        elif response.status_code in GUARD_STATUSES and str(response.status_code) not in operation["responses"]:
            # Refused by the request guards (core.inputs, the server's limits) before any operation
            # ran: still the error shape, whatever the operation declares.
            schema = {"$ref": "#/components/schemas/ErrorOut"}
        else:
            documented = operation["responses"].get(str(response.status_code))
            assert documented is not None, (
                f"{method.upper()} {template} answered {response.status_code}, which the OpenAPI document does "
                f"not declare (declared: {sorted(operation['responses'])}): {response.content[:300]!r}")
            schema = documented.get("content", {}).get("application/json", {}).get("schema")
        content_type = response.get("Content-Type", "")
        if schema is None or getattr(response, "streaming", False) or "json" not in content_type:
            return
        body = response.json()
        validator = self.validator(schema)
        errors = [str(e) for e in validator.iter_errors(body)][:3]  # type: ignore[attr-defined]
        assert not errors, f"{method.upper()} {path} {response.status_code} does not match its schema: {errors}"


_contract: _OpenAPIContract | None = None


def openapi_contract() -> _OpenAPIContract:
    global _contract
    if _contract is None:
        _contract = _OpenAPIContract()
    return _contract


def openapi_check(response, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    """Assert that one response conforms to the published OpenAPI document."""
    openapi_contract().check(method.lower(), path, response)


class OpenAPIClient(Client):
    """Django's test client that checks each /api/v1 answer against the OpenAPI document."""

    def request(self, **request: Any) -> Any:
        response = super().request(**request)
        path = request.get("PATH_INFO", "")
        if path.startswith(_API_PREFIX + "/") and path not in _NOT_VALIDATED:
            openapi_check(response, request.get("REQUEST_METHOD", "GET"), path)
        return response
