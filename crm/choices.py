"""Classification shared by leads, customers and opportunities (seed 003)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    ENTERPRISE = "enterprise", _("Enterprise")
    GOVERNMENT = "government", _("Government")


class ValueTier(models.TextChoices):
    HIGH = "high", _("High value")
    MEDIUM = "medium", _("Medium value")
    LOW = "low", _("Low value")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")
    LATENT = "latent", _("Latent")


class BuyingStage(models.TextChoices):
    AWARENESS = "awareness", _("Awareness")
    CONSIDERATION = "consideration", _("Consideration")
    DECISION = "decision", _("Decision")


class Industry(models.TextChoices):
    IT = "it", _("IT and software")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    FINANCE = "finance", _("Finance")
    GOVERNMENT = "public", _("Public sector")
    EDUCATION = "education", _("Education")
    HEALTHCARE = "healthcare", _("Healthcare")
    RETAIL = "retail", _("Retail")
    ENERGY = "energy", _("Energy")
    LOGISTICS = "logistics", _("Logistics")
    OTHER = "other", _("Other")


class Region(models.TextChoices):
    EAST = "east", _("East China")
    NORTH = "north", _("North China")
    SOUTH = "south", _("South China")
    CENTRAL = "central", _("Central China")
    SOUTHWEST = "southwest", _("Southwest China")
    NORTHWEST = "northwest", _("Northwest China")
    NORTHEAST = "northeast", _("Northeast China")
    OVERSEAS = "overseas", _("Overseas")


class ForecastCategory(models.TextChoices):
    """Where a deal counts in the forecast (Salesforce's forecast categories).

    Cumulative in the forecast: commit = closed (won) + commit; best case = commit + best case;
    pipeline = every open deal. Omitted deals count nowhere but the open pipeline.
    """

    PIPELINE = "pipeline", pgettext_lazy("forecast category", "Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", pgettext_lazy("forecast category", "Commit")
    OMITTED = "omitted", pgettext_lazy("forecast category", "Omitted")
    CLOSED = "closed", pgettext_lazy("forecast category", "Closed")


class BilingualName(models.Model):
    """Admin-configured names (stages, loss reasons, sources) in Chinese and English."""

    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        from django.utils.translation import get_language

        lang = (get_language() or "").lower()
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name
