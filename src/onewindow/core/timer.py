"""Registry of periodic jobs run by ``manage.py timer`` (deadline warnings and housekeeping).

Apps register jobs in ``AppConfig.ready`` with ``@periodic("name")``. Each run of the timer
calls every job once; a failing job is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Job = Callable[[], object]
_jobs: dict[str, Job] = {}


def periodic(name: str) -> Callable[[Job], Job]:
    def register(func: Job) -> Job:
        _jobs[name] = func
        return func

    return register


def periodic_jobs() -> dict[str, Job]:
    return dict(_jobs)


def timer_tick() -> dict[str, str]:
    """Run every registered job once; returns job name -> 'ok' or the error text."""
    results: dict[str, str] = {}
    for name, job in sorted(_jobs.items()):
        try:
            job()
            results[name] = "ok"
        except Exception as exc:
            logger.exception("periodic job %s failed", name)
            results[name] = f"error: {exc}"
    return results
