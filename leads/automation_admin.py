"""Admin for lead automation: scoring rules, assignment rules, settings, behaviour events."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import FieldHistoryAdmin

from .automation_models import AssignmentCursor, AssignmentRule, LeadAutomationSettings, LeadEvent, ScoringRule


@admin.register(ScoringRule)
class ScoringRuleAdmin(FieldHistoryAdmin):
    list_display = ("name", "criterion", "value", "points", "max_points", "is_active")
    list_editable = ("points", "max_points", "is_active")
    list_filter = ("criterion", "is_active")
    search_fields = ("name", "value")


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(FieldHistoryAdmin):
    list_display = ("name", "order", "source", "region", "industry", "customer_type", "team", "rep", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "team")
    list_select_related = ("source", "team", "rep")
    autocomplete_fields = ("rep",)


@admin.register(LeadAutomationSettings)
class LeadAutomationSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "ready_threshold", "default_team", "quick_win_limit")

    def has_add_permission(self, request) -> bool:
        return not LeadAutomationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AssignmentCursor)
class AssignmentCursorAdmin(admin.ModelAdmin):
    list_display = ("team", "last_user_id", "assigned_count")
    readonly_fields = ("team", "last_user_id", "assigned_count")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(LeadEvent)
class LeadEventAdmin(admin.ModelAdmin):
    list_display = ("lead", "kind", "occurred_at", "detail")
    list_filter = ("kind",)
    raw_id_fields = ("lead",)
    list_select_related = ("lead",)
    date_hierarchy = "occurred_at"


class LeadEventInline(admin.TabularInline):
    model = LeadEvent
    extra = 0
    fields = ("kind", "occurred_at", "detail")
    verbose_name_plural = _("behaviour events")
