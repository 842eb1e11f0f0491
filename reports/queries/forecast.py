"""Forecast: the next six months of pipeline by expected close month, against the target."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from opportunities.models import Stage, weighted_amount_expr

from ..periods import add_months, aware, month_start, quarter_start
from .base import ReportScope, money, ratio
from .targets import targets_by_month

HORIZON_MONTHS = 6
COMMIT_PROBABILITY = 80


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
    """Per month: weighted pipeline, best case, commit, already won, target, gap, coverage.

    Three queries: open deals grouped by expected close month, won deals grouped by close
    month, quotas grouped by month. The current quarter is the sum of its months.
    """
    today = timezone.localtime(scope.now).date()
    months = forecast_months(today)
    start, end = months[0], add_months(months[-1], 1)
    this_month = month_start(today)

    pipeline = {
        row["month"]: row
        for row in scope.deals()
        .filter(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN))
        .filter(expected_close_date__gte=max(start, this_month), expected_close_date__lt=end)
        .annotate(month=TruncMonth("expected_close_date"))
        .values("month")
        .annotate(
            weighted=Sum(weighted_amount_expr()),
            best_case=Sum("amount"),
            commit=Sum("amount", filter=Q(probability__gte=COMMIT_PROBABILITY)),
        )
        .order_by()
    }
    won = {
        _as_date(row["month"]): row["won"]
        for row in scope.deals()
        .filter(stage_id__in=scope.stage_ids(Stage.Outcome.WON))
        .filter(closed_at__gte=aware(start), closed_at__lt=aware(end))
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(won=Sum("amount"))
        .order_by()
    }
    targets = targets_by_month(scope, months)

    rows = []
    for month in months:
        p = pipeline.get(month, {})
        rows.append(
            _row(
                month=month,
                is_past=month < this_month,
                weighted=money(p.get("weighted")),
                best_case=money(p.get("best_case")),
                commit=money(p.get("commit")),
                won=money(won.get(month)),
                target=targets[month],
            )
        )
    q_start = quarter_start(today)
    q_rows = [r for r in rows if q_start <= r["month"] < add_months(q_start, 3)]
    quarter = _row(
        month=q_start,
        is_past=False,
        **{k: sum((r[k] for r in q_rows), Decimal("0")) for k in ("weighted", "best_case", "commit", "won", "target")},
    )
    return {"months": rows, "quarter": quarter}


def _as_date(value) -> date:
    if hasattr(value, "date"):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _row(*, month, is_past, weighted, best_case, commit, won, target) -> dict:
    """Seed 004: is what we hold enough to make the target, and if not, what is missing."""
    gap = max(target - won, Decimal("0")).quantize(Decimal("0.01"))
    if target <= 0:
        verdict = "no_target"
    elif won >= target:
        verdict = "made"
    elif won + weighted >= target:
        verdict = "on_track"
    elif won + best_case >= target:
        verdict = "push"
    else:
        verdict = "new_deals"
    return {
        "month": month,
        "is_past": is_past,
        "weighted": weighted,
        "best_case": best_case,
        "commit": commit,
        "won": won,
        "target": target,
        "gap": gap,
        "coverage": ratio(best_case, gap) if gap > 0 else None,
        "weighted_coverage": ratio(weighted, gap) if gap > 0 else None,
        "verdict": verdict,
    }
