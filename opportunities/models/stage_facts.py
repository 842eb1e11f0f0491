"""Per-deal stage facts: what the conversion and sales-cycle reports read instead of scanning
every stage change.

One row per deal and stage it touched: when it first entered the stage, the last time it
entered a stage further along the path, the days it spent in the stage in all, and whether the
deal is won now; the deal's `cycle_days` is the sum of its facts' days. Each row
is kept by `StageChange.save` in the transaction that writes the move (so `Opportunity.move_to`
and `record_creation` keep it with the move); `rebuild_stage_facts` recomputes the table from the
history (after a bulk import); `refresh_onward` recomputes the "went on" times of a pipeline
whose stages an admin reordered, in the transaction that saves the new order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from crm.softdelete import binned_pks

from .stages import Stage

if TYPE_CHECKING:
    from .opportunity import StageChange


def further_stage_ids(stage: Stage, stages: list[Stage]) -> list[int]:
    """The stages further along `stage`'s own pipeline (its later open stages and won, never lost)."""
    return [
        s.pk
        for s in stages
        if s.pipeline_id == stage.pipeline_id and s.outcome != Stage.Outcome.LOST and s.order > stage.order
    ]


# Pipelines whose stage order changed inside `StageFact.order_changes()`, refreshed once at its end.
_reordered: ContextVar[set[int] | None] = ContextVar("reordered_pipelines", default=None)


class StageFactManager(models.Manager):
    """Facts of a deal in the recycle bin leave the reports with their deal (as its history does)."""

    def get_queryset(self):
        from .opportunity import Opportunity

        return super().get_queryset().exclude(opportunity_id__in=binned_pks(Opportunity))


