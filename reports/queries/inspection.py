"""Pipeline inspection: what changed in the pipeline since a comparison point.

Every open deal, and every deal closed since the point, that changed since then (created,
moved, re-valued, re-dated, re-categorised) is put back as it stood at the point (today's
values with the later field and stage history undone, see `asof`) and compared with today.
Each deal falls in every group that describes it (new, won, lost, pushed out, pulled in,
amount up, amount down, later stage, moved back, category changed); for the waterfall, the
change it made to the pipeline (open amount closing in the period) is given to its first group.
Four queries whatever the size: the pipeline now, the changed deals, their field history and
their stage history since the point.
"""

from __future__ import annotations

import heapq
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, ExpressionWrapper, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import FieldChange
from crm.choices import ForecastCategory
from opportunities.models import Opportunity, Stage, StageChange, resolve_category

from ..periods import aware, quarter_start
from .asof import REWOUND_FIELDS, field_changes_after, rewind, stage_changes_after
from .base import ReportScope, money

SINCE_CHOICES = [
    ("last_week", _("Last week")),
    ("four_weeks", _("Four weeks ago")),
    ("quarter", _("Start of the quarter")),
]
DEFAULT_SINCE = "last_week"

GROUPS = [
    ("new", _("New")),
    ("won", _("Won")),
    ("lost", _("Lost")),
    ("pushed", _("Pushed out")),
    ("pulled", _("Pulled in")),
    ("amount_up", _("Amount up")),
    ("amount_down", _("Amount down")),
    ("later_stage", _("Moved to a later stage")),
    ("moved_back", _("Moved back")),
    ("category", _("Category changed")),
]
OTHER = ("other", _("Other changes"))


def comparison_point(since: str, now: datetime) -> datetime:
    if since == "four_weeks":
        return now - timedelta(weeks=4)
    if since == "quarter":
        return aware(quarter_start(timezone.localtime(now).date()))
    return now - timedelta(weeks=1)


def inspection_rows(scope: ReportScope, since: str = DEFAULT_SINCE, limit: int | None = None) -> dict:
    """{"point", "pipeline_then", "pipeline_now", "groups": [...], "rows": [...], "total"} for the
    scope: the groups count every deal; "rows" are the first `limit` rows in the page's order
    (all of them without one), "total" how many there are in all. Only the rows listed are
    written out (names, stages, categories), so a quarter of an admin's changes costs little more
    than the summary."""
    point = comparison_point(since, scope.now)
    period = scope.period
    open_ids = scope.stage_ids(Stage.Outcome.OPEN)
    stages = {s.pk: s for s in scope.stages}
    with_judgement = scope.shows_people

    pipeline_now = money(
        scope.deals()
        .filter(stage_id__in=open_ids)
        .filter(period.date_q("expected_close_date"))
        .aggregate(total=Sum("amount"))["total"]
    )
    ct = ContentType.objects.get_for_model(Opportunity)
    touched = Q(created_at__gt=point)
    touched |= Q(
        pk__in=FieldChange.objects.filter(content_type=ct, changed_at__gt=point, field__in=REWOUND_FIELDS).values(
            "object_id"
        )
    )
    touched |= Q(pk__in=StageChange.objects.filter(changed_at__gt=point).values("opportunity_id"))
    changed = scope.deals().filter(touched).filter(Q(stage_id__in=open_ids) | Q(closed_at__gt=point))
    # Whether each deal existed at the point, said by the database (parsing every creation time
    # in Python cost more than the rest of a busy week's rows).
    now_rows = {
        r["pk"]: r
        for r in changed.annotate(
            created_before=ExpressionWrapper(Q(created_at__lte=point), output_field=BooleanField())
        )
        .order_by()
        .values(
            "pk",
            "name",
            "owner_id",
            "created_before",
            "amount",
            "expected_close_date",
            "stage_id",
            "probability",
            "forecast_category_override",
            "manager_category",
        )
    }
    then_rows = {pk: dict(r) for pk, r in now_rows.items()}
    # The history after the point of the deals in scope (`rewind` passes over any other deal's):
    # narrowed by the scope alone, which its indexes serve, not by the changed deals again; an
    # admin's unfiltered view reads it whole.
    if scope.user.is_admin and not scope.deal_q:
        rewind(then_rows, field_changes_after(point), stage_changes_after(point))
    else:
        # A rep's or a small team's deals by id (their indexes), a wider scope's as a subquery.
        in_scope = scope.own_deal_ids()
        if in_scope is None:
            in_scope = scope.deals().values("pk")
        rewind(
            then_rows,
            field_changes_after(point, object_id__in=in_scope),
            stage_changes_after(point, opportunity_id__in=in_scope),
        )

    # What each row is compared on, looked up in plain dicts and sets (a quarter of an admin's
    # changes is 70,000 rows: a property or a method per look-up cost more than the rest).
    open_stage_ids = {pk for pk, stage in stages.items() if stage.is_open}
    outcome_and_order = {pk: (stage.outcome, stage.order) for pk, stage in stages.items()}

    def in_pipeline(state) -> bool:
        return state["stage_id"] in open_stage_ids and _in_period(state["expected_close_date"], period)

    def category(state) -> str:
        stage = stages.get(state["stage_id"])
        if stage is None:
            return ""
        return resolve_category(
            stage, state["forecast_category_override"], state["manager_category"], with_judgement=with_judgement
        )

    # Names resolved once, not once per row (lazy translations cost a lookup each time).
    labels = {key: str(label) for key, label in GROUPS + [OTHER]}
    category_labels = {key: str(label) for key, label in ForecastCategory.choices}
    stage_names = {pk: str(stage) for pk, stage in stages.items()}
    people = scope.people()
    summary = {key: {"count": 0, "effect": Decimal("0")} for key in labels}
    order = {key: i for i, key in enumerate(labels)}
    # (sort key, group, primary group, effect, existed) of every row, before any is written out.
    listed = []
    for pk, now in now_rows.items():
        then = then_rows[pk]
        existed = now["created_before"] and then["stage_id"] is not None
        groups = _groups(now, then, existed, outcome_and_order, open_stage_ids, period, category)
        effect = effect_of(now, then, existed, in_pipeline)
        if not groups and not effect:
            continue
        # `_groups` lists a row's groups in the order of GROUPS: the first is its primary one.
        primary = groups[0] if groups else OTHER[0]
        if not groups:
            groups.append(primary)
        summary[primary]["effect"] += effect
        for group in groups:
            summary[group]["count"] += 1
            shown_effect = effect if group == primary else 0
            listed.append(((order[group], -abs(shown_effect), -now["amount"], pk), group, primary, effect, existed))
    total = len(listed)
    if limit is None:
        listed.sort(key=lambda item: item[0])
    else:  # the first rows only (what sorting them all and slicing gives, for less)
        listed = heapq.nsmallest(limit, listed, key=lambda item: item[0])

    rows = []
    for (_order, _effect, _amount, pk), group, primary, effect, existed in listed:
        now, then = now_rows[pk], then_rows[pk]
        rows.append(
            {
                "group_key": group,
                "group": labels[group],
                "deal_id": pk,
                "deal": now["name"],
                "rep": people.get(now["owner_id"], ""),
                "stage_then": stage_names.get(then["stage_id"], "") if existed else "",
                "stage_now": stage_names.get(now["stage_id"], ""),
                "amount_then": money(then["amount"]) if existed else None,
                "amount_now": money(now["amount"]),
                "close_then": then["expected_close_date"] if existed else None,
                "close_now": now["expected_close_date"],
                "category_then": category_labels.get(category(then), "") if existed else "",
                "category_now": category_labels.get(category(now), ""),
                "effect": money(effect) if group == primary else None,
            }
        )
    pipeline_then = pipeline_now - sum((s["effect"] for s in summary.values()), Decimal("0"))
    groups = [
        {"key": key, "group": labels[key], "count": summary[key]["count"], "effect": money(summary[key]["effect"])}
        for key, label in GROUPS + [OTHER]
        if summary[key]["count"] or key != OTHER[0]
    ]
    return {
        "point": point,
        "pipeline_then": money(pipeline_then),
        "pipeline_now": pipeline_now,
        "groups": groups,
        "rows": rows,
        "total": total,
    }


