"""The filterable deal list with its SQL totals, and the CSV export of the same set."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView

from crm.db_router import reads_from_replica

from ..filters import OpportunityFilter
from ..models import Opportunity
from .common import active_stages

PAGE_SIZE = 25
CENT = Decimal("0.01")


def opportunity_rows(user, data, *, now=None, stages=None) -> OpportunityFilter:
    """The list's filtered, annotated queryset (weighted value and stale flag in SQL)."""
    now = now or timezone.now()
    stages = stages if stages is not None else active_stages()
    base = (
        Opportunity.objects.visible_to(user)
        .with_weighted()
        .with_stale_flag(now, stages)
        .select_related("customer", "stage", "owner")
    )
    filterset = OpportunityFilter(data, queryset=base, user=user, now=now, stages=stages)
    return filterset


def ordered(filterset: OpportunityFilter):
    """Default order: weighted value, highest first (SPEC point 5)."""
    qs = filterset.qs
    if not filterset.form.cleaned_data.get("sort"):
        return qs.order_by("-weighted", "-pk")
    return qs.order_by(*qs.query.order_by, "-pk")  # a stable order across pages


class OpportunityListView(FilterView):
    template_name = "opportunities/list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "deals"

    def get_filterset(self, filterset_class):
        self.now = timezone.now()
        return opportunity_rows(self.request.user, self.request.GET, now=self.now)

    def get_queryset(self):  # the FilterSet builds the queryset itself
        return Opportunity.objects.none()

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(None)
        if self.filterset.is_bound and not self.filterset.is_valid():
            self.object_list = self.filterset.queryset.none()
            self.totals = {"total_count": 0, "total_amount": 0, "total_weighted": 0}
        else:
            self.object_list = ordered(self.filterset)
            self.totals = self.filterset.qs.order_by().totals()
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        return self.render_to_response(context)

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        # The totals already counted the set: spare the paginator its own COUNT query.
        paginator.count = self.totals["total_count"]
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(totals=self.totals, now=self.now, query=query.urlencode())
        return context


CSV_COLUMNS = [
    ("id", _("ID")),
    ("name", _("Opportunity")),
    ("customer", _("Customer")),
    ("owner", _("Owner")),
    ("stage", _("Stage")),
    ("probability", _("Probability (%)")),
    ("amount", _("Amount")),
    ("weighted", _("Weighted value")),
    ("expected_close_date", _("Expected close")),
    ("close_date_push_count", _("Close date pushed")),
    ("last_activity_at", _("Last activity")),
    ("next_follow_up_at", _("Next follow-up")),
    ("urgency", _("Urgency")),
    ("value_tier", _("Value tier")),
    ("stale", _("Stale")),
]


class _Echo:
    def write(self, value: str) -> str:
        return value


@reads_from_replica
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered set as CSV, streamed in chunks so a large export keeps memory flat."""
    filterset = opportunity_rows(request.user, request.GET)
    rows = ordered(filterset) if filterset.is_valid() else filterset.queryset.none()
    writer = csv.writer(_Echo())
    tz = timezone.get_current_timezone()

    def when(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    def lines():
        yield "\ufeff"  # so spreadsheet programs read the Chinese text as UTF-8
        yield writer.writerow([str(label) for _key, label in CSV_COLUMNS])
        for deal in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    deal.pk,
                    deal.name,
                    deal.customer.name,
                    str(deal.owner),
                    str(deal.stage),
                    deal.probability,
                    deal.amount,
                    Decimal(deal.weighted).quantize(CENT),
                    deal.expected_close_date or "",
                    deal.close_date_push_count,
                    when(deal.last_activity_at),
                    when(deal.next_follow_up_at),
                    deal.get_urgency_display(),
                    deal.get_value_tier_display(),
                    str(_("yes")) if deal.stale else "",
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="opportunities.csv"'
    return response
