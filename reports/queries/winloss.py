"""Win / loss: loss reasons ranked, and win rate by source, industry, customer type and rep."""

from __future__ import annotations

from django.db.models import Case, CharField, Count, OuterRef, Q, Subquery, Sum, Value, When
from django.utils.translation import gettext as _

from crm.choices import CustomerType, Industry
from customers.models import Customer
from opportunities.models import Stage
from opportunities.models.evaluation import SCORE_BANDS

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


def _win_rate_by(scope: ReportScope, columns: tuple[str, ...], label, closed=None) -> list[dict]:
    won, lost = Q(stage_id__in=scope.stage_ids(Stage.Outcome.WON)), Q(stage_id__in=scope.stage_ids(Stage.Outcome.LOST))
    rows = (
        (closed if closed is not None else _closed(scope))
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


def looks_customers_up(scope: ReportScope) -> bool:
    """Whether the closed deals' customers are looked up one by one: for a rep's or a team's deals
    (a director's ten teams' thousands of closed deals measured 3x slower so than joined)."""
    return scope.own_deal_ids() is not None or scope.team_deal_ids() is not None


def _by_customer(scope: ReportScope, column: str, choices) -> list[dict]:
    """Win rate by a field of the deal's customer. For a rep's or a team's deals each closed deal's
    customer is looked up by id (joined, PostgreSQL hashed every customer against a team's few
    hundred closed deals); a wider scope's closed deals are joined to the customers. A customer
    in the recycle bin still gives its deal its industry and type, as the join does."""
    labels = dict(choices)
    closed = _closed(scope)
    if looks_customers_up(scope):
        field = Subquery(Customer.all_objects.filter(pk=OuterRef("customer_id")).order_by().values(column)[:1])
        closed = closed.annotate(**{f"customer__{column}": field})
    return _win_rate_by(
        scope, (f"customer__{column}",), lambda r: str(labels.get(r[f"customer__{column}"], _("Not set"))), closed
    )


def win_rate_by_industry(scope: ReportScope) -> list[dict]:
    return _by_customer(scope, "industry", Industry.choices)


def win_rate_by_customer_type(scope: ReportScope) -> list[dict]:
    return _by_customer(scope, "customer_type", CustomerType.choices)


def win_rate_by_score_band(scope: ReportScope) -> list[dict]:
    """Closed deals per evaluation-score band (highest first, then the deals never rated): does
    the team's own scoring predict wins? One grouped query; every band listed, empty ones too."""
    band = Case(
        *[When(evaluation_score__gte=low, then=Value(key)) for key, low, _label in SCORE_BANDS],
        default=Value("none"),
        output_field=CharField(),
    )
    won, lost = Q(stage_id__in=scope.stage_ids(Stage.Outcome.WON)), Q(stage_id__in=scope.stage_ids(Stage.Outcome.LOST))
    rows = {
        r["band"]: r
        for r in _closed(scope)
        .annotate(band=band)
        .values("band")
        .annotate(won=Count("pk", filter=won), lost=Count("pk", filter=lost), won_amount=Sum("amount", filter=won))
        .order_by()
    }
    labels = [(key, label) for key, _low, label in SCORE_BANDS] + [("none", _("Not rated"))]
    result = []
    for key, label in labels:
        r = rows.get(key, {})
        w, lo = r.get("won", 0), r.get("lost", 0)
        result.append(
            {
                "label": str(label),
                "won": w,
                "lost": lo,
                "won_amount": money(r.get("won_amount")),
                "win_rate": ratio(w, w + lo),
            }
        )
    return result


def win_rate_by_rep(scope: ReportScope) -> list[dict]:
    people = scope.people()
    return _win_rate_by(scope, ("owner_id",), lambda r: people.get(r["owner_id"], ""))