def effect_of(now: dict, then: dict, existed: bool, in_pipeline) -> Decimal:
    """What the deal added to (or took from) the pipeline between the point and now."""
    before = then["amount"] if existed and in_pipeline(then) else Decimal("0")
    return (now["amount"] if in_pipeline(now) else Decimal("0")) - before


def _groups(
    now: dict, then: dict, existed: bool, outcome_and_order: dict, open_stage_ids: set, period, category
) -> list[str]:
    """The deal's groups, in the order of GROUPS (`outcome_and_order`: stage id -> (outcome,
    order) of the scope's stages)."""
    if not existed:
        return ["new"]
    now_id, then_id = now["stage_id"], then["stage_id"]
    groups = []
    if now_id != then_id and now_id in outcome_and_order and then_id in outcome_and_order:
        outcome_now, outcome_then = outcome_and_order[now_id][0], outcome_and_order[then_id][0]
        if outcome_now == Stage.Outcome.WON and outcome_then != Stage.Outcome.WON:
            groups.append("won")
        elif outcome_now == Stage.Outcome.LOST and outcome_then != Stage.Outcome.LOST:
            groups.append("lost")
    is_open = now_id in open_stage_ids
    close_then, close_now = then["expected_close_date"], now["expected_close_date"]
    if is_open and close_then != close_now:
        if _in_period(close_then, period) and not _in_period(close_now, period) and _later(close_now, close_then):
            groups.append("pushed")
        elif _in_period(close_now, period) and not _in_period(close_then, period):
            groups.append("pulled")
    if now["amount"] > then["amount"]:
        groups.append("amount_up")
    elif now["amount"] < then["amount"]:
        groups.append("amount_down")
    if is_open and then_id in open_stage_ids:
        if now_id != then_id:
            later = outcome_and_order[now_id][1] > outcome_and_order[then_id][1]
            groups.append("later_stage" if later else "moved_back")
        if category(now) != category(then):
            groups.append("category")
    return groups


def _in_period(day: date | None, period) -> bool:
    if day is None:
        return False
    return (period.start is None or day >= period.start) and (period.end is None or day < period.end)


def _later(new: date | None, old: date | None) -> bool:
    """A cleared close date counts as pushed out (the deal no longer closes in the period)."""
    return new is None or old is None or new > old
