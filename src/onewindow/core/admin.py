from django.contrib import admin

from .models import AuditEntry, CalendarDay, CalendarYear


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for reference; changes go through the audited calendar import (工作日历 page)."""

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail is read-only everywhere."""

    list_display = ("seq", "at", "actor_label", "action", "object_type", "object_id", "request_id")
    list_filter = ("action",)
    search_fields = ("object_id", "actor_label", "request_id")


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "status", "source", "imported_at")


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
