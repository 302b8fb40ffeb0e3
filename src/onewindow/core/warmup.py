"""Warm a server process up before it answers anyone.

The first request a fresh web worker serves would otherwise pay for loading what every later
one reuses: the catalogue's search index, the ticket classifier (and its word segmenter), the
gazetteer and the region polygons — seconds on a busy machine. Each app registers what it
loads in its ``AppConfig.ready`` with ``@warmup_register("name")``; ``warmup()`` runs them all
and is called when a server worker starts (``gunicorn.conf.py``: ``post_worker_init``, which
gunicorn calls for its sync, threaded and ASGI worker classes alike).

A warm-up step that fails is logged and skipped: the worker then loads it on first use.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_STEPS: dict[str, Callable[[], Any]] = {}


def warmup_register(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register a function that loads something every request would otherwise load once."""

    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        _STEPS[name] = func
        return func

    return register


def register_platform_steps() -> None:
    """What every request needs: the URL configuration (importing it imports every app's API
    schemas: seconds), the translations and the site layout's templates."""

    @warmup_register("core.urls")
    def _urls() -> None:
        from django.urls import get_resolver, reverse

        get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
        reverse("portal:home")  # builds the reverse lookup tables

    @warmup_register("core.templates")
    def _templates() -> None:
        from django.conf import settings
        from django.template.loader import get_template
        from django.utils import translation

        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                translation.gettext("Home")
        for name in ("base.html", "core/error.html", "core/error_fragment.html"):
            get_template(name)


def warmup_steps() -> list[str]:
    return list(_STEPS)


def warmup(*, notify: Callable[[], Any] | None = None) -> dict[str, float]:
    """Run every registered step; returns the seconds each took (failed steps are left out).

    ``notify`` is called before each step: gunicorn's ``worker.notify``, so that the master does
    not take a worker warming up on a busy machine for a hung one (its ``timeout``)."""
    from django.db import close_old_connections, connections

    timings: dict[str, float] = {}
    started = time.monotonic()
    for name, step in list(_STEPS.items()):
        if notify is not None:
            notify()
        begun = time.monotonic()
        try:
            step()
        except Exception:
            logger.exception("warm-up step %s failed; it will load on first use", name)
            continue
        timings[name] = round(time.monotonic() - begun, 3)
    # the worker's requests open their own connections: do not hand them one opened here
    # (unless a transaction is open around the warm-up, as in a test: closing would end it)
    opened = connections.all(initialized_only=True)
    if not any(connection.in_atomic_block for connection in opened):
        close_old_connections()
        for connection in opened:
            connection.close()
    logger.info("warm-up done in %.1f s: %s", time.monotonic() - started,
                ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()) or "nothing to do")
    return timings
