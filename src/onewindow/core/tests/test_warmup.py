"""A web worker warms up before serving: every app's registered loads run once, a failing one
is skipped, and gunicorn's post_worker_init hook (sync and ASGI workers alike) runs it."""

from __future__ import annotations

import runpy

import pytest
from django.conf import settings

from onewindow.core import warmup as warm


@pytest.mark.django_db
def test_every_app_registers_what_it_loads():
    assert {"core.urls", "core.templates", "catalog.search_index", "tickets.classifier", "tickets.reference",
            "regions.gazetteer"} <= set(warm.warmup_steps())


@pytest.mark.django_db
def test_warmup_runs_each_step_and_survives_a_failing_one(monkeypatch, caplog):
    ran = []
    monkeypatch.setattr(warm, "_STEPS", {})
    warm.warmup_register("one")(lambda: ran.append("one"))

    @warm.warmup_register("broken")
    def broken():
        raise RuntimeError("no database")

    warm.warmup_register("two")(lambda: ran.append("two"))
    beats = []
    timings = warm.warmup(notify=lambda: beats.append(1))
    assert ran == ["one", "two"] and set(timings) == {"one", "two"}
    assert len(beats) == 3  # the master hears from the worker before every step
    assert "warm-up step broken failed" in caplog.text


def test_gunicorn_warms_each_worker_up_and_lets_long_addresses_reach_django(monkeypatch):
    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    called = []
    monkeypatch.setattr(warm, "warmup", lambda notify=None: called.append(notify) or {})

    class Worker:
        def notify(self):
            pass

    worker = Worker()
    config["post_worker_init"](worker)
    assert called == [worker.notify]
    assert config["limit_request_line"] > settings.ONEWINDOW_MAX_URI_LENGTH
