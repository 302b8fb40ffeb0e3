"""Writes of the service hall, split by stage: ``queue`` (numbers, windows, calling, serving,
the day's close, priority passes) and ``booking`` (slots, appointments, check-in, reminders)."""

from .booking import (
    appointment_book,
    appointment_cancel,
    appointment_change,
    appointment_check_in,
    appointments_mark_no_show,
    appointments_remind,
    slots_ensure,
)
from .queue import (
    counter_next,
    day_close,
    priority_pass_grant,
    ticket_call_next,
    ticket_cancel,
    ticket_finish,
    ticket_no_show,
    ticket_no_show_recall,
    ticket_recall,
    ticket_start,
    ticket_take,
    ticket_transfer,
    window_set_status,
    window_sign_on,
)

__all__ = [
    "appointment_book", "appointment_cancel", "appointment_change", "appointment_check_in",
    "appointments_mark_no_show", "appointments_remind", "counter_next", "day_close",
    "priority_pass_grant", "slots_ensure", "ticket_call_next", "ticket_cancel", "ticket_finish",
    "ticket_no_show", "ticket_no_show_recall", "ticket_recall", "ticket_start", "ticket_take",
    "ticket_transfer", "window_set_status", "window_sign_on",
]
