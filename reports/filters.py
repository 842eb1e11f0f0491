"""The filter bar every report shares: team, rep, period and the customer classification."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, visible_users
from crm.choices import CustomerType, Industry
from crm.forms import BoundedForm
from crm.widgets import quick_selects
from leads.models import LeadSource
from opportunities.models import Opportunity, Pipeline

from .periods import PERIOD_CHOICES


def _teams(request):
    user = request.user
    if user.is_admin:
        return Team.objects.filter(is_active=True)
    return Team.objects.filter(leader=user)


def _reps(request):
    return visible_users(request.user).filter(is_active=True).order_by("first_name", "last_name", "username")


class ReportFilter(django_filters.FilterSet):
    """Filters applied where each report's querysets are built.

    Team and rep choices come from what the user may see anyway (`visible_users`), so a
    leader cannot even pick another team; the data itself is always scoped by `visible_to`.
    """

    period = django_filters.ChoiceFilter(label=_("Period"), choices=PERIOD_CHOICES, method="keep_all", empty_label=None)
    pipeline = django_filters.ModelChoiceFilter(
        label=_("Pipeline"), queryset=Pipeline.objects.active(), method="keep_all", empty_label=_("All pipelines")
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), field_name="owner__team", queryset=_teams, empty_label=_("All teams")
    )
    rep = django_filters.ModelChoiceFilter(
        label=_("Rep"), field_name="owner", queryset=_reps, empty_label=_("All reps")
    )
    customer_type = django_filters.ChoiceFilter(
        label=_("Customer type"),
        field_name="customer__customer_type",
        choices=CustomerType.choices,
        empty_label=_("All types"),
    )
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), field_name="customer__industry", choices=Industry.choices, empty_label=_("All industries")
    )
    source = django_filters.ModelChoiceFilter(
        label=_("Lead source"), queryset=LeadSource.objects.all(), empty_label=_("All sources")
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []
        form = BoundedForm

    def __init__(self, *args, show_period: bool = True, one_pipeline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        quick_selects(self)  # an admin's owner list has hundreds of names
        if one_pipeline:
            self.filters["pipeline"].extra["empty_label"] = None
        user = self.request.user
        if not (user.is_admin or user.is_leader):
            # A rep's reports are about their own deals; there is nobody else to pick.
            del self.filters["team"]
            del self.filters["rep"]
        if not show_period:
            del self.filters["period"]
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def keep_all(self, queryset, name, value):
        # The period applies to a different date on each report; the queries read it themselves.
        return queryset

    def value(self, name: str):
        """A valid, chosen value of one filter (None when absent, empty or invalid)."""
        if name not in self.filters or not self.form.is_valid() and name in self.form.errors:
            return None
        return self.form.cleaned_data.get(name) or None

    def scope_q(self, prefix: str = "") -> Q:
        """The chosen filters as a Q on a model that reaches the deal through `prefix`.

        Stage changes use `scope_q("opportunity__")`, so every report applies the very same
        filters whether it reads deals or their history.
        """
        self.form.is_valid()
        q = Q()
        for name, filter_ in self.filters.items():
            if name in ("period", "pipeline"):
                continue  # the period applies per report; the pipeline narrows the stages (`build_scope`)
            value = self.value(name)
            if value not in (None, ""):
                q &= Q(**{f"{prefix}{filter_.field_name}": value})
        return q
