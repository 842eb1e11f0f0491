"""The configurable sales process: stages with their probability, stale threshold and entry rules."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.tracking import TracksHistory
from crm.choices import BilingualName, ForecastCategory

from .pipelines import Pipeline
from .qualification import MEDDIC_CODES


class ByOutcome:
    """`open()`, `won()` and `lost()` for a queryset of rows that have a `stage` (the deals, and
    their running totals), by the stage's outcome."""

    def open(self):
        return self.filter(stage__outcome=Stage.Outcome.OPEN)

    def won(self):
        return self.filter(stage__outcome=Stage.Outcome.WON)

    def lost(self):
        return self.filter(stage__outcome=Stage.Outcome.LOST)


class StageQuerySet(models.QuerySet):
    def active(self) -> StageQuerySet:
        return self.filter(is_active=True)

    def open(self) -> StageQuerySet:
        return self.filter(outcome=Stage.Outcome.OPEN)

    def pipeline(self) -> StageQuerySet:
        """The forward path: open stages, then won (lost stands beside the path)."""
        return self.exclude(outcome=Stage.Outcome.LOST)

    def in_pipeline(self, pipeline: Pipeline | int | None) -> StageQuerySet:
        """The stages of one pipeline (None: the default pipeline)."""
        if pipeline is None:
            pipeline = Pipeline.objects.default()
        return self.filter(pipeline=pipeline)

    def first_open(self, pipeline: Pipeline | int | None = None) -> Stage:
        """Where a new deal of `pipeline` starts (None: the default pipeline)."""
        stage = self.in_pipeline(pipeline).active().open().order_by("order").first()
        if stage is None:
            raise Stage.DoesNotExist("No active open stage is configured.")
        return stage

    def won(self, pipeline: Pipeline | int | None = None) -> Stage:
        return self.in_pipeline(pipeline).active().filter(outcome=Stage.Outcome.WON).order_by("order").get()

    def lost(self, pipeline: Pipeline | int | None = None) -> Stage:
        return self.in_pipeline(pipeline).active().filter(outcome=Stage.Outcome.LOST).order_by("order").get()


