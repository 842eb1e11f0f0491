"""Leads (线索): contact and company data, a score, and the four BANT criteria.

A lead is qualified when Budget, Authority, Need and Timeline are all confirmed; only then
does it convert into a customer, a contact and an opportunity (`Lead.convert`). Small, fast
deals skip the stage process with `Lead.convert_as_won`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.tracking import TracksHistory, acting_as
from crm.choices import BilingualName, CustomerType, Industry, Region
from crm.scoping import owner_scope
from crm.softdelete import LiveManager, SoftDeletable

if TYPE_CHECKING:
    from accounts.models import User
    from opportunities.models import Opportunity


class LeadSource(TracksHistory, BilingualName):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["order", "pk"]


class LeadNotQualified(ValidationError):
    """Conversion refused; `.missing` lists the unconfirmed BANT criteria in words."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__([str(m) for m in missing])


class LeadQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> LeadQuerySet:
        """Own leads; a leader also sees the unassigned leads routed to a team they lead."""
        q = owner_scope(user)
        if q is None:
            return self
        if not (user.is_authenticated and user.is_active and user.is_leader):
            return self.filter(q)  # only a team's leader has unassigned leads routed to them
        # The led teams as a subquery rather than a join to the team table: the OR then reads
        # the leads alone, and a rep (no team led) gets no OR at all.
        from accounts.models import Team

        led = Team.objects.filter(leader=user).values("pk")
        return self.filter(q | Q(owner__isnull=True, team_id__in=led))


