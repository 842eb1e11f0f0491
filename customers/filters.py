"""Filters of the customer list."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crm.choices import CustomerType, Industry, Region, ValueTier
from crm.forms import BoundedForm

from .models import Customer


class CustomerFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_search")
    customer_type = filters.ChoiceFilter(label=_("Customer type"), choices=CustomerType.choices)
    industry = filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    region = filters.ChoiceFilter(label=_("Region"), choices=Region.choices)
    value_tier = filters.ChoiceFilter(label=_("Value tier"), choices=ValueTier.choices)

    class Meta:
        model = Customer
        fields: list[str] = []
        form = BoundedForm

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(phone__icontains=value))
