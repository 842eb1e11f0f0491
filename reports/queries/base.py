"""The scope every report query works in: who asks, which deals, which period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db import connection, connections
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import get_language

from crm.keyed import rows_by_key
from crm.scoping import owner_scope, scoped
from opportunities.models import Opportunity, Pipeline, Stage, StageChange, StageFact

from ..periods import Period

if TYPE_CHECKING:
    from accounts.models import Team, User

    from ..filters import ReportFilter

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(value) -> Decimal:
    """An SQL sum as a Decimal to the cent (SQLite hands back floats for decimal arithmetic)."""
    if value is None:
        return ZERO.quantize(CENT)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(part, whole) -> Decimal | None:
    """part / whole as a percentage with one decimal; None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def person_name(first: str | None, last: str | None, username: str | None) -> str:
    """The same name `User.display_name` shows, from grouped columns."""
    from accounts.models import format_person_name

    return format_person_name(first, last, username)


def bilingual(name: str | None, name_en: str | None) -> str:
    """Admin-configured names (sources, loss reasons) in the active language."""
    if (get_language() or "").lower().startswith("en") and name_en:
        return name_en
    return name or ""


OWNER_COLUMNS = ("owner_id", "owner__first_name", "owner__last_name", "owner__username")


def quick_win_ids() -> QuerySet[Opportunity]:
    """Ids of the quick-win deals (partial index `opp_quick_win_idx`), as a subquery."""
    return Opportunity.objects.filter(is_quick_win=True).values("pk")


# Up to this many visible deals, a scope's history is read by deal id (`own_deal_ids`); up to
# `TEAM_DEALS` on PostgreSQL, deal by deal (`team_deal_ids`, and inspection's candidates: a team
# is ~1,500 deals; ten teams measured ten times slower that way than by one scan of the period).
FEW_DEALS = 1_000
TEAM_DEALS = 3_000


