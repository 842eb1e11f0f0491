from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.admin import FieldHistoryAdmin
from crm.admin_forms import VersionedAdminMixin
from crm.softdelete import MoveToBinAdmin

from .models import (
    ApprovalRequest,
    Competitor,
    EvaluationWeights,
    LossReason,
    Objection,
    Opportunity,
    Pipeline,
    Quota,
    Stage,
    StageChange,
    StageFact,
    StageMoveRefused,
)
from .models.qualification import MEDDIC_CHOICES


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
    return action, action.__name__, gettext("Move selected deals to “%(stage)s”") % {"stage": stage.label_with_pipeline}


def outcome_problems(stages: list[tuple[str, bool]]) -> list[str]:
    """Every pipeline needs exactly one active won stage and one active lost stage (and an
    open one to start in); `stages` are (outcome, active) pairs of one pipeline."""
    problems = []
    active = [outcome for outcome, is_active in stages if is_active]
    if active.count(Stage.Outcome.WON) != 1:
        problems.append(gettext("A pipeline needs exactly one active won stage."))
    if active.count(Stage.Outcome.LOST) != 1:
        problems.append(gettext("A pipeline needs exactly one active lost stage."))
    if Stage.Outcome.OPEN not in active:
        problems.append(gettext("A pipeline needs at least one active open stage."))
    return problems


class CriteriaField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        super().__init__(choices=MEDDIC_CHOICES, **kwargs)


class StageCriteriaForm(forms.ModelForm):
    """The MEDDIC criteria a stage requires, as checkboxes."""

    required_criteria = CriteriaField(label=_("requires MEDDIC criteria"), required=False)

    class Meta:
        model = Stage
        fields = ["required_criteria"]


class StageInlineForm(StageCriteriaForm):
    def validate_constraints(self) -> None:
        """The order is checked against the other stages of the page by the formset (every stage
        of the pipeline is on it), not against their rows as they stand: a page that swaps two
        stages is a valid order."""
        try:
            self.instance.validate_constraints(exclude=self._get_validation_exclusions() | {"order"})
        except ValidationError as e:
            self._update_errors(e)


class StageInlineFormSet(forms.BaseInlineFormSet):
    def save(self, commit=True):
        """Stages that change places, or leave, are first moved out of the way of every order the
        page keeps or asks for (the order is unique in a pipeline), then saved or deleted."""
        if commit:
            moving = [
                form.instance.pk
                for form in self.initial_forms
                if form.instance.pk and ("order" in form.changed_data or self._should_delete_form(form))
            ]
            if moving:
                stages = Stage.objects.filter(pipeline=self.instance)
                used = set(stages.select_for_update().values_list("order", flat=True))
                used |= {form.cleaned_data.get("order") for form in self.forms if form.cleaned_data}
                free = (n for n in range(32767, 0, -1) if n not in used)  # the field's largest values
                for pk in moving:
                    stages.filter(pk=pk).update(order=next(free))
        return super().save(commit)

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        stages = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            stages.append((form.cleaned_data.get("outcome"), form.cleaned_data.get("is_active", False)))
        problems = outcome_problems(stages)
        if problems:
            raise ValidationError(problems)


class StageInline(admin.StackedInline):
    model = Stage
    form = StageInlineForm
    formset = StageInlineFormSet
    extra = 0
    ordering = ("order",)
    show_change_link = True
    fields = (
        ("name", "name_en"),
        ("order", "probability", "outcome", "stale_after_days", "is_active"),
        ("guidance", "guidance_en"),
        (
            "requires_budget",
            "requires_timeline",
            "requires_follow_up",
            "requires_need",
            "requires_decision_maker",
            "requires_amount",
            "requires_close_date",
            "requires_loss_reason",
        ),
        "required_criteria",
        "approval_threshold",
    )


@admin.register(EvaluationWeights)
class EvaluationWeightsAdmin(admin.ModelAdmin):
    """One row: how much each factor of the opportunity evaluation counts."""

    list_display = ("__str__", "need_fit", "budget_fit", "decision_cycle", "purchase_intent", "competition")

    def has_add_permission(self, request) -> bool:
        return not EvaluationWeights.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "name_en",
        "order",
        "is_active",
        "is_default",
        "is_renewal_default",
        "qualification_framework",
    )
    list_editable = ("order", "is_active")
    search_fields = ("name", "name_en")
    inlines = [StageInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Stages keep the deals' history; a pipeline is retired (inactive), not deleted.
        return False

    def save_related(self, request, form, formsets, change) -> None:
        # Stages reordered on the page refresh their deals' stage facts once, not once per stage.
        with StageFact.order_changes():
            super().save_related(request, form, formsets, change)


class StageAdminForm(StageCriteriaForm):
    class Meta:
        model = Stage
        # The admin passes the fieldsets' fields; these are the minimum the rule reads.
        fields = ["pipeline", "outcome", "is_active"]

    def clean(self):
        """A stage edited on its own (its page or the list's editable columns) must leave its
        pipeline, and the one it left, with a won and a lost stage."""
        cleaned = super().clean()
        instance = self.instance

        def value(name):
            return cleaned.get(name) if name in self.fields else getattr(instance, name, None)

        pipeline_id = value("pipeline").pk if "pipeline" in self.fields and value("pipeline") else instance.pipeline_id
        if pipeline_id is None:
            return cleaned
        touched = {pipeline_id}
        if instance.pk and instance.pipeline_id:
            touched.add(instance.pipeline_id)
        for touched_id in touched:
            others = Stage.objects.filter(pipeline_id=touched_id).exclude(pk=instance.pk)
            stages = [(o.outcome, o.is_active) for o in others]
            if touched_id == pipeline_id:
                stages.append((value("outcome"), bool(value("is_active"))))
            problems = outcome_problems(stages)
            if problems:
                raise ValidationError(problems)
        return cleaned


@admin.register(Stage)
class StageAdmin(FieldHistoryAdmin):
    form = StageAdminForm
    list_display = (
        "name",
        "name_en",
        "pipeline",
        "order",
        "probability",
        "forecast_category",
        "outcome",
        "stale_after_days",
        "approval_threshold",
        "is_active",
    )
    list_editable = ("probability", "stale_after_days", "approval_threshold", "is_active")
    list_filter = ("pipeline", "outcome", "is_active")
    search_fields = ("name", "name_en")
    ordering = ("pipeline__order", "pipeline_id", "order")
    list_select_related = ("pipeline",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "name_en",
                    "pipeline",
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
                    "required_criteria",
                    "approval_threshold",
                )
            },
        ),
    )

    # The list's editable columns go through the same pipeline check as the stage's page.

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=StageAdminForm, **kwargs)


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
        "pipeline_changed",
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
class OpportunityAdmin(VersionedAdminMixin, MoveToBinAdmin, FieldHistoryAdmin):
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
        "stage__pipeline",
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
        for stage in Stage.objects.active().exclude(outcome=Stage.Outcome.LOST).select_related("pipeline"):
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
