"""The service hall (服务大厅): business types, queue numbers and their calls, windows' state,
appointment slots and bookings, and the priority passes earned by pre-reviewed applications.

A queue number (``QueueTicket``) belongs to one hall, business type and day; its ``seq`` comes
from a per-type, per-day counter (one atomic upsert), so numbers are never given twice and a
rolled-back take gives its number back. Calling is a state change of the ticket row under a
row lock (``SKIP LOCKED`` on PostgreSQL), recorded in ``QueueCall``; the calling screen is
rebuilt from these rows at any time, so a restart loses nothing.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from onewindow.accounts.models import Person, ServiceHall, ServiceWindow, Staff, User
from onewindow.cases.models import Case
from onewindow.catalog.models import ServiceItem, Theme
from onewindow.core.fields import EncryptedTextField
from onewindow.core.models import BaseModel

from .constants import (
    AppointmentStatus,
    CallKind,
    HallDutyKind,
    Rank,
    TicketChannel,
    TicketStatus,
    WindowStatus,
)


class HallProfile(BaseModel):
    """How one hall runs its queue and bookings (every hall may differ)."""

    hall = models.OneToOneField(ServiceHall, on_delete=models.CASCADE, related_name="hall_profile")
    opens_at = models.TimeField("开始取号", default="09:00")
    closes_at = models.TimeField("下班时间", default="17:00")
    last_take_minutes = models.PositiveSmallIntegerField("下班前停止取号（分钟）", default=30)
    lunch_from = models.TimeField("午休开始", null=True, blank=True, default="12:00")
    lunch_to = models.TimeField("午休结束", null=True, blank=True, default="13:00")
    # Priority rules (特呼号).
    priority_prereview = models.BooleanField("网上预审通过者优先", default=True)
    priority_guide_check = models.BooleanField("导服台预审材料者优先", default=True)
    priority_age = models.PositiveSmallIntegerField("优先年龄（0为不启用）", default=70)
    priority_disabled = models.BooleanField("残疾人优先", default=True)
    priority_pregnant = models.BooleanField("孕妇优先", default=True)
    priority_appointment = models.BooleanField("按时签到的预约优先", default=True)
    no_show_recall_minutes = models.PositiveSmallIntegerField("过号后可重呼（分钟）", default=15)
    # Taking a number on the phone: near the hall (metres), or with a booking for today.
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    phone_take_distance_m = models.PositiveIntegerField("手机取号距离（米）", default=1000)
    # Appointments.
    booking_days_ahead = models.PositiveSmallIntegerField("可预约天数", default=7)
    booking_cutoff_minutes = models.PositiveIntegerField("改约/取消截止（开始前分钟）", default=60)
    checkin_early_minutes = models.PositiveSmallIntegerField("可提前签到（分钟）", default=30)
    checkin_late_minutes = models.PositiveSmallIntegerField("迟到仍算按时（分钟）", default=15)
    no_show_limit = models.PositiveSmallIntegerField("爽约次数上限", default=3)
    no_show_period_days = models.PositiveSmallIntegerField("爽约统计周期（天）", default=90)
    no_show_block_days = models.PositiveSmallIntegerField("限制预约（天）", default=30)

    class Meta:
        verbose_name = "大厅设置"
        verbose_name_plural = "大厅设置"

    def __str__(self) -> str:
        return f"{self.hall} 设置"


class BusinessType(BaseModel):
    """A business type (业务类型) of a hall: its number prefix, the items and themes it covers and
    the windows that serve it."""

    hall = models.ForeignKey(ServiceHall, on_delete=models.CASCADE, related_name="business_types")
    code = models.CharField("代码", max_length=20)
    name = models.CharField("名称", max_length=60)
    prefix = models.CharField("号码字头", max_length=2)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    items = models.ManyToManyField(ServiceItem, blank=True, related_name="hall_business_types")
    themes = models.ManyToManyField(Theme, blank=True, related_name="hall_business_types")
    windows = models.ManyToManyField(ServiceWindow, blank=True, related_name="hall_business_types")
    service_minutes = models.PositiveSmallIntegerField("预计每件办理（分钟）", default=10)
    daily_limit = models.PositiveIntegerField("每日放号上限", null=True, blank=True)
    booking_enabled = models.BooleanField("开放预约", default=True)
    slot_minutes = models.PositiveSmallIntegerField("预约时段（分钟）", default=60)
    slot_capacity = models.PositiveSmallIntegerField("每时段可约人数", default=4)

    class Meta:
        ordering = ["hall", "order", "prefix"]
        verbose_name = "业务类型"
        verbose_name_plural = "业务类型"
        constraints = [
            models.UniqueConstraint(fields=["hall", "prefix"], name="hall_type_prefix"),
            models.UniqueConstraint(fields=["hall", "code"], name="hall_type_code"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class QueueCounter(models.Model):
    """The daily number sequence of one business type, incremented by one atomic upsert."""

    key = models.CharField(max_length=40, primary_key=True)  # "<type id>:<yyyymmdd>"
    value = models.IntegerField(default=0)

    class Meta:
        verbose_name = "排队号计数器"
        verbose_name_plural = "排队号计数器"

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


WAITING_Q = Q(status=TicketStatus.WAITING)


class QueueTicket(BaseModel):
    """A queue number (排队号) taken at the kiosk, the guide desk, on the phone or by check-in."""

    hall = models.ForeignKey(ServiceHall, on_delete=models.PROTECT, related_name="+")
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField()
    seq = models.PositiveIntegerField()
    number = models.CharField("号码", max_length=8)
    channel = models.CharField(max_length=12, choices=TicketChannel.choices)
    status = models.CharField(max_length=10, choices=TicketStatus.choices,
                              default=TicketStatus.WAITING)
    rank = models.PositiveSmallIntegerField(choices=Rank.choices, default=Rank.NORMAL)
    priority_reason = models.CharField("优先原因", max_length=12, blank=True)
    region_path = models.CharField(max_length=80)
    # Who, when known: the person (registered), or the typed ID number (encrypted) and name.
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", db_index=False)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_index=False)
    name = models.CharField("姓名", max_length=60, blank=True)
    id_number = EncryptedTextField("身份证号", blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    appointment = models.OneToOneField("Appointment", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="ticket")
    # Transfers may send a number to one window only.
    target_window = models.ForeignKey(ServiceWindow, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+", db_index=False)
    window = models.ForeignKey(ServiceWindow, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", db_index=False)
    clerk = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_index=False)
    taken_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)
    first_called_at = models.DateTimeField(null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(default=0)
    serve_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    recall_until = models.DateTimeField(null=True, blank=True)
    transfers = models.PositiveSmallIntegerField(default=0)
    note = models.CharField("备注", max_length=200, blank=True)
    cases = models.ManyToManyField(Case, through="TicketCase", related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name = "排队号"
        verbose_name_plural = "排队号"
        constraints = [
            # the number a type issued stays unique when the ticket is transferred to another type
            models.UniqueConstraint(fields=["hall", "day", "number"], name="ticket_hall_day_number"),
        ]
        indexes = [
            # Call next: the waiting numbers of a hall today in service order.
            models.Index(fields=["hall", "day", "rank", "taken_at"], condition=WAITING_Q,
                         name="ticket_waiting_order"),
            # The day of a hall (screens, live state, figures) and figures over a period.
            models.Index(fields=["hall", "day", "status"], name="ticket_hall_day"),
            models.Index(fields=["day", "hall"], name="ticket_day_hall"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.number}"


class TicketCase(models.Model):
    """A case (办件) taken in while serving a number: 取号 → 受理 → 办结 as one trace."""

    ticket = models.ForeignKey(QueueTicket, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", db_index=False)

    class Meta:
        verbose_name = "排队号关联办件"
        verbose_name_plural = "排队号关联办件"
        constraints = [models.UniqueConstraint(fields=["ticket", "case"], name="ticket_case_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.case_id}"


class QueueCall(models.Model):
    """One call of a number to a window (what the screen shows and speaks)."""

    hall = models.ForeignKey(ServiceHall, on_delete=models.CASCADE, related_name="+", db_index=False)
    ticket = models.ForeignKey(QueueTicket, on_delete=models.CASCADE, related_name="calls")
    window = models.ForeignKey(ServiceWindow, on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    clerk = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_index=False)
    kind = models.CharField(max_length=16, choices=CallKind.choices, default=CallKind.CALL)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = "叫号记录"
        verbose_name_plural = "叫号记录"
        indexes = [models.Index(fields=["hall", "-id"], name="call_hall_latest")]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.ticket_id} → {self.window_id}"


class WindowState(models.Model):
    """The live state of a window: who sits there, open or paused, the number being served."""

    window = models.OneToOneField(ServiceWindow, on_delete=models.CASCADE, primary_key=True,
                                  related_name="hall_state")
    hall = models.ForeignKey(ServiceHall, on_delete=models.CASCADE, related_name="+")
    clerk = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    status = models.CharField(max_length=8, choices=WindowStatus.choices,
                              default=WindowStatus.CLOSED)
    ticket = models.ForeignKey(QueueTicket, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "窗口状态"
        verbose_name_plural = "窗口状态"

    def __str__(self) -> str:
        return f"{self.window_id} {self.status}"


class HallDuty(BaseModel):
    """A member of staff's duty in a hall beyond their roles: hall manager or guide desk."""

    hall = models.ForeignKey(ServiceHall, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="hall_duties")
    duty = models.CharField(max_length=8, choices=HallDutyKind.choices)

    class Meta:
        verbose_name = "大厅岗位"
        verbose_name_plural = "大厅岗位"
        constraints = [models.UniqueConstraint(fields=["hall", "staff", "duty"], name="hall_duty_once")]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_duty_display()}"


