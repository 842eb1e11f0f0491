"""Data quality (seed 004): skipped stages, deals that idled in the first stage then won at
once, open deals past their close date, open deals whose close date keeps being pushed, stale
deals, and quick wins kept out of the statistics."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Window
from django.utils import timezone

from opportunities.models import Stage
from opportunities.models.opportunity import FICTION_PUSHES, stale_q

from .base import OWNER_COLUMNS, ReportScope, medians_by, money, person_name
from .owners import owner_figures

DEFAULT_LONG_FIRST_STAGE_MULTIPLE = Decimal("2")
LIST_LIMIT = 50


def first_stage_median_days(scope: ReportScope) -> Decimal | None:
    """Median days deals spent in the first stage before leaving it (all history, quick wins out). One query."""
    first = [s.pk for s in scope.first_stages]
    if not first:
        return None
    exits = scope.history().filter(from_stage_id__in=first)
    median = medians_by(exits, None, "days_in_previous_stage").get(None)
    return None if median is None else median.quantize(Decimal("0.01"))


def long_first_stage_threshold(scope: ReportScope, multiple: Decimal) -> Decimal | None:
    median = first_stage_median_days(scope)
    return None if median is None else (median * multiple).quantize(Decimal("0.01"))


def _long_first_stage_q(scope: ReportScope, threshold: Decimal | None, prefix: str = "") -> Q:
    """A move from the first stage straight to won after more than `threshold` days there."""
    first = [s.pk for s in scope.first_stages]
    if not first or threshold is None:
        return Q(pk__in=[])
    return Q(
        **{
            f"{prefix}from_stage_id__in": first,
            f"{prefix}to_stage_id__in": scope.stage_ids(Stage.Outcome.WON),
            f"{prefix}days_in_previous_stage__gt": threshold,
        }
    )


def per_rep_rows(scope: ReportScope, threshold: Decimal | None) -> list[dict]:
    """Per rep: stage skips, long-first-stage wins and reopened closed deals in the period, open
    deals past their close date and stale deals now, quick wins in the period. Two grouped queries (one of them shared).

    Only the flagged moves are grouped (a move that is neither a skip nor a long first stage
    counts in neither figure), so the history is read through the small skip and first-stage
    indexes rather than in full. The figures from the deals come from `owners.owner_figures`,
    the query the leaderboard shares on the overview.
    """
    long_first_stage = _long_first_stage_q(scope, threshold)
    changes = {
        row["opportunity__owner_id"]: row
        for row in scope.history()
        .filter(scope.period.q("changed_at"))
        .filter(Q(stages_skipped__gt=0) | long_first_stage | Q(is_reopen=True))
        .values("opportunity__owner_id")
        .annotate(
            skips=Count("pk", filter=Q(stages_skipped__gt=0)),
            long_first_stage=Count("pk", filter=long_first_stage),
            reopens=Count("pk", filter=Q(is_reopen=True)),
        )
        .order_by()
    }
    rows = []
    for row in owner_figures(scope).values():  # shared with the leaderboard (`owners`)
        c = changes.get(row["owner_id"], {})
        figures = {
            "skips": c.get("skips", 0),
            "long_first_stage": c.get("long_first_stage", 0),
            "reopens": c.get("reopens", 0),
            "past_due": row["past_due"],
            "pushed": row["pushed"],
            "stale": row["stale"],
            "quick_wins": row["quick_wins"],
            "quick_win_amount": money(row["quick_win_amount"]),
        }
        if any(figures.values()):
            rows.append(
                {
                    "owner_id": row["owner_id"],
                    "rep": scope.people().get(row["owner_id"], ""),
                    **figures,
                }
            )
    return sorted(rows, key=lambda r: (-(r["skips"] + r["long_first_stage"] + r["past_due"] + r["stale"]), r["rep"]))


def _change_list(scope: ReportScope, q: Q, limit: int | None) -> tuple[list[dict], int]:
    qs = (
        scope.history()
        .filter(q, scope.period.q("changed_at"))
        .annotate(total=Window(Count("pk")))
        .values(
            "opportunity_id",
            "opportunity__name",
            "opportunity__owner__first_name",
            "opportunity__owner__last_name",
            "opportunity__owner__username",
            "from_stage_id",
            "to_stage_id",
            "stages_skipped",
            "days_in_previous_stage",
            "changed_at",
            "amount",
            "total",
        )
        .order_by("-changed_at", "-pk")
    )
    if limit is not None:
        qs = qs[:limit]
    rows, total = [], 0
    for r in qs:
        total = r["total"]
        rows.append(
            {
                "deal_id": r["opportunity_id"],
                "deal": r["opportunity__name"],
                "rep": person_name(
                    r["opportunity__owner__first_name"],
                    r["opportunity__owner__last_name"],
                    r["opportunity__owner__username"],
                ),
                "from_stage": str(scope.stage(r["from_stage_id"]) or "—"),
                "to_stage": str(scope.stage(r["to_stage_id"])),
                "skipped": r["stages_skipped"],
                "days": Decimal(str(r["days_in_previous_stage"])).quantize(Decimal("0.1")),
                "changed_at": timezone.localtime(r["changed_at"]).date(),
                "amount": money(r["amount"]),
            }
        )
    return rows, total


def skip_rows(scope: ReportScope, limit: int | None = LIST_LIMIT) -> tuple[list[dict], int]:
    """Moves in the period that jumped over stages (for example 20 % straight to won)."""
    return _change_list(scope, Q(stages_skipped__gt=0), limit)


def long_first_stage_rows(scope: ReportScope, threshold: Decimal | None, limit: int | None = LIST_LIMIT):
    """Seed 004: long in the first stage, then suddenly won: unreasonable unless explained."""
    return _change_list(scope, _long_first_stage_q(scope, threshold), limit)


def _deal_list(qs, limit: int | None, order: list[str]) -> tuple[list[dict], int]:
    qs = (
        qs.annotate(total=Window(Count("pk")))
        .values(
            "pk",
            "name",
            *OWNER_COLUMNS,
            "stage_id",
            "amount",
            "expected_close_date",
            "stage_entered_at",
            "last_activity_at",
            "closed_at",
            "total",
        )
        .order_by(*order)
    )
    if limit is not None:
        qs = qs[:limit]
    rows, total = [], 0
    for r in qs:
        total = r["total"]
        rows.append(
            {
                "deal_id": r["pk"],
                "deal": r["name"],
                "rep": person_name(r["owner__first_name"], r["owner__last_name"], r["owner__username"]),
                "stage_id": r["stage_id"],
                "amount": money(r["amount"]),
                "expected_close_date": r["expected_close_date"],
                "idle_since": max(filter(None, [r["stage_entered_at"], r["last_activity_at"]])),
                "closed_at": r["closed_at"],
            }
        )
    return rows, total


def past_due_rows(scope: ReportScope, limit: int | None = LIST_LIMIT) -> tuple[list[dict], int]:
    """Open deals whose expected close date has passed, the most overdue first."""
    today = timezone.localtime(scope.now).date()
    qs = scope.deals().filter(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN), expected_close_date__lt=today)
    rows, total = _deal_list(qs, limit, ["expected_close_date", "pk"])
    for row in rows:
        row["stage"] = str(scope.stage(row["stage_id"]))
        row["days_overdue"] = (today - row["expected_close_date"]).days
    return rows, total


def pushed_rows(scope: ReportScope, limit: int | None = LIST_LIMIT) -> tuple[list[dict], int]:
    """Open deals whose expected close date moved later FICTION_PUSHES times or more ("the close
    date is fiction"), the most pushed first. Read through the small partial index `opp_pushed_idx`."""
    qs = (
        scope.deals()
        .filter(stage_id__in=scope.stage_ids(Stage.Outcome.OPEN), close_date_push_count__gte=FICTION_PUSHES)
        .annotate(total=Window(Count("pk")))
        .values(
            "pk", "name", *OWNER_COLUMNS, "stage_id", "amount", "expected_close_date", "close_date_push_count", "total"
        )
        .order_by("-close_date_push_count", "expected_close_date", "pk")
    )
    if limit is not None:
        qs = qs[:limit]
    rows, total = [], 0
    for r in qs:
        total = r["total"]
        rows.append(
            {
                "deal_id": r["pk"],
                "deal": r["name"],
                "rep": person_name(r["owner__first_name"], r["owner__last_name"], r["owner__username"]),
                "stage": str(scope.stage(r["stage_id"])),
                "amount": money(r["amount"]),
                "expected_close_date": r["expected_close_date"],
                "pushes": r["close_date_push_count"],
            }
        )
    return rows, total


def stale_rows(scope: ReportScope, limit: int | None = LIST_LIMIT) -> tuple[list[dict], int]:
    """Open deals idle past their stage's threshold (`stale_q`), the longest idle first."""
    qs = scope.deals().filter(stale_q(scope.now, scope.open_stages))
    rows, total = _deal_list(qs, limit, ["stage_entered_at", "pk"])
    for row in rows:
        row["stage"] = str(scope.stage(row["stage_id"]))
        row["idle_days"] = max((scope.now - row["idle_since"]).days, 0)
    return rows, total


def quick_win_rows(scope: ReportScope, limit: int | None = LIST_LIMIT) -> tuple[list[dict], int]:
    """Leads converted straight to won in the period: counted as revenue, kept out of the stage statistics."""
    qs = scope.deals().filter(is_quick_win=True).filter(scope.period.q("closed_at"))
    rows, total = _deal_list(qs, limit, ["-closed_at", "-pk"])
    for row in rows:
        row["closed_on"] = timezone.localtime(row["closed_at"]).date() if row["closed_at"] else None
    return rows, total
