"""Stage-probability calibration: does 20/50/80 % match what this team really wins?

Per open stage: the deals that entered it in the window (quick wins left out) and have closed
since, won / (won + lost), a 90 % Wilson interval, the configured probability beside it, and
the Brier score of that probability on those deals. With 30 closed deals or more, a suggested
probability: the realised rate rounded to 5 %. One query for the counts.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q

from audit.models import FieldChange
from opportunities.models import Stage

from .base import ReportScope

MIN_CLOSED = 30
Z_90 = 1.6448536269514722  # two-sided 90 %
DEFAULT_WINDOW = "last_12_months"


def wilson_interval(won: int, n: int, z: float = Z_90) -> tuple[float, float] | None:
    """The Wilson score interval for won/n (better than p ± z·se for small n or rates near 0 or 1)."""
    if n == 0:
        return None
    p = won / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def brier_score(won: int, lost: int, probability: int) -> Decimal | None:
    """Mean of (p - outcome)² over the closed deals, p the configured probability."""
    n = won + lost
    if n == 0:
        return None
    p = Decimal(probability) / 100
    return ((won * (1 - p) ** 2 + lost * p**2) / n).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def suggested_probability(won: int, n: int) -> int | None:
    """The realised rate rounded to the nearest 5 %, or None below `MIN_CLOSED` closed deals."""
    if n < MIN_CLOSED:
        return None
    return int((Decimal(won) * 100 / n / 5).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 5)


def percent(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(str(value)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def calibration_rows(scope: ReportScope) -> list[dict]:
    open_stages = scope.open_stages
    won_ids = scope.stage_ids(Stage.Outcome.WON)
    closed_ids = won_ids + scope.stage_ids(Stage.Outcome.LOST)
    counts = {
        r["to_stage_id"]: r
        for r in scope.history()
        .filter(to_stage_id__in=[s.pk for s in open_stages])
        .filter(scope.period.q("changed_at"))
        .filter(opportunity__stage_id__in=closed_ids)
        .values("to_stage_id")
        .annotate(
            closed=Count("opportunity_id", distinct=True),
            won=Count("opportunity_id", distinct=True, filter=Q(opportunity__stage_id__in=won_ids)),
        )
        .order_by()
    }
    rows = []
    for stage in open_stages:
        c = counts.get(stage.pk, {})
        n, won = c.get("closed", 0), c.get("won", 0)
        interval = wilson_interval(won, n)
        suggestion = suggested_probability(won, n)
        rows.append(
            {
                "stage_id": stage.pk,
                "stage": str(stage),
                "closed": n,
                "won": won,
                "lost": n - won,
                "win_rate": percent(won / n) if n else None,
                "low": percent(interval[0]) if interval else None,
                "high": percent(interval[1]) if interval else None,
                "configured": stage.probability,
                "brier": brier_score(won, n - won, stage.probability),
                "suggested": suggestion,
                "enough": n >= MIN_CLOSED,
                "advice": _advice(n, suggestion, stage.probability),
            }
        )
    return rows


def _advice(n: int, suggestion: int | None, configured: int) -> str:
    from django.utils.translation import gettext

    if suggestion is None:
        return gettext("Too few closed deals (%(n)s of %(min)s) to suggest anything.") % {"n": n, "min": MIN_CLOSED}
    if suggestion == configured:
        return gettext("The configured probability matches what the team wins.")
    return gettext("Suggest %(p)s %%.") % {"p": suggestion}


def recent_acceptances(scope: ReportScope, limit: int = 20) -> list[dict]:
    """The recorded stage-probability changes (who, when, old, new), newest first."""
    rows = (
        FieldChange.objects.filter(content_type=ContentType.objects.get_for_model(Stage), field="probability")
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")[:limit]
    )
    return [
        {
            "when": r.changed_at,
            "stage": str(scope.stage(r.object_id) or r.object_id),
            "old": r.old_value,
            "new": r.new_value,
            "by": str(r.changed_by) if r.changed_by else "",
            "note": r.note,
        }
        for r in rows
    ]
