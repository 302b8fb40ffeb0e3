"""Periodic job of online consultation (run by ``manage.py timer``)."""

from __future__ import annotations

from onewindow.core.timer import periodic

from . import services


@periodic("consult.escalate", every=60)
def consult_escalate() -> dict[str, int]:
    return services.consult_escalate_run()
