"""Django admin (Chinese) for the hotline's reference data. Changes are audited; requester
data never appears here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onewindow.core.audit import audit_record

from . import constants as c
from . import selectors
from .models import Category, DispatchRule, HotlineConfig, KnowledgeArticle, Open311Client, Ticket, TimeLimitSetting


class AuditedAdmin(admin.ModelAdmin):
    audit_action = c.AUDIT_CONFIG_CHANGE

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        selectors.reference_cache_clear()
        audit_record(actor=request.user, action=self.audit_action, obj=obj,
                     summary={"admin": True, "changed": sorted(form.changed_data) if change else ["created"]})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action=self.audit_action, obj=obj, summary={"admin": True, "deleted": True})
        super().delete_model(request, obj)
        selectors.reference_cache_clear()


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("code", "full_name", "level", "limit_class", "is_active")
    list_filter = ("level", "limit_class", "is_active")
    search_fields = ("code", "name", "full_name")
    readonly_fields = ("code", "path", "level", "parent", "full_name")
    audit_action = c.AUDIT_CATEGORY_SEED


@admin.register(DispatchRule)
class DispatchRuleAdmin(AuditedAdmin):
    list_display = ("category", "region", "department", "priority", "is_active")
    list_filter = ("is_active",)
    autocomplete_fields = ("category", "region", "department")
    audit_action = c.AUDIT_RULE_CHANGE


@admin.register(HotlineConfig)
class HotlineConfigAdmin(AuditedAdmin):
    list_display = ("district", "fallback_department", "triage_threshold", "return_limit_working_days")
    autocomplete_fields = ("district", "fallback_department")


@admin.register(TimeLimitSetting)
class TimeLimitSettingAdmin(AuditedAdmin):
    list_display = ("limit_class", "amount", "unit", "updated_at")


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(AuditedAdmin):
    list_display = ("title", "category", "department", "uses", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "keywords", "question")
    autocomplete_fields = ("category", "department")
    exclude = ("updated_by",)
    audit_action = c.AUDIT_KB_CHANGE


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Keys are issued by the service (shown once in a message, stored hashed): adding a client
    issues its first key; "rotate" issues a new one, "revoke" switches the key off."""

    list_display = ("name", "key_prefix", "contact", "is_active", "last_used_at")
    fields = ("name", "contact", "key_prefix", "is_active", "last_used_at")
    readonly_fields = ("key_prefix", "is_active", "last_used_at")
    actions = ("rotate_keys", "revoke_keys")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from django.contrib import messages

        from . import services

        if change:
            obj.save(update_fields=["name", "contact", "updated_at"])
            return
        client, key = services.open311_client_create(actor=request.user, name=obj.name, contact=obj.contact)
        obj.pk, obj.key_prefix = client.pk, client.key_prefix
        messages.warning(request, f"“{client.name}”的 api_key（只显示这一次，请立即复制交给对方）：{key}")

    @admin.action(description="重新签发 api_key（旧 key 立即失效）")
    def rotate_keys(self, request: HttpRequest, queryset: Any) -> None:
        from django.contrib import messages

        from . import services

        for client in queryset:
            _, key = services.open311_client_rotate(actor=request.user, client=client)
            messages.warning(request, f"“{client.name}”的新 api_key（只显示这一次）：{key}")

    @admin.action(description="吊销 api_key")
    def revoke_keys(self, request: HttpRequest, queryset: Any) -> None:
        from . import services

        for client in queryset:
            services.open311_client_revoke(actor=request.user, client=client)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only overview; every change goes through the hotline pages and their services."""

    list_display = ("number", "title", "kind", "status", "department", "due_at", "overdue")
    list_filter = ("status", "kind", "channel", "overdue")
    search_fields = ("number",)
    fields = ("number", "kind", "title", "status", "channel", "category", "department", "region_path",
              "received_at", "due_at", "overdue", "classifier_label", "classifier_confidence", "classifier_version")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
