"""What the hall pushes to pages (through ``core.realtime``), after commit.

Two groups per hall:
- ``screen``: public — the calling screen, the kiosk and citizens' phones: calls and queue
  lengths (numbers and windows only, never a name).
- ``staff``: the clerks' panels, the guide desk and the manager's live view: any change of a
  number or a window (the page reloads its part).
"""

from __future__ import annotations

from typing import Any

from onewindow.accounts.models import ServiceHall
from onewindow.core import realtime


def screen_group(hall: ServiceHall | Any) -> str:
    return realtime.group_name("hall", hall.public_id, "screen")


def staff_group(hall: ServiceHall | Any) -> str:
    return realtime.group_name("hall", hall.public_id, "staff")


def screen_token(hall: ServiceHall | Any) -> str:
    return realtime.subscription_token([screen_group(hall)])


def staff_token(hall: ServiceHall | Any) -> str:
    return realtime.subscription_token([screen_group(hall), staff_group(hall)])


def call_pushed(hall: ServiceHall | Any, call: dict[str, Any]) -> None:
    realtime.publish(screen_group(hall), "call", call)
    realtime.publish(staff_group(hall), "changed", {"what": "call", "number": call.get("number")})


def queue_pushed(hall: ServiceHall | Any, waiting: dict[str, int], *, what: str, number: str = "") -> None:
    """Queue lengths per business type changed (a number taken, called, cancelled …)."""
    realtime.publish(screen_group(hall), "queue", {"waiting": waiting, "what": what, "number": number})
    realtime.publish(staff_group(hall), "changed", {"what": what, "number": number})


def staff_pushed(hall: ServiceHall | Any, *, what: str, number: str = "") -> None:
    realtime.publish(staff_group(hall), "changed", {"what": what, "number": number})
