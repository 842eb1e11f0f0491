"""Lead forms. BANT qualification and conversion rules live on `Lead`, not here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import assignable_users
from crm.forms import BoundedForm, BoundedModelForm, CreateForm
from opportunities.forms import VersionedModelForm, date_input
from opportunities.models import Pipeline
from opportunities.models.qualification import MEDDIC_CHOICES, MEDDIC_CODES, meddic_field_names

from .models import Lead, LeadContact, LeadSource

if TYPE_CHECKING:
    from accounts.models import User


class LeadForm(VersionedModelForm):
    class Meta:
        model = Lead
        fields = [
            "name",
            "title",
            "company",
            "phone",
            "email",
            "customer_type",
            "industry",
            "region",
            "company_size",
            "source",
            "owner",
            "status",
            "pipeline",
            "budget_amount",
            "budget_confirmed",
            "is_decision_maker",
            "decision_maker",
            "authority_confirmed",
            "need_description",
            "need_confirmed",
            "timeline_date",
            "timeline_confirmed",
            "notes",
            *meddic_field_names(),
        ]
        widgets = {
            **{f"meddic_{code}": forms.Textarea(attrs={"rows": 2}) for code in MEDDIC_CODES},
            "timeline_date": date_input(),
            "need_description": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    CONTACT = ("name", "title", "company", "phone", "email", "customer_type", "industry", "region", "company_size")
    ROUTING = ("source", "owner", "status", "pipeline")
    BANT_FIELDS = (
        ("budget", _("Budget"), ("budget_amount", "budget_confirmed")),
        ("authority", _("Authority"), ("is_decision_maker", "decision_maker", "authority_confirmed")),
        ("need", _("Need"), ("need_description", "need_confirmed")),
        ("timeline", _("Timeline"), ("timeline_date", "timeline_confirmed")),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].queryset = assignable_users(user)
        # A rep's lead always has an owner (an unowned one would vanish from their view);
        # leaders and admins may leave it to the team's pool.
        self.fields["owner"].required = not (user.is_admin or user.is_leader)
        self.fields["source"].queryset = LeadSource.objects.filter(is_active=True)
        self.fields["pipeline"].queryset = Pipeline.objects.active()
        # Conversion and disqualification have their own actions; "qualified" follows the BANT
        # checklist (`Lead.status_from_bant`), so here a lead is new or being worked.
        self.fields["status"].choices = [
            (Lead.Status.NEW, Lead.Status.NEW.label),
            (Lead.Status.WORKING, Lead.Status.WORKING.label),
        ]
        self.fields["status"].help_text = _("A lead whose four BANT criteria are confirmed becomes qualified.")
        if self.instance.status == Lead.Status.QUALIFIED:
            self.fields["status"].choices += [(Lead.Status.QUALIFIED, Lead.Status.QUALIFIED.label)]
        if not self.instance.pk:
            # No default source: a lead a rep enters came from somewhere they know (the website's
            # leads arrive through the intake form with their own source).
            self.fields["owner"].initial = user.pk

    def section(self, names):
        return [self[name] for name in names]

    def contact_fields(self):
        return self.section(self.CONTACT)

    def routing_fields(self):
        return self.section(self.ROUTING)

    def meddic_groups(self):
        return [
            (code, label, self.section((f"meddic_{code}", f"meddic_{code}_confirmed")))
            for code, label in MEDDIC_CHOICES
        ]

    def bant_groups(self):
        return [(code, label, self.section(names)) for code, label, names in self.BANT_FIELDS]

    def save(self, commit: bool = True) -> Lead:
        lead = self.instance
        if lead.owner_id and (lead.team_id is None or "owner" in self.changed_data):
            lead.team = lead.owner.team
        elif lead.owner_id is None and lead.team_id is None and not self.user.is_admin:
            lead.team = self.user.led_teams.order_by("pk").first()  # the leader's pool
        return super().save(commit=commit)


class ConvertAsWonForm(CreateForm):
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.active(), required=False, empty_label=_("The lead's pipeline")
    )
    amount = forms.DecimalField(label=_("Won amount"), max_digits=14, decimal_places=2, min_value=0.01)
    name = forms.CharField(label=_("Deal name"), max_length=200, required=False)

    def __init__(self, *args, limit=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if limit is not None:
            # Shown only: `Lead.convert_as_won` holds the rule and refuses above it.
            self.fields["amount"].help_text = _("Quick wins are limited to %(limit)s.") % {"limit": f"{limit:,.0f}"}


class LeadContactForm(BoundedModelForm):
    class Meta:
        model = LeadContact
        fields = ["name", "title", "buying_role", "attitude", "phone", "email"]


class DisqualifyForm(BoundedForm):
    reason = forms.CharField(
        label=_("Why is this lead disqualified?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConvertForm(CreateForm):
    name = forms.CharField(label=_("Opportunity name (optional)"), max_length=200, required=False)
