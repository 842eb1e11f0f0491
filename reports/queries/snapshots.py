"""Reading the weekly forecast snapshots in the viewer's scope."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet, Sum

from ..models import ForecastSnapshot, iso_week_label
from .base import ReportScope, money

FIGURES = ("weighted", "commit", "best_case", "pipeline", "won")


def snapshots_in_scope(scope: ReportScope) -> QuerySet[ForecastSnapshot]:
    """The snapshots this user may see, narrowed by the chosen team (its members, as the deal
    filters read it) or rep. The customer filters do not apply: snapshots are per rep."""
    q = Q()
    if scope.rep is not None:
        q &= Q(owner=scope.rep)
    if scope.team is not None:
        q &= Q(owner__team=scope.team)
    return ForecastSnapshot.objects.visible_to(scope.user).filter(q)


def trend_rows(scope: ReportScope, month: date) -> list[dict]:
    """Week by week, the forecast for `month` as each snapshot recorded it. One query."""
    rows = (
        snapshots_in_scope(scope)
        .filter(month=month)
        .values("week")
        .annotate(**{f: Sum(f) for f in FIGURES}, open_count=Sum("open_count"))
        .order_by("week")
    )
    return [
        {
            "week": r["week"],
            "label": iso_week_label(r["week"]),
            **{f: money(r[f]) for f in FIGURES},
            "open_count": r["open_count"] or 0,
        }
        for r in rows
    ]
