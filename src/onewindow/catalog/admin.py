"""Django admin for the catalogue: read-only. Writes go through the catalogue pages and API
(/staff/catalog/, /api/v1/catalog/admin/...), which version, audit and bump the revision."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    CatalogRevision,
    ListPublication,
    Material,
    PowerEntry,
    ResponsibilityEntry,
    ServiceItem,
    ServiceItemVersion,
    Theme,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = ServiceItemVersion
    fields = ("number", "status", "name", "published_at", "retired_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MaterialInline(admin.TabularInline):
    model = Material
    fields = ("order", "name", "material_type", "is_required", "source", "licence_type_code")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ("implementation_code", "current_version", "department", "source")
    list_filter = ("source", "department")
    search_fields = ("implementation_code", "basic_code", "versions__name")
    list_select_related = ("current_version", "department")
    inlines = [VersionInline]


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "number", "status", "item_type", "visits", "published_at")
    list_filter = ("status", "item_type", "exercise_level", "service_object", "is_placeholder")
    search_fields = ("name", "item__implementation_code")
    list_select_related = ("item",)
    inlines = [MaterialInline]


@admin.register(Theme)
class ThemeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "person_kind", "order")
    list_filter = ("kind", "person_kind")


@admin.register(PowerEntry)
class PowerEntryAdmin(ReadOnlyAdmin):
    list_display = ("power_name", "power_type", "power_code", "published_at")
    list_filter = ("power_type",)


@admin.register(ResponsibilityEntry)
class ResponsibilityEntryAdmin(ReadOnlyAdmin):
    list_display = ("duty", "accountable_subject", "published_at")


@admin.register(ListPublication)
class ListPublicationAdmin(ReadOnlyAdmin):
    list_display = ("department", "kind", "published_at", "entry_count")
    list_filter = ("kind",)


@admin.register(CatalogRevision)
class CatalogRevisionAdmin(ReadOnlyAdmin):
    list_display = ("value", "changed_at")
