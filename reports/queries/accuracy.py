"""Forecast accuracy: what the weekly snapshots said about a month, against what was won.

For each of the last six complete months and each point before it (4 weeks, 2 weeks, the
start of the month: the snapshot of the ISO week that held that day), the weighted, commit
and best-case forecasts against the amount actually won in the month:
accuracy = 1 - |forecast - actual| / actual (as a percentage; empty when nothing was won),
difference = forecast - actual. Three queries: the snapshots, the won amounts, the teams.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opportunities.models import Stage

from ..periods import add_months, aware, month_start
from ..snapshots import week_monday
from .base import ReportScope, money
from .forecast import _as_date
from .snapshots import snapshots_in_scope

ACCURACY_MONTHS = 6
POINTS = [
    ("four_weeks", _("4 weeks before"), 28),
    ("two_weeks", _("2 weeks before"), 14),
    ("month_start", _("Start of the month"), 0),
]
METHODS = [
    ("weighted", _("Weighted")),
    ("commit", pgettext_lazy("forecast category", "Commit")),
    ("best_case", _("Best case")),
]
ZERO = Decimal("0")


def accuracy_months(today: date) -> list[date]:
    """The last six complete months, oldest first."""
    this_month = month_start(today)
    return [add_months(this_month, -i) for i in range(ACCURACY_MONTHS, 0, -1)]


def snapshot_week(month: date, days_before: int) -> date:
    return week_monday(month - timedelta(days=days_before))


def accuracy(forecast: Decimal, actual: Decimal) -> Decimal | None:
    """1 - |forecast - actual| / actual, in percent with one decimal; None when nothing was won."""
    if not actual:
        return None
    value = (1 - abs(forecast - actual) / actual) * 100
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def accuracy_data(scope: ReportScope) -> dict:
    """Rows for the scope as a whole, per team, per rep, and the best predictor per rep."""
    today = timezone.localtime(scope.now).date()
    months = accuracy_months(today)
    week_of = {(m, key): snapshot_week(m, days) for m in months for key, _label, days in POINTS}
    forecasts: dict[tuple, dict] = defaultdict(lambda: {k: ZERO for k, _l in METHODS})
    snapshot_rows = (
        snapshots_in_scope(scope)
        .filter(month__in=months, week__in=set(week_of.values()))
        .values_list("week", "month", "owner_id", "weighted", "commit", "best_case")
    )
    for week, month, owner_id, weighted, commit, best_case in snapshot_rows:
        f = forecasts[(week, month, owner_id)]
        f["weighted"] += weighted
        f["commit"] += commit
        f["best_case"] += best_case
    won: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    won_rows = (
        scope.deals()
        .filter(stage_id__in=scope.stage_ids(Stage.Outcome.WON))
        .filter(closed_at__gte=aware(months[0]), closed_at__lt=aware(add_months(months[-1], 1)))
        .annotate(month=TruncMonth("closed_at"))
        .values("owner_id", "month")
        .annotate(won=Sum("amount"))
        .order_by()
    )
    for r in won_rows:
        won[(r["owner_id"], _as_date(r["month"]))] += money(r["won"])
    teams = _teams(scope)
    people = scope.people()
    owners = {o for (_w, _m, o) in forecasts} | {o for (o, _m) in won}

    def rows_for(groups: dict) -> list[dict]:
        """groups: label -> owner ids; one row per (label, month, point)."""
        rows = []
        for label, owner_ids in groups.items():
            for month in months:
                actual = sum((won[(o, month)] for o in owner_ids), ZERO)
                for key, point_label, _days in POINTS:
                    week = week_of[(month, key)]
                    row = {
                        "label": label,
                        "month": month,
                        "point": str(point_label),
                        "point_key": key,
                        "actual": money(actual),
                    }
                    has_snapshot = any((week, month, o) in forecasts for o in owner_ids)
                    for method, _m in METHODS:
                        value = (
                            sum(
                                (
                                    forecasts[(week, month, o)][method]
                                    for o in owner_ids
                                    if (week, month, o) in forecasts
                                ),
                                ZERO,
                            )
                            if has_snapshot
                            else None
                        )
                        row[method] = money(value) if value is not None else None
                        row[f"{method}_accuracy"] = accuracy(value, actual) if value is not None else None
                        row[f"{method}_difference"] = money(value - actual) if value is not None else None
                    rows.append(row)
        return rows

    total = rows_for({str(_("All in view")): owners})
    by_team_groups: dict[str, set] = defaultdict(set)
    for owner in owners:
        name = teams.get(owner)
        if name:
            by_team_groups[name].add(owner)
    by_team = rows_for(dict(sorted(by_team_groups.items())))
    by_rep_groups = {people.get(o, str(o)): {o} for o in sorted(owners, key=lambda o: people.get(o, ""))}
    by_rep = rows_for(by_rep_groups)
    return {
        "months": months,
        "total": total,
        "by_team": by_team,
        "by_rep": by_rep,
        "best": best_predictor_rows(by_rep),
    }


def best_predictor_rows(by_rep: list[dict]) -> list[dict]:
    """Per rep, the mean accuracy of each method over the months and points with a won amount
    and a snapshot; the method with the highest mean predicted best."""
    collected: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for row in by_rep:
        for method, _m in METHODS:
            if row[f"{method}_accuracy"] is not None:
                collected[row["label"]][method].append(row[f"{method}_accuracy"])
    labels = dict(METHODS)
    rows = []
    for rep in dict.fromkeys(r["label"] for r in by_rep):
        means = {}
        for method, _m in METHODS:
            values = collected[rep][method]
            means[method] = (
                (sum(values) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if values else None
            )
        scored = [(v, m) for m, v in means.items() if v is not None]
        best = max(scored, key=lambda pair: pair[0])[1] if scored else None
        rows.append(
            {
                "rep": rep,
                **{f"{m}_mean": v for m, v in means.items()},
                "samples": len(collected[rep]["weighted"]),
                "best_key": best,
                "best": str(labels[best]) if best else "",
            }
        )
    return rows


def _teams(scope: ReportScope) -> dict[int, str]:
    """Team name of each user this viewer may see (one small query)."""
    from accounts.models import visible_users

    return {pk: name for pk, name in visible_users(scope.user).values_list("pk", "team__name") if name}
