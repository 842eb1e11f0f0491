"""Targets (quota) for what a report shows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from opportunities.models import Quota

from .base import ReportScope, money


def targets_by_month(scope: ReportScope, months: list[date]) -> dict[date, Decimal]:
    """The target per month, in one query.

    Per team and month the team's own quota counts; a team with no quota of its own that
    month counts the sum of its members' quotas (so targets set only per rep still add up).
    """
    result = {m: money(0) for m in months}
    if not months:
        return result
    rows = (
        Quota.objects.filter(scope.target_q(), month__in=months)
        .annotate(team_key=Coalesce("team_id", "user__team_id"))
        .values("month", "team_key")
        .annotate(
            team_total=Sum("amount", filter=Q(team__isnull=False)),
            rep_total=Sum("amount", filter=Q(user__isnull=False)),
        )
        .order_by()
    )
    by_month: dict[date, Decimal] = defaultdict(Decimal)
    for row in rows:
        amount = row["team_total"] if row["team_total"] is not None else row["rep_total"]
        by_month[row["month"]] += money(amount)
    for month in months:
        result[month] = money(by_month.get(month, 0))
    return result


def target_per_rep(scope: ReportScope, months: list[date]) -> dict[int, Decimal]:
    """Each rep's own target summed over `months` (for the leaderboard), in one query."""
    if not months:
        return {}
    rows = (
        Quota.objects.filter(user__isnull=False, month__in=months)
        .values("user_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["user_id"]: money(row["total"]) for row in rows}
