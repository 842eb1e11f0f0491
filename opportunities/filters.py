"""Filters of the deal list, the board and the CSV export (one FilterSet, applied where the
queryset is built)."""

from __future__ import annotations

import re
from datetime import date

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User, visible_users
from crm.choices import CustomerType, Industry, Urgency, ValueTier
from crm.forms import BoundedForm
from crm.validation import FIRST_YEAR, LAST_YEAR
from crm.widgets import quick_selects

from .models import DealTotal, Opportunity, Pipeline, Stage
from .models.totals import DealTotalQuerySet


def _month_bounds(value: str) -> tuple[date, date] | None:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


class StageChoiceField(forms.ModelChoiceField):
    """Stage names in a choice list, with their pipeline once there is more than one."""

    def label_from_instance(self, obj: Stage) -> str:
        if not hasattr(self, "_several"):
            self._several = Pipeline.objects.active().count() > 1
        return obj.label_with_pipeline if self._several else str(obj)


def offer_stages(form: forms.Form, stages: list[Stage]) -> None:
    """The stage and pipeline boxes' options from the page's active stages (with their pipelines),
    as the fields' own queries would list them, without those queries. Choosing still
    validates against the fields' querysets."""
    pipelines = list({s.pipeline_id: s.pipeline for s in stages if s.pipeline.is_active}.values())
    pipelines.sort(key=lambda p: (p.order, p.pk))
    if "stage" in form.fields:
        field = form.fields["stage"]
        several = len(pipelines) > 1
        field.widget.choices = [("", field.empty_label)] + [
            (s.pk, s.label_with_pipeline if several else str(s)) for s in stages
        ]
    if "pipeline" in form.fields:
        field = form.fields["pipeline"]
        field.widget.choices = [("", field.empty_label)] + [(p.pk, str(p)) for p in pipelines]


class StageChoiceFilter(filters.ModelChoiceFilter):
    field_class = StageChoiceField


def validate_month(value: str) -> None:
    """A month as YYYY-MM between 1900-01 and 2200-12."""
    if value and _month_bounds(value) is None:
        raise ValidationError(
            _("Enter a month as YYYY-MM between %(first)s-01 and %(last)s-12."),
            code="invalid_month",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )


