"""Django admin (Chinese) for licence types; licences and uses are read-only and masked here."""

from django.contrib import admin
from django.http import HttpRequest

from onewindow.core.masking import mask_id_number

from .models import Licence, LicenceImport, LicenceType, LicenceUse
from .rules import mask_credit_code


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "document_kind", "holder_kind", "issuer_name",
                    "issuing_department", "validity_years", "is_active")
    list_filter = ("document_kind", "holder_kind", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("issuing_department",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    """Licences change only through the audited services (issue, import, revoke)."""

    list_display = ("number", "licence_type", "holder_name", "masked_holder_id", "issuer_name",
                    "valid_until", "status", "source")
    list_filter = ("status", "source", "document_kind", "licence_type")
    search_fields = ("number",)
    fields = ("licence_type", "number", "title", "holder_kind", "holder_name", "masked_holder_id",
              "issuer_name", "issuing_department", "issued_on", "valid_from", "valid_until",
              "status", "revoked_at", "revocation_reason", "source", "source_ref", "file")
    readonly_fields = fields

    @admin.display(description="持证人证件号码")
    def masked_holder_id(self, obj: Licence) -> str:
        if obj.holder_kind == "person":
            return mask_id_number(obj.holder_id_number)
        return mask_credit_code(obj.holder_credit_code)


@admin.register(LicenceUse)
class LicenceUseAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "licence", "actor_label", "department_name", "case_ref", "purpose")
    search_fields = ("case_ref",)


@admin.register(LicenceImport)
class LicenceImportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "source", "filename", "rows", "created_count", "updated_count",
                    "unchanged_count")
