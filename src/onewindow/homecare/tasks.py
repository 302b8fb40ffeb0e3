"""Periodic work of home care: the alert scan (late starts, elders living alone without visits)."""

from __future__ import annotations

from typing import Any

from onewindow.core.timer import periodic


@periodic("homecare.alerts", every=600)
def homecare_alerts(**_: Any) -> dict[str, int]:
    from .services import alerts_scan

    return alerts_scan()
