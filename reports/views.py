"""The leader dashboards. Every page: the filter bar, then sections of chart + table + CSV.

`?csv=<table key>` on any page returns that table as CSV, built by the same code with the
same filters and the same `visible_to` scope as the page itself.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from opportunities.models import Opportunity, Pipeline
from opportunities.models.pipelines import pipeline_shown_to

from . import sections as report_sections
from .filters import ReportFilter
from .periods import DEFAULT_PERIOD, resolve_period
from .queries import build_scope
from .queries.quality import DEFAULT_LONG_FIRST_STAGE_MULTIPLE
from .tables import csv_response

PAGES = [
    ("overview", _("Overview")),
    ("funnel", _("Funnel")),
    ("forecast", _("Forecast")),
    ("conversion", _("Conversion")),
    ("winloss", _("Win / loss")),
    ("team", _("Team")),
    ("quality", _("Data quality")),
]


class ReportView(View):
    page: str = ""
    title = _("Reports")
    template_name = "reports/report.html"
    default_period = DEFAULT_PERIOD
    show_period = True
    period_help = ""
    # The funnel shows one pipeline at a time (the one asked for, else the user's last used).
    one_pipeline = False

    def build(self, scope, full: bool):
        return getattr(report_sections, f"{self.page}_sections")(scope, full)

    def get(self, request: HttpRequest) -> HttpResponse:
        data = request.GET.copy()
        if not data.get("period"):
            data["period"] = self.default_period
        self.pipelines: list[Pipeline] = []
        if self.one_pipeline:
            self.pipelines = list(Pipeline.objects.active())
            data["pipeline"] = str(pipeline_shown_to(request.user, data.get("pipeline"), self.pipelines).pk)
        filterset = ReportFilter(
            data,
            request=request,
            queryset=Opportunity.objects.none(),
            show_period=self.show_period,
            one_pipeline=self.one_pipeline,
        )
        period_key = filterset.value("period") if self.show_period else None
        period = resolve_period(period_key or self.default_period)
        scope = build_scope(request.user, filterset, period)
        csv_key = request.GET.get("csv")
        sections = self.build(scope, bool(csv_key))
        if csv_key:
            for section in sections:
                if section.table.key == csv_key:
                    return csv_response(section.table, f"{self.page}-{csv_key}-{period.key}")
            raise Http404("No such table")
        return render(request, self.template_name, self.context(request, filterset, scope, sections))

    def context(self, request, filterset, scope, sections) -> dict:
        query = request.GET.copy()
        query.pop("csv", None)
        return {
            "title": self.title,
            "page": self.page,
            "pages": PAGES,
            "filter": filterset,
            "scope": scope,
            "period": scope.period,
            "period_help": self.period_help,
            "sections": sections,
            "query": query.urlencode(),
            # The funnel's pipeline switcher (one pipeline at a time).
            "pipelines": self.pipelines,
            "pipeline": scope.pipeline,
            "extra_query": _without(query, "pipeline"),
        }


def _without(query, name: str) -> str:
    query = query.copy()
    query.pop(name, None)
    return query.urlencode()


class OverviewView(ReportView):
    page = "overview"
    title = _("Reports")
    template_name = "reports/overview.html"
    period_help = _("Won amount, target, win rate and cycle are for the period; the pipeline is as of now.")

    def build(self, scope, full: bool):
        self.headline = report_sections.headline_figures(scope)
        return report_sections.overview_sections(scope, full)

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("csv") == "headline":
            data = request.GET.copy()
            data["period"] = data.get("period") or self.default_period
            filterset = ReportFilter(data, request=request, queryset=Opportunity.objects.none())
            scope = build_scope(request.user, filterset, resolve_period(filterset.value("period")))
            table = report_sections.headline_table(report_sections.headline_figures(scope))
            return csv_response(table, f"overview-headline-{scope.period.key}")
        return super().get(request)

    def context(self, request, filterset, scope, sections) -> dict:
        context = super().context(request, filterset, scope, sections)
        context["headline"] = self.headline
        context["headline_table"] = report_sections.headline_table(self.headline)
        return context


class FunnelView(ReportView):
    page = "funnel"
    title = _("Funnel")
    default_period = "all"
    one_pipeline = True
    period_help = _("The funnel shows open deals now; a period keeps those expected to close in it.")


class ForecastView(ReportView):
    page = "forecast"
    title = _("Forecast")
    show_period = False
    period_help = _("This month and the next five, and the current quarter.")


class ConversionView(ReportView):
    page = "conversion"
    title = _("Conversion and velocity")
    period_help = _("Stage entries and exits, and deals closed, in the period.")


class WinLossView(ReportView):
    page = "winloss"
    title = _("Win / loss")
    period_help = _("Deals closed in the period.")


class TeamView(ReportView):
    page = "team"
    title = _("Team")
    period_help = _("Won and new deals in the period; pipeline and stale deals as of now.")


class QualityView(ReportView):
    page = "quality"
    title = _("Data quality")
    period_help = _("Skips, long first stages and quick wins in the period; past-due and stale deals as of now.")

    def build(self, scope, full: bool):
        try:
            multiple = Decimal(self.request.GET.get("multiple") or DEFAULT_LONG_FIRST_STAGE_MULTIPLE)
        except InvalidOperation:
            multiple = DEFAULT_LONG_FIRST_STAGE_MULTIPLE
        if not multiple.is_finite() or not (Decimal("1") <= multiple <= Decimal("100")):
            multiple = DEFAULT_LONG_FIRST_STAGE_MULTIPLE
        self.multiple = multiple
        return report_sections.quality_sections(scope, full, multiple)

    def context(self, request, filterset, scope, sections) -> dict:
        context = super().context(request, filterset, scope, sections)
        context["multiple"] = self.multiple
        return context
