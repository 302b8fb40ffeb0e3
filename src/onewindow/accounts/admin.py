"""Django admin (Chinese) for organisations and accounts. Personal data stays masked here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from onewindow.core.masking import mask_id_number, mask_phone

from .models import (
    AgreementAcceptance,
    ApiToken,
    Department,
    Enterprise,
    Person,
    RealNameRecord,
    ServiceHall,
    ServiceWindow,
    Staff,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "kind", "is_active", "is_staff", "last_login")
    list_filter = ("kind", "is_active", "is_staff")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("OneWindow", {"fields": ("kind", "display_name")}))
    search_fields = ("username", "display_name")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "region", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("region",)


class WindowInline(admin.TabularInline):
    model = ServiceWindow
    extra = 0
    autocomplete_fields = ("department",)


@admin.register(ServiceHall)
class ServiceHallAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "address")
    search_fields = ("name",)
    inlines = (WindowInline,)
    autocomplete_fields = ("region",)


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("employee_no", "name", "roles", "region", "is_active")
    search_fields = ("employee_no", "name")
    filter_horizontal = ("departments",)
    autocomplete_fields = ("region", "user")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Read-only and masked: people are registered and changed through the audited pages/API."""

    list_display = ("name", "masked_id_number", "masked_phone", "region", "created_at")
    search_fields = ("name",)
    fields = ("name", "masked_id_number", "gender", "birth_date", "masked_phone", "region", "user")
    readonly_fields = fields

    @admin.display(description="身份证号")
    def masked_id_number(self, obj: Person) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description="手机号")
    def masked_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "legal_representative", "region")
    search_fields = ("name", "credit_code")
    autocomplete_fields = ("region",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "last_used_at")


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the audited registration services; the admin only shows them."""

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(RealNameRecord)
class RealNameRecordAdmin(_ReadOnlyAdmin):
    list_display = ("user", "channel", "factors", "provider", "clerk", "created_at")
    list_filter = ("channel",)
    search_fields = ("user__username",)


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(_ReadOnlyAdmin):
    list_display = ("user", "version", "channel", "accepted_at")
    list_filter = ("version", "channel")
    search_fields = ("user__username",)
