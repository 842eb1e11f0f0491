from django.contrib import admin

from audit.admin import FieldHistoryAdmin
from crm.admin_forms import VersionedAdminMixin
from crm.softdelete import MoveToBinAdmin

from .automation_admin import LeadEventInline
from .models import Lead, LeadContact, LeadSource


class LeadContactInline(admin.TabularInline):
    model = LeadContact
    extra = 0
    fields = ("name", "title", "buying_role", "attitude", "phone", "email")


@admin.register(LeadSource)
class LeadSourceAdmin(FieldHistoryAdmin):
    list_display = ("name", "name_en", "code", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name", "name_en", "code")
    list_filter = ("is_active",)


@admin.register(Lead)
class LeadAdmin(VersionedAdminMixin, MoveToBinAdmin, FieldHistoryAdmin):
    list_display = ("name", "company", "source", "owner", "team", "status", "score", "created_at")
    list_filter = ("status", "source", "team", "customer_type", "industry", "region")
    search_fields = ("name", "company", "email", "phone")
    autocomplete_fields = ("owner",)
    readonly_fields = ("opportunity", "converted_at", "created_at", "last_activity_at", "ready_for_sales_at")
    list_select_related = ("source", "owner", "team")
    date_hierarchy = "created_at"
    inlines = [LeadContactInline, LeadEventInline]
