from django.contrib import admin
from django.core.exceptions import ValidationError

from onewindow.core.errors import DomainError

from . import services
from .models import EnterpriseMap, MapNode, MapTemplate


class MapNodeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = MapNode
    extra = 1
    fields = ("order", "key", "stage", "name", "item", "licence_type_code", "after")
    autocomplete_fields = ()
    raw_id_fields = ("item",)


@admin.register(MapTemplate)
class MapTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("industry", "name", "is_active")
    inlines = [MapNodeInline]

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        try:
            services.template_check(template=form.instance)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc


@admin.register(EnterpriseMap)
class EnterpriseMapAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("enterprise", "template", "officer")
    raw_id_fields = ("enterprise", "officer")
