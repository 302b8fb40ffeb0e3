"""Django admin (Chinese) for setting up halls: hall settings (hours, priority rules, booking
rules), business types (prefix, items and themes, windows, slots) and duties (hall manager,
guide desk). Numbers, calls and appointments are read-only here: they change only through the
audited services (pages and API), and personal data stays masked."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin

from onewindow.core.masking import mask_name

from .models import Appointment, AppointmentSlot, BusinessType, HallDuty, HallProfile, QueueTicket

PREFIX = re.compile(r"^[A-Z]{1,2}$")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class HallProfileForm(forms.ModelForm):
    class Meta:
        model = HallProfile
        exclude: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and opens >= closes:
            self.add_error("closes_at", "下班时间应晚于开始取号时间")
        lunch_from, lunch_to = data.get("lunch_from"), data.get("lunch_to")
        if bool(lunch_from) != bool(lunch_to):
            self.add_error("lunch_to", "午休开始和结束时间须同时填写或同时留空")
        elif lunch_from and lunch_to and lunch_from >= lunch_to:
            self.add_error("lunch_to", "午休结束时间应晚于开始时间")
        return data


@admin.register(HallProfile)
class HallProfileAdmin(admin.ModelAdmin):
    form = HallProfileForm
    list_display = ("hall", "opens_at", "closes_at", "last_take_minutes", "priority_age", "booking_days_ahead")
    search_fields = ("hall__name",)
    raw_id_fields = ("hall",)
    fieldsets = (
        (None, {"fields": ("hall",)}),
        ("办公时间", {"fields": ("opens_at", "closes_at", "last_take_minutes", "lunch_from", "lunch_to")}),
        ("优先规则（特呼号）", {"fields": ("priority_prereview", "priority_guide_check", "priority_age",
                                   "priority_disabled", "priority_pregnant", "priority_appointment")}),
        ("叫号", {"fields": ("no_show_recall_minutes",)}),
        ("手机取号", {"fields": ("latitude", "longitude", "phone_take_distance_m")}),
        ("预约", {"fields": ("booking_days_ahead", "booking_cutoff_minutes", "checkin_early_minutes",
                           "checkin_late_minutes", "no_show_limit", "no_show_period_days", "no_show_block_days")}),
    )


class BusinessTypeForm(forms.ModelForm):
    class Meta:
        model = BusinessType
        fields = ("hall", "code", "name", "prefix", "order", "is_active", "items", "themes", "windows",
                  "service_minutes", "daily_limit", "booking_enabled", "slot_minutes", "slot_capacity")

    def clean_prefix(self) -> str:
        prefix = str(self.cleaned_data.get("prefix") or "").strip().upper()
        if not PREFIX.match(prefix):
            raise forms.ValidationError("号码字头应为1至2个英文字母（如A、B、TS），叫号时逐字播报")
        return prefix

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        hall = data.get("hall")
        windows = data.get("windows")
        if hall is not None and windows:
            foreign = [w.number for w in windows if w.hall_id != hall.pk]
            if foreign:
                self.add_error("windows", f"窗口{'、'.join(foreign)}不属于该大厅")
        return data


@admin.register(BusinessType)
class BusinessTypeAdmin(admin.ModelAdmin):
    form = BusinessTypeForm
    list_display = ("hall", "prefix", "name", "code", "service_minutes", "daily_limit", "booking_enabled",
                    "is_active")
    list_filter = ("is_active", "booking_enabled", ("hall", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "code", "prefix", "hall__name")
    filter_horizontal = ("items", "themes", "windows")
    raw_id_fields = ("hall",)
    ordering = ("hall", "order", "prefix")


@admin.register(HallDuty)
class HallDutyAdmin(admin.ModelAdmin):
    list_display = ("hall", "staff", "duty")
    list_filter = ("duty", ("hall", admin.RelatedOnlyFieldListFilter))
    raw_id_fields = ("hall", "staff")


@admin.register(QueueTicket)
class QueueTicketAdmin(ReadOnlyAdmin):
    list_display = ("day", "number", "hall", "business_type", "channel", "status", "rank", "priority_reason",
                    "masked_name", "taken_at", "called_at", "finished_at")
    list_filter = ("status", "channel", "rank", ("hall", admin.RelatedOnlyFieldListFilter))
    search_fields = ("number",)
    date_hierarchy = "day"
    fields = ("day", "number", "hall", "business_type", "channel", "status", "rank", "priority_reason",
              "masked_name", "window", "target_window", "taken_at", "called_at", "call_count",
              "serve_started_at", "finished_at", "no_show_at", "recall_until", "transfers", "note")
    readonly_fields = fields

    @admin.display(description="姓名")
    def masked_name(self, obj: QueueTicket) -> str:
        return mask_name(obj.name) if obj.name else ""


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(ReadOnlyAdmin):
    list_display = ("day", "starts_at", "ends_at", "business_type", "capacity", "booked")
    list_filter = (("business_type", admin.RelatedOnlyFieldListFilter),)
    date_hierarchy = "day"


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    """Without the booking code (it checks the booking in) and with the name masked."""

    list_display = ("day", "starts_at", "hall", "business_type", "item_name", "masked_name", "status", "on_time")
    list_filter = ("status", ("hall", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "day"
    fields = ("day", "starts_at", "ends_at", "hall", "business_type", "item_name", "masked_name", "status",
              "reminded_at", "cancelled_at", "checked_in_at", "on_time", "no_show_at")
    readonly_fields = fields

    @admin.display(description="姓名")
    def masked_name(self, obj: Appointment) -> str:
        return mask_name(obj.name)
