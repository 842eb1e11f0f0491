"""Per-rep figures over the deals, shared by the team and data-quality reports.

The leaderboard and the quality flags per rep both group every deal in scope by owner; the
overview shows both (and its headline figures are their sums), so one grouped query computes
the figures of all three and is kept on the scope for the rest of the request.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from opportunities.models import Stage, weighted_amount_expr
from opportunities.models.opportunity import FICTION_PUSHES, stale_q

from .base import ReportScope


def per_owner_aggregates(scope: ReportScope) -> dict:
    """The leaderboard figures (also grouped per team for the admin's comparison)."""
    period = scope.period
    won_in_period = Q(stage_id__in=scope.stage_ids(Stage.Outcome.WON)) & period.q("closed_at")
    process = Q(is_quick_win=False)
    return {
        "won_amount": Sum("amount", filter=won_in_period),
        "won_count": Count("pk", filter=won_in_period),
        "new_count": Count("pk", filter=process & period.q("created_at")),
        "closed_won": Count("pk", filter=process & won_in_period),
        "closed_lost": Count(
            "pk", filter=process & Q(stage_id__in=scope.stage_ids(Stage.Outcome.LOST)) & period.q("closed_at")
        ),
        # The sales cycle of the deals won in the period (each deal's days, kept by its facts).
        "won_cycle_days": Sum("cycle_days", filter=process & won_in_period),
        "won_cycle_deals": Count("cycle_days", filter=process & won_in_period),
        "weighted": Sum(weighted_amount_expr(), filter=Q(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN))),
        "open_count": Count("pk", filter=Q(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN))),
        "open_amount": Sum("amount", filter=Q(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN))),
        "stale": Count("pk", filter=stale_q(scope.now, scope.open_stages)),
    }


def quality_aggregates(scope: ReportScope) -> dict:
    """The quality flags per rep that come from the deals (the stale count is shared)."""
    today = timezone.localtime(scope.now).date()
    quick_in_period = Q(is_quick_win=True) & scope.period.q("closed_at")
    return {
        "past_due": Count(
            "pk", filter=Q(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN), expected_close_date__lt=today)
        ),
        "pushed": Count(
            "pk",
            filter=Q(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN), close_date_push_count__gte=FICTION_PUSHES),
        ),
        "quick_wins": Count("pk", filter=quick_in_period),
        "quick_win_amount": Sum("amount", filter=quick_in_period),
    }


def owner_figures(scope: ReportScope) -> dict[int, dict]:
    """Every per-rep figure over the deals, by owner id: one grouped query per request."""
    cached = getattr(scope, "_owner_figures", None)
    if cached is None:
        aggregates = {**per_owner_aggregates(scope), **quality_aggregates(scope)}
        cached = {row["owner_id"]: row for row in scope.deals().values("owner_id").annotate(**aggregates).order_by()}
        scope._owner_figures = cached
    return cached


def totals_of(scope: ReportScope, *names: str) -> dict:
    """Sums over every owner of the named per-owner figures (the whole scope's figures).

    Amounts are summed as exact decimals and rounded once, by the caller."""
    totals = dict.fromkeys(names, Decimal("0"))
    for row in owner_figures(scope).values():
        for name in names:
            totals[name] += Decimal(str(row[name] or 0))
    return totals