@dataclass
class ReportScope:
    """Who is asking, the deals they may see after the filters, and the period."""

    user: User
    period: Period
    now: datetime
    stages: list[Stage]
    deal_q: Q = field(default_factory=Q)
    change_q: Q = field(default_factory=Q)
    fact_q: Q = field(default_factory=Q)  # the filters, for the per-deal stage facts
    team: Team | None = None
    rep: User | None = None
    pipeline: Pipeline | None = None
    several_pipelines: bool = False

    def deals(self) -> QuerySet[Opportunity]:
        return Opportunity.objects.visible_to(self.user).filter(self.deal_q)

    def stage_changes(self) -> QuerySet[StageChange]:
        return self._of_visible_deals(StageChange.objects.all(), lambda changes: changes.visible_to(self.user)).filter(
            self.change_q
        )

    def stage_facts(self) -> QuerySet[StageFact]:
        """The per-deal stage facts in scope, quick wins left out (as `history`)."""
        facts = self._of_visible_deals(
            StageFact.objects.all(), lambda facts: scoped(facts, self.user, "opportunity__owner")
        )
        return facts.filter(self.fact_q).exclude(opportunity_id__in=quick_win_ids())

    def _of_visible_deals(self, rows: QuerySet, visible) -> QuerySet:
        """`rows` (a table with an `opportunity_id`) of the deals the user may see: by the ids of
        a rep's deals, deal by deal for a team's, else as `visible(rows)` narrows them."""
        ids, team = self.own_deal_ids(), self.team_deal_ids()
        if ids is not None:
            return rows.filter(opportunity_id__in=ids)
        if team is not None:
            return rows_by_key(rows, team, "opportunity_id")
        return visible(rows)

    def own_deal_ids(self) -> list[int] | None:
        """The ids of the deals the user may see, written out when they are few (a rep's), else
        None; read once per scope (with `team_deal_ids`).

        The history and the stage facts of a few hundred deals are then read through their deal
        index; joined to the deals instead, the planner hashes everyone's rows of the period
        (a rep's conversion read 90,000 facts for 450). Binned deals are left out here as the
        history and facts managers leave out their rows.
        """
        self._read_deal_ids()
        return self._own_deal_ids

    def team_deal_ids(self) -> list[int] | None:
        """The ids of the deals a leader may see, when more than a rep's and no more than
        `TEAM_DEALS`, on PostgreSQL; else None.

        A team's history and stage facts are then read deal by deal (`rows_by_key`). Written out
        as a list of ids (`own_deal_ids`), PostgreSQL scanned or hashed them no faster than the
        join to the deals, and the join hashes everyone's rows of the period against the team's
        deals: a leader's conversion grew 2x from 10,000 to 100,000 deals, deal by deal it is
        flat (5 ms for 1,500 deals at both sizes).
        """
        self._read_deal_ids()
        return self._team_deal_ids

    def _read_deal_ids(self) -> None:
        if hasattr(self, "_own_deal_ids"):
            return
        self._own_deal_ids = self._team_deal_ids = None
        q = owner_scope(self.user)
        if q is None:
            return
        deals = Opportunity.objects.filter(q)
        most = TEAM_DEALS if connections[deals.db].vendor == "postgresql" else FEW_DEALS
        found = list(deals.order_by().values_list("pk", flat=True)[: max(most, FEW_DEALS) + 1])
        if len(found) <= FEW_DEALS:
            self._own_deal_ids = found
        elif len(found) <= most:
            self._team_deal_ids = found

    def stage_ids(self, *outcomes: str) -> list[int]:
        """Ids of the stages with these outcomes, from the stage list already loaded.

        Filtering `stage_id IN (...)` instead of joining the stage table for its outcome keeps
        the big scans on one table (and on the covering report indexes).
        """
        return [s.pk for s in self.stages if s.outcome in outcomes]

    def history(self) -> QuerySet[StageChange]:
        """The stage changes in scope, quick wins left out (seed 004: they bypass the stages).

        The quick wins are excluded as `opportunity_id NOT IN (the quick-win ids)`, a small hashed
        set read from a partial index, rather than by joining every change to its deal; the rows
        kept are exactly those with `opportunity.is_quick_win = False`.
        """
        return self.stage_changes().exclude(opportunity_id__in=quick_win_ids())

    @property
    def open_stages(self) -> list[Stage]:
        return [s for s in self.stages if s.outcome == Stage.Outcome.OPEN]

    @property
    def first_stage(self) -> Stage | None:
        first = self.first_stages
        return first[0] if first else None

    @property
    def first_stages(self) -> list[Stage]:
        """The first open stage of each pipeline in scope (of the chosen one when filtered)."""
        found: dict[int, Stage] = {}
        for stage in self.open_stages:
            if stage.is_active or stage.pipeline_id not in found:
                current = found.get(stage.pipeline_id)
                if current is None or (stage.is_active and not current.is_active):
                    found[stage.pipeline_id] = stage
        return list(found.values())

    def further_stage_ids(self, stage: Stage) -> list[int]:
        """Stages further along `stage`'s own pipeline (its later open stages and won)."""
        return [
            s.pk
            for s in self.stages
            if s.pipeline_id == stage.pipeline_id and s.outcome != Stage.Outcome.LOST and s.order > stage.order
        ]

    def stage_label(self, stage: Stage) -> str:
        """A stage's name, with its pipeline's when the report lists stages of several pipelines."""
        return stage.label_with_pipeline if self.several_pipelines else str(stage)

    def stage(self, pk) -> Stage | None:
        return next((s for s in self.stages if s.pk == pk), None)

    def people(self) -> dict[int, str]:
        """Names of the users this user may see, by id (one small query, cached for the request).

        Grouped report queries group by owner id alone and take names from here, so the big
        scans never join the user table.
        """
        if not hasattr(self, "_people"):
            from accounts.models import visible_users

            rows = visible_users(self.user).values_list("pk", "first_name", "last_name", "username")
            self._people = {pk: person_name(first, last, username) for pk, first, last, username in rows}
        return self._people

    @property
    def shows_people(self) -> bool:
        """Leaders and admins compare people; a rep's reports are about themselves."""
        return bool(self.user.is_admin or self.user.is_leader)

    def target_q(self) -> Q:
        """Which quotas make the target of what is on screen.

        A chosen rep: their own quota. A chosen team, a leader's teams, or all teams for an
        admin: the team quotas, falling back to the sum of the members' quotas in a month
        with no team quota (see `forecast.targets_by_month`). A rep: their own quota.
        """
        if self.rep is not None:
            return Q(user=self.rep)
        if self.team is not None:
            return Q(team=self.team) | Q(user__team=self.team)
        if self.user.is_admin:
            return Q()
        if self.user.is_leader:
            return Q(team__leader=self.user) | Q(user__team__leader=self.user)
        return Q(user=self.user)


