"""Filters of the lead list."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User, visible_users
from crm.forms import BoundedForm
from crm.widgets import quick_selects

from .models import Lead, LeadSource


class LeadFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_search")
    status = filters.ChoiceFilter(label=_("Status"), choices=Lead.Status.choices)
    source = filters.ModelChoiceFilter(label=_("Source"), queryset=LeadSource.objects.all())
    owner = filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none())
    score_min = filters.NumberFilter(label=_("Score from"), field_name="score", lookup_expr="gte")
    score_max = filters.NumberFilter(label=_("Score to"), field_name="score", lookup_expr="lte")
    created_after = filters.DateFilter(
        label=_("Created from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = filters.DateFilter(
        label=_("Created until"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("created_at", "created"),
            ("score", "score"),
            ("company", "company"),
            ("next_follow_up_at", "follow_up"),
        ),
        field_labels={
            "created_at": _("Created (oldest first)"),
            "-created": _("Created (newest first)"),
            "score": _("Score (low first)"),
            "-score": _("Score (high first)"),
            "company": _("Company (A-Z)"),
            "-company": _("Company (Z-A)"),
            "next_follow_up_at": _("Next follow-up (soonest first)"),
            "-follow_up": _("Next follow-up (latest first)"),
        },
        empty_label=None,
        null_label=None,
    )

    class Meta:
        model = Lead
        fields: list[str] = []
        form = BoundedForm

    # The order the list has when none is chosen; put in the form so the box shows what is applied.
    default_sort = "-created"

    def __init__(self, data=None, *args, user, **kwargs) -> None:
        if data is not None and not data.get("sort"):
            data = data.copy()
            data["sort"] = self.default_sort
        super().__init__(data, *args, **kwargs)
        quick_selects(self)  # an admin's owner list has hundreds of names
        self.sees_others = user.is_admin or user.is_leader
        if self.sees_others:
            self.filters["owner"].queryset = visible_users(user).order_by("first_name", "username")
        else:
            del self.filters["owner"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(company__icontains=value)
            | Q(phone__icontains=value)
            | Q(email__icontains=value)
        )
