"""The timer recovers from dropped database connections and records every job's last run."""

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from onewindow.core import timer
from onewindow.core.models import PeriodicJobState
from onewindow.core.timer import periodic, timer_tick

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def only_test_jobs(monkeypatch):
    """Run the timer with this test's jobs only."""
    monkeypatch.setattr(timer, "_jobs", {})
    return timer._jobs


def _query_job(seen):
    def job():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            seen.append(cursor.fetchone()[0])
    return job


@pytest.fixture
def closes(monkeypatch):
    """Count the closes of the default connection (an in-memory SQLite test database ignores
    close(), so the decision to close is what these tests can observe there)."""
    calls: list[bool] = []
    original = connection.close

    def spy():
        calls.append(True)
        original()

    monkeypatch.setattr(connection, "close", spy)
    return calls


def test_a_broken_connection_is_replaced_before_the_next_job(only_test_jobs, monkeypatch, closes):
    seen: list[int] = []
    periodic("test.query")(_query_job(seen))
    connection.close_at = None  # kept open between runs (CONN_MAX_AGE > 0, as on PostgreSQL)
    assert timer_tick() == {"test.query": "ok"}
    assert closes == []
    # The server dropped the connection: a query failed on it, and it no longer answers.
    connection.errors_occurred = True
    monkeypatch.setattr(connection, "is_usable", lambda: False)
    assert timer_tick() == {"test.query": "ok"}
    assert closes  # closed, so the job ran on a fresh connection
    assert seen == [1, 1]


def test_connections_past_their_age_are_renewed_per_job(only_test_jobs, closes):
    """A connection past CONN_MAX_AGE (always on SQLite, where it is 0) is closed before each
    job, so no job inherits the previous job's connection state."""
    seen: list[int] = []
    periodic("test.a")(_query_job(seen))
    periodic("test.b")(_query_job(seen))
    connection.ensure_connection()
    connection.close_at = 0
    assert timer_tick() == {"test.a": "ok", "test.b": "ok"}
    assert closes
    assert seen == [1, 1]


def test_job_states_record_failures_and_recovery(only_test_jobs):
    calls = {"n": 0}

    @periodic("test.flaky")
    def flaky():
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("the connection is lost")

    assert timer_tick()["test.flaky"] == "error: the connection is lost"
    state = PeriodicJobState.objects.get(name="test.flaky")
    assert state.failures == 1 and state.last_ok_at is None
    assert "connection is lost" in state.last_error
    assert timer_tick()["test.flaky"] == "ok"
    state.refresh_from_db()
    assert state.failures == 0 and state.runs == 2 and state.last_error == ""
    assert state.last_ok_at is not None and state.last_ok_at >= state.last_started_at


def test_jobs_with_a_period_run_once_per_period(only_test_jobs):
    ran: list[str] = []
    periodic("test.hourly", every=3600)(lambda: ran.append("hourly"))
    periodic("test.always")(lambda: ran.append("always"))
    assert timer_tick() == {"test.always": "ok", "test.hourly": "ok"}
    assert timer_tick()["test.hourly"] == "skipped"
    later = timezone.now() + timedelta(hours=1, seconds=1)
    assert timer_tick(now=later)["test.hourly"] == "ok"
    assert ran == ["always", "hourly", "always", "always", "hourly"]


@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="needs PostgreSQL: SQLite has no server that could drop a connection")
def test_timer_recovers_after_the_server_terminates_its_connection():
    import psycopg

    from onewindow.core.timer import periodic_jobs

    assert len(periodic_jobs()) >= 6
    PeriodicJobState.objects.all().delete()  # every job due (a process of an earlier test may have run some)
    first = timer_tick()
    assert set(first.values()) == {"ok"}, {k: v for k, v in first.items() if v != "ok"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    results = timer_tick()
    # jobs that run on every tick ran again on a new connection; periodic ones are not due yet
    always = {name for name, every in timer.periodic_job_periods().items() if every is None}
    assert always and {results[name] for name in always} == {"ok"}, results
    assert set(results.values()) <= {"ok", "skipped"}, results
    assert PeriodicJobState.objects.filter(failures__gt=0).count() == 0
