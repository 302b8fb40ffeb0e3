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
# make mutation runs each rules module's tests once per mutant: fewer examples per property
hypothesis_settings.register_profile("mutation", parent=hypothesis_settings.get_profile("onewindow"),
                                     max_examples=25, database=None)
hypothesis_settings.load_profile(os.environ.get("ONEWINDOW_HYPOTHESIS_PROFILE", "onewindow"))


@dataclass
class District:
    district: Region
    street_a: Region
    street_b: Region
    community_a1: Region
    community_a2: Region
    community_b1: Region
    grid_a1: Region


@pytest.fixture(scope="session")
def _sqlite_test_template(django_db_use_migrations):  # type: ignore[no-untyped-def]
    """The migrated SQLite test database, kept between runs as a template.

    Applying the 118 migrations costs about 30 s of CPU in every test process (Django renders
    the models' state again after each operation), more than some test files take themselves.
    The first run copies the freshly migrated in-memory database to
    var/test-templates/sqlite-<hash>.sqlite3, the hash covering every installed app's migration
    files and the Django and SQLite versions; later runs restore that copy into the in-memory
    database before Django migrates it, so `migrate` finds nothing to apply (under a second).
    Any change to a migration gives a new hash, hence a fresh migrate. PostgreSQL is unchanged.
    """
    import hashlib
    import sqlite3
    from pathlib import Path

    import django
    from django.apps import apps
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "sqlite" or not django_db_use_migrations:
        yield None
        return
    test_name = connection.creation._get_test_db_name()
    if not connection.creation.is_in_memory_db(test_name):
        yield None
        return
    digest = hashlib.sha256(f"{django.get_version()} {sqlite3.sqlite_version}".encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    template = Path(settings.VAR_DIR) / "test-templates" / f"sqlite-{digest.hexdigest()[:16]}.sqlite3"
    # The in-memory database lives while one connection to it is open: this one, all session.
    memory = sqlite3.connect(test_name, uri=True)
    hit = template.exists()
    if hit:
        with sqlite3.connect(template) as saved:
            saved.backup(memory)
    yield {"hit": hit, "memory": memory, "template": template}
    memory.close()


@pytest.fixture(scope="session")
def django_db_setup(_sqlite_test_template, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """pytest-django's test databases, from the SQLite template when there is one (above)."""
    state = _sqlite_test_template
    if state is not None and not state["hit"]:
        template = state["template"]
        template.parent.mkdir(parents=True, exist_ok=True)
        for old in template.parent.glob("sqlite-*.sqlite3"):
            old.unlink(missing_ok=True)
        partial = template.with_name(f"{template.name}.{os.getpid()}.tmp")
        import sqlite3

        with sqlite3.connect(partial) as copy:
            state["memory"].backup(copy)
        os.replace(partial, template)
    yield


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
def _auth_cache_clear():  # type: ignore[no-untyped-def]
    """Each test starts with an empty per-process auth cache (accounts.authcache) and item cache
    (catalog.selectors.item_for_application): a rolled-back test may leave the auth version or
    the catalogue revision at a value the next test reaches again."""
    from onewindow.accounts import authcache
    from onewindow.catalog.selectors import item_cache_clear

    authcache.clear()
    item_cache_clear()
    yield
    authcache.clear()
    item_cache_clear()


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


NAVIGATION_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def chromium_browser():  # type: ignore[no-untyped-def]
    """One headless Debian Chromium per test worker, driven by Playwright."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    # expect(...) retries for as long as the pages' own default timeout (15 s), not Playwright's
    # 5 s, which a loaded machine (two test workers and a benchmark on two cores) exceeds.
    expect.set_options(timeout=15_000)
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
    # A page load waits for every script and style sheet: on the loaded shared machine (two test
    # workers, benchmarks) a first load took more than 15 s. Actions keep 15 s.
    pg.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
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


def wait_for_js(page, expression: str, timeout_ms: int = 15000) -> None:  # type: ignore[no-untyped-def]
    """Wait until a JavaScript expression is truthy in the page (a promise is awaited).

    Use this, not Playwright's ``page.wait_for_function(str)``: that one compiles the string with
    ``eval`` inside the page, which the strict CSP (no 'unsafe-eval') refuses whenever the
    condition is not already true at the first check, so the test fails only when the page is
    slow. ``page.evaluate`` runs through the DevTools protocol, outside the page's CSP."""
    import time

    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(100)


# --- Every /api/v1 answer in the suite conforms to the published OpenAPI document ------------
@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    """Django's test client, checking every /api/v1 answer against the published OpenAPI
    document: the status code must be declared for the operation and a JSON body must match the
    declared schema (errors: the ErrorOut shape). See onewindow.core.tests.openapi_contract."""
    from onewindow.core.tests.openapi_contract import OpenAPIClient

    return OpenAPIClient()
