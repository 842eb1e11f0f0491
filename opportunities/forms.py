"""Forms of the deal pages. No stage rule lives here: moves go through `Opportunity.move_to`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import assignable_users
from crm.forms import BoundedForm, BoundedModelForm, CreateForm, CreateModelForm
from crm.idempotency import Outcome, submit_once
from crm.widgets import QuickSelect
from customers.models import Contact
from leads.models import LeadSource

from .models import Activity, Competitor, LossReason, Objection, Opportunity, Pipeline, Stage
from .models.evaluation import FACTOR_CODES, FACTORS, SWOT_FIELDS
from .models.qualification import MEDDIC_CODES, meddic_field_names

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

DATE = {"type": "date"}


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d")


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EditConflict(Exception):
    """Someone else saved the record after this form was opened."""


class VersionedModelForm(CreateModelForm):
    """Optimistic concurrency: the form carries the `version` it was opened at, and saving
    refuses when the row has moved on since (no silent overwrite of a colleague's edit).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    CONFLICT_MESSAGE = _(
        "Someone else saved this record after you opened it. Your changes were not saved: "
        "reload the page to see the current values, then make your changes again."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def save(self, commit: bool = True):
        if not self.instance.pk:
            return super().save(commit=commit)
        model = type(self.instance)
        with transaction.atomic():
            current = model.objects.select_for_update().only("version").get(pk=self.instance.pk)
            if self.cleaned_data.get("version") != current.version:
                raise EditConflict
            self.instance.version = current.version + 1
            return super().save(commit=commit)

    def add_conflict_error(self) -> None:
        self.add_error(None, self.CONFLICT_MESSAGE)


class OpportunityForm(VersionedModelForm):
    class Meta:
        model = Opportunity
        fields = [
            "name",
            "owner",
            "amount",
            "expected_close_date",
            "primary_contact",
            "source",
            "value_tier",
            "urgency",
            "buying_stage",
            "budget_amount",
            "budget_confirmed",
            "need_description",
            "need_confirmed",
            "timeline_confirmed",
            "competitors",
            "next_step",
            "next_follow_up_at",
            "review_notes",
            *meddic_field_names(),
        ]
        widgets = {
            **{f"meddic_{code}": forms.Textarea(attrs={"rows": 2}) for code in MEDDIC_CODES},
            "expected_close_date": date_input(),
            "next_follow_up_at": datetime_input(),
            "need_description": forms.Textarea(attrs={"rows": 3}),
            "review_notes": forms.Textarea(attrs={"rows": 3}),
            "competitors": forms.CheckboxSelectMultiple,
            "owner": QuickSelect,  # an admin hands deals to any of hundreds of people
        }

    def __init__(self, *args, user: User, customer=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        customer = customer or (self.instance.customer if self.instance.customer_id else None)
        self.fields["owner"].queryset = assignable_users(user)
        self.fields["primary_contact"].queryset = (
            customer.contacts.all() if customer is not None else Contact.objects.none()
        )
        self.fields["source"].queryset = LeadSource.objects.filter(is_active=True)
        chosen = list(self.instance.competitors.values_list("pk", flat=True)) if self.instance.pk else []
        self.fields["competitors"].queryset = Competitor.objects.filter(is_active=True) | Competitor.objects.filter(
            pk__in=chosen
        )
        if not self.instance.pk:
            self.fields["owner"].initial = user.pk
            del self.fields["review_notes"]
        pipeline = self.instance.stage.pipeline if self.instance.stage_id else Pipeline.objects.default()
        if not pipeline.uses_meddic:
            for name in meddic_field_names():
                del self.fields[name]

    def _save_m2m(self):
        """The competitors chosen here are history, like the deal's fields."""
        before = self.instance.history_m2m_ids(self.fields) if self.instance.pk else None
        super()._save_m2m()
        if before is not None:
            self.instance.record_m2m_changes(before)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("amount") is not None:
            problem = self.instance.amount_change_requirement(cleaned["amount"], by=self.user)
            if problem:
                self.add_error("amount", problem)
        return cleaned


class FollowUpForm(CreateModelForm):
    """A follow-up on a lead or a deal; saved through `Activity.log`."""

    class Meta:
        model = Activity
        fields = [
            "kind",
            "occurred_at",
            "summary",
            "outcome",
            "next_step",
            "next_follow_up_at",
            "spin_situation",
            "spin_problem",
            "spin_implication",
            "spin_need_payoff",
        ]
        widgets = {
            "occurred_at": datetime_input(),
            "next_follow_up_at": datetime_input(),
            "summary": forms.Textarea(attrs={"rows": 2}),
            "spin_situation": forms.Textarea(attrs={"rows": 2}),
            "spin_problem": forms.Textarea(attrs={"rows": 2}),
            "spin_implication": forms.Textarea(attrs={"rows": 2}),
            "spin_need_payoff": forms.Textarea(attrs={"rows": 2}),
        }

    SPIN_FIELDS = ("spin_situation", "spin_problem", "spin_implication", "spin_need_payoff")

    def log(self, *, by: User, **record) -> Activity:
        data = dict(self.cleaned_data)
        return Activity.log(by=by, **record, **data)

    def log_if_valid(self, *, by: User, request: HttpRequest | None = None, action: str = "", **record):
        """Validate, then log through `Activity.log`, once per idempotency key when given the
        request (`crm.idempotency`). Returns the `Outcome`, or None when nothing was logged: a
        refusal of the rule lands on the form (next to its field when it names one)."""
        if not self.is_valid():
            return None
        try:
            if request is None:
                return Outcome(self.log(by=by, **record), "")
            return submit_once(request, action, lambda: self.log(by=by, **record), lambda _activity: "")
        except ValidationError as error:
            self.add_error(None, error)
            return None

    def main_fields(self):
        return [self[name] for name in self.fields if name not in self.SPIN_FIELDS]  # the hidden key too

    def spin_fields(self):
        return [self[name] for name in self.SPIN_FIELDS]


class MoveForm(BoundedForm):
    stage = forms.ModelChoiceField(label=_("Move to stage"), queryset=Stage.objects.active())
    loss_reason = forms.ModelChoiceField(
        label=_("Loss reason"), queryset=LossReason.objects.filter(is_active=True), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class PipelineStageField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Stage) -> str:
        return obj.label_with_pipeline


class ChangePipelineForm(BoundedForm):
    """Move a deal into another pipeline: pick the open stage it enters there."""

    stage = PipelineStageField(
        label=_("New pipeline and stage"),
        queryset=Stage.objects.active().open().filter(pipeline__is_active=True).select_related("pipeline"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, deal: Opportunity | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if deal is not None:
            self.fields["stage"].queryset = self.fields["stage"].queryset.exclude(pipeline_id=deal.stage.pipeline_id)


class ObjectionForm(CreateModelForm):
    class Meta:
        model = Objection
        fields = ["kind", "description", "response"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "response": forms.Textarea(attrs={"rows": 2}),
        }


class ResolveObjectionForm(BoundedForm):
    response = forms.CharField(label=_("Our response"), required=False, max_length=2000)


class DealContactForm(CreateModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "buying_role", "attitude", "phone", "email"]


class ContactRoleForm(BoundedModelForm):
    class Meta:
        model = Contact
        fields = ["buying_role", "attitude"]


RATING_CHOICES = [("", "—")] + [(str(i), str(i)) for i in range(1, 6)]


class EvaluationForm(BoundedForm):
    """The five factors of seed 002 (1-5 and a note each) and the optional SWOT; saved through
    `Opportunity.evaluate`."""

    SWOT_LABELS = {
        "swot_strengths": _("Strengths"),
        "swot_weaknesses": _("Weaknesses"),
        "swot_opportunities": pgettext_lazy("SWOT", "Opportunities"),
        "swot_threats": _("Threats"),
    }

    def __init__(self, *args, deal: Opportunity | None = None, **kwargs) -> None:
        if deal is not None and "initial" not in kwargs:
            initial = {f"rating_{c}": getattr(deal, f"rating_{c}") for c in FACTOR_CODES}
            initial.update({f"rating_{c}_note": getattr(deal, f"rating_{c}_note") for c in FACTOR_CODES})
            initial.update({name: getattr(deal, name) for name in SWOT_FIELDS})
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for code, label, help_text in FACTORS:
            self.fields[f"rating_{code}"] = forms.TypedChoiceField(
                label=label, choices=RATING_CHOICES, coerce=int, empty_value=None, required=False, help_text=help_text
            )
            self.fields[f"rating_{code}_note"] = forms.CharField(label=_("Why"), max_length=300, required=False)
        for name, label in self.SWOT_LABELS.items():
            self.fields[name] = forms.CharField(
                label=label, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )

    def factor_rows(self):
        return [(self[f"rating_{code}"], self[f"rating_{code}_note"]) for code in FACTOR_CODES]

    def swot_fields(self):
        return [self[name] for name in SWOT_FIELDS]

    def evaluate(self, deal: Opportunity, by: User) -> None:
        data = self.cleaned_data
        deal.evaluate(
            by,
            ratings={c: data.get(f"rating_{c}") for c in FACTOR_CODES},
            notes={c: data.get(f"rating_{c}_note") for c in FACTOR_CODES},
            swot={name: data.get(name) for name in SWOT_FIELDS},
        )


class FollowOnForm(CreateForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Opportunity.Kind.REPEAT, Opportunity.Kind.REPEAT.label),
            (Opportunity.Kind.UPSELL, Opportunity.Kind.UPSELL.label),
            (Opportunity.Kind.RENEWAL, Opportunity.Kind.RENEWAL.label),
        ],
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.active(),
        required=False,
        empty_label=_("Default (renewals: the renewal pipeline)"),
    )


class ForecastCategoryForm(BoundedForm):
    """The rep's override or the leader's judgement of an open deal's forecast category.

    Empty category: back to the stage's default (or no judgement). The rules (who may, a
    note is needed, open deals only) live on `Opportunity`; the form only reads the input.
    """

    category = forms.ChoiceField(label=_("Forecast category"), required=False)
    note = forms.CharField(label=_("Why"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, default_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        from .models.forecast import CHOOSABLE

        self.fields["category"].choices = [("", default_label or _("Stage default"))] + [
            (c.value, c.label) for c in CHOOSABLE
        ]
        for field in self.fields.values():
            is_select = getattr(field.widget, "input_type", "") == "select"
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"

    def apply(self, method, *, by) -> bool | None:
        """Call the deal's rule method; its refusals become field errors. None: invalid."""
        if not self.is_valid():
            return None
        try:
            return method(self.cleaned_data["category"], self.cleaned_data["note"], by=by)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error("note" if field.endswith("_note") else "category", errors)
            return None
