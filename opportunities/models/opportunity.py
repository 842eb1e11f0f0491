"""Opportunities (商机) and the rules that move them through the stages.

`Opportunity.requirements_for(stage)` says what a deal still lacks to enter a stage;
`Opportunity.move_to(stage, by)` is the only way a stage changes. Every move writes an
immutable `StageChange`, which is both the audit trail and the source of the conversion and
velocity reports.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Case, DecimalField, ExpressionWrapper, F, OrderBy, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.tracking import TracksHistory, acting_as
from crm.choices import BuyingStage, ForecastCategory, Urgency, ValueTier
from crm.indexes import NullsFirstIndex
from crm.scoping import owner_scope
from crm.softdelete import LiveManager, SoftDeletable, binned_pks
from webhooks.dispatch import emit

from .evaluation import FACTOR_CODES, SWOT_FIELDS, EvaluationWeights, OpportunityEvaluation, rating_field
from .pipelines import Pipeline
from .qualification import MeddicQualification
from .stages import ByOutcome, LossReason, Stage

if TYPE_CHECKING:
    from accounts.models import User

CENT = Decimal("0.01")
# A deal whose expected close date moved later this many times has a fictional close date
# (the data-quality report lists it).
FICTION_PUSHES = 3
# The free-text fields read on a deal's own page only (see `OpportunityQuerySet.for_rows`).
LONG_TEXTS = (
    "need_description",
    "review_notes",
    "forecast_category_note",
    "manager_category_note",
    "meddic_metrics",
    "meddic_economic_buyer",
    "meddic_decision_criteria",
    "meddic_decision_process",
    "meddic_identify_pain",
    "meddic_champion",
    "swot_strengths",
    "swot_weaknesses",
    "swot_opportunities",
    "swot_threats",
)


class StageMoveRefused(ValidationError):
    """A stage move the rules refuse; `.reasons` lists what is missing, in words for the rep."""

    def __init__(self, reasons: list[str]):
        self.reasons = [str(r) for r in reasons]
        super().__init__(self.reasons)


def weighted_amount_expr() -> ExpressionWrapper:
    """amount x probability / 100, in SQL (decimal division on every backend)."""
    return ExpressionWrapper(
        F("amount") * F("probability") / Value(Decimal("100.00")),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )


def weighted_totals(groups) -> dict:
    """Count, amount and weighted amount from rows grouped by probability (`n`, `amount`).

    Amounts are whole cents, and so is each group's sum: it is rounded to the cent, since SQLite
    adds decimals as binary floats (a running total there drifts by a billionth of a cent)."""
    count, amount, weighted = 0, Decimal("0"), Decimal("0")
    for row in groups:
        group_amount = Decimal(str(row["amount"] or 0)).quantize(CENT)
        count += row["n"]
        amount += group_amount
        weighted += group_amount * (row["probability"] or 0) / Decimal(100)
    return {"total_count": count, "total_amount": amount, "total_weighted": weighted}


def stale_q(now: datetime, stages: list[Stage] | None = None) -> Q:
    """The staleness rule, in SQL: open deals idle (no follow-up, no stage change) past their
    stage's `stale_after_days`, unless the rep has a plan: a next follow-up scheduled after now
    and no later than the same threshold from now. A follow-up date already past, or further
    out than the threshold, is no plan and does not hide the deal.

    `Opportunity.is_stale` is the same rule for one deal in memory; the stale scan, the stale
    flag on the list and the board, my day and the data-quality report all use this one.
    One OR-branch per open stage keeps this a plain indexed comparison on every database; the
    `closed_at IS NULL` every open deal has lets the open deals' idle index serve the lists.
    """
    if stages is None:
        stages = list(Stage.objects.open())
    q = Q(pk__in=[])
    for stage in stages:
        if not stage.is_open:
            continue
        threshold = timedelta(days=stage.stale_after_days)
        cutoff = now - threshold
        q |= (
            Q(stage_id=stage.pk, stage_entered_at__lt=cutoff)
            & (Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=cutoff))
            & (
                Q(next_follow_up_at__isnull=True)
                | Q(next_follow_up_at__lte=now)
                | Q(next_follow_up_at__gt=now + threshold)
            )
        )
    return Q(closed_at__isnull=True) & q


class OpportunityQuerySet(ByOutcome, models.QuerySet):
    def visible_to(self, user: User) -> OpportunityQuerySet:
        q = owner_scope(user)
        return self if q is None else self.filter(q)

    def in_stage_statistics(self) -> OpportunityQuerySet:
        """Deals that went through the stage process (quick wins bypass it, seed 004)."""
        return self.filter(is_quick_win=False)

    def with_weighted(self) -> OpportunityQuerySet:
        return self.annotate(weighted=weighted_amount_expr())

    def for_rows(self) -> OpportunityQuerySet:
        """Without the long texts no list or card shows (qualification notes, SWOT, review
        notes, the customer's notes and address): a list page reads a tenth of the bytes."""
        return self.defer(*LONG_TEXTS, "customer__notes", "customer__address")

    def stale(self, now: datetime | None = None) -> OpportunityQuerySet:
        return self.filter(stale_q(now or timezone.now()))

    def with_stale_flag(self, now: datetime | None = None, stages: list[Stage] | None = None):
        return self.annotate(
            stale=Case(
                When(stale_q(now or timezone.now(), stages), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def totals(self) -> dict:
        """Count, amount and weighted amount of this set, in one SQL aggregate.

        Grouped by probability (a handful of values: the stages'), so the database sums plain
        amounts from the covering report index and the weighted amount is one multiplication
        per group here instead of one per deal there; the result is the same to the cent.
        """
        return weighted_totals(
            self.order_by().values("probability").annotate(n=models.Count("pk"), amount=models.Sum("amount"))
        )


# Columns only the stage facts write (with every move): a save of the deal never writes them back.
KEPT_BY_STAGE_FACTS = frozenset({"cycle_days"})


class Opportunity(TracksHistory, MeddicQualification, OpportunityEvaluation, SoftDeletable):
    # Bookkeeping that moves with every follow-up or move; the moves are in `StageChange`.
    history_exclude = (
        "last_activity_at",
        "stage_entered_at",
        "closed_at",
        "created_at",
        "created_by",
        "close_date_push_count",
        "cycle_days",
        "manager_category_by",
        "manager_category_at",
        "deleted_at",
        "deleted_by",
        "purged_at",
    )
    history_m2m = ("competitors",)
    # Stage changes and approvals point at the deal: a purged deal stays as a tombstone.
    purge_keeps_row = True
    purge_clears = ("name", "need_description", "next_step", "review_notes")

    class Kind(models.TextChoices):
        NEW = "new", _("New business")
        REPEAT = "repeat", _("Repeat purchase")
        UPSELL = "upsell", _("Upsell")
        RENEWAL = "renewal", _("Renewal")

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="opportunities"
    )
    primary_contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("primary contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_for",
    )
    contacts = models.ManyToManyField(
        "customers.Contact", verbose_name=_("contacts"), blank=True, related_name="opportunities"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="opportunities"
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities")
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)], editable=False
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NEW)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("follows on from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ons",
    )

    # Classification (seed 003); customer type, industry and region come from the customer.
    value_tier = models.CharField(_("value tier"), max_length=10, choices=ValueTier.choices, default=ValueTier.MEDIUM)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    buying_stage = models.CharField(
        _("buying-decision stage"), max_length=20, choices=BuyingStage.choices, default=BuyingStage.AWARENESS
    )
    source = models.ForeignKey(
        "leads.LeadSource",
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    competitors = models.ManyToManyField(
        "opportunities.Competitor", verbose_name=_("competitors"), blank=True, related_name="opportunities"
    )

    # BANT carried over from the lead and kept current on the deal.
    budget_amount = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    budget_confirmed = models.BooleanField(_("budget confirmed"), default=False)
    need_description = models.TextField(_("need"), blank=True)
    need_confirmed = models.BooleanField(_("need confirmed"), default=False)
    timeline_confirmed = models.BooleanField(_("timeline confirmed"), default=False)

    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    loss_reason = models.ForeignKey(
        LossReason,
        verbose_name=_("loss reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    review_notes = models.TextField(_("review notes"), blank=True)
    is_quick_win = models.BooleanField(
        _("quick win"), default=False, help_text=_("Converted straight to won; kept out of stage statistics.")
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, help_text=_("The record's id in the system it was imported from.")
    )
    close_date_push_count = models.PositiveSmallIntegerField(
        _("close date pushed"),
        default=0,
        editable=False,
        help_text=_("How many times the expected close date moved later (a move earlier is a pull-in)."),
    )
    # The sales cycle: the selling days the deal spent in its stages, summed by the stage facts
    # with every move (null: no stage history). Only `StageFact` writes it, in the move's
    # transaction; a plain save of the deal leaves it alone (see `save`).
    cycle_days = models.DecimalField(
        _("days in stages"), max_digits=12, decimal_places=2, null=True, blank=True, editable=False
    )

    # Forecast categories: the rep's override and the leader's judgement (empty: none).
    forecast_category_override = models.CharField(
        _("forecast category (rep)"), max_length=12, choices=ForecastCategory.choices, blank=True, default=""
    )
    forecast_category_note = models.TextField(_("why (rep)"), blank=True)
    manager_category = models.CharField(
        _("forecast category (leader)"), max_length=12, choices=ForecastCategory.choices, blank=True, default=""
    )
    manager_category_note = models.TextField(_("why (leader)"), blank=True)
    manager_category_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("judged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    manager_category_at = models.DateTimeField(_("judged at"), null=True, blank=True, editable=False)

    objects = LiveManager.from_queryset(OpportunityQuerySet)()
    all_objects = models.Manager.from_queryset(OpportunityQuerySet)()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at"]
        # The report indexes carry (INCLUDE) the columns the report aggregates read, so those
        # run as index-only scans over a few MB instead of the wide deal rows (see `reports`).
        indexes = [
            # The staleness rule (`stale_q`: one range per open stage) counted from the index alone.
            models.Index(
                fields=["stage", "stage_entered_at"],
                include=["last_activity_at", "next_follow_up_at", "owner", "deleted_at", "closed_at"],
                name="opp_stage_idle_idx",
            ),
            models.Index(fields=["owner", "next_follow_up_at"]),
            # The widest scope (admin, director) reads the top rows of each list in index order
            # instead of sorting every open deal: the deal list's and my day's default order
            # (weighted value, highest first, then newest id) ...
            models.Index(
                OrderBy(weighted_amount_expr(), descending=True),
                OrderBy(F("id"), descending=True),
                name="opp_weighted_idx",
            ),
            # ... while one person's own lists (a rep's, "my own work") read theirs alone: the
            # planner otherwise walks the global order above for an owner with few open deals.
            models.Index(
                F("owner"),
                OrderBy(weighted_amount_expr(), descending=True),
                OrderBy(F("id"), descending=True),
                condition=Q(deleted_at__isnull=True),
                name="opp_owner_weighted_idx",
            ),
            # ... my day's follow-ups due and stale deals ...
            models.Index(fields=["next_follow_up_at", "id"], name="opp_follow_up_idx"),
            # ... the stale deals, longest idle first, from the open deals alone (closed ones
            # sit idle forever and would fill the front of an index over every deal) ...
            NullsFirstIndex(
                OrderBy(F("last_activity_at"), nulls_first=True),
                F("stage_entered_at"),
                F("id"),
                condition=Q(closed_at__isnull=True, deleted_at__isnull=True),
                name="opp_idle_open_idx",
            ),
            NullsFirstIndex(
                OrderBy(F("last_activity_at"), nulls_first=True), F("stage_entered_at"), F("id"), name="opp_idle_idx"
            ),
            # ... and the board's columns (open: largest first; won and lost: latest closed first).
            models.Index(fields=["stage", "-amount", "-id"], name="opp_stage_amount_idx"),
            models.Index(fields=["stage", "-closed_at", "-id"], name="opp_stage_closed_idx"),
            # The board's columns: a team's deals in one stage, largest first.
            models.Index(fields=["owner", "stage", "-amount"], name="opp_board_idx"),
            models.Index(fields=["created_at"]),
            models.Index(
                fields=["stage", "expected_close_date"],
                include=[
                    "id",
                    "owner",
                    "is_quick_win",
                    "amount",
                    "probability",
                    "deleted_at",
                    # The forecast's categories: the rep's and the leader's word on each deal.
                    "manager_category",
                    "forecast_category_override",
                ],
                name="opp_report_stage_idx",
            ),
            models.Index(
                fields=["closed_at"],
                include=[
                    "id",
                    "stage",
                    "is_quick_win",
                    "amount",
                    "probability",
                    "owner",
                    "source",
                    "customer",
                    "loss_reason",
                    "deleted_at",
                ],
                name="opp_report_closed_at_idx",
            ),
            models.Index(
                fields=["owner", "stage"],
                include=[
                    "id",
                    "is_quick_win",
                    "amount",
                    "probability",
                    "closed_at",
                    "created_at",
                    "expected_close_date",
                    "stage_entered_at",
                    "last_activity_at",
                    "deleted_at",
                    "manager_category",
                    "forecast_category_override",
                ],
                name="opp_report_owner_idx",
            ),
            # A team's or a rep's deals closed in a period (win/loss by source, customer, score),
            # index-only: the index by close time alone reads everyone's deals of the period.
            models.Index(
                fields=["owner", "closed_at"],
                include=[
                    "id",
                    "stage",
                    "is_quick_win",
                    "amount",
                    "source",
                    "customer",
                    "loss_reason",
                    "evaluation_score",
                    "cycle_days",
                    "deleted_at",
                ],
                name="opp_report_owner_closed_idx",
            ),
            # A leader's customers are those of their people's deals: the customer ids of a set of
            # owners, index-only (a director's customer list read the whole deal table twice).
            models.Index(
                fields=["owner"],
                include=["customer"],
                condition=Q(deleted_at__isnull=True),
                name="opp_owner_customer_idx",
            ),
            models.Index(fields=["id"], condition=Q(is_quick_win=True), name="opp_quick_win_idx"),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="opp_binned_idx"),
            # The few deals whose close date is fiction, for the data-quality report.
            models.Index(
                fields=["owner", "stage"],
                include=["id", "close_date_push_count"],
                condition=Q(close_date_push_count__gte=FICTION_PUSHES),
                name="opp_pushed_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="opportunity_external_id_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0),
                name="opportunity_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=100), name="opportunity_probability_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Counts close-date pushes (Salesforce's "pushed" deals): every save that moves the
        expected close date later, from one date to another, is one push."""
        self.history_ensure_baseline()
        if self._state.adding or self.pk is None:
            self.cycle_days = None  # a new deal has no stage history yet (a copy keeps none)
        elif kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            # A full save writes what the instance holds; the cycle may have grown since it was
            # read (a move in another request, or in this one), so it is never written back.
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname not in deferred and f.attname not in KEPT_BY_STAGE_FACTS
            ]
        old, new = self.history_changes().get("expected_close_date", (None, None))
        if old and new and new > old:
            self.close_date_push_count += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "close_date_push_count" not in update_fields:
                kwargs["update_fields"] = [*update_fields, "close_date_push_count"]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("opportunities:detail", args=[self.pk])

    def field_history(self):
        """Every recorded change of this deal's fields (amount, close date, stage, probability,
        owner, ...), newest first."""
        return self.history()

    # --- Derived figures ---------------------------------------------------------------

    @property
    def close_date_is_fiction(self) -> bool:
        """Pushed later FICTION_PUSHES times or more: the close date no longer means anything."""
        return self.close_date_push_count >= FICTION_PUSHES

    @property
    def weighted_amount(self) -> Decimal:
        """Seed 004: a deal is worth its amount times its stage's probability right now."""
        return (self.amount * self.probability / Decimal(100)).quantize(CENT)

    @property
    def is_open(self) -> bool:
        return self.stage.is_open

    # --- Forecast categories -----------------------------------------------------------

    @property
    def effective_category(self) -> str:
        """The category the team forecast counts this deal in (see `forecast.resolve_category`)."""
        from .forecast import resolve_category

        return resolve_category(self.stage, self.forecast_category_override, self.manager_category)

    def get_effective_category_display(self) -> str:
        return str(ForecastCategory(self.effective_category).label)

    @property
    def rep_category(self) -> str:
        """The category as the rep forecasts it: their override, else the stage's default."""
        from .forecast import resolve_category

        return resolve_category(self.stage, self.forecast_category_override, with_judgement=False)

    def _check_category(self, category: str, note: str, field: str) -> str:
        from .forecast import CHOOSABLE

        category = category or ""
        if category and category not in CHOOSABLE:
            raise ValidationError({field: gettext("Choose Pipeline, Best case, Commit or Omitted.")})
        if category and not (note or "").strip():
            raise ValidationError({f"{field}_note": gettext("Say why: the note is what the forecast meeting reads.")})
        return category

    def can_override_category(self, user: User | None) -> bool:
        """The deal's owner forecasts it; their leader and an admin may correct it for them."""
        return user is not None and (user.pk == self.owner_id or self.can_approve(user))

    def override_forecast_category(self, category: str, note: str, *, by: User) -> bool:
        """Forecast categories: the rep says where an open deal really stands (for example a
        50 % deal the customer has verbally committed to: Commit), with a note. An empty
        category returns the deal to its stage's default. The change is history (the tracked
        field). Returns False when nothing changed."""
        from django.core.exceptions import PermissionDenied

        if not self.can_override_category(by):
            raise PermissionDenied(gettext("Only the deal's owner, their leader or an admin may forecast this deal."))
        category = self._check_category(category, note, "forecast_category_override")
        note = (note or "").strip() if category else ""
        with transaction.atomic(), acting_as(by):
            deal = Opportunity.objects.select_for_update().select_related("stage").get(pk=self.pk)
            if not deal.stage.is_open:
                raise ValidationError(
                    {"forecast_category_override": gettext("A closed deal counts as Closed or Omitted.")}
                )
            if (deal.forecast_category_override, deal.forecast_category_note) == (category, note):
                return False
            deal.forecast_category_override = category
            deal.forecast_category_note = note
            deal.version += 1
            deal.save(update_fields=["forecast_category_override", "forecast_category_note", "version", "updated_at"])
        self.refresh_from_db()
        return True

    def judge_forecast_category(self, category: str, note: str, *, by: User) -> bool:
        """Manager judgement: the owner's team leader (or an admin) sets the category the team
        forecast uses for this open deal, whatever the rep says; empty clears it. Recorded in
        the history with who and when. Returns False when nothing changed."""
        from django.core.exceptions import PermissionDenied

        if not self.can_approve(by):
            raise PermissionDenied(gettext("Only the owner's team leader or an admin may judge this deal."))
        category = self._check_category(category, note, "manager_category")
        note = (note or "").strip() if category else ""
        now = timezone.now()
        with transaction.atomic(), acting_as(by):
            deal = Opportunity.objects.select_for_update().select_related("stage").get(pk=self.pk)
            if not deal.stage.is_open:
                raise ValidationError({"manager_category": gettext("A closed deal counts as Closed or Omitted.")})
            if (deal.manager_category, deal.manager_category_note) == (category, note):
                return False
            deal.manager_category = category
            deal.manager_category_note = note
            deal.manager_category_by = by if category else None
            deal.manager_category_at = now if category else None
            deal.version += 1
            deal.save(
                update_fields=[
                    "manager_category",
                    "manager_category_note",
                    "manager_category_by",
                    "manager_category_at",
                    "version",
                    "updated_at",
                ]
            )
        self.refresh_from_db()
        return True

    def days_in_stage(self, now: datetime | None = None) -> int:
        return max(((now or timezone.now()) - self.stage_entered_at).days, 0)

    @property
    def idle_since(self) -> datetime:
        """The later of the last follow-up and the last stage change."""
        if self.last_activity_at and self.last_activity_at > self.stage_entered_at:
            return self.last_activity_at
        return self.stage_entered_at

    def idle_days(self, now: datetime | None = None) -> int:
        return max(((now or timezone.now()) - self.idle_since).days, 0)

    def has_plan_within(self, threshold: timedelta, now: datetime | None = None) -> bool:
        """A next follow-up is scheduled after now and no later than `threshold` from now."""
        now = now or timezone.now()
        return self.next_follow_up_at is not None and now < self.next_follow_up_at <= now + threshold

    def is_stale(self, now: datetime | None = None) -> bool:
        """Open, idle for longer than the stage's `stale_after_days` (SPEC: stale reminders), and
        no follow-up planned within that many days from now: the rule of `stale_q`."""
        if not self.stage.is_open:
            return False
        now = now or timezone.now()
        threshold = timedelta(days=self.stage.stale_after_days)
        return now - self.idle_since > threshold and not self.has_plan_within(threshold, now)

    # --- Stage rules -------------------------------------------------------------------

    def has_decision_maker(self) -> bool:
        from customers.models import Contact

        role = Contact.BuyingRole.DECISION_MAKER
        if self.primary_contact_id and self.primary_contact.buying_role == role:
            return True
        return self.pk is not None and self.contacts.filter(buying_role=role).exists()

    def is_reopen_to(self, stage: Stage) -> bool:
        """Leaving a closed outcome (won or lost) reopens the deal: the leader's numbers counted
        it as closed, so it takes a reason and the team leader's approval."""
        return self.stage.is_closed and stage.pk != self.stage_id

    def needs_approval_for(self, stage: Stage) -> bool:
        """Seed 004 / SPEC stage 3: large deals need the team leader's approval to enter; and
        reopening a closed deal needs it whatever the amount."""
        if self.is_reopen_to(stage):
            return True
        return stage.approval_threshold is not None and self.amount >= stage.approval_threshold

    def is_approved_for(self, stage: Stage, amount: Decimal | None = None) -> bool:
        """An approval counts for the stage it was given for and an amount no larger than it
        (the deal's amount, or `amount` when checking a change). For a reopen it must have been
        asked since the deal closed (an approval from before the close approved something else)."""
        from .approval import ApprovalRequest

        approvals = ApprovalRequest.objects.filter(
            opportunity=self,
            stage=stage,
            status=ApprovalRequest.Status.APPROVED,
            amount__gte=self.amount if amount is None else amount,
        )
        if self.is_reopen_to(stage) and self.closed_at:
            approvals = approvals.filter(created_at__gte=self.closed_at)
        return approvals.exists()

    def can_approve(self, user: User | None) -> bool:
        """The owner's team leader, or an admin, may approve; their own move needs no request."""
        if user is None:
            return False
        if user.is_admin:
            return True
        team = self.owner.team
        return team is not None and team.leader_id == user.pk

    def requirements_for(self, stage: Stage, *, by: User | None = None, loss_reason=None) -> list[str]:
        """What this deal still lacks to enter `stage`, in words a rep understands.

        The checks are the stage's entry requirements as configured in admin (SPEC: stage 1
        needs budget and timeline, stage 2 a follow-up and a described need, stage 3 a
        decision maker, an amount and approval for large deals, won a close date, lost a
        reason). An empty list means the move is allowed.
        """
        missing: list[str] = []
        if self.stage_id is not None and stage.pipeline_id != self.stage.pipeline_id:
            missing.append(
                gettext(
                    "“%(stage)s” belongs to the pipeline “%(pipeline)s”: use “Change pipeline” to move the deal there."
                )
                % {"stage": stage, "pipeline": stage.pipeline}
            )
            return missing
        return missing + self.entry_requirements(stage, by=by, loss_reason=loss_reason)

    def entry_requirements(self, stage: Stage, *, by: User | None = None, loss_reason=None) -> list[str]:
        """The stage's own entry requirements (see `requirements_for`), whichever pipeline the deal is in."""
        missing: list[str] = []
        if not stage.is_active:
            missing.append(gettext("The stage “%(stage)s” is no longer in use.") % {"stage": stage})
        if stage.requires_budget and not (self.budget_confirmed and self.budget_amount is not None):
            missing.append(gettext("Confirm the customer's budget (amount and the confirmed box)."))
        if stage.requires_timeline and not (self.timeline_confirmed and self.expected_close_date):
            missing.append(gettext("Confirm the purchase timeline (expected close date and the confirmed box)."))
        if stage.requires_follow_up and not (self.pk and self.activities.exists()):
            missing.append(gettext("Log at least one follow-up with the customer."))
        if stage.requires_need and not self.need_description.strip():
            missing.append(gettext("Describe the customer's need."))
        if stage.requires_decision_maker and not self.has_decision_maker():
            missing.append(gettext("Add a contact whose buying role is decision maker."))
        if stage.requires_amount and not self.amount > 0:
            missing.append(gettext("Enter an amount above zero."))
        if stage.requires_close_date and not self.expected_close_date:
            missing.append(gettext("Set the close date."))
        if stage.requires_loss_reason and not (loss_reason or self.loss_reason_id):
            missing.append(gettext("Choose a loss reason."))
        if stage.required_criteria:
            missing += self.meddic_missing(stage.required_criteria)
        approval = self.approval_requirement(stage, by=by)
        if approval:
            missing.append(approval)
        return missing

    def approval_requirement(self, stage: Stage, *, by: User | None = None) -> str | None:
        """The leader-approval requirement for `stage` when it is unmet for `by`, else None."""
        if self.needs_approval_for(stage) and not self.can_approve(by) and not self.is_approved_for(stage):
            if self.is_reopen_to(stage):
                return gettext("Reopening a closed deal needs the team leader's approval.")
            return gettext("Deals of %(threshold)s or more need the team leader's approval for this stage.") % {
                "threshold": f"{stage.approval_threshold:,.0f}"
            }
        return None

    def amount_change_requirement(self, amount, *, by: User | None) -> str | None:
        """Raising the amount of a deal already in a stage that needs approval at that size
        needs that approval too, so the threshold cannot be dodged by entering small and growing
        afterwards. Returns the unmet requirement in words, or None."""
        stage = self.stage
        if self.pk is None or amount is None or amount <= self.amount or stage.approval_threshold is None:
            return None
        if amount < stage.approval_threshold or self.can_approve(by) or self.is_approved_for(stage, amount):
            return None
        return gettext(
            "In “%(stage)s”, deals of %(threshold)s or more need the team leader's approval: "
            "ask your leader to raise the amount, or move the deal back first."
        ) % {"stage": stage, "threshold": f"{stage.approval_threshold:,.0f}"}

    def request_approval(self, stage: Stage, by: User, note: str = ""):
        """Large-deal approval (SPEC stage 3): ask the team leader to let the deal into `stage`.

        See `ApprovalRequest.open_for`, which holds the rule.
        """
        from .approval import ApprovalRequest

        return ApprovalRequest.open_for(self, stage, by=by, note=note)

    def move_or_request_approval(
        self, stage: Stage, by: User, note: str = "", loss_reason: LossReason | None = None, *, review: bool = False
    ):
        """What the board and the stage form call: move when allowed; when only the leader's
        approval is missing, file an approval request instead. Returns the `StageChange` or
        the `ApprovalRequest`; any other unmet requirement raises `StageMoveRefused`.
        `review`: the rep's note is also their review of a deal this move closes.
        """
        if stage.pipeline_id == self.stage.pipeline_id and self.approval_requirement(stage, by=by):
            return self.request_approval(stage, by=by, note=note)
        return self.move_to(stage, by, note=note, loss_reason=loss_reason, review=review)

    def reopen_reason_requirement(self, stage: Stage, note: str) -> str | None:
        """A reopen must say why (the note becomes the reason on the stage history)."""
        if self.is_reopen_to(stage) and not (note or "").strip():
            return gettext("Give the reason for reopening the deal in the note.")
        return None

    def stages_skipped_to(self, stage: Stage) -> int:
        """How many stages of the forward path a move jumps over (0 for a normal or backward move)."""
        current = self.stage
        if current.outcome == Stage.Outcome.LOST or stage.outcome == Stage.Outcome.LOST:
            return 0
        if stage.order <= current.order or stage.pipeline_id != current.pipeline_id:
            return 0
        return (
            Stage.objects.active()
            .pipeline()
            .filter(pipeline_id=stage.pipeline_id, order__gt=current.order, order__lt=stage.order)
            .count()
        )

    def move_to(
        self,
        stage: Stage,
        by: User,
        note: str = "",
        loss_reason: LossReason | None = None,
        *,
        now: datetime | None = None,
        review: bool = False,
    ) -> StageChange:
        """Move the deal to `stage`: the one way a stage changes.

        Locks the row, checks `requirements_for`, and on success writes the immutable
        `StageChange` (who, when, from, to, days in the previous stage, stages skipped), then
        sets probability, `stage_entered_at` and `closed_at`. Backward moves are allowed and
        recorded; forward skips are allowed and flagged for the data-quality report. Leaving a
        won or lost outcome is a reopen: it needs a reason (`note`) and the leader's approval,
        and is recorded as `is_reopen` (reports count it as a reopen, not as a new entry). A
        refusal raises `StageMoveRefused` and changes nothing.

        The time of the move is taken after the row lock (unless `now` is given, as when
        replaying history), so concurrent moves of one deal get times in the order they were
        applied and the timeline's from -> to links stay unbroken.
        """
        with transaction.atomic(), acting_as(by):
            # Lock the bare row: with joins, PostgreSQL re-checks a concurrently updated row
            # against the joined rows of the old version and would drop it from the result.
            deal = Opportunity.objects.select_for_update().get(pk=self.pk)
            now = now or timezone.now()
            if deal.stage_id == stage.pk:
                raise StageMoveRefused([gettext("The deal is already in this stage.")])
            reasons = deal.requirements_for(stage, by=by, loss_reason=loss_reason)
            reason_missing = deal.reopen_reason_requirement(stage, note)
            if reason_missing:
                reasons.append(reason_missing)
            if reasons:
                raise StageMoveRefused(reasons)
            previous = deal.stage
            change = StageChange.objects.create(
                opportunity=deal,
                from_stage=previous,
                to_stage=stage,
                from_probability=deal.probability,
                to_probability=stage.probability,
                changed_by=by,
                changed_at=now,
                days_in_previous_stage=_days_between(deal.stage_entered_at, now),
                stages_skipped=deal.stages_skipped_to(stage),
                is_backward=stage.outcome != Stage.Outcome.LOST
                and previous.outcome != Stage.Outcome.LOST
                and stage.order < previous.order,
                is_reopen=deal.is_reopen_to(stage),
                amount=deal.amount,
                loss_reason=loss_reason if stage.outcome == Stage.Outcome.LOST else None,
                note=note,
            )
            deal.stage = stage
            deal.probability = stage.probability
            deal.stage_entered_at = now
            deal.closed_at = None if stage.is_open else now
            if stage.outcome == Stage.Outcome.LOST:
                deal.loss_reason = loss_reason or deal.loss_reason
            else:
                deal.loss_reason = None
            if review and not stage.is_open and note.strip():
                # What the rep writes when closing (the Lost dialog's review notes) is the deal's
                # review: one place, shown on the review card. (System notes, such as an admin
                # action's or an approval's, are not a review.)
                deal.review_notes = f"{deal.review_notes}\n\n{note.strip()}" if deal.review_notes else note.strip()
            deal.version += 1
            deal.save(
                update_fields=[
                    "stage",
                    "probability",
                    "stage_entered_at",
                    "closed_at",
                    "loss_reason",
                    "review_notes",
                    "version",
                    "updated_at",
                ]
            )
            deal.emit_stage_events(previous, by)
        self.refresh_from_db()
        return change

    def evaluate(self, by: User, *, ratings: dict, notes: dict | None = None, swot: dict | None = None) -> None:
        """Seed 002: rate need fit, budget fit, decision cycle, purchase intent and competitive
        position 1-5 (each with its note), and keep an optional SWOT (seed 000). The weighted
        score (`EvaluationWeights.score`) is stored with the ratings so lists sort by it."""
        errors = {}
        for code in FACTOR_CODES:
            value = ratings.get(code)
            if value is not None and not (isinstance(value, int) and 1 <= value <= 5):
                errors[rating_field(code)] = gettext("Rate from 1 to 5.")
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():
            deal = Opportunity.objects.select_for_update().get(pk=self.pk)
            fields = ["evaluation_score", "version", "updated_at"]
            for code in FACTOR_CODES:
                setattr(deal, rating_field(code), ratings.get(code))
                fields.append(rating_field(code))
                if notes is not None:
                    setattr(deal, f"{rating_field(code)}_note", (notes.get(code) or "").strip())
                    fields.append(f"{rating_field(code)}_note")
            if swot is not None:
                for name in SWOT_FIELDS:
                    setattr(deal, name, (swot.get(name) or "").strip())
                    fields.append(name)
            deal.evaluation_score = EvaluationWeights.current().score(deal.ratings())
            deal.version += 1
            deal.save(update_fields=fields)
        self.refresh_from_db()

    @property
    def pipeline(self) -> Pipeline:
        """A deal belongs to the pipeline of its stage."""
        return self.stage.pipeline

    def change_pipeline(self, stage: Stage, by: User, note: str = "", *, now: datetime | None = None) -> StageChange:
        """Move an open deal into an open stage of another pipeline: its own action, never a side
        effect of `move_to`.

        The target stage's entry requirements apply as for any move. The `StageChange` is marked
        `pipeline_changed`, so the history shows it, and the conversion reports (which read
        entries per stage) see the deal leave the old pipeline's stage and enter the new one's.
        """
        with transaction.atomic(), acting_as(by):
            deal = Opportunity.objects.select_for_update().get(pk=self.pk)
            now = now or timezone.now()  # after the lock, like move_to
            previous = deal.stage
            reasons: list[str] = []
            if stage.pipeline_id == previous.pipeline_id:
                reasons.append(gettext("The deal is already in this pipeline: move it to the stage instead."))
            elif not previous.is_open:
                reasons.append(gettext("Only an open deal can change pipeline."))
            elif not stage.is_open:
                reasons.append(gettext("Choose an open stage of the new pipeline."))
            elif not stage.pipeline.is_active:
                reasons.append(
                    gettext("The pipeline “%(pipeline)s” is no longer in use.") % {"pipeline": stage.pipeline}
                )
            else:
                reasons = deal.entry_requirements(stage, by=by)
            if reasons:
                raise StageMoveRefused(reasons)
            change = StageChange.objects.create(
                opportunity=deal,
                from_stage=previous,
                to_stage=stage,
                from_probability=deal.probability,
                to_probability=stage.probability,
                changed_by=by,
                changed_at=now,
                days_in_previous_stage=_days_between(deal.stage_entered_at, now),
                pipeline_changed=True,
                amount=deal.amount,
                note=note,
            )
            deal.stage = stage
            deal.probability = stage.probability
            deal.stage_entered_at = now
            deal.version += 1
            deal.save(update_fields=["stage", "probability", "stage_entered_at", "version", "updated_at"])
        self.refresh_from_db()
        return change

    def webhook_data(self) -> dict:
        """What an outgoing webhook tells about this deal (ids, names, money as a string)."""
        stage = self.stage
        return {
            "id": self.pk,
            "name": self.name,
            "amount": f"{Decimal(self.amount):.2f}",
            "currency": settings.CRM_CURRENCY,
            "stage": {"id": stage.pk, "name": stage.name, "name_en": stage.name_en, "outcome": stage.outcome},
            "probability": self.probability,
            "expected_close_date": self.expected_close_date,
            "customer": {"id": self.customer_id, "name": self.customer.name},
            "owner": {"id": self.owner_id, "username": self.owner.username},
            "external_id": self.external_id,
            "url": _absolute(self.get_absolute_url()),
        }

    def emit_stage_events(self, previous: Stage, by: User | None) -> None:
        """Webhooks for a move: always stage_changed, and won or lost when the move closes the deal."""

        def data() -> dict:
            return {
                **self.webhook_data(),
                "from_stage": {"id": previous.pk, "name": previous.name, "name_en": previous.name_en},
                "by": getattr(by, "username", None),
                "loss_reason": str(self.loss_reason) if self.loss_reason_id else None,
            }

        emit("deal.stage_changed", data)
        if self.stage.outcome == Stage.Outcome.WON:
            emit("deal.won", data)
        elif self.stage.outcome == Stage.Outcome.LOST:
            emit("deal.lost", data)

    def record_creation(self, by: User | None, now: datetime | None = None) -> StageChange:
        """The entry into the first stage, so conversion reports count every deal that entered it."""
        now = now or self.stage_entered_at
        return StageChange.objects.create(
            opportunity=self,
            from_stage=None,
            to_stage=self.stage,
            from_probability=None,
            to_probability=self.probability,
            changed_by=by,
            changed_at=now,
            days_in_previous_stage=Decimal("0"),
            amount=self.amount,
        )

    @classmethod
    def open_new(
        cls, *, by: User, stage: Stage | None = None, pipeline: Pipeline | None = None, **fields
    ) -> Opportunity:
        """Create a deal in its first stage (default: the first open stage of `pipeline`, else of
        the default pipeline) with its history row."""
        stage = stage or Stage.objects.first_open(pipeline)
        now = timezone.now()
        fields.setdefault("owner", by)
        with transaction.atomic(), acting_as(by):
            deal = cls.objects.create(
                stage=stage, probability=stage.probability, stage_entered_at=now, created_by=by, **fields
            )
            deal.record_creation(by, now)
            emit("deal.created", lambda: {**deal.webhook_data(), "by": getattr(by, "username", None)})
        return deal

    def start_follow_on(
        self, by: User, *, kind: str = Kind.REPEAT, name: str = "", amount=None, pipeline: Pipeline | None = None
    ) -> Opportunity:
        """Seed 001 stage 4: a won customer spawns repeat, upsell or renewal business.

        It opens in `pipeline`; by default a renewal goes to the pipeline marked for renewals and
        a repeat purchase or an upsell to the default pipeline."""
        if self.stage.outcome != Stage.Outcome.WON:
            raise ValidationError(gettext("Only a won deal can start a follow-on opportunity."))
        if kind not in (self.Kind.REPEAT, self.Kind.UPSELL, self.Kind.RENEWAL):
            raise ValidationError(gettext("A follow-on is a repeat purchase, an upsell or a renewal."))
        if pipeline is None:
            pipeline = Pipeline.objects.for_renewals() if kind == self.Kind.RENEWAL else Pipeline.objects.default()
        with acting_as(by):
            return self._start_follow_on(by, kind=kind, name=name, amount=amount, pipeline=pipeline)

    def _start_follow_on(self, by: User, *, kind: str, name: str, amount, pipeline: Pipeline) -> Opportunity:
        deal = Opportunity.open_new(
            by=by,
            pipeline=pipeline,
            owner=self.owner,
            name=name or f"{self.name} · {self.Kind(kind).label}",
            customer=self.customer,
            primary_contact=self.primary_contact,
            amount=amount if amount is not None else self.amount,
            kind=kind,
            parent=self,
            source=self.source,
            value_tier=self.value_tier,
        )
        deal.contacts.set(self.contacts.all())
        return deal

    # -- the decision chain ---------------------------------------------------------------
    @staticmethod
    def describe_contact(contact) -> str:
        """How a contact on the decision chain reads in the deal's history."""
        return f"{contact.name} · {contact.get_buying_role_display()} · {contact.get_attitude_display()}"

    def add_to_decision_chain(self, contact, by: User) -> None:
        """Put a contact on this deal's decision chain, recorded on the deal's timeline."""
        from audit.models import FieldChange

        with transaction.atomic(), acting_as(by):
            self.contacts.add(contact)
            self.record_event(FieldChange.Action.CHANGED, field="contacts", new=self.describe_contact(contact))

    def record_contact_change(self, before: str, after: str, by: User) -> None:
        """A contact's buying role or attitude changed: the deal's timeline shows from what to what."""
        from audit.models import FieldChange

        if before != after:
            with acting_as(by):
                self.record_event(FieldChange.Action.CHANGED, field="contacts", old=before, new=after)

    # -- recycle bin (see crm.softdelete) -------------------------------------------------
    def deletion_refusal(self, user: User) -> str | None:
        """A closed deal is in the team's won and lost figures: only a leader or admin takes it out."""
        if self.stage.outcome != Stage.Outcome.OPEN and not (user.is_admin or user.is_leader):
            return gettext("Only your leader or an administrator can delete a won or lost deal.")
        return None

    def restore_refusal(self) -> str | None:
        from customers.models import Customer

        if Customer.all_objects.filter(pk=self.customer_id, deleted_at__isnull=False).exists():
            return gettext("Restore its customer first: it is in the recycle bin too.")
        return None

    def before_purge(self) -> None:
        """The deal stays as a tombstone for its stage history and approvals; its follow-ups,
        objections and files go."""
        from .activity import Activity, Objection

        Activity.all_objects.filter(opportunity=self).delete()
        Objection.objects.filter(opportunity=self).delete()
        self.contacts.clear()
        self.competitors.clear()
        for attachment in self.attachments(manager="all_objects").all():
            attachment.purge()


def _absolute(path: str) -> str:
    return f"{settings.CRM_BASE_URL.rstrip('/')}{path}"


def _days_between(start: datetime, end: datetime) -> Decimal:
    return (Decimal((end - start).total_seconds()) / Decimal(86400)).quantize(CENT)


class StageChangeManager(models.Manager):
    """Stage changes of a deal in the recycle bin leave the reports with their deal."""

    def get_queryset(self):
        return super().get_queryset().exclude(opportunity_id__in=binned_pks(Opportunity))


class ErasedDeal(models.Model):
    """The id of a deal whose row was deleted outright (the app bins deals and keeps purged ones
    as tombstones; a delete through the ORM still erases). Its stage history and approvals stay,
    counted nowhere: the admin's unscoped views leave these few ids out, instead of checking
    every history row against the whole deal table. Written by `register_erased_deal`, in the
    transaction of the delete."""

    id = models.BigIntegerField(primary_key=True)
    erased_at = models.DateTimeField(_("erased"), auto_now_add=True)

    class Meta:
        verbose_name = _("erased deal")
        verbose_name_plural = _("erased deals")

    def __str__(self) -> str:
        return str(self.id)


def register_erased_deal(sender, instance: Opportunity, **kwargs) -> None:
    """After a deal's row is deleted (any ORM delete, single or bulk): register its id."""
    ErasedDeal.objects.get_or_create(id=instance.pk)


def erased_deal_ids():
    """Ids of the deals deleted outright, as a (small) subquery."""
    return ErasedDeal.objects.values("id")


class StageChangeQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> StageChangeQuerySet:
        """A stage change is visible with its deal. History outlives a deleted deal (no
        cascade), and such orphaned rows are never shown or counted: the owner scope joins the
        deal, and the admin's unscoped view leaves out the erased deals (`ErasedDeal`; this
        manager already leaves out the binned deals' changes)."""
        q = owner_scope(user, "opportunity__owner")
        if q is None:
            return self.exclude(opportunity_id__in=erased_deal_ids())
        return self.filter(q)


class StageChange(models.Model):
    """One stage move, immutable once written (the audit trail and the velocity data)."""

    # History is never deleted with its deal (the recycle bin's purge keeps it): no cascade and
    # no database constraint, so the rows stay when the deal row goes.
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="stage_changes",
    )
    from_stage = models.ForeignKey(
        Stage, verbose_name=_("from"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, verbose_name=_("to"), on_delete=models.PROTECT, related_name="entries")
    from_probability = models.PositiveSmallIntegerField(null=True, blank=True)
    to_probability = models.PositiveSmallIntegerField()
    # Users are deactivated, not deleted; one who moved deals cannot be deleted (the immutable
    # rows could not be set to NULL anyway).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    days_in_previous_stage = models.DecimalField(_("days in previous stage"), max_digits=9, decimal_places=2)
    stages_skipped = models.PositiveSmallIntegerField(_("stages skipped"), default=0)
    is_backward = models.BooleanField(_("backward"), default=False)
    is_reopen = models.BooleanField(
        _("reopen"), default=False, help_text=_("Left a won or lost outcome (with the leader's approval).")
    )
    pipeline_changed = models.BooleanField(
        _("pipeline changed"), default=False, help_text=_("The deal moved into a stage of another pipeline.")
    )
    amount = models.DecimalField(_("amount at the time"), max_digits=14, decimal_places=2, default=Decimal("0"))
    loss_reason = models.ForeignKey(
        LossReason, verbose_name=_("loss reason"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    objects = StageChangeManager.from_queryset(StageChangeQuerySet)()
    all_objects = models.Manager.from_queryset(StageChangeQuerySet)()

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "pk"]
        indexes = [
            models.Index(fields=["to_stage", "changed_at"]),
            # Covering indexes for the conversion, velocity and data-quality reports.
            models.Index(
                fields=["opportunity", "changed_at"],
                include=["to_stage", "days_in_previous_stage"],
                name="stagechange_report_opp_idx",
            ),
            models.Index(
                fields=["changed_at"],
                include=["opportunity", "to_stage", "from_stage", "days_in_previous_stage", "stages_skipped"],
                name="stagechange_report_time_idx",
            ),
            models.Index(
                fields=["from_stage", "changed_at"],
                include=["to_stage", "days_in_previous_stage", "opportunity"],
                name="stagechange_report_from_idx",
            ),
            models.Index(fields=["changed_at"], condition=Q(stages_skipped__gt=0), name="stagechange_skip_idx"),
            models.Index(fields=["changed_at"], condition=Q(is_reopen=True), name="stagechange_reopen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage or '—'} → {self.to_stage}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("A stage change is immutable once written.")
        from .stage_facts import StageFact

        with transaction.atomic():
            super().save(*args, **kwargs)
            StageFact.record(self)

    def delete(self, *args, **kwargs):
        raise ValidationError("A stage change is immutable and cannot be deleted.")
