"""Django admin (Chinese) for applications: read-only. Cases change only through the audited
services (pages and API), so nothing here can bypass the state machine."""

from typing import Any

from django.contrib import admin

from .models import Case, CaseBundle, CaseEvent, CaseMaterial, CaseStep, Rating, RatingFollowUp


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class MaterialInline(admin.TabularInline):
    model = CaseMaterial
    extra = 0
    fields = ("order", "name", "is_required", "state", "original_name", "content_type", "size",
              "licence_number")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class StepInline(admin.TabularInline):
    model = CaseStep
    extra = 0
    fields = ("order", "kind", "name", "status", "handler_name", "started_at", "finished_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("at", "title", "actor_label", "role", "from_status", "to_status", "public")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "item_name", "department", "channel", "status", "due_at", "warning_level",
                    "submitted_at")
    list_filter = ("status", "channel", "warning_level")
    search_fields = ("number",)
    show_full_result_count = False  # a million rows: no COUNT(*) on every page
    list_select_related = ("department",)
    fields = ("number", "item_name", "item_version", "department", "region_path", "channel", "status",
              "applicant_kind", "applicant_name", "submitted_at", "accepted_at", "decided_at",
              "delivered_at", "promised_due_at", "legal_due_at", "due_at", "paused_days",
              "deadline_provisional", "warning_level", "completed_early", "overdue", "decision_reason")
    readonly_fields = fields
    inlines = (MaterialInline, StepInline, EventInline)


@admin.register(CaseBundle)
class CaseBundleAdmin(ReadOnlyAdmin):
    list_display = ("number", "name", "status", "submitted_at", "completed_at")
    list_filter = ("status",)
    search_fields = ("number", "name")
    fields = ("number", "name", "status", "applicant_name", "submitted_at", "completed_at")
    readonly_fields = fields


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("case", "level", "department", "created_at")
    list_filter = ("level",)
    fields = ("case", "step", "department", "level", "comment", "created_at")
    readonly_fields = fields


@admin.register(RatingFollowUp)
class RatingFollowUpAdmin(ReadOnlyAdmin):
    list_display = ("rating", "department", "due_at", "status", "answered_at")
    list_filter = ("status",)
    fields = ("rating", "department", "due_at", "status", "answer", "answered_at")
    readonly_fields = fields
