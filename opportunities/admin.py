from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.admin import FieldHistoryAdmin
from crm.softdelete import MoveToBinAdmin

from .models import (
    ApprovalRequest,
    Competitor,
    LossReason,
    Objection,
    Opportunity,
    Quota,
    Stage,
    StageChange,
    StageMoveRefused,
)


def _move_action(stage: Stage):
    """An admin action that moves the selected deals through `Opportunity.move_to`, rules and all."""

    def action(modeladmin, request, queryset):
        moved, refused = 0, []
        for deal in queryset.select_related("stage"):
            try:
                deal.move_to(stage, by=request.user, note=gettext("Moved from the administration"))
                moved += 1
            except StageMoveRefused as exc:
                refused.append(f"{deal}: {'; '.join(exc.reasons)}")
        if moved:
            modeladmin.message_user(
                request, gettext("%(n)d deal(s) moved to %(stage)s.") % {"n": moved, "stage": stage}
            )
        for line in refused:
            modeladmin.message_user(request, line, level=messages.WARNING)

    action.__name__ = f"move_to_stage_{stage.pk}"
    return action, action.__name__, gettext("Move selected deals to “%(stage)s”") % {"stage": stage}


@admin.register(Stage)
class StageAdmin(FieldHistoryAdmin):
    list_display = (
        "name",
        "name_en",
        "order",
        "probability",
        "forecast_category",
        "outcome",
        "stale_after_days",
        "approval_threshold",
        "is_active",
    )
    list_editable = ("probability", "stale_after_days", "approval_threshold", "is_active")
    list_filter = ("outcome", "is_active")
    search_fields = ("name", "name_en")
    ordering = ("order",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "name_en",
                    "order",
                    "probability",
                    "forecast_category",
                    "outcome",
                    "stale_after_days",
                    "is_active",
                )
            },
        ),
        (_("Guidance for the rep"), {"fields": ("guidance", "guidance_en")}),
        (
            _("Entry requirements"),
            {
                "fields": (
                    "requires_budget",
                    "requires_timeline",
                    "requires_follow_up",
                    "requires_need",
                    "requires_decision_maker",
                    "requires_amount",
                    "requires_close_date",
                    "requires_loss_reason",
                    "approval_threshold",
                )
            },
        ),
    )


@admin.register(LossReason)
class LossReasonAdmin(FieldHistoryAdmin):
    list_display = ("name", "name_en", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "name_en")


@admin.register(Competitor)
class CompetitorAdmin(FieldHistoryAdmin):
    list_display = ("name", "website", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(Quota)
class QuotaAdmin(FieldHistoryAdmin):
    list_display = ("month", "user", "team", "amount")
    list_editable = ("amount",)
    list_filter = ("team", "month")
    search_fields = ("user__username", "user__first_name", "user__last_name", "team__name")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "team")
    date_hierarchy = "month"


class StageChangeInline(admin.TabularInline):
    """The stage history: immutable, so read-only here."""

    model = StageChange
    fk_name = "opportunity"
    fields = (
        "changed_at",
        "from_stage",
        "to_stage",
        "days_in_previous_stage",
        "stages_skipped",
        "is_backward",
        "changed_by",
        "loss_reason",
        "note",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("changed_at", "pk")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ObjectionInline(admin.TabularInline):
    model = Objection
    fields = ("kind", "description", "response", "is_resolved")
    extra = 0


@admin.register(Opportunity)
class OpportunityAdmin(MoveToBinAdmin, FieldHistoryAdmin):
    list_display = (
        "name",
        "customer",
        "owner",
        "stage",
        "amount",
        "probability",
        "expected_close_date",
        "last_activity_at",
    )
    list_filter = (
        "stage",
        "owner__team",
        "urgency",
        "value_tier",
        "kind",
        "is_quick_win",
        "customer__customer_type",
        "customer__industry",
    )
    search_fields = ("name", "customer__name")
    autocomplete_fields = ("customer", "owner", "primary_contact", "parent")
    filter_horizontal = ("contacts", "competitors")
    # The stage only changes through Opportunity.move_to (the pages and the board), so it is
    # read-only here: the admin must not bypass the stage rules and their history.
    readonly_fields = (
        "stage",
        "probability",
        "stage_entered_at",
        "closed_at",
        "loss_reason",
        "last_activity_at",
        "created_at",
        "version",
    )
    list_select_related = ("customer", "owner", "stage")
    inlines = [StageChangeInline, ObjectionInline]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Lost needs a loss reason per deal, so it is done on the deal page, not in bulk.
        for stage in Stage.objects.active().exclude(outcome=Stage.Outcome.LOST):
            action = _move_action(stage)
            actions[action[1]] = action
        return actions


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "stage", "amount", "requested_by", "status", "decided_by", "created_at")
    list_filter = ("status", "stage")
    search_fields = ("opportunity__name",)
    raw_id_fields = ("opportunity",)
    list_select_related = ("opportunity", "stage", "requested_by", "decided_by")
