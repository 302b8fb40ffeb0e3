"""District-edited assessment rules and the open-data catalogue in the admin."""

from django.contrib import admin

from .models import AssessmentBonus, Dataset, DeductionRule, Indicator


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "applies_to", "metric", "weight", "formula", "target", "is_active", "order")
    list_filter = ("applies_to", "is_active")
    list_editable = ("weight", "target", "is_active", "order")


@admin.register(DeductionRule)
class DeductionRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "event_kind", "applies_to", "points", "cap", "is_active")
    list_filter = ("event_kind", "applies_to", "is_active")
    list_editable = ("points", "cap", "is_active")


@admin.register(AssessmentBonus)
class AssessmentBonusAdmin(admin.ModelAdmin):
    list_display = ("period", "department", "region", "points", "reason")


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "tier", "frequency", "refreshed_at", "row_count", "is_published")
    list_filter = ("tier", "is_published")
    readonly_fields = ("refreshed_at", "row_count", "suppressed", "issued_at")
