"""Fixtures shared by every app's tests: a small district and staff in two streets."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Staff
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region
from onewindow.regions.tests.factories import region_make, square

# Property tests judge behaviour, not speed: on a loaded CI machine input generation may be slow,
# so neither a deadline nor the "too slow" health check may fail a test.
hypothesis_settings.register_profile("onewindow", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("onewindow")


@dataclass
class District:
    district: Region
    street_a: Region
    street_b: Region
    community_a1: Region
    community_a2: Region
    community_b1: Region
    grid_a1: Region


@pytest.fixture(autouse=True)
def _tickets_classifier_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Tests never read or write the ticket classifier models under var/ (demo_load trains one
    when there is none); a test wanting a model trains it into this empty folder."""
    settings.TICKETS_CLASSIFIER_DIR = str(tmp_path / "classifier-models")


@pytest.fixture(autouse=True)
def _embedding_cache(settings):  # type: ignore[no-untyped-def]
    """Sentence embeddings of texts the tests embed again and again (demo messages, catalogue
    items) are kept between runs in one file outside the project (keyed by model and text)."""
    import tempfile
    from pathlib import Path

    settings.ONEWINDOW_EMBEDDING_CACHE = str(Path(tempfile.gettempdir()) / "onewindow-test-embeddings.sqlite3")


@pytest.fixture(autouse=True)
def _audit_checkpoints(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test has its own audit checkpoint store, as it has its own database."""
    settings.ONEWINDOW_AUDIT_CHECKPOINTS = f"file:{tmp_path / 'audit-checkpoints.jsonl'}"


@pytest.fixture
def district(db) -> District:  # type: ignore[no-untyped-def]
    """盘龙区-like tree with polygons: street A west of 102.75, street B east of it."""
    d = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT, None, square(102.70, 25.00, 0.10))
    a = region_make("530103001000", "拓东街道", RegionLevel.STREET, d, square(102.70, 25.00, 0.05))
    b = region_make("530103002000", "鼓楼街道", RegionLevel.STREET, d, square(102.75, 25.00, 0.05))
    a1 = region_make("530103001001", "拓东社区", RegionLevel.COMMUNITY, a, square(102.70, 25.00, 0.025))
    a2 = region_make("530103001002", "金碧社区", RegionLevel.COMMUNITY, a, square(102.725, 25.00, 0.025))
    b1 = region_make("530103002001", "鼓楼社区", RegionLevel.COMMUNITY, b, square(102.75, 25.00, 0.05))
    g = region_make("530103001001001", "拓东社区第1网格", RegionLevel.GRID, a1, square(102.70, 25.00, 0.0125))
    return District(d, a, b, a1, a2, b1, g)


@pytest.fixture
def clerk_a(district: District) -> Staff:
    dept = DepartmentFactory(code="STREET-A", name="拓东街道办事处", region=district.street_a,
                             kind="street_office")
    return staff_make(username="clerk_a", region=district.street_a, roles=[Role.WINDOW_CLERK],
                      departments=[dept], name="甲街道窗口")


@pytest.fixture
def clerk_b(district: District) -> Staff:
    dept = DepartmentFactory(code="STREET-B", name="鼓楼街道办事处", region=district.street_b,
                             kind="street_office")
    return staff_make(username="clerk_b", region=district.street_b, roles=[Role.WINDOW_CLERK],
                      departments=[dept], name="乙街道窗口")


@pytest.fixture
def supervisor(district: District) -> Staff:
    return staff_make(username="supervisor", region=district.district,
                      roles=[Role.SUPERVISOR], name="区监督员")


# --- Browser tests ----------------------------------------------------------------------------
CHROMIUM = os.environ.get("ONEWINDOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium_browser():  # type: ignore[no-untyped-def]
    """One headless Debian Chromium per test worker, driven by Playwright."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser-deps`")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium_browser, live_server):  # type: ignore[no-untyped-def]
    """A fresh browser context on a phone-to-desktop sized viewport, Chinese locale.

    ``page.console_errors`` collects console errors; a Content-Security-Policy violation fails
    the test, since it means a page relies on something the strict CSP blocks.
    """
    context = chromium_browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                           base_url=live_server.url)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.console_errors = []
    pg.on("console", lambda msg: pg.console_errors.append(msg.text) if msg.type == "error" else None)
    yield pg
    context.close()
    csp = [e for e in pg.console_errors if "Content Security Policy" in e]
    assert not csp, f"CSP violations: {csp}"


def browser_login(page, username: str, password: str = "Passw0rd!2026") -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


# --- Every /api/v1 answer in the suite conforms to the published OpenAPI document ------------
_API_PREFIX = "/api/v1"
_NOT_VALIDATED = {"/api/v1/openapi.json", "/api/v1/docs"}


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


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    """Django's test client, checking every /api/v1 answer against the published OpenAPI
    document: the status code must be declared for the operation and a JSON body must match the
    declared schema (errors: the ErrorOut shape)."""
    from django.test import Client

    class OpenAPIClient(Client):
        def request(self, **request):  # type: ignore[no-untyped-def]
            response = super().request(**request)
            path = request.get("PATH_INFO", "")
            if path.startswith(_API_PREFIX + "/") and path not in _NOT_VALIDATED:
                openapi_check(response, request.get("REQUEST_METHOD", "GET"), path)
            return response

    return OpenAPIClient()
