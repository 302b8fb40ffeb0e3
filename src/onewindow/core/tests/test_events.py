import pytest
from django.core.management import call_command
from django.db import transaction

from onewindow.core import events
from onewindow.core.models import OutboxEvent
from onewindow.core.timer import periodic, timer_tick

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def received():
    seen: list[dict] = []

    def handler(payload):
        seen.append(payload)

    events.subscribe("test.happened")(handler)
    yield seen
    events._handlers["test.happened"].remove(handler)


def test_event_is_delivered_after_commit_only(received):
    with transaction.atomic():
        events.event_publish(name="test.happened", payload={"n": 1})
        assert received == []
    assert received == [{"n": 1}]
    assert OutboxEvent.objects.get().processed_at is not None


def test_rolled_back_change_publishes_nothing(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.event_publish(name="test.happened", payload={"n": 2})
        raise RuntimeError("the change failed")
    assert received == []
    assert not OutboxEvent.objects.exists()


def test_failing_handler_is_retried_by_the_timer(received):
    calls = {"n": 0}

    def flaky(payload):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("temporarily down")

    events.subscribe("test.happened")(flaky)
    try:
        events.event_publish(name="test.happened", payload={"n": 3})
        event = OutboxEvent.objects.get()
        assert event.processed_at is None and event.attempts == 1
        assert "temporarily down" in event.last_error
        timer_tick()
        event.refresh_from_db()
        assert event.processed_at is not None
        assert received[-1] == {"n": 3}
    finally:
        events._handlers["test.happened"].remove(flaky)


def test_timer_runs_every_job_and_survives_a_failing_one(capsys):
    ran = []

    @periodic("test.ok")
    def ok():
        ran.append("ok")

    @periodic("test.broken")
    def broken():
        raise RuntimeError("boom")

    try:
        call_command("timer", "--once")
        out = capsys.readouterr()
        assert ran == ["ok"]
        assert "test.ok=ok" in out.out
        assert "test.broken: error: boom" in out.err
    finally:
        from onewindow.core import timer

        timer._jobs.pop("test.ok")
        timer._jobs.pop("test.broken")