class PriorityPass(BaseModel):
    """A pre-reviewed application (case.prereview_passed): its applicant gets a priority number
    at a hall of the case's area for a while."""

    case_ref = models.UUIDField(unique=True)
    case_number = models.CharField(max_length=24, blank=True)
    item_name = models.CharField(max_length=200, blank=True)
    person_ref = models.UUIDField(null=True, blank=True, db_index=True)
    user_ref = models.BigIntegerField(null=True, blank=True, db_index=True)
    region_path = models.CharField(max_length=80)
    granted_at = models.DateTimeField()
    used_by = models.ForeignKey(QueueTicket, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        verbose_name = "预审优先资格"
        verbose_name_plural = "预审优先资格"

    def __str__(self) -> str:
        return self.case_number


class AppointmentSlot(BaseModel):
    """A bookable time of a business type on a working day, with its capacity."""

    hall = models.ForeignKey(ServiceHall, on_delete=models.CASCADE, related_name="+", db_index=False)
    business_type = models.ForeignKey(BusinessType, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = "预约时段"
        verbose_name_plural = "预约时段"
        constraints = [
            models.UniqueConstraint(fields=["business_type", "starts_at"], name="slot_type_start"),
            models.CheckConstraint(condition=Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"),
        ]
        indexes = [models.Index(fields=["hall", "day"], name="slot_hall_day")]

    def __str__(self) -> str:
        return f"{self.business_type_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def left(self) -> int:
        return max(self.capacity - self.booked, 0)


class Appointment(BaseModel):
    """A citizen's booking of a slot for a named item (预约)."""

    hall = models.ForeignKey(ServiceHall, on_delete=models.PROTECT, related_name="+")
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="+")
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    item = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_index=False)
    item_name = models.CharField("事项", max_length=200)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", db_index=False)
    name = models.CharField("姓名", max_length=60)
    code = models.CharField("预约码", max_length=8, unique=True)
    status = models.CharField(max_length=10, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    day = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    region_path = models.CharField(max_length=80)
    reminded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField("按时签到", default=False)
    no_show_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = "预约"
        verbose_name_plural = "预约"
        indexes = [
            models.Index(fields=["user", "status", "starts_at"], name="appt_user_status"),
            models.Index(fields=["day", "status"], name="appt_day_status"),
            models.Index(fields=["hall", "day"], name="appt_hall_day"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.item_name}"