class Stage(TracksHistory, BilingualName):
    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="stages")
    order = models.PositiveSmallIntegerField(_("order"))
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=12,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
        help_text=_(
            "Where an open deal in this stage counts in the forecast unless its rep or leader says "
            "otherwise. Won deals are always Closed and lost deals Omitted."
        ),
    )
    stale_after_days = models.PositiveSmallIntegerField(
        _("stale after (days)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("An open deal with no follow-up and no stage change for longer than this is stale."),
    )
    guidance = models.TextField(_("guidance"), blank=True, help_text=_("What the rep should do in this stage."))
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    # Entry requirements: what a deal must show before it may enter this stage.
    requires_budget = models.BooleanField(_("requires confirmed budget"), default=False)
    requires_timeline = models.BooleanField(_("requires confirmed timeline"), default=False)
    requires_follow_up = models.BooleanField(_("requires a logged follow-up"), default=False)
    requires_need = models.BooleanField(_("requires a described need"), default=False)
    requires_decision_maker = models.BooleanField(_("requires a decision-maker contact"), default=False)
    requires_amount = models.BooleanField(_("requires an amount above zero"), default=False)
    requires_close_date = models.BooleanField(_("requires a close date"), default=False)
    requires_loss_reason = models.BooleanField(_("requires a loss reason"), default=False)
    required_criteria = models.JSONField(
        _("requires MEDDIC criteria"),
        default=list,
        blank=True,
        help_text=_("MEDDIC criteria a deal must have evidenced and confirmed to enter this stage."),
    )
    approval_threshold = models.DecimalField(
        _("approval threshold"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Deals of this amount or more need the team leader's approval to enter. Empty: never."),
    )

    objects = StageQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline__order", "pipeline_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "order"], name="stage_order_unique_in_pipeline"),
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=100), name="stage_probability_0_100"
            ),
            models.CheckConstraint(condition=Q(stale_after_days__gte=1), name="stage_stale_after_positive"),
            models.CheckConstraint(
                condition=Q(approval_threshold__isnull=True) | Q(approval_threshold__gte=0),
                name="stage_approval_threshold_not_negative",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.OPEN

    @property
    def is_closed(self) -> bool:
        return not self.is_open

    @property
    def default_forecast_category(self) -> str:
        """The stage's category as the forecast reads it: won is Closed, lost Omitted."""
        if self.outcome == self.Outcome.WON:
            return ForecastCategory.CLOSED
        if self.outcome == self.Outcome.LOST:
            return ForecastCategory.OMITTED
        return self.forecast_category

    @property
    def localized_guidance(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").lower().startswith("en") and self.guidance_en:
            return self.guidance_en
        return self.guidance

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = [c for c in self.required_criteria or [] if c not in MEDDIC_CODES]
        if unknown or not isinstance(self.required_criteria, list):
            raise ValidationError({"required_criteria": _("Choose criteria from the MEDDIC list.")})

    @property
    def label_with_pipeline(self) -> str:
        """“Pipeline · stage”, where stages of several pipelines are listed together."""
        return f"{self.pipeline} · {self}"

    def save(self, *args, **kwargs) -> None:
        """Probability always follows the stage: a changed probability is written to every deal in it.

        A stage created without a pipeline belongs to the default pipeline."""
        if self.pipeline_id is None:
            self.pipeline = Pipeline.objects.default()
        with transaction.atomic():
            was = None
            if self.pk:
                was = Stage.objects.filter(pk=self.pk).values("probability", "outcome", "pipeline_id", "order").first()
            super().save(*args, **kwargs)
            if was and (was["outcome"], was["pipeline_id"]) != (self.outcome, self.pipeline_id):
                # Whether a deal is won now, kept on its stage facts, follows the stage's outcome
                # and pipeline: rebuilt for the deals in the stage and those that passed through it.
                from .opportunity import Opportunity
                from .stage_facts import StageFact

                passed = StageFact.all_objects.filter(stage=self).values("opportunity_id")
                StageFact.rebuild(
                    Opportunity.all_objects.filter(models.Q(stage=self) | models.Q(pk__in=passed)).values("pk")
                )
            elif was and was["order"] != self.order:
                # What is further along the path, behind every fact's "went on" time, changed.
                from .stage_facts import StageFact

                StageFact.order_changed(self.pipeline_id)
            if was and was["probability"] != self.probability:
                from audit.tracking import record_bulk

                from .opportunity import Opportunity

                deals = Opportunity.objects.filter(stage=self).exclude(probability=self.probability)
                changed = list(deals.values_list("pk", "probability"))
                deals.update(probability=self.probability)
                record_bulk(
                    Opportunity,
                    ((pk, "probability", probability, self.probability) for pk, probability in changed),
                )

    def accept_probability(self, probability: int, *, by, note: str = "") -> bool:
        """Calibration: an admin sets the stage's probability from what the team really wins.

        Goes through `save()`, so every open deal in the stage takes the new probability and
        writes its history; the stage's own change is recorded (who, when, old, new) in the
        field history. Returns False when the probability already is that value.
        """
        from django.core.exceptions import PermissionDenied, ValidationError

        from audit.tracking import TracksHistory, acting_as, record_bulk

        if not getattr(by, "is_admin", False):
            raise PermissionDenied(gettext("Only an administrator may change a stage's probability."))
        if not 0 <= int(probability) <= 100:
            raise ValidationError(_("A probability is between 0 and 100."))
        with transaction.atomic(), acting_as(by):
            stage = Stage.objects.select_for_update().get(pk=self.pk)
            old = stage.probability
            if old == int(probability):
                return False
            stage.probability = int(probability)
            stage.save()
            if not isinstance(stage, TracksHistory):  # a tracked stage wrote its own row
                record_bulk(Stage, [(stage.pk, "probability", old, stage.probability)], note=note)
        self.refresh_from_db()
        return True


class LossReason(TracksHistory, BilingualName):
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")
        ordering = ["order", "pk"]


class Competitor(TracksHistory, models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
