"""The weekly forecast snapshot job (Celery beat and `python manage.py snapshot_forecast`).

A snapshot of ISO week W is every rep's forecast per expected-close month (this quarter and
the next) as it stood at the start of W (Monday 00:00 in the installation's time zone). The
deals are read in bounded batches by id, each batch with three queries (the deals, their field
history and their stage history since the start of the week, to undo later changes); the
figures are summed in memory per (rep, month) and inserted at the end with
`ignore_conflicts`, so a second run in the same week, a retry or a second worker inserts
nothing (the unique (week, owner, month) key decides, not a check-then-insert).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from crm.choices import ForecastCategory
from opportunities.models import Opportunity, Stage, resolve_category

from .models import ForecastSnapshot
from .periods import add_months, aware, month_start, quarter_start
from .queries.asof import field_changes_after, rewind, stage_changes_after

BATCH_SIZE = 5000
INSERT_BATCH = 1000
HORIZON_MONTHS = 6  # this quarter and the next
CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass
class SnapshotResult:
    week: dt.date
    created: int
    batches: int
    deals: int


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def parse_iso_week(text: str) -> dt.date:
    """`2025-W20` -> the Monday of that ISO week; ValueError on anything else."""
    try:
        year, week = text.strip().upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"Not an ISO week (YYYY-Www): {text!r}") from exc


def snapshot_months(monday: dt.date) -> list[dt.date]:
    first = quarter_start(monday)
    return [add_months(first, i) for i in range(HORIZON_MONTHS)]


def take_snapshot(week: dt.date | None = None, *, batch_size: int = BATCH_SIZE) -> SnapshotResult:
    """Record week `week`'s snapshot (default: this week). Past weeks are rebuilt from the
    history (backfill); a future week is refused."""
    today = timezone.localdate()
    monday = week_monday(week or today)
    if monday > today:
        raise ValueError("A week that has not started yet cannot be recorded.")
    point = aware(monday)
    months = snapshot_months(monday)
    horizon_start, horizon_end = months[0], add_months(months[-1], 1)
    stages = {s.pk: s for s in Stage.objects.all()}
    teams = dict(User.objects.values_list("pk", "team_id"))
    totals: dict[tuple[int, dt.date], dict] = defaultdict(
        lambda: {"weighted": ZERO, "pipeline": ZERO, "open_commit": ZERO, "open_best": ZERO, "won": ZERO, "open": 0}
    )
    last_pk, batches, seen = 0, 0, 0
    base = Opportunity.objects.filter(created_at__lt=point).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=aware(horizon_start))
    )
    columns = (
        "pk",
        "owner_id",
        "amount",
        "expected_close_date",
        "stage_id",
        "probability",
        "forecast_category_override",
        "manager_category",
        "closed_at",
    )
    while True:
        rows = list(base.filter(pk__gt=last_pk).order_by("pk").values(*columns)[:batch_size])
        if not rows:
            break
        batches += 1
        seen += len(rows)
        first, last_pk = rows[0]["pk"], rows[-1]["pk"]
        deals = {r["pk"]: r for r in rows}
        rewind(
            deals,
            field_changes_after(point, object_id__gte=first, object_id__lte=last_pk),
            stage_changes_after(point, opportunity_id__gte=first, opportunity_id__lte=last_pk),
        )
        for deal in deals.values():
            _add(totals, deal, stages, point, horizon_start, horizon_end)
    snapshots = []
    for (owner_id, month), t in totals.items():
        commit = t["won"] + t["open_commit"]
        snapshots.append(
            ForecastSnapshot(
                week=monday,
                owner_id=owner_id,
                team_id=teams.get(owner_id),
                month=month,
                weighted=t["weighted"].quantize(CENT),
                pipeline=t["pipeline"],
                commit=commit,
                best_case=commit + t["open_best"],
                won=t["won"],
                open_count=t["open"],
            )
        )
    before = ForecastSnapshot.objects.filter(week=monday).count()
    ForecastSnapshot.objects.bulk_create(snapshots, batch_size=INSERT_BATCH, ignore_conflicts=True)
    created = ForecastSnapshot.objects.filter(week=monday).count() - before
    return SnapshotResult(week=monday, created=created, batches=batches, deals=seen)


def _add(totals, deal: dict, stages: dict, point, horizon_start: dt.date, horizon_end: dt.date) -> None:
    stage = stages.get(deal["stage_id"])
    owner_id = deal["owner_id"]
    if stage is None or owner_id is None:
        return  # not created yet at the moment (a stage move from nothing)
    if stage.outcome == Stage.Outcome.OPEN:
        close = deal["expected_close_date"]
        if close is None or not horizon_start <= close < horizon_end:
            return
        t = totals[(owner_id, month_start(close))]
        amount = deal["amount"] or ZERO
        t["open"] += 1
        t["pipeline"] += amount
        t["weighted"] += amount * (deal["probability"] or 0) / 100
        category = resolve_category(stage, deal["forecast_category_override"], deal["manager_category"])
        if category == ForecastCategory.COMMIT:
            t["open_commit"] += amount
        elif category == ForecastCategory.BEST_CASE:
            t["open_best"] += amount
    elif stage.outcome == Stage.Outcome.WON:
        closed_at = deal["closed_at"]
        if closed_at is None or closed_at > point:
            return
        closed_on = timezone.localtime(closed_at).date()
        if horizon_start <= closed_on < horizon_end:
            totals[(owner_id, month_start(closed_on))]["won"] += deal["amount"] or ZERO
