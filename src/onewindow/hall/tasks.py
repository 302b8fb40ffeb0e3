"""Periodic jobs of the hall app (run by ``manage.py timer``)."""

from __future__ import annotations

from onewindow.core.timer import periodic

from . import services


@periodic("hall.day_close")
def day_close_job() -> object:
    return services.day_close()


@periodic("hall.slots")
def slots_job() -> object:
    return services.slots_ensure()


@periodic("hall.appointment_reminders")
def reminders_job() -> object:
    return services.appointments_remind()


@periodic("hall.appointment_no_shows")
def no_shows_job() -> object:
    return services.appointments_mark_no_show()
