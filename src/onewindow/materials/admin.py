from django.contrib import admin

from .models import Commitment, CreditRecord, LibraryMaterial, MaterialUse


@admin.register(LibraryMaterial)
class LibraryMaterialAdmin(admin.ModelAdmin):
    list_display = ("name", "holder_name", "verifier_name", "verified_at", "valid_until", "status",
                    "reuse_allowed", "use_count")
    list_filter = ("status", "verify_method", "reuse_allowed")
    search_fields = ("name", "holder_name", "source_case_ref")
    readonly_fields = ("sha256", "size", "content_type", "verified_at", "verified_by")
    raw_id_fields = ("holder_person", "holder_enterprise")


@admin.register(MaterialUse)
class MaterialUseAdmin(admin.ModelAdmin):
    list_display = ("kind", "case_ref", "actor_label", "purpose", "watermark", "created_at")
    list_filter = ("kind",)
    search_fields = ("case_ref", "purpose")
    raw_id_fields = ("library_material", "licence", "holder_person", "holder_enterprise")


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ("case_ref", "material_name", "holder_name", "check_status", "check_due_on")
    list_filter = ("check_status",)
    search_fields = ("case_ref", "material_name", "holder_name")
    raw_id_fields = ("holder_person", "holder_enterprise", "item")


@admin.register(CreditRecord)
class CreditRecordAdmin(admin.ModelAdmin):
    list_display = ("holder_name", "description", "recorded_at")
    search_fields = ("holder_name",)
    raw_id_fields = ("holder_person", "holder_enterprise", "commitment")
