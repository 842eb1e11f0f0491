"""MEDDIC qualification (seed 001): six criteria, each with its evidence and a confirmed flag,
kept on the lead and carried onto the deal. BANT keeps its own fields on both."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# (code, label, what the rep must do when it is missing)
MEDDIC = (
    ("metrics", _("Metrics"), _("Metrics: record the measurable gain the customer expects, and confirm it.")),
    (
        "economic_buyer",
        _("Economic buyer"),
        _("Economic buyer: name who signs off the budget, and confirm it."),
    ),
    (
        "decision_criteria",
        _("Decision criteria"),
        _("Decision criteria: record how the customer will choose, and confirm it."),
    ),
    (
        "decision_process",
        _("Decision process"),
        _("Decision process: record the steps and people of the decision, and confirm it."),
    ),
    ("identify_pain", _("Identify pain"), _("Identify pain: describe the customer's pain, and confirm it.")),
    ("champion", _("Champion"), _("Champion: name the customer's insider who sells for us, and confirm it.")),
)
MEDDIC_CODES = [code for code, _label, _reason in MEDDIC]
MEDDIC_CHOICES = [(code, label) for code, label, _reason in MEDDIC]


def meddic_field_names() -> list[str]:
    """The twelve MEDDIC fields, evidence then confirmed flag for each criterion."""
    names = []
    for code in MEDDIC_CODES:
        names += [f"meddic_{code}", f"meddic_{code}_confirmed"]
    return names


class MeddicQualification(models.Model):
    """Evidence text and a confirmed flag per MEDDIC criterion."""

    meddic_metrics = models.TextField(_("metrics"), blank=True)
    meddic_metrics_confirmed = models.BooleanField(_("metrics confirmed"), default=False)
    meddic_economic_buyer = models.TextField(_("economic buyer"), blank=True)
    meddic_economic_buyer_confirmed = models.BooleanField(_("economic buyer confirmed"), default=False)
    meddic_decision_criteria = models.TextField(_("decision criteria"), blank=True)
    meddic_decision_criteria_confirmed = models.BooleanField(_("decision criteria confirmed"), default=False)
    meddic_decision_process = models.TextField(_("decision process"), blank=True)
    meddic_decision_process_confirmed = models.BooleanField(_("decision process confirmed"), default=False)
    meddic_identify_pain = models.TextField(_("pain"), blank=True)
    meddic_identify_pain_confirmed = models.BooleanField(_("pain confirmed"), default=False)
    meddic_champion = models.TextField(_("champion"), blank=True)
    meddic_champion_confirmed = models.BooleanField(_("champion confirmed"), default=False)

    class Meta:
        abstract = True

    def meddic_met(self, code: str) -> bool:
        """A criterion is met when its evidence is written down and confirmed."""
        return bool(getattr(self, f"meddic_{code}_confirmed")) and bool(getattr(self, f"meddic_{code}").strip())

    def meddic_status(self) -> list[tuple[str, str, bool]]:
        return [(code, label, self.meddic_met(code)) for code, label, _reason in MEDDIC]

    def meddic_missing(self, codes: list[str] | None = None) -> list[str]:
        """The MEDDIC criteria (all, or just `codes`) not yet evidenced and confirmed, in words."""
        return [
            str(reason)
            for code, _label, reason in MEDDIC
            if (codes is None or code in codes) and not self.meddic_met(code)
        ]

    def meddic_values(self) -> dict:
        return {name: getattr(self, name) for name in meddic_field_names()}
