"""Schema-driven fuzzing of /api/v1 (schemathesis): every operation of the published OpenAPI
document gets generated requests, anonymous and as a district administrator; no answer may be a
5xx or a status code the document does not declare. In process (WSGI), loopback only, bounded to
about a minute (ONEWINDOW_FUZZ_EXAMPLES examples per operation and caller)."""

import os
import time

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from onewindow.accounts import services as account_services
from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("ONEWINDOW_FUZZ_EXAMPLES", "3"))
# Past this many seconds every remaining operation still gets one example per caller, so a slow
# (shared, loaded) machine shortens the run instead of skipping operations.
BUDGET_SECONDS = float(os.environ.get("ONEWINDOW_FUZZ_SECONDS", "60"))


@pytest.fixture
def wsgi_app():  # type: ignore[no-untyped-def]
    """The real WSGI application, without closing the test's connection after each request
    (as Django's own test client does)."""
    from django.core.wsgi import get_wsgi_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzzer(operation, headers: dict[str, str], examples: int):  # type: ignore[no-untyped-def]
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import status_code_conformance

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def fuzz(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

    return fuzz


def test_generated_requests_never_get_a_5xx_or_an_undocumented_status(wsgi_app, district) -> None:
    import schemathesis

    admin = staff_make(username="fuzz_admin", region=district.district,
                       roles=[Role.ADMINISTRATOR, Role.SUPERVISOR, Role.WINDOW_CLERK, Role.HOTLINE_OPERATOR],
                       name="区管理员")
    _, key = account_services.api_token_create(user=admin.user, name="fuzz")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    callers = {"anonymous": {}, "admin": {"Authorization": f"Bearer {key}"}}
    started, failures, covered = time.monotonic(), [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for caller, headers in callers.items():
            late = time.monotonic() - started > BUDGET_SECONDS
            fuzz = _fuzzer(operation, headers, 1 if late or caller == "anonymous" else EXAMPLES)
            try:
                fuzz()
            except (Exception, BaseExceptionGroup) as exc:  # collect every failing operation, then report them together
                failures.append(f"{caller} {operation.method.upper()} {operation.path}: {str(exc)[:600]}")
        covered += 1
    assert covered > 100
    assert not failures, "\n\n".join(failures)
