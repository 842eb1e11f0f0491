"""Funnel: open deals per stage, and the same split by rep."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from opportunities.models import weighted_amount_expr

from .base import ReportScope, money


def _open_deals(scope: ReportScope):
    # The period narrows the funnel to deals expected to close in it ("all time": every open deal).
    # Stage ids rather than a join on the stage's outcome: the scan stays on one indexed table.
    open_ids = [s.pk for s in scope.open_stages]
    return (
        scope.deals()
        .in_stage_statistics()
        .filter(stage_id__in=open_ids)
        .filter(scope.period.date_q("expected_close_date"))
    )


def funnel_rows(scope: ReportScope) -> list[dict]:
    """One row per open stage in process order, empty stages included: count, amount, weighted."""
    totals = {
        row["stage_id"]: row
        for row in _open_deals(scope)
        .values("stage_id")
        .annotate(count=Count("pk"), amount_sum=Sum("amount"), weighted_sum=Sum(weighted_amount_expr()))
        .order_by()
    }
    rows = []
    for stage in scope.open_stages:
        row = totals.get(stage.pk, {})
        if not stage.is_active and not row:
            continue
        rows.append(
            {
                "stage_id": stage.pk,
                "stage": scope.stage_label(stage),
                "probability": stage.probability,
                "count": row.get("count", 0),
                "amount": money(row.get("amount_sum")),
                "weighted": money(row.get("weighted_sum")),
            }
        )
    return rows


def funnel_by_rep_rows(scope: ReportScope) -> list[dict]:
    """Per rep: open count, amount and weighted amount, with the amount in each stage."""
    grouped = (
        _open_deals(scope)
        .values("owner_id", "stage_id")
        .annotate(count=Count("pk"), amount_sum=Sum("amount"), weighted_sum=Sum(weighted_amount_expr()))
        .order_by()
    )
    reps: dict[int, dict] = {}
    for row in grouped:
        rep = reps.setdefault(
            row["owner_id"],
            {
                "owner_id": row["owner_id"],
                "rep": scope.people().get(row["owner_id"], ""),
                "count": 0,
                "amount": Decimal("0"),
                "weighted": Decimal("0"),
                "by_stage": {},
            },
        )
        rep["count"] += row["count"]
        rep["amount"] += money(row["amount_sum"])
        rep["weighted"] += money(row["weighted_sum"])
        rep["by_stage"][row["stage_id"]] = money(row["amount_sum"])
    return sorted(reps.values(), key=lambda r: (-r["weighted"], r["rep"]))
