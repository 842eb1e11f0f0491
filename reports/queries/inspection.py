"""Pipeline inspection: what changed in the pipeline since a comparison point.

Every open deal, and every deal closed since the point, that changed since then (created,
moved, re-valued, re-dated, re-categorised) is put back as it stood at the point (today's
values with the later field and stage history undone, see `asof`) and compared with today.
Each deal falls in every group that describes it (new, won, lost, pushed out, pulled in,
amount up, amount down, later stage, moved back, category changed); for the waterfall, the
change it made to the pipeline (open amount closing in the period) is given to its first group.

On PostgreSQL the comparison is one statement: the deals put back, compared, counted per group
and only the page's rows sent back (a quarter of an admin's changes is 70,000 deals). Elsewhere
the deals and their history are read and compared in Python (`Comparison`), by the same rules;
a test holds the two to the same result.
"""

from __future__ import annotations

import heapq
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import FieldChange
from crm.choices import ForecastCategory
from opportunities.models import Opportunity, Stage, StageChange, resolve_category

from ..models import OpeningDeal, QuarterOpening
from ..periods import aware, quarter_start
from . import base
from .asof import field_changes_after, rewind, stage_changes_after
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
GROUP_KEYS = [key for key, _label in GROUPS + [OTHER]]

# The deal fields compared (the rest of the forecast's history, probability and owner, changes
# no group: the rep shown is today's).
COMPARED_FIELDS = ("amount", "expected_close_date", "stage_id", "forecast_category_override", "manager_category")
# A deal's values as read for the comparison and the rows written out.
DEAL_COLUMNS = ("pk", "name", "owner_id", *COMPARED_FIELDS)


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

    pipeline_now = money(
        scope.deals()
        .filter(stage_id__in=open_ids)
        .filter(period.date_q("expected_close_date"))
        .aggregate(total=Sum("amount"))["total"]
    )
    # The deals that may have changed the pipeline: open now, or closed since the point.
    candidates = scope.deals().filter(Q(stage_id__in=open_ids) | Q(closed_at__gt=point))
    # The history after the point of the deals in scope (`rewind` passes over any other deal's):
    # narrowed by the scope alone, which its indexes serve, not by the changed deals again; an
    # admin's unfiltered view reads it whole. A rep's or a small team's deals by id (their
    # indexes), a wider scope's as a subquery.
    field_filter, stage_filter = {}, {}
    if not (scope.user.is_admin and not scope.deal_q):
        in_scope = scope.own_deal_ids()
        if in_scope is None:
            in_scope = scope.deals().values("pk")
        field_filter, stage_filter = {"object_id__in": in_scope}, {"opportunity_id__in": in_scope}
    field_changes = field_changes_after(point, fields=COMPARED_FIELDS, **field_filter)
    stage_changes = stage_changes_after(point, **stage_filter)

    comparison = Comparison(scope.stages, period, with_judgement=scope.shows_people)
    if connections[candidates.db].vendor == "postgresql":
        # A team's deals (too many to list as a rep's are, few enough to visit one by one): their
        # history read deal by deal through its indexes.
        by_deal = None
        if field_filter and scope.own_deal_ids() is None:
            ids = list(candidates.order_by().values_list("pk", flat=True)[: base.TEAM_DEALS + 1])
            by_deal = ids if len(ids) <= base.TEAM_DEALS else None
        # A scope wider than a team's compared with a quarter's opening, once the job has recorded
        # it: today's deals against the rows of how they stood then, not the quarter's history.
        opening = None
        if since == "quarter" and by_deal is None and scope.own_deal_ids() is None:
            opening = (
                QuarterOpening.objects.using(candidates.db).filter(point=point).values_list("pk", flat=True).first()
            )
        summary, listed, total = _compare_in_sql(
            comparison,
            candidates,
            point,
            field_changes,
            stage_changes,
            limit,
            by_deal=by_deal,
            everyone=not field_filter,
            opening=opening,
        )
    else:
        summary, listed, total = _compare_in_python(comparison, candidates, point, field_changes, stage_changes, limit)

    # Names resolved once, not once per row (lazy translations cost a lookup each time).
    labels = {key: str(label) for key, label in GROUPS + [OTHER]}
    category_labels = {key: str(label) for key, label in ForecastCategory.choices}
    stage_names = {pk: str(stage) for pk, stage in comparison.stages.items()}
    category = comparison.category
    people = scope.people()
    rows = [
        {
            "group_key": group,
            "group": labels[group],
            "deal_id": now["pk"],
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
        for group, primary, effect, existed, now, then in listed
    ]
    pipeline_then = pipeline_now - sum((s["effect"] for s in summary.values()), Decimal("0"))
    groups = [
        {"key": key, "group": labels[key], "count": summary[key]["count"], "effect": money(summary[key]["effect"])}
        for key in GROUP_KEYS
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


class Comparison:
    """What a deal then and now are compared on: the scope's stages (outcome, order, category),
    the period, and whether a manager's judgement counts in the category. Looked up in plain
    dicts and sets: a quarter of an admin's changes is 70,000 deals, and a property or a method
    per look-up cost more than the rest."""

    def __init__(self, stages, period, *, with_judgement: bool):
        self.stages = {stage.pk: stage for stage in stages}
        self.period = period
        self.with_judgement = with_judgement
        self.open_ids = {pk for pk, stage in self.stages.items() if stage.is_open}
        self.outcome_and_order = {pk: (stage.outcome, stage.order) for pk, stage in self.stages.items()}

    def in_pipeline(self, state: dict) -> bool:
        return state["stage_id"] in self.open_ids and _in_period(state["expected_close_date"], self.period)

    def category(self, state: dict) -> str:
        stage = self.stages.get(state["stage_id"])
        if stage is None:
            return ""
        return resolve_category(
            stage, state["forecast_category_override"], state["manager_category"], with_judgement=self.with_judgement
        )

    def effect(self, now: dict, then: dict, existed: bool) -> Decimal:
        """What the deal added to (or took from) the pipeline between the point and now."""
        before = then["amount"] if existed and self.in_pipeline(then) else Decimal("0")
        return (now["amount"] if self.in_pipeline(now) else Decimal("0")) - before

    def groups(self, now: dict, then: dict, existed: bool) -> list[str]:
        """The deal's groups, in the order of GROUPS."""
        if not existed:
            return ["new"]
        outcome_and_order, open_ids, period = self.outcome_and_order, self.open_ids, self.period
        now_id, then_id = now["stage_id"], then["stage_id"]
        groups = []
        if now_id != then_id and now_id in outcome_and_order and then_id in outcome_and_order:
            outcome_now, outcome_then = outcome_and_order[now_id][0], outcome_and_order[then_id][0]
            if outcome_now == Stage.Outcome.WON and outcome_then != Stage.Outcome.WON:
                groups.append("won")
            elif outcome_now == Stage.Outcome.LOST and outcome_then != Stage.Outcome.LOST:
                groups.append("lost")
        is_open = now_id in open_ids
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
        if is_open and then_id in open_ids:
            if now_id != then_id:
                later = outcome_and_order[now_id][1] > outcome_and_order[then_id][1]
                groups.append("later_stage" if later else "moved_back")
            if self.category(now) != self.category(then):
                groups.append("category")
        return groups


def _compare_in_python(comparison: Comparison, candidates, point, field_changes, stage_changes, limit):
    """(summary per group, the first `limit` rows as (group, primary group, effect, existed, now,
    then), how many rows in all): the deals changed since the point read with their history, put
    back and compared here."""
    ct = ContentType.objects.get_for_model(Opportunity)
    touched = Q(created_at__gt=point)
    touched |= Q(
        pk__in=FieldChange.objects.filter(content_type=ct, changed_at__gt=point, field__in=COMPARED_FIELDS).values(
            "object_id"
        )
    )
    touched |= Q(pk__in=StageChange.objects.filter(changed_at__gt=point).values("opportunity_id"))
    changed = candidates.filter(touched)
    # Whether each deal existed at the point, said by the database (parsing every creation time
    # in Python cost more than the rest of a busy week's rows).
    now_rows = {
        r["pk"]: r
        for r in changed.annotate(
            created_before=ExpressionWrapper(Q(created_at__lte=point), output_field=BooleanField())
        )
        .order_by()
        .values(*DEAL_COLUMNS, "created_before")
    }
    then_rows = rewind({pk: dict(r) for pk, r in now_rows.items()}, field_changes, stage_changes)
    summary = _no_changes()
    order = {key: i for i, key in enumerate(GROUP_KEYS)}
    # (sort key, group, primary group, effect, existed) of every row, before any is written out.
    listed = []
    for pk, now in now_rows.items():
        then = then_rows[pk]
        existed = now["created_before"] and then["stage_id"] is not None
        groups = comparison.groups(now, then, existed)
        effect = comparison.effect(now, then, existed)
        if not groups and not effect:
            continue
        # The first of a row's groups (in the order of GROUPS) is its primary one.
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
    return (
        summary,
        [
            (group, primary, effect, existed, now_rows[key[3]], then_rows[key[3]])
            for key, group, primary, effect, existed in listed
        ],
        total,
    )


def _compare_in_sql(
    comparison: Comparison,
    candidates,
    point,
    field_changes,
    stage_changes,
    limit,
    by_deal=None,
    everyone=False,
    opening=None,
):
    """What `_compare_in_python` gives, worked out by PostgreSQL in one statement: each changed
    deal put back (its earliest change of each field after the point holds the value then, or
    its row of the quarter's `opening` where one is given), compared by the same rules, counted
    per group, and only the page's rows sent back."""
    stages = list(comparison.stages.values())
    period = comparison.period
    # The scope's stages as arrays (ids; their order and category at the same place; the ids of
    # each outcome), looked up per deal without a join.
    params: list = [
        point,
        period.start,
        period.end,
        comparison.with_judgement,
        [stage.pk for stage in stages],
        [stage.order for stage in stages],
        [stage.default_forecast_category for stage in stages],
        [stage.pk for stage in stages if stage.is_open],
        [stage.pk for stage in stages if stage.outcome == Stage.Outcome.WON],
        [stage.pk for stage in stages if stage.outcome == Stage.Outcome.LOST],
    ]
    summary = _no_changes()
    try:
        deals_sql, deals_params = (
            candidates.order_by().values("pk", *COMPARED_FIELDS, "created_at").query.sql_with_params()
        )
    except EmptyResultSet:  # no deal to compare (a filter by an empty list)
        return summary, [], 0
    if opening is not None:
        history, params = _then_from_opening(opening, deals_sql, deals_params, params)
    else:
        history, params = _then_from_history(
            field_changes, stage_changes, by_deal, point, deals_sql, deals_params, params
        )

    in_period = "({0} IS NOT NULL AND (a.lo IS NULL OR {0} >= a.lo) AND (a.hi IS NULL OR {0} < a.hi))"
    # The category of an open stage's deal (the only ones whose category is compared).
    category = (
        "CASE WHEN a.judged AND {m} <> '' THEN {m} WHEN {o} <> '' THEN {o}"
        " ELSE a.categories[array_position(a.ids, {s})] END"
    )
    order = "a.orders[array_position(a.ids, {})]"
    moved = "existed AND stage_id <> stage_id_then AND stage_id_then = ANY(a.ids)"
    redated = "existed AND open_now AND expected_close_date IS DISTINCT FROM expected_close_date_then"
    restaged = "existed AND open_now AND open_then AND stage_id <> stage_id_then"
    members = {
        "new": "NOT existed",
        "won": f"{moved} AND stage_id = ANY(a.won) AND NOT stage_id_then = ANY(a.won)",
        "lost": f"{moved} AND stage_id = ANY(a.lost) AND NOT stage_id_then = ANY(a.lost)",
        "pushed": f"{redated} AND due_then AND NOT due_now AND (expected_close_date IS NULL"
        " OR expected_close_date_then IS NULL OR expected_close_date > expected_close_date_then)",
        "pulled": f"{redated} AND due_now AND NOT due_then",
        "amount_up": "existed AND amount > amount_then",
        "amount_down": "existed AND amount < amount_then",
        "later_stage": f"{restaged} AND {order.format('stage_id')} > {order.format('stage_id_then')}",
        "moved_back": f"{restaged} AND {order.format('stage_id')} <= {order.format('stage_id_then')}",
        "category": "existed AND open_now AND open_then AND "
        + category.format(s="stage_id", m="manager_category", o="forecast_category_override")
        + " <> "
        + category.format(s="stage_id_then", m="manager_category_then", o="forecast_category_override_then"),
    }
    member_columns = ", ".join(f"COALESCE({sql}, false) AS in_{key}" for key, sql in members.items())
    primary = " ".join(f"WHEN in_{key} THEN '{key}'" for key in members)
    members[OTHER[0]] = f"primary_group = '{OTHER[0]}' AND effect <> 0"
    totals = ", ".join(
        f"count(*) FILTER (WHERE {'in_' + key if key != OTHER[0] else members[key]}) AS n_{key},"
        f" sum(effect) FILTER (WHERE primary_group = '{key}') AS e_{key}"
        for key in GROUP_KEYS
    )
    per_group = ", ".join(f"('{key}', n_{key}, e_{key})" for key in GROUP_KEYS)
    # The page's rows: the first of each group (in the page's order), then the first of them all;
    # a group is not read once the groups before it fill the page.
    selects = []
    for position, key in enumerate(GROUP_KEYS):
        shown = f"CASE WHEN primary_group = '{key}' THEN effect ELSE 0 END"
        where = f"in_{key}" if key != OTHER[0] else members[key]
        if limit is not None and position:
            where += f" AND (SELECT {' + '.join(f'n_{k}' for k in GROUP_KEYS[:position])} FROM totals) < %s"
            params.append(limit)
        selects.append(
            f"(SELECT {position} AS position, '{key}' AS grp, {shown} AS shown, * FROM p WHERE {where}"
            f" ORDER BY abs({shown}) DESC, amount DESC, pk LIMIT %s)"
        )
        params.append(limit)
    params.append(limit)
    firsts = " UNION ALL ".join(selects)
    sql = f"""
WITH a AS (
  SELECT %s::timestamptz AS point, %s::date AS lo, %s::date AS hi, %s::boolean AS judged, %s::bigint[] AS ids,
    %s::integer[] AS orders, %s::text[] AS categories, %s::bigint[] AS open, %s::bigint[] AS won, %s::bigint[] AS lost
),
{history}
k AS (
  SELECT t.*, COALESCE(t.stage_id = ANY(a.open), false) AS open_now,
    COALESCE(t.stage_id_then = ANY(a.open), false) AS open_then,
    {in_period.format("t.expected_close_date")} AS due_now,
    {in_period.format("t.expected_close_date_then")} AS due_then
  FROM t CROSS JOIN a
  OFFSET 0
),
g AS (
  SELECT pk, amount, existed,
    (CASE WHEN open_now AND due_now THEN amount ELSE 0 END)
    - (CASE WHEN existed AND open_then AND due_then THEN amount_then ELSE 0 END) AS effect,
    {member_columns}
  FROM k CROSS JOIN a
  OFFSET 0  -- each group worked out once, not again for the primary one
),
p AS MATERIALIZED (SELECT g.*, CASE {primary} ELSE '{OTHER[0]}' END AS primary_group FROM g),
totals AS (SELECT {totals} FROM p)
SELECT v.grp, v.n, v.e, NULL, NULL, NULL
FROM totals CROSS JOIN LATERAL (VALUES {per_group}) v(grp, n, e)
UNION ALL
(SELECT grp, NULL, effect, primary_group, existed, pk
 FROM ({firsts}) f ORDER BY position, abs(shown) DESC, amount DESC, pk LIMIT %s)
"""
    page = []
    # For this statement alone: its sorts and its table of compared deals (an admin's quarter:
    # 70,000 rows) kept in memory, not written to temporary files; and everyone's history (an
    # admin's unfiltered view) scanned with parallel workers, which PostgreSQL's default costs
    # hold back (each about 25 ms off the admin's quarter; ten teams' measured slower with them).
    settings = "set_config('work_mem', '64MB', true)"
    if everyone:
        settings += ", set_config('parallel_setup_cost', '100', true), set_config('parallel_tuple_cost', '0.01', true)"
    with transaction.atomic(using=candidates.db), connections[candidates.db].cursor() as cursor:
        cursor.execute(f"SELECT {settings}")
        cursor.execute(sql, params)
        for group, count, effect, primary_group, existed, pk in cursor.fetchall():
            if count is None:
                page.append((group, primary_group, effect, existed, pk))
            else:
                summary[group] = {"count": count, "effect": effect or Decimal("0")}
    # The values then and now of the rows shown alone, read by id (carrying every deal's through
    # the statement cost more than reading a page of them again).
    ids = {row[-1] for row in page}
    now_rows = {row["pk"]: row for row in candidates.filter(pk__in=ids).order_by().values(*DEAL_COLUMNS)} if ids else {}
    then_rows = rewind(
        {pk: dict(row) for pk, row in now_rows.items()},
        # By these ids alone (they are in scope): with the scope's own list of ids as well, the
        # planner guessed one row and read the whole period's history by time instead.
        field_changes_after(point, fields=COMPARED_FIELDS, object_id__in=ids),
        stage_changes_after(point, opportunity_id__in=ids),
    )
    listed = [
        (group, primary_group, effect, existed, now_rows[pk], then_rows[pk])
        for group, primary_group, effect, existed, pk in page
        if pk in now_rows  # not binned in the meantime
    ]
    return summary, listed, sum(s["count"] for s in summary.values())


def _then_from_history(field_changes, stage_changes, by_deal, point, deals_sql, deals_params, params):
    """The statement's deals `d` and the changed ones put back, `t`, from the history after the
    point (by period, by the scope's subquery or deal by deal): (CTEs, parameters so far)."""
    if by_deal is not None:
        fields_sql, fields_params, moves_sql, moves_params = _history_by_deal(by_deal, point)
    else:
        fields_sql, fields_params = _sql_or(field_changes, "SELECT NULL::bigint, NULL::text, NULL::text WHERE false")
        moves_sql, moves_params = _sql_or(stage_changes, "SELECT NULL::bigint, NULL::bigint, NULL::integer WHERE false")
    then_value = {
        "amount": "NULLIF(h.amount_old, '')::numeric",
        "expected_close_date": "left(NULLIF(h.expected_close_date_old, ''), 10)::date",
        "stage_id": "NULLIF(h.stage_id_old, '')::bigint",
        "forecast_category_override": "COALESCE(h.forecast_category_override_old, '')",
        "manager_category": "COALESCE(h.manager_category_old, '')",
    }
    pivot = ", ".join(
        f"bool_or(field = '{name}') AS {name}_changed, max(old) FILTER (WHERE field = '{name}') AS {name}_old"
        for name in COMPARED_FIELDS
    )
    then_columns = ", ".join(
        f"CASE WHEN h.{name}_changed THEN {then_value[name]} ELSE d.{name} END AS {name}_then"
        for name in COMPARED_FIELDS
        if name != "stage_id"
    )
    ctes = f"""fc (object_id, field, old) AS ({fields_sql}),
h AS (SELECT object_id, {pivot} FROM fc GROUP BY object_id),
sc (deal_id, from_stage_id) AS ({moves_sql}),
d (pk, {", ".join(COMPARED_FIELDS)}, created_at) AS ({deals_sql}),
t AS (
  SELECT d.pk, {", ".join(f"d.{name}" for name in COMPARED_FIELDS)},
    d.created_at <= a.point AND CASE WHEN sc.deal_id IS NOT NULL THEN sc.from_stage_id IS NOT NULL
      WHEN h.stage_id_changed THEN {then_value["stage_id"]} IS NOT NULL ELSE true END AS existed,
    CASE WHEN sc.deal_id IS NOT NULL THEN sc.from_stage_id
         WHEN h.stage_id_changed THEN {then_value["stage_id"]} ELSE d.stage_id END AS stage_id_then,
    {then_columns}
  FROM d CROSS JOIN a LEFT JOIN h ON h.object_id = d.pk LEFT JOIN sc ON sc.deal_id = d.pk
  WHERE d.created_at > a.point OR h.object_id IS NOT NULL OR sc.deal_id IS NOT NULL
  OFFSET 0  -- each value then worked out once, not again wherever it is compared
),"""
    return ctes, [*params, *fields_params, *moves_params, *deals_params]


def _then_from_opening(opening: int, deals_sql, deals_params, params):
    """The statement's deals `d` and the changed ones put back, `t`, from the quarter's opening:
    a deal with no row there did not exist then; one whose values equal its row's is left out,
    as one whose history undoes to today's values counts in no group. (CTEs, parameters.)"""
    table = OpeningDeal._meta.db_table
    differs = " OR ".join(f"d.{name} IS DISTINCT FROM s.{name}" for name in COMPARED_FIELDS)
    ctes = f"""d (pk, {", ".join(COMPARED_FIELDS)}, created_at) AS ({deals_sql}),
t AS (
  SELECT d.pk, {", ".join(f"d.{name}" for name in COMPARED_FIELDS)},
    s.opportunity_id IS NOT NULL AS existed, s.stage_id AS stage_id_then,
    {", ".join(f"s.{name} AS {name}_then" for name in COMPARED_FIELDS if name != "stage_id")}
  FROM d LEFT JOIN {table} s ON s.opening_id = %s AND s.opportunity_id = d.pk
  WHERE s.opportunity_id IS NULL OR {differs}
  OFFSET 0
),"""
    return ctes, [*params, *deals_params, opening]


def _no_changes() -> dict:
    """The summary before any deal is counted: each group empty."""
    return {key: {"count": 0, "effect": Decimal("0")} for key in GROUP_KEYS}


def _history_by_deal(deal_ids: list[int], point) -> tuple[str, list, str, list]:
    """What `field_changes_after` and `stage_changes_after` give on PostgreSQL (each field's and
    each deal's earliest change after `point`), for these deals, read deal by deal through the
    history's per-deal indexes. For a team's 1,500 deals PostgreSQL chose instead to scan the
    period's history of everyone and hash it against them, which grew with everyone's data."""
    changes, moves = FieldChange._meta.db_table, StageChange._meta.db_table
    fields = (
        "SELECT DISTINCT ON (f.object_id, f.field) f.object_id, f.field, f.old_value"
        " FROM unnest(%s::bigint[]) AS o (pk) CROSS JOIN LATERAL ("
        f"  SELECT object_id, field, old_value, changed_at, id FROM {changes}"
        "   WHERE content_type_id = %s AND object_id = o.pk AND changed_at > %s AND field = ANY(%s::text[])"
        "   OFFSET 0"  # one index scan per deal, not a join PostgreSQL may turn into a scan of all
        ") f ORDER BY f.object_id, f.field, f.changed_at, f.id"
    )
    stages = (
        "SELECT DISTINCT ON (c.opportunity_id) c.opportunity_id, c.from_stage_id, c.from_probability"
        " FROM unnest(%s::bigint[]) AS o (pk) CROSS JOIN LATERAL ("
        f"  SELECT opportunity_id, from_stage_id, from_probability, changed_at, id FROM {moves}"
        "   WHERE opportunity_id = o.pk AND changed_at > %s OFFSET 0"
        ") c ORDER BY c.opportunity_id, c.changed_at, c.id"
    )
    content_type = ContentType.objects.get_for_model(Opportunity).pk
    return fields, [deal_ids, content_type, point, list(COMPARED_FIELDS)], stages, [deal_ids, point]


def _sql_or(queryset, empty: str) -> tuple[str, tuple]:
    """The queryset's SQL and parameters, or `empty` (the same columns, no row) where Django
    knows it matches nothing (a filter by an empty list of ids)."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return empty, ()


def _in_period(day: date | None, period) -> bool:
    if day is None:
        return False
    return (period.start is None or day >= period.start) and (period.end is None or day < period.end)


def _later(new: date | None, old: date | None) -> bool:
    """A cleared close date counts as pushed out (the deal no longer closes in the period)."""
    return new is None or old is None or new > old
