from django.contrib import admin

from audit.admin import FieldHistoryAdmin
from crm.admin_forms import VersionedAdminMixin
from crm.softdelete import MoveToBinAdmin

from .models import Contact, Customer, PoolEvent, PoolRule


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ("name", "title", "phone", "email", "buying_role", "attitude")
    extra = 0


@admin.register(Customer)
class CustomerAdmin(VersionedAdminMixin, MoveToBinAdmin, FieldHistoryAdmin):
    list_display = ("name", "customer_type", "industry", "region", "value_tier", "owner", "team", "created_at")
    list_filter = ("customer_type", "industry", "region", "value_tier", "team")
    search_fields = ("name", "phone")
    autocomplete_fields = ("owner",)
    inlines = [ContactInline]
    list_select_related = ("owner", "team")


@admin.register(PoolRule)
class PoolRuleAdmin(admin.ModelAdmin):
    list_display = ("team", "is_active", "recall_after_days", "warn_days_before", "claim_cap")
    list_editable = ("is_active", "recall_after_days", "warn_days_before", "claim_cap")


@admin.register(PoolEvent)
class PoolEventAdmin(admin.ModelAdmin):
    """The record of every claim, return, recall and warning: read-only."""

    list_display = ("at", "kind", "customer", "user", "by", "team")
    list_filter = ("kind", "team")
    search_fields = ("customer__name", "user__username")
    list_select_related = ("customer", "user", "by", "team")
    readonly_fields = ("at", "kind", "customer", "user", "by", "team", "due_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(VersionedAdminMixin, MoveToBinAdmin, FieldHistoryAdmin):
    list_display = ("name", "customer", "title", "buying_role", "attitude", "email", "phone")
    list_filter = ("buying_role", "attitude")
    search_fields = ("name", "email", "phone", "customer__name")
    autocomplete_fields = ("customer",)
    list_select_related = ("customer",)