class Lead(TracksHistory, SoftDeletable):
    # The score and the moment it crossed the threshold are recomputed by the scoring job from
    # the rules and the events (which are their own record); follow-up times are bookkeeping.
    history_exclude = ("created_at", "last_activity_at", "score", "ready_for_sales_at")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        WORKING = "working", _("Working")
        QUALIFIED = "qualified", _("Qualified")
        DISQUALIFIED = "disqualified", _("Disqualified")
        CONVERTED = "converted", _("Converted")

    BANT = (
        ("budget", _("Budget")),
        ("authority", _("Authority")),
        ("need", _("Need")),
        ("timeline", _("Timeline")),
    )

    # Contact and company
    name = models.CharField(_("contact name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    customer_type = models.CharField(
        _("customer type"), max_length=20, choices=CustomerType.choices, default=CustomerType.ENTERPRISE
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True)
    company_size = models.PositiveIntegerField(_("company size (employees)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    # Routing
    source = models.ForeignKey(LeadSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="leads")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="leads",
        null=True,
        blank=True,
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    score = models.IntegerField(_("score"), default=0)
    ready_for_sales_at = models.DateTimeField(_("ready for sales"), null=True, blank=True)
    disqualify_reason = models.TextField(_("disqualification reason"), blank=True)

    # BANT
    budget_amount = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    budget_confirmed = models.BooleanField(_("budget confirmed"), default=False)
    is_decision_maker = models.BooleanField(_("contact is the decision maker"), default=False)
    decision_maker = models.CharField(_("decision maker (if someone else)"), max_length=100, blank=True)
    authority_confirmed = models.BooleanField(_("authority confirmed"), default=False)
    need_description = models.TextField(_("need"), blank=True)
    need_confirmed = models.BooleanField(_("need confirmed"), default=False)
    timeline_date = models.DateField(_("expected purchase date"), null=True, blank=True)
    timeline_confirmed = models.BooleanField(_("timeline confirmed"), default=False)

    # Follow-up bookkeeping (kept current by `Activity.log`)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)

    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    opportunity = models.OneToOneField(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="converted_lead",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = LiveManager.from_queryset(LeadQuerySet)()
    all_objects = models.Manager.from_queryset(LeadQuerySet)()
    purge_clears = ("name", "title", "phone", "email", "notes", "need_description", "decision_maker")

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["owner", "next_follow_up_at"]),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="lead_binned_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0), name="lead_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.company}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("leads:detail", args=[self.pk])

    # --- BANT -------------------------------------------------------------------------

    def bant_status(self) -> list[tuple[str, str, bool]]:
        """Each BANT criterion with whether it is met: confirmed, and the fact it rests on known.

        Budget needs an amount, Authority the decision maker (this contact, or a name),
        Need a description, Timeline an expected purchase date.
        """
        met = {
            "budget": self.budget_confirmed and self.budget_amount is not None,
            "authority": self.authority_confirmed and (self.is_decision_maker or bool(self.decision_maker.strip())),
            "need": self.need_confirmed and bool(self.need_description.strip()),
            "timeline": self.timeline_confirmed and self.timeline_date is not None,
        }
        return [(code, label, met[code]) for code, label in self.BANT]

    def bant_missing(self) -> list[str]:
        """The BANT criteria not yet confirmed, in words (empty when the lead is qualified)."""
        reasons = {
            "budget": _("Budget: confirm the customer's budget amount."),
            "authority": _("Authority: confirm who makes the decision."),
            "need": _("Need: describe and confirm the customer's need."),
            "timeline": _("Timeline: confirm the expected purchase date."),
        }
        return [str(reasons[code]) for code, _label, ok in self.bant_status() if not ok]

    @property
    def is_qualified(self) -> bool:
        return not self.bant_missing()

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CONVERTED, self.Status.DISQUALIFIED)

    # --- Conversion --------------------------------------------------------------------

    def _lock_open(self) -> Lead:
        lead = Lead.objects.select_for_update().get(pk=self.pk)
        if not lead.is_open:
            raise ValidationError(_("This lead is already converted or disqualified."))
        return lead

    def _customer_and_contact(self, by: User):
        from customers.models import Contact, Customer

        owner = self.owner or by
        customer, _created = Customer.find_or_create(
            name=self.company,
            owner=owner,
            customer_type=self.customer_type,
            industry=self.industry,
            region=self.region,
        )
        contact = None
        if self.email:
            contact = customer.contacts.filter(email__iexact=self.email).first()
        if contact is None:
            contact = customer.contacts.filter(name=self.name).first()
        if contact is None:
            contact = Contact.objects.create(
                customer=customer,
                name=self.name,
                title=self.title,
                phone=self.phone,
                email=self.email,
                buying_role=Contact.BuyingRole.DECISION_MAKER
                if self.is_decision_maker
                else Contact.BuyingRole.INFLUENCER,
            )
        return customer, contact

    def _finish_conversion(self, opportunity: Opportunity, now) -> None:
        self.status = self.Status.CONVERTED
        self.opportunity = opportunity
        self.converted_at = now
        self.version += 1
        self.save(update_fields=["status", "opportunity", "converted_at", "version", "updated_at"])

    def convert(self, by: User, *, name: str = "") -> Opportunity:
        """Turn a qualified lead into a customer (reused if one of that name exists), a contact
        and an opportunity in the first open stage, carrying the BANT data over.

        Refuses an unqualified lead with `LeadNotQualified` listing the missing criteria, and
        changes nothing then. Runs in one transaction with the lead row locked, so two clicks
        cannot convert it twice.
        """
        from opportunities.models import Opportunity, Stage

        with transaction.atomic(), acting_as(by):
            lead = self._lock_open()
            missing = lead.bant_missing()
            if missing:
                raise LeadNotQualified(missing)
            customer, contact = lead._customer_and_contact(by)
            first = Stage.objects.first_open()
            now = timezone.now()
            opportunity = Opportunity.objects.create(
                name=name or f"{lead.company} · {lead.need_description[:60]}".strip(" ·"),
                customer=customer,
                primary_contact=contact,
                owner=lead.owner or by,
                amount=lead.budget_amount or Decimal("0"),
                stage=first,
                probability=first.probability,
                expected_close_date=lead.timeline_date,
                source=lead.source,
                budget_amount=lead.budget_amount,
                budget_confirmed=lead.budget_confirmed,
                need_description=lead.need_description,
                need_confirmed=lead.need_confirmed,
                timeline_confirmed=lead.timeline_confirmed,
                stage_entered_at=now,
                last_activity_at=lead.last_activity_at,
                next_follow_up_at=lead.next_follow_up_at,
                created_by=by,
            )
            opportunity.contacts.add(contact)
            opportunity.record_creation(by, now)
            lead._finish_conversion(opportunity, now)
        self.refresh_from_db()
        return opportunity

    def convert_as_won(self, by: User, amount: Decimal, *, name: str = "") -> Opportunity:
        """Small fast deal (seed 004): straight to a won opportunity, bypassing the stage process.

        The deal is flagged `is_quick_win` so stage statistics leave it out; no BANT check,
        but the amount must be positive.
        """
        from opportunities.models import Opportunity, Stage

        amount = Decimal(amount)
        if amount <= 0:
            raise ValidationError({"amount": _("A won deal needs an amount greater than zero.")})
        with transaction.atomic(), acting_as(by):
            lead = self._lock_open()
            customer, contact = lead._customer_and_contact(by)
            won = Stage.objects.won()
            now = timezone.now()
            opportunity = Opportunity.objects.create(
                name=name or lead.company,
                customer=customer,
                primary_contact=contact,
                owner=lead.owner or by,
                amount=amount,
                stage=won,
                probability=won.probability,
                expected_close_date=timezone.localdate(now),
                source=lead.source,
                stage_entered_at=now,
                closed_at=now,
                is_quick_win=True,
                created_by=by,
            )
            opportunity.contacts.add(contact)
            lead._finish_conversion(opportunity, now)
        self.refresh_from_db()
        return opportunity

    def disqualify(self, by: User, reason: str) -> None:
        """A disqualified lead keeps its reason; a reason is required."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("Give a reason for disqualifying the lead.")})
        with transaction.atomic(), acting_as(by):
            lead = self._lock_open()
            lead.status = self.Status.DISQUALIFIED
            lead.disqualify_reason = reason
            lead.version += 1
            lead.save(update_fields=["status", "disqualify_reason", "version", "updated_at"])
        self.refresh_from_db()


from .automation_models import *  # noqa: E402,F401,F403  (issue 5: events, scoring and assignment rules)