def build_scope(
    user: User,
    filterset: ReportFilter | None,
    period: Period,
    now: datetime | None = None,
    pipeline: Pipeline | None = None,
) -> ReportScope:
    """One query: the stages (names, order, thresholds, pipeline) every report needs.

    A chosen pipeline (`pipeline=<id>`) narrows the stages to its own; deals then are those now
    in one of its stages, and the history the moves into or out of them, so a deal that changed
    pipeline left one and entered the other. Without one, the reports sum over all pipelines.
    """
    if pipeline is None and filterset is not None:
        pipeline = filterset.value("pipeline")
    stages = list(Stage.objects.select_related("pipeline").order_by("pipeline__order", "pipeline_id", "order"))
    if pipeline is not None:
        stages = [s for s in stages if s.pipeline_id == pipeline.pk]
    scope = ReportScope(user=user, period=period, now=now or timezone.now(), stages=stages, pipeline=pipeline)
    scope.several_pipelines = len({s.pipeline_id for s in stages}) > 1
    if filterset is not None:
        scope.deal_q = filterset.scope_q()
        scope.change_q = filterset.scope_q("opportunity__")
        scope.fact_q = filterset.scope_q("opportunity__")
        scope.team = filterset.value("team")
        scope.rep = filterset.value("rep")
    if pipeline is not None:
        ids = [s.pk for s in stages]
        scope.deal_q &= Q(stage_id__in=ids)
        scope.change_q &= Q(to_stage_id__in=ids) | Q(from_stage_id__in=ids)
        scope.fact_q &= Q(stage_id__in=ids)
    return scope


class Median(Aggregate):
    """The median as one SQL aggregate (PostgreSQL's ordered-set PERCENTILE_CONT)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def medians_by(qs: QuerySet, group: str | None, field: str) -> dict:
    """Median of `field` per value of `group` (None: one median for all rows), in one query.

    PostgreSQL computes it with PERCENTILE_CONT; SQLite, which has no such aggregate, picks the
    middle row(s) of each group with window functions and averages those (at most two per group).
    """
    if connection.vendor == "postgresql":
        if group is None:
            value = qs.aggregate(median=Median(field))["median"]
            return {} if value is None else {None: Decimal(str(value))}
        rows = qs.values(group).annotate(median=Median(field)).order_by()
        return {r[group]: Decimal(str(r["median"])) for r in rows if r["median"] is not None}
    partition = [F(group)] if group else []
    middles = (
        qs.annotate(
            _position=Window(RowNumber(), partition_by=partition or None, order_by=[F(field).asc(), F("pk").asc()]),
            _rows=Window(Count("pk"), partition_by=partition or None),
        )
        .filter(_position__gte=(F("_rows") + 1) / 2, _position__lte=(F("_rows") + 2) / 2)
        .values_list(group or "pk", field)
    )
    found: dict = {}
    for key, value in middles:
        found.setdefault(key if group else None, []).append(Decimal(str(value)))
    return {k: sum(v) / len(v) for k, v in found.items()}
