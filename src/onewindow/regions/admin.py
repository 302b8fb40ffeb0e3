from django.contrib import admin

from .models import Place, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    readonly_fields = ("path",)
    raw_id_fields = ("parent",)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "source", "is_active")
    list_filter = ("kind", "source", "is_active")
    search_fields = ("name", "aliases", "source_ref")
    readonly_fields = ("region_path",)
    raw_id_fields = ("region",)
