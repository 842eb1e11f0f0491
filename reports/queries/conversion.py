"""Conversion and velocity, from the stage-change history (quick wins left out, seed 004)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum, Window
from django.db.models.functions import RowNumber

from opportunities.models import Stage, StageChange

from .base import ReportScope, ratio

DAYS = Decimal("0.1")


def _days(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(DAYS, rounding=ROUND_HALF_UP)


def _history(scope: ReportScope):
    return scope.stage_changes().filter(opportunity__is_quick_win=False)


def conversion_rows(scope: ReportScope) -> list[dict]:
    """For each open stage: deals that entered it in the period, how many went on, how many won.

    "Went on" means the deal later entered a stage further along the path (the next stage,
    or beyond it by a skip, or won); "won" means the deal is won now. Deals are counted once
    per stage however often they re-entered it. One query.
    """
    later_forward = StageChange.objects.filter(
        opportunity_id=OuterRef("opportunity_id"),
        changed_at__gt=OuterRef("changed_at"),
        to_stage__order__gt=OuterRef("to_stage__order"),
    ).exclude(to_stage__outcome=Stage.Outcome.LOST)
    grouped = {
        row["to_stage_id"]: row
        for row in _history(scope)
        .filter(scope.period.q("changed_at"), to_stage__outcome=Stage.Outcome.OPEN)
        .annotate(went_on=Exists(later_forward))
        .values("to_stage_id")
        .annotate(
            entered=Count("opportunity_id", distinct=True),
            advanced=Count("opportunity_id", distinct=True, filter=Q(went_on=True)),
            won=Count("opportunity_id", distinct=True, filter=Q(opportunity__stage__outcome=Stage.Outcome.WON)),
        )
        .order_by()
    }
    rows = []
    for stage in scope.open_stages:
        row = grouped.get(stage.pk, {})
        if not stage.is_active and not row:
            continue
        entered = row.get("entered", 0)
        rows.append(
            {
                "stage_id": stage.pk,
                "stage": str(stage),
                "entered": entered,
                "advanced": row.get("advanced", 0),
                "won": row.get("won", 0),
                "advance_rate": ratio(row.get("advanced", 0), entered),
                "win_rate": ratio(row.get("won", 0), entered),
            }
        )
    return rows


def stage_duration_rows(scope: ReportScope) -> list[dict]:
    """Average and median days spent in each open stage, from the moves out of it in the period.

    Two queries: the averages, and the middle row(s) of each stage found with a window
    function (the median works the same on PostgreSQL and SQLite).
    """
    exits = _history(scope).filter(scope.period.q("changed_at"), from_stage__outcome=Stage.Outcome.OPEN)
    averages = {
        row["from_stage_id"]: row
        for row in exits.values("from_stage_id")
        .annotate(moves=Count("pk"), average=Avg("days_in_previous_stage"))
        .order_by()
    }
    middles = (
        exits.annotate(
            position=Window(RowNumber(), partition_by=[F("from_stage_id")], order_by=[F("days_in_previous_stage").asc(), F("pk").asc()]),
            moves=Window(Count("pk"), partition_by=[F("from_stage_id")]),
        )
        .filter(position__gte=(F("moves") + 1) / 2, position__lte=(F("moves") + 2) / 2)
        .values_list("from_stage_id", "days_in_previous_stage")
    )
    medians: dict[int, list[Decimal]] = {}
    for stage_id, days in middles:
        medians.setdefault(stage_id, []).append(Decimal(str(days)))
    rows = []
    for stage in scope.open_stages:
        row = averages.get(stage.pk, {})
        if not stage.is_active and not row:
            continue
        middle = medians.get(stage.pk)
        rows.append(
            {
                "stage_id": stage.pk,
                "stage": str(stage),
                "moves": row.get("moves", 0),
                "average_days": _days(row.get("average")),
                "median_days": _days(sum(middle) / len(middle)) if middle else None,
            }
        )
    return rows


def outcome_summary(scope: ReportScope) -> dict:
    """Win rate of the deals closed in the period, and the average sales cycle of those won.

    The cycle of a won deal is the sum of the days it spent in each stage before winning
    (its stage-change history from creation to the win). One query each.
    """
    closed = scope.deals().in_stage_statistics().filter(scope.period.q("closed_at"))
    counts = closed.aggregate(
        won=Count("pk", filter=Q(stage__outcome=Stage.Outcome.WON)),
        lost=Count("pk", filter=Q(stage__outcome=Stage.Outcome.LOST)),
    )
    cycle = (
        _history(scope)
        .filter(
            scope.period.q("opportunity__closed_at"),
            opportunity__stage__outcome=Stage.Outcome.WON,
        )
        .aggregate(days=Sum("days_in_previous_stage"), deals=Count("opportunity_id", distinct=True))
    )
    average_cycle = None
    if cycle["deals"]:
        average_cycle = _days(Decimal(str(cycle["days"] or 0)) / cycle["deals"])
    return {
        "won": counts["won"],
        "lost": counts["lost"],
        "closed": counts["won"] + counts["lost"],
        "win_rate": ratio(counts["won"], counts["won"] + counts["lost"]),
        "cycle_deals": cycle["deals"],
        "average_cycle_days": average_cycle,
    }
