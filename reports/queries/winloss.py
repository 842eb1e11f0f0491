"""Win / loss: loss reasons ranked, and win rate by source, industry, customer type and rep."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from crm.choices import CustomerType, Industry
from opportunities.models import Stage

from .base import ReportScope, bilingual, money, ratio


def _closed(scope: ReportScope):
    return scope.deals().in_stage_statistics().filter(scope.period.q("closed_at"))


def loss_reason_rows(scope: ReportScope) -> list[dict]:
    """Loss reasons of the deals lost in the period, by count then amount. One query."""
    rows = (
        _closed(scope)
        .filter(stage_id__in=scope.stage_ids(Stage.Outcome.LOST))
        .values("loss_reason_id", "loss_reason__name", "loss_reason__name_en")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("-count", "-amount", "loss_reason_id")
    )
    return [
        {
            "reason": bilingual(r["loss_reason__name"], r["loss_reason__name_en"])
            if r["loss_reason_id"]
            else _("No reason given"),
            "count": r["count"],
            "amount": money(r["amount"]),
        }
        for r in rows
    ]


def _win_rate_by(scope: ReportScope, columns: tuple[str, ...], label) -> list[dict]:
    won, lost = Q(stage_id__in=scope.stage_ids(Stage.Outcome.WON)), Q(stage_id__in=scope.stage_ids(Stage.Outcome.LOST))
    rows = (
        _closed(scope)
        .values(*columns)
        .annotate(
            won=Count("pk", filter=won),
            lost=Count("pk", filter=lost),
            won_amount=Sum("amount", filter=won),
        )
        .order_by()
    )
    result = [
        {
            "label": label(r),
            "won": r["won"],
            "lost": r["lost"],
            "won_amount": money(r["won_amount"]),
            "win_rate": ratio(r["won"], r["won"] + r["lost"]),
        }
        for r in rows
    ]
    return sorted(result, key=lambda r: (-(r["win_rate"] or 0), -(r["won"] + r["lost"]), r["label"]))


def win_rate_by_source(scope: ReportScope) -> list[dict]:
    return _win_rate_by(
        scope,
        ("source_id", "source__name", "source__name_en"),
        lambda r: bilingual(r["source__name"], r["source__name_en"]) if r["source_id"] else _("No source"),
    )


def win_rate_by_industry(scope: ReportScope) -> list[dict]:
    labels = dict(Industry.choices)
    return _win_rate_by(
        scope, ("customer__industry",), lambda r: str(labels.get(r["customer__industry"], _("Not set")))
    )


def win_rate_by_customer_type(scope: ReportScope) -> list[dict]:
    labels = dict(CustomerType.choices)
    return _win_rate_by(
        scope, ("customer__customer_type",), lambda r: str(labels.get(r["customer__customer_type"], _("Not set")))
    )


def win_rate_by_rep(scope: ReportScope) -> list[dict]:
    people = scope.people()
    return _win_rate_by(scope, ("owner_id",), lambda r: people.get(r["owner_id"], ""))
