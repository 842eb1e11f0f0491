"""Lead automation configured in admin: behaviour events, scoring rules, assignment rules.

The rules themselves run in `leads.scoring` and `leads.assignment`; saving a lead or one of
its events enqueues a re-score after the transaction commits (`leads.tasks.score_lead`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.tracking import TracksHistory
from crm.choices import CustomerType, Industry, Region

from .models import Lead, LeadSource

__all__ = ["AssignmentCursor", "AssignmentRule", "LeadAutomationSettings", "LeadEvent", "ScoringRule"]


class LeadEvent(models.Model):
    """Something a prospect did (behaviour scoring): visited the site, downloaded, filled a form."""

    class Kind(models.TextChoices):
        SITE_VISIT = "site_visit", _("Site visit")
        DOWNLOAD = "download", _("Download")
        FORM_SUBMISSION = "form_submission", _("Form submission")
        EMAIL_REPLY = "email_reply", _("Email reply")

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["lead", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.lead_id}"


class ScoringRule(TracksHistory, models.Model):
    """Points for a profile fact (industry, customer type, region, source, budget, company size)
    or for each behaviour event of a kind (optionally capped)."""

    class Criterion(models.TextChoices):
        INDUSTRY = "industry", _("Industry is")
        CUSTOMER_TYPE = "customer_type", _("Customer type is")
        REGION = "region", _("Region is")
        SOURCE = "source", _("Source is (source code)")
        BUDGET_AT_LEAST = "budget_at_least", _("Budget at least")
        COMPANY_SIZE_AT_LEAST = "company_size_at_least", _("Company size at least (employees)")
        EVENT = "event", _("Each behaviour event of kind")

    CHOICES_FOR = {
        Criterion.INDUSTRY: Industry,
        Criterion.CUSTOMER_TYPE: CustomerType,
        Criterion.REGION: Region,
        Criterion.EVENT: LeadEvent.Kind,
    }

    name = models.CharField(_("name"), max_length=100)
    criterion = models.CharField(_("criterion"), max_length=30, choices=Criterion.choices)
    value = models.CharField(
        _("value"),
        max_length=50,
        help_text=_(
            "A code (e.g. “it”, “enterprise”, “east”, “website”, “download”) or, for the “at least” criteria, a number."
        ),
    )
    points = models.IntegerField(_("points"), help_text=_("May be negative."))
    max_points = models.PositiveIntegerField(
        _("maximum points"), null=True, blank=True, help_text=_("Behaviour events only: cap on the points earned.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["criterion", "value"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        choices = self.CHOICES_FOR.get(self.criterion)
        if choices is not None and self.value not in choices.values:
            raise ValidationError({"value": _("Choose one of: %(codes)s.") % {"codes": ", ".join(choices.values)}})
        if self.criterion == self.Criterion.SOURCE and not LeadSource.objects.filter(code=self.value).exists():
            raise ValidationError({"value": _("No lead source has this code.")})
        if self.criterion in (self.Criterion.BUDGET_AT_LEAST, self.Criterion.COMPANY_SIZE_AT_LEAST):
            try:
                if Decimal(self.value) < 0:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                raise ValidationError({"value": _("Enter a number of zero or more.")})
        if self.max_points is not None and self.criterion != self.Criterion.EVENT:
            raise ValidationError({"max_points": _("Only behaviour-event rules can be capped.")})


class LeadAutomationSettings(models.Model):
    """The one row of lead-automation settings (threshold and default team)."""

    ready_threshold = models.IntegerField(
        _("ready-for-sales threshold"),
        default=30,
        help_text=_("A lead whose score reaches this is marked ready for sales and assigned."),
    )
    default_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("default team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Receives the leads no assignment rule matches."),
    )
    quick_win_limit = models.DecimalField(
        _("largest quick win"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        default=Decimal("50000"),
        validators=[MinValueValidator(0)],
        help_text=_(
            "A lead converts straight to a won deal only up to this amount; larger deals go through the "
            "stages. Empty: no limit."
        ),
    )

    class Meta:
        verbose_name = _("lead automation settings")
        verbose_name_plural = _("lead automation settings")

    def __str__(self) -> str:
        return str(_("Lead automation settings"))

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> LeadAutomationSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class AssignmentRule(TracksHistory, models.Model):
    """Ordered routing: the first active rule whose filled-in criteria all match the lead wins."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    source = models.ForeignKey(
        LeadSource, verbose_name=_("source"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    customer_type = models.CharField(_("customer type"), max_length=20, choices=CustomerType.choices, blank=True)
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named rep"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: round robin among the team's active reps."),
    )

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.rep_id and self.team_id and self.rep.team_id != self.team_id:
            raise ValidationError({"rep": _("The named rep must be a member of the rule's team.")})

    def matches(self, lead: Lead) -> bool:
        """Every criterion filled in must equal the lead's; an empty criterion matches anything."""
        return (
            (self.source_id is None or self.source_id == lead.source_id)
            and (not self.region or self.region == lead.region)
            and (not self.industry or self.industry == lead.industry)
            and (not self.customer_type or self.customer_type == lead.customer_type)
        )


class AssignmentCursor(models.Model):
    """Where a team's round robin stands; its row is locked while the next rep is chosen."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="assignment_cursor")
    last_user_id = models.BigIntegerField(null=True, blank=True)
    assigned_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("round-robin position")
        verbose_name_plural = _("round-robin positions")

    def __str__(self) -> str:
        return f"{self.team}: {self.last_user_id}"


# Fields the automation itself writes; changing only these does not trigger a re-score.
AUTOMATION_FIELDS = frozenset({"score", "ready_for_sales_at", "owner", "team", "version", "updated_at"})


def _enqueue_score(lead_id: int) -> None:
    from .tasks import score_lead

    transaction.on_commit(lambda: score_lead.delay(lead_id))


@receiver(post_save, sender=Lead, dispatch_uid="leads.rescore_on_lead_save")
def rescore_on_lead_save(sender, instance: Lead, created: bool, raw: bool = False, update_fields=None, **kwargs):
    if raw or not instance.is_open:
        return
    if update_fields is not None and set(update_fields) <= AUTOMATION_FIELDS:
        return
    _enqueue_score(instance.pk)


@receiver(post_save, sender=LeadEvent, dispatch_uid="leads.rescore_on_event_save")
@receiver(post_delete, sender=LeadEvent, dispatch_uid="leads.rescore_on_event_delete")
def rescore_on_event_change(sender, instance: LeadEvent, raw: bool = False, **kwargs):
    if not raw:
        _enqueue_score(instance.lead_id)
