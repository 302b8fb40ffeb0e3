"""Factories of the hall tests: a hall set up with business types, windows and clerks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onewindow.accounts.constants import Role, WindowKind
from onewindow.accounts.models import ServiceHall, ServiceWindow, Staff
from onewindow.accounts.tests.factories import staff_make
from onewindow.catalog.models import ServiceItem
from onewindow.core.workdays import SHANGHAI
from onewindow.hall.models import BusinessType, HallProfile


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


#: A Monday (a working day in every calendar) and the days around it.
MONDAY = (2026, 12, 7)


def monday(hh: int = 10, mm: int = 0) -> datetime:
    return at(*MONDAY, hh, mm)


@dataclass
class Kit:
    hall: ServiceHall
    profile: HallProfile
    general: BusinessType  # A: 综合业务, windows 01 and 02
    estate: BusinessType  # B: 不动产, window 03 only
    window1: ServiceWindow
    window2: ServiceWindow
    window3: ServiceWindow
    clerk1: Staff
    clerk2: Staff
    clerk3: Staff


def kit_make(world, *, items: list[ServiceItem] | None = None) -> Kit:  # type: ignore[no-untyped-def]
    """The cases world's district hall with three windows, two business types and a clerk at
    each window (``world.clerk`` sits at window 01)."""
    hall = world.hall
    profile = HallProfile.objects.create(hall=hall, latitude=25.04, longitude=102.72)
    window1 = world.window
    window2 = ServiceWindow.objects.create(hall=hall, number="02", name="综合受理二号窗",
                                           kind=WindowKind.COMPREHENSIVE)
    window3 = ServiceWindow.objects.create(hall=hall, number="03", name="不动产登记专窗",
                                           kind=WindowKind.SPECIAL)
    general = BusinessType.objects.create(hall=hall, code="general", name="综合业务", prefix="A", order=1)
    estate = BusinessType.objects.create(hall=hall, code="estate", name="不动产登记", prefix="B", order=2,
                                         slot_capacity=2)
    general.windows.set([window1, window2])
    estate.windows.set([window3])
    if items:
        general.items.set(items)
    region = hall.region
    clerk2 = staff_make(username="clerk2", region=region, roles=[Role.WINDOW_CLERK], name="综合窗口小王")
    clerk3 = staff_make(username="clerk3", region=region, roles=[Role.WINDOW_CLERK], name="不动产窗口小赵")
    for staff, window in ((clerk2, window2), (clerk3, window3)):
        staff.window = window
        staff.save(update_fields=["window"])
    return Kit(hall, profile, general, estate, window1, window2, window3, world.clerk, clerk2, clerk3)
