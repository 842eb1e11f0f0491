"""Forecast: the next six months of pipeline by expected close month, against the target.

The figures follow the forecast categories (see `opportunities.models.forecast`), cumulative
as in Salesforce: commit = won + open deals in Commit; best case = commit + open deals in Best
case; pipeline = every open deal; weighted = amount × probability over the open deals.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from crm.choices import ForecastCategory
from opportunities.models import Stage, category_expression, weighted_amount_expr

from ..periods import add_months, aware, month_start, quarter_start
from .base import ReportScope, money, ratio
from .targets import targets_by_month

HORIZON_MONTHS = 6


def forecast_months(today: date) -> list[date]:
    """This month and the five after it, plus the rest of the current quarter if it reaches further back."""
    first = min(month_start(today), quarter_start(today))
    last = add_months(month_start(today), HORIZON_MONTHS)
    months, month = [], first
    while month < last:
        months.append(month)
        month = add_months(month, 1)
    return months


def forecast_rows(scope: ReportScope) -> dict:
    """Per month: weighted, pipeline, best case, commit, already won, target, gap, coverage.

    Three queries: open deals grouped by expected close date (with their category sums, added
    up into months here), the won amount summed per close month, quotas grouped by month. The
    current quarter is the sum of its months. A leader's or admin's forecast counts the leader's
    judgement on a deal; a rep's own forecast counts their own categories.
    """
    today = timezone.localtime(scope.now).date()
    months = forecast_months(today)
    start, end = months[0], add_months(months[-1], 1)
    this_month = month_start(today)

    # Grouped by the close date itself and summed into months here: truncating every deal's
    # date to its month in SQL cost more than the sums.
    pipeline: dict[date, dict] = {}
    for row in (
        scope.deals()
        .filter(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN))
        .filter(expected_close_date__gte=max(start, this_month), expected_close_date__lt=end)
        .annotate(category=forecast_category(scope))
        .values("expected_close_date")
        .annotate(
            weighted=Sum(weighted_amount_expr()),
            pipeline=Sum("amount"),
            open_best_case=Sum("amount", filter=Q(category=ForecastCategory.BEST_CASE)),
            open_commit=Sum("amount", filter=Q(category=ForecastCategory.COMMIT)),
        )
        .order_by()
    ):
        month = pipeline.setdefault(month_start(row.pop("expected_close_date")), {})
        for name, value in row.items():
            month[name] = month.get(name, Decimal("0")) + Decimal(str(value or 0))
    # One sum per month over the won deals (comparing close times is cheaper than converting
    # each to a local month).
    won_by_month = (
        scope.deals()
        .filter(stage_id__in=scope.stage_ids(Stage.Outcome.WON))
        .filter(closed_at__gte=aware(start), closed_at__lt=aware(end))
        .aggregate(
            **{
                f"month_{i}": Sum(
                    "amount", filter=Q(closed_at__gte=aware(month), closed_at__lt=aware(add_months(month, 1)))
                )
                for i, month in enumerate(months)
            }
        )
    )
    won = {month: won_by_month[f"month_{i}"] for i, month in enumerate(months)}
    targets = targets_by_month(scope, months)

    rows = []
    for month in months:
        p = pipeline.get(month, {})
        won_amount = money(won.get(month))
        commit = won_amount + money(p.get("open_commit"))
        rows.append(
            _row(
                month=month,
                is_past=month < this_month,
                weighted=money(p.get("weighted")),
                pipeline=money(p.get("pipeline")),
                best_case=commit + money(p.get("open_best_case")),
                commit=commit,
                won=won_amount,
                target=targets[month],
            )
        )
    q_start = quarter_start(today)
    q_rows = [r for r in rows if q_start <= r["month"] < add_months(q_start, 3)]
    quarter = _row(
        month=q_start,
        is_past=False,
        **{
            k: sum((r[k] for r in q_rows), Decimal("0"))
            for k in ("weighted", "pipeline", "best_case", "commit", "won", "target")
        },
    )
    return {"months": rows, "quarter": quarter, "this_month": this_month}


def forecast_category(scope: ReportScope):
    """The category each deal counts in for this viewer: leaders and admins forecast the team
    and see their judgement; a rep forecasts their own deals with their own categories."""
    return category_expression(scope.stages, with_judgement=scope.shows_people)


def _as_date(value) -> date:
    if hasattr(value, "date"):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _row(*, month, is_past, weighted, pipeline, best_case, commit, won, target) -> dict:
    """Seed 004: is what we hold enough to make the target, and if not, what is missing.

    `weighted` and `pipeline` are open deals only; `commit` and `best_case` include the won
    amount (cumulative categories)."""
    gap = max(target - won, Decimal("0")).quantize(Decimal("0.01"))
    if target <= 0:
        verdict = "no_target"
    elif won >= target:
        verdict = "made"
    elif won + weighted >= target:
        verdict = "on_track"
    elif won + pipeline >= target:
        verdict = "push"
    else:
        verdict = "new_deals"
    return {
        "month": month,
        "is_past": is_past,
        "weighted": weighted,
        "pipeline": pipeline,
        "best_case": best_case,
        "commit": commit,
        "won": won,
        "target": target,
        "gap": gap,
        "coverage": ratio(pipeline, gap) if gap > 0 else None,
        "weighted_coverage": ratio(weighted, gap) if gap > 0 else None,
        "verdict": verdict,
    }


OVERRIDE_LIMIT = 50


def override_rows(scope: ReportScope, limit: int | None = OVERRIDE_LIMIT) -> tuple[list[dict], int]:
    """Open deals whose rep or leader set a forecast category other than the stage's, the
    largest first: what the forecast meeting talks about. One query."""
    from django.db.models import Count, Window

    labels = dict(ForecastCategory.choices)
    qs = (
        scope.deals()
        .filter(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN))
        .exclude(forecast_category_override="", manager_category="")
        .annotate(total=Window(Count("pk")), category=forecast_category(scope))
        .values(
            "pk",
            "name",
            "owner_id",
            "stage_id",
            "amount",
            "expected_close_date",
            "forecast_category_override",
            "forecast_category_note",
            "manager_category",
            "manager_category_note",
            "category",
            "total",
        )
        .order_by("-amount", "pk")
    )
    if limit is not None:
        qs = qs[:limit]
    rows, total = [], 0
    people = scope.people()
    for r in qs:
        total = r["total"]
        stage = scope.stage(r["stage_id"])
        rows.append(
            {
                "deal_id": r["pk"],
                "deal": r["name"],
                "rep": people.get(r["owner_id"], ""),
                "stage": str(stage),
                "amount": money(r["amount"]),
                "expected_close_date": r["expected_close_date"],
                "stage_category": labels.get(stage.forecast_category if stage else "", ""),
                "rep_category": labels.get(r["forecast_category_override"], ""),
                "rep_note": r["forecast_category_note"],
                "leader_category": labels.get(r["manager_category"], ""),
                "leader_note": r["manager_category_note"],
                "category": labels.get(r["category"], ""),
            }
        )
    return rows, total