class OpportunityFilter(filters.FilterSet):
    STATUS_CHOICES = [("open", _("Open")), ("won", _("Won")), ("lost", _("Lost")), ("all", _("All"))]

    q = filters.CharFilter(label=_("Search"), method="filter_search")
    status = filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("Open (default)")
    )
    pipeline = filters.ModelChoiceFilter(
        label=_("Pipeline"),
        queryset=Pipeline.objects.active(),
        method="filter_pipeline",
        empty_label=_("All pipelines"),
    )
    stage = StageChoiceFilter(label=_("Stage"), queryset=Stage.objects.active().select_related("pipeline"))
    owner = filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none())
    team = filters.ModelChoiceFilter(label=_("Team"), field_name="owner__team", queryset=Team.objects.none())
    close_month = filters.CharFilter(
        label=_("Expected close month"),
        method="filter_close_month",
        validators=[validate_month],
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    amount_min = filters.NumberFilter(label=_("Amount from"), field_name="amount", lookup_expr="gte")
    amount_max = filters.NumberFilter(label=_("Amount to"), field_name="amount", lookup_expr="lte")
    urgency = filters.ChoiceFilter(label=_("Urgency"), choices=Urgency.choices)
    customer_type = filters.ChoiceFilter(
        label=_("Customer type"), field_name="customer__customer_type", choices=CustomerType.choices
    )
    industry = filters.ChoiceFilter(label=_("Industry"), field_name="customer__industry", choices=Industry.choices)
    value_tier = filters.ChoiceFilter(label=_("Value tier"), choices=ValueTier.choices)
    stale = filters.BooleanFilter(
        label=_("Stale only"), method="filter_stale", widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    overdue = filters.BooleanFilter(
        label=_("Follow-up overdue only"),
        method="filter_overdue",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    sort = filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("weighted", "weighted"),
            ("amount", "amount"),
            ("expected_close_date", "close"),
            ("last_activity_at", "activity"),
            ("evaluation_score", "score"),
        ),
        field_labels={
            "-weighted": _("Weighted value (high first)"),
            "weighted": _("Weighted value (low first)"),
            "-amount": _("Amount (high first)"),
            "amount": _("Amount (low first)"),
            "expected_close_date": _("Close date (soonest first)"),
            "-close": _("Close date (latest first)"),
            "-activity": _("Last activity (recent first)"),
            "last_activity_at": _("Last activity (oldest first)"),
            "-score": _("Evaluation score (high first)"),
            "score": _("Evaluation score (low first)"),
        },
        empty_label=None,
        null_label=None,
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []
        form = BoundedForm

    # The order the list has when none is chosen; put in the form so the box shows what is applied.
    default_sort = "-weighted"

    def __init__(self, data=None, *args, user, now=None, stages: list[Stage] | None = None, **kwargs) -> None:
        if data is not None and "sort" in self.base_filters and not data.get("sort"):
            data = data.copy()
            data["sort"] = self.default_sort
        super().__init__(data, *args, **kwargs)
        quick_selects(self)  # an admin's owner list has hundreds of names
        self.user = user
        self.now = now or timezone.now()
        self.stages = stages
        self.sees_others = user.is_admin or user.is_leader
        if self.sees_others:
            self.filters["owner"].queryset = visible_users(user).order_by("first_name", "username")
            teams = Team.objects.all() if user.is_admin else Team.objects.filter(Q(leader=user) | Q(pk=user.team_id))
            self.filters["team"].queryset = teams
        else:
            del self.filters["owner"]
            del self.filters["team"]

    # --- filter methods ----------------------------------------------------------------

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(customer__name__icontains=value))

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied in `filter_queryset`, where the chosen stage is known

    def filter_pipeline(self, queryset: QuerySet, name: str, value: Pipeline | None) -> QuerySet:
        # The deal's pipeline is its stage's: filter on the stage ids, no join.
        if value is None:
            return queryset
        return queryset.filter(stage_id__in=Stage.objects.filter(pipeline=value).values("pk"))

    def filter_close_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        bounds = _month_bounds(value) if value else None
        if bounds is None:
            return queryset
        return queryset.filter(expected_close_date__gte=bounds[0], expected_close_date__lt=bounds[1])

    def filter_stale(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.stale(self.now) if value else queryset

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        return queryset.open().filter(next_follow_up_at__lt=self.now)

    @property
    def form(self):
        form = super().form
        if self.stages is not None and not getattr(form, "stages_offered", False):
            offer_stages(form, self.stages)
            form.stages_offered = True
        return form

    def filter_queryset(self, queryset: QuerySet, *, ordered: bool = True) -> QuerySet:
        """The chosen filters (and, unless `ordered` is False, the chosen order), then the status."""
        for name, value in self.form.cleaned_data.items():
            if ordered or not isinstance(self.filters[name], filters.OrderingFilter):
                queryset = self.filters[name].filter(queryset, value)
        return self.by_status(queryset)

    def by_status(self, queryset: QuerySet) -> QuerySet:
        if self.form.cleaned_data.get("stage") is None:
            status = self.form.cleaned_data.get("status") or "open"
            if status == "open":
                queryset = queryset.open()
            elif status == "won":
                queryset = queryset.won()
            elif status == "lost":
                queryset = queryset.lost()
        return queryset

    def running_totals(self) -> DealTotalQuerySet | None:
        """The running totals (`DealTotal`) of the filtered deals, when every filter applied is
        one they are kept by (owner, team, stage, pipeline, status; the order changes no sum);
        None when another one (a search, a month, an amount, stale...) needs the deals read."""
        for name, value in self.form.cleaned_data.items():
            # Not `value in (None, "", False)`: an amount of 0 equals False and is a filter.
            if name not in KEPT_BY_TOTALS and not (value is None or value is False or value == ""):
                return None
        return self.filter_queryset(DealTotal.objects.visible_to(self.user), ordered=False)

    def totals(self) -> dict:
        """Count, amount and weighted amount of the filtered deals (a valid filter set)."""
        kept = self.running_totals()
        return kept.figures() if kept is not None else self.qs.order_by().totals()


# The filters the running totals can apply: they are kept per owner and stage.
KEPT_BY_TOTALS = frozenset({"owner", "team", "stage", "pipeline", "status", "sort"})


class BoardFilter(OpportunityFilter):
    """The list's filters without stage, status and sort: the board's columns are the stages."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("stage", "status", "sort", "pipeline"):
            del self.filters[name]

    def by_status(self, queryset: QuerySet) -> QuerySet:
        return queryset  # every column is a stage
