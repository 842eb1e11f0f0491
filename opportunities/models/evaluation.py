"""Opportunity evaluation (seed 002): five factors rated 1-5 with a note each, weighted by the
admin into one score out of 100; and an optional SWOT for the deal (seed 000)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# (code, label, what a 5 means)
FACTORS = (
    ("need_fit", _("Need fit"), _("5: the customer's need matches what we sell exactly.")),
    ("budget_fit", _("Budget fit"), _("5: the budget comfortably covers our price.")),
    ("decision_cycle", _("Decision cycle"), _("5: the customer decides quickly.")),
    ("purchase_intent", _("Purchase intent"), _("5: the customer clearly means to buy.")),
    ("competition", _("Competitive position"), _("5: few competitors, or a clear edge over them.")),
)
FACTOR_CODES = [code for code, _label, _help in FACTORS]
SWOT_FIELDS = ("swot_strengths", "swot_weaknesses", "swot_opportunities", "swot_threats")
# Win rate by score band on the win/loss report, highest first: (key, lowest score, label).
SCORE_BANDS = (
    ("80", Decimal("80"), _("80–100")),
    ("60", Decimal("60"), _("60–79")),
    ("40", Decimal("40"), _("40–59")),
    ("0", Decimal("0"), _("Below 40")),
)


def rating_field(code: str) -> str:
    return f"rating_{code}"


def rating_note_field(code: str) -> str:
    return f"rating_{code}_note"


def evaluation_field_names() -> list[str]:
    names = []
    for code in FACTOR_CODES:
        names += [rating_field(code), rating_note_field(code)]
    return names + list(SWOT_FIELDS)


def _rating() -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class OpportunityEvaluation(models.Model):
    """The evaluation fields of a deal; `evaluation_score` is kept by `Opportunity.evaluate`."""

    rating_need_fit = _rating()
    rating_need_fit_note = models.CharField(_("need fit: why"), max_length=300, blank=True)
    rating_budget_fit = _rating()
    rating_budget_fit_note = models.CharField(_("budget fit: why"), max_length=300, blank=True)
    rating_decision_cycle = _rating()
    rating_decision_cycle_note = models.CharField(_("decision cycle: why"), max_length=300, blank=True)
    rating_purchase_intent = _rating()
    rating_purchase_intent_note = models.CharField(_("purchase intent: why"), max_length=300, blank=True)
    rating_competition = _rating()
    rating_competition_note = models.CharField(_("competitive position: why"), max_length=300, blank=True)
    evaluation_score = models.DecimalField(
        _("evaluation score"), max_digits=4, decimal_places=1, null=True, blank=True, editable=False
    )
    swot_strengths = models.TextField(_("strengths"), blank=True)
    swot_weaknesses = models.TextField(_("weaknesses"), blank=True)
    swot_opportunities = models.TextField(pgettext_lazy("SWOT", "opportunities"), blank=True)
    swot_threats = models.TextField(_("threats"), blank=True)

    class Meta:
        abstract = True

    def ratings(self) -> dict[str, int | None]:
        return {code: getattr(self, rating_field(code)) for code in FACTOR_CODES}

    def evaluation_rows(self) -> list[dict]:
        return [
            {
                "code": code,
                "label": label,
                "rating": getattr(self, rating_field(code)),
                "note": getattr(self, rating_note_field(code)),
            }
            for code, label, _help in FACTORS
        ]

    @property
    def has_swot(self) -> bool:
        return any(getattr(self, name).strip() for name in SWOT_FIELDS)


class EvaluationWeights(models.Model):
    """How much each factor counts in the score (one row, set by the admin)."""

    need_fit = models.PositiveSmallIntegerField(_("need fit"), default=25)
    budget_fit = models.PositiveSmallIntegerField(_("budget fit"), default=20)
    decision_cycle = models.PositiveSmallIntegerField(_("decision cycle"), default=15)
    purchase_intent = models.PositiveSmallIntegerField(_("purchase intent"), default=25)
    competition = models.PositiveSmallIntegerField(_("competitive position"), default=15)

    class Meta:
        verbose_name = _("evaluation weights")
        verbose_name_plural = _("evaluation weights")
        constraints = [
            models.CheckConstraint(
                condition=Q(need_fit__gt=0)
                | Q(budget_fit__gt=0)
                | Q(decision_cycle__gt=0)
                | Q(purchase_intent__gt=0)
                | Q(competition__gt=0),
                name="evaluation_weights_not_all_zero",
                violation_error_message=_("At least one factor needs a weight above zero."),
            )
        ]

    def __str__(self) -> str:
        return str(_("Evaluation weights"))

    def save(self, *args, **kwargs) -> None:
        """New weights re-score every evaluated deal, in the same transaction."""
        with transaction.atomic():
            super().save(*args, **kwargs)
            self.rescore_all()

    @classmethod
    def current(cls) -> EvaluationWeights:
        weights = cls.objects.order_by("pk").first()
        return weights if weights is not None else cls.objects.create()

    def as_dict(self) -> dict[str, int]:
        return {code: getattr(self, code) for code in FACTOR_CODES}

    def score(self, ratings: dict[str, int | None]) -> Decimal | None:
        """The weighted mean of the five ratings on a 0-100 scale (rating 1 = 20, 5 = 100);
        None until all five are rated, so a half-done evaluation never looks like a low one."""
        if any(ratings.get(code) is None for code in FACTOR_CODES):
            return None
        weights = self.as_dict()
        total = sum(weights.values())
        if not total:
            return None
        mean = Decimal(sum(weights[c] * ratings[c] for c in FACTOR_CODES)) / Decimal(total)
        return (mean * 20).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def rescore_all(self) -> int:
        from django.db.models import F, Value
        from django.db.models.functions import Round

        from .opportunity import Opportunity

        weights = self.as_dict()
        total = sum(weights.values())
        rated = Opportunity.objects.filter(**{f"{rating_field(c)}__isnull": False for c in FACTOR_CODES})
        expression = sum(
            (F(rating_field(c)) * Value(Decimal(weights[c] * 20)) for c in FACTOR_CODES), Value(Decimal(0))
        ) / Value(Decimal(total))
        return rated.update(evaluation_score=Round(expression, 1))