class StageFact(models.Model):
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="+"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="+")
    # Null when the history has a move out of the stage but no entry into it (a reopen is no entry).
    first_entered_at = models.DateTimeField(_("first entered"), null=True, blank=True)
    # The latest entry into a stage further along the path: the deal went on if it is later
    # than the first entry here.
    onward_at = models.DateTimeField(_("went on"), null=True, blank=True)
    # Selling time: a reopen's days (the deal sat closed) are left out, as the cycle report does.
    days_in_stage = models.DecimalField(_("days in stage"), max_digits=11, decimal_places=2, default=Decimal("0"))
    # The deal is won now, in this stage's pipeline (what conversion counts as "won"): set for
    # all of the deal's facts by every move into or out of a won stage.
    deal_won = models.BooleanField(_("deal won"), default=False)

    objects = StageFactManager()
    all_objects = models.Manager.from_queryset(models.QuerySet)()

    class Meta:
        verbose_name = _("stage fact")
        verbose_name_plural = _("stage facts")
        constraints = [models.UniqueConstraint(fields=["opportunity", "stage"], name="stagefact_once_per_stage")]
        indexes = [
            # Conversion: the deals that first entered each stage in the period, index-only.
            models.Index(
                fields=["first_entered_at"],
                include=["stage", "opportunity", "onward_at", "deal_won"],
                name="stagefact_entered_idx",
            ),
            # The sales cycle: the days in each stage of a given set of (won) deals, index-only.
            models.Index(fields=["opportunity"], include=["days_in_stage"], name="stagefact_cycle_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} · {self.stage_id}"

    @property
    def advanced(self) -> bool:
        return bool(self.first_entered_at and self.onward_at and self.onward_at > self.first_entered_at)

    @classmethod
    def _for(cls, change: StageChange, stage: Stage) -> StageFact:
        """The deal's fact row for `stage`; a new one starts from the deal's earlier history."""
        fact, created = cls.all_objects.get_or_create(opportunity_id=change.opportunity_id, stage_id=stage.pk)
        if created:
            onward = further_stage_ids(stage, list(Stage.objects.all()))
            fact.onward_at = (
                change.__class__.all_objects.filter(opportunity_id=change.opportunity_id, to_stage_id__in=onward)
                .exclude(pk=change.pk)
                .aggregate(at=Max("changed_at"))["at"]
            )
            if fact.onward_at is not None:
                fact.save(update_fields=["onward_at"])
        return fact

    @classmethod
    def record(cls, change: StageChange) -> None:
        """Fold one new stage change into its deal's facts (called inside the change's transaction)."""
        to_stage = change.to_stage
        entered = cls._for(change, to_stage)
        if not change.is_reopen and (entered.first_entered_at is None or change.changed_at < entered.first_entered_at):
            entered.first_entered_at = change.changed_at
            entered.save(update_fields=["first_entered_at"])
        counted_days = change.from_stage_id is not None and change.days_in_previous_stage and not change.is_reopen
        if counted_days:
            left = cls._for(change, change.from_stage)
            cls.all_objects.filter(pk=left.pk).update(
                days_in_stage=models.F("days_in_stage") + change.days_in_previous_stage
            )
        if to_stage.outcome != Stage.Outcome.LOST:
            earlier = Stage.objects.filter(pipeline_id=to_stage.pipeline_id, order__lt=to_stage.order).exclude(
                outcome=Stage.Outcome.LOST
            )
            cls.all_objects.filter(opportunity_id=change.opportunity_id, stage__in=earlier).filter(
                Q(onward_at__isnull=True) | Q(onward_at__lt=change.changed_at)
            ).update(onward_at=change.changed_at)
        from_won = change.from_stage_id is not None and change.from_stage.outcome == Stage.Outcome.WON
        if to_stage.outcome == Stage.Outcome.WON:
            in_pipeline = Stage.objects.filter(pipeline_id=to_stage.pipeline_id).values("pk")
            deal_facts = cls.all_objects.filter(opportunity_id=change.opportunity_id)
            deal_facts.filter(stage__in=in_pipeline).update(deal_won=True)
            deal_facts.exclude(stage__in=in_pipeline).update(deal_won=False)
        elif from_won:
            cls.all_objects.filter(opportunity_id=change.opportunity_id).update(deal_won=False)
        # The deal's cycle: its selling days so far (the first move makes it 0: it has a history).
        from .opportunity import Opportunity

        Opportunity.all_objects.filter(pk=change.opportunity_id).update(
            cycle_days=Coalesce(F("cycle_days"), Decimal("0")) + (change.days_in_previous_stage if counted_days else 0)
        )

    @classmethod
    def record_creations(cls, changes: list[StageChange]) -> None:
        """What `record` writes for each of these entries of new deals into their first stage
        (no earlier history), in bulk, for an import: one fact each, entered then, won if the
        stage is, and a cycle of 0 days."""
        from .opportunity import Opportunity

        stages = {s.pk: s for s in Stage.objects.all()}
        cls.all_objects.bulk_create(
            [
                cls(
                    opportunity_id=change.opportunity_id,
                    stage_id=change.to_stage_id,
                    first_entered_at=change.changed_at,
                    deal_won=stages[change.to_stage_id].outcome == Stage.Outcome.WON,
                )
                for change in changes
            ],
            batch_size=5000,
        )
        Opportunity.all_objects.filter(pk__in=[change.opportunity_id for change in changes]).update(
            cycle_days=Decimal("0")
        )

    @classmethod
    def refresh_onward(cls, pipeline_id: int) -> int:
        """Every fact's "went on" time in this pipeline, from the history: what is further along
        the path changes when an admin reorders the stages. Returns the facts updated."""
        from .opportunity import StageChange

        stages = list(Stage.objects.all())
        updated = 0
        for stage in stages:
            if stage.pipeline_id != pipeline_id:
                continue
            further = further_stage_ids(stage, stages)
            latest = (
                StageChange.all_objects.filter(opportunity_id=OuterRef("opportunity_id"), to_stage_id__in=further)
                .order_by()
                .values("opportunity_id")
                .annotate(at=Max("changed_at"))
                .values("at")
            )
            updated += cls.all_objects.filter(stage=stage).update(onward_at=Subquery(latest) if further else None)
        return updated

    @classmethod
    def order_changed(cls, pipeline_id: int) -> None:
        """A stage of this pipeline moved in the order: refresh its facts now, or once at the end
        of the surrounding `order_changes()` (a form that reorders several stages)."""
        pending = _reordered.get()
        if pending is None:
            cls.refresh_onward(pipeline_id)
        else:
            pending.add(pipeline_id)

    @classmethod
    @contextmanager
    def order_changes(cls) -> Iterator[None]:
        """Stages saved inside this block refresh their pipelines' facts once, when it ends."""
        if _reordered.get() is not None:
            yield
            return
        pending: set[int] = set()
        token = _reordered.set(pending)
        try:
            yield
        finally:
            _reordered.reset(token)
        for pipeline_id in sorted(pending):
            cls.refresh_onward(pipeline_id)

    @classmethod
    def rebuild(cls, opportunity_ids=None) -> int:
        """Recompute the facts, and the deals' cycles, from the stage history (all deals, or
        these); returns the rows written."""
        from .opportunity import Opportunity, StageChange

        # The history of a deal deleted outright stays (no cascade); it has no facts.
        changes = StageChange.all_objects.filter(opportunity_id__in=Opportunity.all_objects.values("pk"))
        facts = cls.all_objects.all()
        if opportunity_ids is not None:
            changes = changes.filter(opportunity_id__in=opportunity_ids)
            facts = facts.filter(opportunity_id__in=opportunity_ids)
        stages = list(Stage.objects.all())
        per_stage: dict[tuple[int, int], dict] = {}
        for row in (
            changes.values("opportunity_id", "to_stage_id")
            .annotate(first=Min("changed_at", filter=Q(is_reopen=False)))
            .order_by()
        ):
            per_stage[row["opportunity_id"], row["to_stage_id"]] = {"first": row["first"], "days": Decimal("0")}
        for row in (
            changes.filter(from_stage__isnull=False, is_reopen=False)
            .values("opportunity_id", "from_stage_id")
            .annotate(days=Sum("days_in_previous_stage"))
            .order_by()
        ):
            if row["days"]:
                fact = per_stage.setdefault((row["opportunity_id"], row["from_stage_id"]), {"first": None})
                fact["days"] = row["days"]
        # The latest entry into each stage, per deal, gives every stage's "went on" time.
        latest: dict[int, dict[int, object]] = {}
        for row in changes.values("opportunity_id", "to_stage_id").annotate(last=Max("changed_at")).order_by():
            latest.setdefault(row["opportunity_id"], {})[row["to_stage_id"]] = row["last"]
        by_pk = {s.pk: s for s in stages}
        deals = Opportunity.all_objects.all()
        if opportunity_ids is not None:
            deals = deals.filter(pk__in=opportunity_ids)
        # Where each deal is won now (its won stage's pipeline), for the facts' "deal won".
        won_in = {
            deal_id: by_pk[stage_id].pipeline_id
            for deal_id, stage_id in deals.values_list("pk", "stage_id")
            if by_pk[stage_id].outcome == Stage.Outcome.WON
        }
        rows = []
        for (deal_id, stage_id), fact in per_stage.items():
            further = further_stage_ids(by_pk[stage_id], stages)
            times = [t for s, t in latest.get(deal_id, {}).items() if s in further]
            rows.append(
                cls(
                    opportunity_id=deal_id,
                    stage_id=stage_id,
                    first_entered_at=fact["first"],
                    onward_at=max(times) if times else None,
                    days_in_stage=fact.get("days") or Decimal("0"),
                    deal_won=won_in.get(deal_id) == by_pk[stage_id].pipeline_id,
                )
            )
        facts.delete()
        cls.all_objects.bulk_create(rows, batch_size=5000)
        # Each deal's cycle is the sum of its facts' days (none without a stage history).
        deals.update(
            cycle_days=Subquery(
                cls.all_objects.filter(opportunity_id=OuterRef("pk"))
                .values("opportunity_id")
                .annotate(days=Sum("days_in_stage"))
                .values("days")
            )
        )
        return len(rows)
