"""The leader dashboards. Every page: the filter bar, then sections of chart + table + CSV.

`?csv=<table key>` on any page returns that table as CSV, built by the same code with the
same filters and the same `visible_to` scope as the page itself.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.http import require_POST

from crm.db_router import reads_from_replica
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
    ("inspection", _("Inspection")),
    ("accuracy", _("Accuracy")),
    ("calibration", _("Calibration")),
]


@method_decorator(reads_from_replica, name="dispatch")
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
        if not filterset.form.is_valid():
            # An unknown value is ignored; the filter bar must then show what is applied (the
            # default), not the first option of its list, with the reason under the field.
            errors = dict(filterset.form.errors)
            for name in errors:
                data.pop(name, None)
            data.setdefault("period", self.default_period)
            filterset = ReportFilter(
                data, request=request, queryset=Opportunity.objects.none(), show_period=self.show_period
            )
            filterset.form.is_valid()
            for name, messages in errors.items():
                if name in filterset.form.fields:
                    filterset.form.add_error(name, messages)
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

    def build(self, scope, full: bool):
        from django.utils import timezone

        from .queries.forecast import forecast_months

        today = timezone.localtime(scope.now).date()
        self.months = forecast_months(today)
        chosen = self.request.GET.get("month") or ""
        # An unknown month falls back to this month rather than failing.
        self.month = next((m for m in self.months if m.strftime("%Y-%m") == chosen), today.replace(day=1))
        return report_sections.forecast_sections(scope, full, month=self.month)

    def context(self, request, filterset, scope, sections) -> dict:
        context = super().context(request, filterset, scope, sections)
        context["month_choices"] = [m.strftime("%Y-%m") for m in self.months]
        context["month"] = self.month.strftime("%Y-%m")
        return context


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


# --- forecast truth ---------------------------------------------------------------------


class InspectionView(ReportView):
    page = "inspection"
    title = _("Pipeline inspection")
    period_help = _("What changed since the comparison point; pushed out = the close date moved past the period.")

    def build(self, scope, full: bool):
        from .queries.inspection import DEFAULT_SINCE, SINCE_CHOICES
        from .truth import inspection_sections

        since = self.request.GET.get("since")
        self.since = since if since in dict(SINCE_CHOICES) else DEFAULT_SINCE
        return inspection_sections(scope, full, self.since)

    def context(self, request, filterset, scope, sections) -> dict:
        from .queries.inspection import SINCE_CHOICES

        context = super().context(request, filterset, scope, sections)
        context["since_choices"] = SINCE_CHOICES
        context["since"] = self.since
        return context


class AccuracyView(ReportView):
    page = "accuracy"
    title = _("Forecast accuracy")
    show_period = False
    period_help = _("The last six complete months, from the weekly forecast snapshots.")

    def build(self, scope, full: bool):
        from .truth import accuracy_sections

        return accuracy_sections(scope, full)


class CalibrationView(ReportView):
    page = "calibration"
    title = _("Stage-probability calibration")
    template_name = "reports/calibration.html"
    default_period = "last_12_months"
    period_help = _("Deals that entered each stage in the period and have closed since.")

    def build(self, scope, full: bool):
        from .truth import calibration_sections

        return calibration_sections(scope, full)

    def context(self, request, filterset, scope, sections) -> dict:
        context = super().context(request, filterset, scope, sections)
        rows = sections[0].extra["rows"]
        unfiltered = (
            not request.GET.get("team") and not request.GET.get("rep") and scope.period.key == self.default_period
        )
        context["suggestions"] = (
            [r for r in rows if r["suggested"] is not None and r["suggested"] != r["configured"]]
            if request.user.is_admin and unfiltered and not _customer_filtered(request)
            else []
        )
        return context


def _customer_filtered(request) -> bool:
    return any(request.GET.get(name) for name in ("customer_type", "industry", "source"))


@require_POST
def accept_calibration(request: HttpRequest) -> HttpResponse:
    """An admin accepts a stage's suggested probability: recomputed here over every team and the
    default window, then set through `Stage.accept_probability` (which updates the open deals)."""
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import get_object_or_404, redirect
    from django.utils.translation import gettext

    from opportunities.models import Stage

    from .queries.calibration import calibration_rows

    if not request.user.is_admin:
        raise PermissionDenied
    stage_id = request.POST.get("stage", "")
    stage = get_object_or_404(Stage.objects.open(), pk=int(stage_id) if stage_id.isdigit() else 0)
    scope = build_scope(request.user, None, resolve_period(CalibrationView.default_period))
    row = next((r for r in calibration_rows(scope) if r["stage_id"] == stage.pk), None)
    try:
        wanted = int(request.POST.get("probability", ""))
    except ValueError:
        wanted = None
    if row is None or row["suggested"] is None or row["suggested"] != wanted:
        messages.error(request, gettext("The suggestion has changed; nothing was saved. Look at the figures again."))
        return redirect("reports:calibration")
    old = stage.probability
    stage.accept_probability(wanted, by=request.user, note=gettext("Accepted from the calibration report"))
    messages.success(
        request,
        gettext("%(stage)s: probability %(old)s %% → %(new)s %%; its open deals follow.")
        % {"stage": stage, "old": old, "new": wanted},
    )
    return redirect("reports:calibration")
