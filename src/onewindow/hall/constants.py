"""Vocabularies of the service hall: queue numbers, priorities, windows, appointments."""

from __future__ import annotations

from django.db import models


class TicketStatus(models.TextChoices):
    WAITING = "waiting", "等候中"
    CALLED = "called", "已叫号"
    SERVING = "serving", "办理中"
    DONE = "done", "已办结"
    NO_SHOW = "no_show", "过号"
    CANCELLED = "cancelled", "已取消"
    EXPIRED = "expired", "当日未办理"


#: The number still needs the hall's attention today.
ACTIVE_TICKET_STATUSES: tuple[str, ...] = (TicketStatus.WAITING, TicketStatus.CALLED,
                                            TicketStatus.SERVING)


class TicketChannel(models.TextChoices):
    KIOSK = "kiosk", "自助终端取号"
    GUIDE = "guide", "导服台取号"
    PHONE = "phone", "手机取号"
    API = "api", "接口取号"
    APPOINTMENT = "appointment", "预约签到"


class PriorityReason(models.TextChoices):
    APPOINTMENT = "appointment", "预约按时签到"
    PREREVIEW = "prereview", "网上预审通过"
    GUIDE_CHECK = "guide_check", "导服台材料预审"
    ELDERLY = "elderly", "老年人"
    DISABLED = "disabled", "残疾人"
    PREGNANT = "pregnant", "孕妇"
    TRANSFER = "transfer", "转办"


class Rank(models.IntegerChoices):
    """Order of service among waiting numbers (lower first, then by time taken)."""

    APPOINTMENT = 0, "预约"
    TRANSFERRED = 1, "转办"
    PRIORITY = 2, "特呼号"
    NORMAL = 3, "普通"


class CallKind(models.TextChoices):
    CALL = "call", "叫号"
    RECALL = "recall", "重呼"
    NO_SHOW_RECALL = "no_show_recall", "过号重呼"


class WindowStatus(models.TextChoices):
    OPEN = "open", "开放"
    PAUSED = "paused", "暂停"
    CLOSED = "closed", "未开窗"


class HallDutyKind(models.TextChoices):
    MANAGER = "manager", "大厅管理"
    GUIDE = "guide", "导服台"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    CHECKED_IN = "checked_in", "已签到"
    CANCELLED = "cancelled", "已取消"
    NO_SHOW = "no_show", "爽约"


# Settings (with defaults) read by services.
SETTING_PASS_DAYS = "ONEWINDOW_HALL_PRIORITY_PASS_DAYS"  # a pre-review gives priority this long (10)
SETTING_MAX_BOOKINGS = "ONEWINDOW_HALL_MAX_BOOKINGS"  # future bookings a citizen may hold (3)
DEFAULT_PASS_DAYS = 10
DEFAULT_MAX_BOOKINGS = 3

# Audit actions.
AUDIT_TICKET_TAKE = "hall.ticket_take"
AUDIT_TICKET_CALL = "hall.ticket_call"
AUDIT_TICKET_RECALL = "hall.ticket_recall"
AUDIT_TICKET_START = "hall.ticket_start"
AUDIT_TICKET_NO_SHOW = "hall.ticket_no_show"
AUDIT_TICKET_TRANSFER = "hall.ticket_transfer"
AUDIT_TICKET_FINISH = "hall.ticket_finish"
AUDIT_TICKET_CANCEL = "hall.ticket_cancel"
AUDIT_WINDOW = "hall.window_state"
AUDIT_BOOK = "hall.appointment_book"
AUDIT_BOOK_CHANGE = "hall.appointment_change"
AUDIT_BOOK_CANCEL = "hall.appointment_cancel"
AUDIT_CHECK_IN = "hall.appointment_check_in"
AUDIT_DAY_CLOSE = "hall.day_close"
