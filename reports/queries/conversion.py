"""Conversion and velocity, from the stage-change history (quick wins left out, seed 004)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Avg, Count, F, Q, Sum

from opportunities.models import Stage

from .base import Median, ReportScope, medians_by, ratio

DAYS = Decimal("0.1")


def _days(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(DAYS, rounding=ROUND_HALF_UP)


def conversion_rows(scope: ReportScope) -> list[dict]:
    """For each open stage: deals that first entered it in the period, how many went on, how many won.

    "Went on" means the deal later entered a stage further along the path (the next stage,
    or beyond it by a skip, or won); "won" means the deal is won now. Deals are counted once
    per stage, in the period of their first entry into it, however often they re-entered it;
    a reopen (a closed deal brought back with the leader's approval) is not an entry: it shows
    as a reopen in the data-quality report.

    One grouped query on the per-deal stage facts (`StageFact`, kept with every move: whether
    the deal is won now, in the stage's own pipeline, too), read through the index on the first
    entry: no scan of the stage history, no look at the deals.
    """
    stages = scope.open_stages
    if not stages:
        return []
    facts = scope.stage_facts().filter(stage_id__in=[s.pk for s in stages], first_entered_at__isnull=False)
    if scope.period.start_at:
        facts = facts.filter(first_entered_at__gte=scope.period.start_at)
    if scope.period.end_at:
        facts = facts.filter(first_entered_at__lt=scope.period.end_at)
    counts = {
        row["stage_id"]: row
        for row in facts.values("stage_id")
        .annotate(
            entered=Count("pk"),
            advanced=Count("pk", filter=Q(onward_at__gt=F("first_entered_at"))),
            won=Count("pk", filter=Q(deal_won=True)),
        )
        .order_by()
    }
    rows = []
    for stage in stages:
        row = counts.get(stage.pk, {})
        entered = row.get("entered", 0)
        if not stage.is_active and not entered:
            continue
        advanced, won = row.get("advanced", 0), row.get("won", 0)
        rows.append(
            {
                "stage_id": stage.pk,
                "stage": scope.stage_label(stage),
                "entered": entered,
                "advanced": advanced,
                "won": won,
                "advance_rate": ratio(advanced, entered),
                "win_rate": ratio(won, entered),
            }
        )
    return rows


def stage_duration_rows(scope: ReportScope) -> list[dict]:
    """Average and median days spent in each open stage, from the moves out of it in the period.

    One query on PostgreSQL (the median is an aggregate there); on SQLite a second one for the
    medians (`medians_by`).
    """
    exits = scope.history().filter(scope.period.q("changed_at"), from_stage_id__in=[s.pk for s in scope.open_stages])
    figures: dict = {"moves": Count("*"), "average": Avg("days_in_previous_stage")}
    in_sql = connection.vendor == "postgresql"
    if in_sql:
        figures["median"] = Median("days_in_previous_stage")
    averages = {row["from_stage_id"]: row for row in exits.values("from_stage_id").annotate(**figures).order_by()}
    if in_sql:
        medians = {k: Decimal(str(r["median"])) for k, r in averages.items() if r["median"] is not None}
    else:
        medians = medians_by(exits, "from_stage_id", "days_in_previous_stage")
    rows = []
    for stage in scope.open_stages:
        row = averages.get(stage.pk, {})
        if not stage.is_active and not row:
            continue
        rows.append(
            {
                "stage_id": stage.pk,
                "stage": scope.stage_label(stage),
                "moves": row.get("moves", 0),
                "average_days": _days(row.get("average")),
                "median_days": _days(medians.get(stage.pk)),
            }
        )
    return rows


def outcome_summary(scope: ReportScope, counts: dict | None = None, cycle: dict | None = None) -> dict:
    """Win rate of the deals closed in the period, and the average sales cycle of those won.

    The cycle of a won deal is the sum of the days it spent in each stage before winning
    (its stage-change history from creation to the win), summed by its stage facts with every
    move. One query each; `counts` (won and lost in the period, quick wins out) and `cycle` (the
    won deals' summed days and how many have a history) when the caller has them already.
    """
    closed = scope.deals().in_stage_statistics().filter(scope.period.q("closed_at"))
    won_ids, lost_ids = scope.stage_ids(Stage.Outcome.WON), scope.stage_ids(Stage.Outcome.LOST)
    if counts is None:
        counts = closed.aggregate(
            won=Count("pk", filter=Q(stage_id__in=won_ids)),
            lost=Count("pk", filter=Q(stage_id__in=lost_ids)),
        )
    if cycle is None:
        # Each won deal's cycle is kept on the deal by its stage facts (`Opportunity.cycle_days`);
        # a deal without a stage history has none and is not counted.
        cycle = closed.filter(stage_id__in=won_ids).aggregate(days=Sum("cycle_days"), deals=Count("cycle_days"))
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
