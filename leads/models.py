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
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.tracking import TracksHistory, acting_as
from crm.choices import BilingualName, CustomerType, Industry, Region
from crm.scoping import owner_scope
from crm.softdelete import LiveManager, SoftDeletable
from customers.models import Contact, phone_key
from opportunities.models.qualification import MeddicQualification

if TYPE_CHECKING:
    from accounts.models import User
    from opportunities.models import Opportunity, Pipeline


# The source of every lead the website form creates.
WEBSITE_SOURCE = "website"


def website_key(email: str | None, phone: str | None) -> dict[str, str]:
    """The key an open website lead holds (a unique index over open leads): its email,
    lower-cased, or without one its phone's digits; empty when it has neither."""
    email = (email or "").strip().lower()
    if email:
        return {"intake_email": email}
    digits = phone_key(phone or "")
    return {"intake_phone": digits} if digits else {}


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
    def open(self) -> LeadQuerySet:
        """Leads still being worked (`Lead.is_open`): neither converted nor disqualified."""
        return self.exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED])

    def visible_to(self, user: User) -> LeadQuerySet:
        """Own leads; a leader also sees the unassigned leads routed to a team they lead."""
        q = owner_scope(user)
        if q is None:
            return self
        if not (user.is_authenticated and user.is_active and user.is_leader):
            return self.filter(q)  # only a team's leader has unassigned leads routed to them
        # The led teams' ids written out (read once per request) rather than a join to the team
        # table: the OR then reads the leads alone, its unassigned half from the team's own
        # partial index (`lead_unassigned_idx`) instead of every unassigned lead's row, which
        # grew with everyone's (a leader's lead count 0.6 -> 2.9 ms from 10,000 to 100,000
        # deals); a rep (no team led) gets no OR at all.
        from accounts.models import led_team_ids

        return self.filter(q | Q(owner__isnull=True, team_id__in=led_team_ids(user)))


class Lead(TracksHistory, MeddicQualification, SoftDeletable):
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
    # The normalised address of a lead the website form created: the web-to-lead rule "the same
    # email adds to the open lead" is a unique index over open leads, so it holds however many
    # submissions arrive at once.
    intake_email = models.CharField(_("email (website form)"), max_length=254, null=True, blank=True, editable=False)
    # A website submission with a phone and no email: its phone's digits (`phone_key`).
    intake_phone = models.CharField(_("phone (website form)"), max_length=20, null=True, blank=True, editable=False)

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

    pipeline = models.ForeignKey(
        "opportunities.Pipeline",
        verbose_name=_("pipeline"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        help_text=_("The pipeline the deal opens in when the lead converts (empty: the default pipeline)."),
    )

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
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, help_text=_("The record's id in the system it was imported from.")
    )

    objects = LiveManager.from_queryset(LeadQuerySet)()
    all_objects = models.Manager.from_queryset(LeadQuerySet)()
    purge_clears = ("name", "title", "phone", "email", "notes", "need_description", "decision_maker")

    def bin_changed(self) -> None:
        """A lead moved to the bin lets go of its website keys: the prospect's next submission
        makes a new lead (not a 500 on the key it still held, nor a message hidden in the bin),
        and a purge leaves no address behind. A website lead restored takes its key back from
        its email (or, without one, its phone) unless another open lead holds it now."""
        if self.deleted_at is not None:
            Lead.all_objects.filter(pk=self.pk).update(intake_email=None, intake_phone=None)
            self.intake_email = self.intake_phone = None
            return
        if not LeadSource.objects.filter(pk=self.source_id, code=WEBSITE_SOURCE).exists():
            return
        key = website_key(self.email, self.phone)
        if not key or Lead.objects.open().filter(**key).exclude(pk=self.pk).exists():
            return
        try:
            with transaction.atomic():
                Lead.all_objects.filter(pk=self.pk).update(**key)
        except IntegrityError:
            return  # taken a moment ago by a new submission: that lead keeps it
        for name, value in key.items():
            setattr(self, name, value)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["owner", "next_follow_up_at"]),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="lead_binned_idx"),
            # The widest lead list (an admin's) counts every live lead: index-only, by status.
            models.Index(fields=["status"], condition=Q(deleted_at__isnull=True), name="lead_live_idx"),
            # A leader's unassigned leads, newest first (the leads list's default order).
            models.Index(
                fields=["team", "-created_at"],
                condition=Q(owner__isnull=True, deleted_at__isnull=True),
                name="lead_unassigned_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="lead_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0), name="lead_budget_not_negative"
            ),
            models.UniqueConstraint(
                fields=["intake_email"],
                condition=Q(status__in=["new", "working", "qualified"]),
                name="one_open_website_lead_per_email",
            ),
            models.UniqueConstraint(
                fields=["intake_phone"],
                condition=Q(status__in=["new", "working", "qualified"]),
                name="one_open_website_lead_per_phone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.company}"

    def save(self, *args, **kwargs) -> None:
        # The status follows the BANT rule (`status_from_bant`) on every save.
        status = self.status_from_bant()
        if status != self.status:
            self.status = status
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "status"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("leads:detail", args=[self.pk])

    def webhook_data(self) -> dict:
        """What an outgoing webhook tells about this lead."""
        return {
            "id": self.pk,
            "name": self.name,
            "company": self.company,
            "email": self.email,
            "phone": self.phone,
            "score": self.score,
            "status": self.status,
            "owner": {"id": self.owner_id, "username": self.owner.username} if self.owner_id else None,
            "team": {"id": self.team_id, "name": self.team.name} if self.team_id else None,
            "external_id": self.external_id,
            "url": f"{settings.CRM_BASE_URL.rstrip('/')}{self.get_absolute_url()}",
        }

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

    def qualification_missing(self, pipeline: Pipeline | None = None) -> list[str]:
        """What the lead still lacks under the framework of the pipeline it converts into
        (`pipeline`, else its own or the default): BANT's four criteria or MEDDIC's six."""
        pipeline = pipeline or self.target_pipeline()
        if pipeline.uses_meddic:
            return self.meddic_missing()
        return self.bant_missing()

    def qualification_status(self, pipeline: Pipeline | None = None) -> list[tuple[str, str, bool]]:
        pipeline = pipeline or self.target_pipeline()
        return self.meddic_status() if pipeline.uses_meddic else self.bant_status()

    @property
    def is_qualified(self) -> bool:
        return not self.qualification_missing()

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CONVERTED, self.Status.DISQUALIFIED)

    def status_from_bant(self) -> str:
        """An open lead whose four BANT criteria are met is qualified (SPEC: leads); one that
        loses a criterion goes back to being worked. Converted and disqualified leads keep theirs."""
        if not self.is_open:
            return self.status
        if self.is_qualified:
            return self.Status.QUALIFIED
        return self.Status.WORKING if self.status == self.Status.QUALIFIED else self.status

    # --- Conversion --------------------------------------------------------------------

    def target_pipeline(self) -> Pipeline:
        """The pipeline the deal will open in: the lead's, when active, else the default pipeline."""
        from opportunities.models import Pipeline

        if self.pipeline_id and self.pipeline.is_active:
            return self.pipeline
        return Pipeline.objects.default()

    def _lock_open(self) -> Lead:
        lead = Lead.objects.select_for_update().get(pk=self.pk)
        if not lead.is_open:
            raise ValidationError(_("This lead is already converted or disqualified."))
        return lead

    def _customer_and_contacts(self, by: User):
        """The customer (reused by `Customer.find_or_create`) and every contact the lead names:
        the lead's own contact, its decision-chain contacts with their buying roles, and the
        decision maker named in the BANT "authority" box when no listed contact holds that role.
        Contacts already at the customer (same email, else same name) are reused."""
        from customers.models import Customer

        owner = self.owner or by
        customer, _created = Customer.find_or_create(
            name=self.company,
            owner=owner,
            customer_type=self.customer_type,
            industry=self.industry,
            region=self.region,
        )
        role = Contact.BuyingRole
        named = [
            {
                "name": self.name,
                "title": self.title,
                "phone": self.phone,
                "email": self.email,
                "buying_role": role.DECISION_MAKER if self.is_decision_maker else role.INFLUENCER,
                "attitude": Contact.Attitude.NEUTRAL,
            }
        ]
        named += [
            {f: getattr(c, f) for f in ("name", "title", "phone", "email", "buying_role", "attitude")}
            for c in self.decision_chain.all()
        ]
        if not self.is_decision_maker and self.decision_maker.strip():
            if not any(n["buying_role"] == role.DECISION_MAKER for n in named):
                name, title = split_name_and_title(self.decision_maker)
                named.append(
                    {
                        "name": name,
                        "title": title,
                        "phone": "",
                        "email": "",
                        "buying_role": role.DECISION_MAKER,
                        "attitude": Contact.Attitude.NEUTRAL,
                    }
                )
        existing = list(customer.contacts.all())
        contacts: list = []
        for fields in named:
            contact = next(
                (c for c in existing if fields["email"] and c.email.lower() == fields["email"].lower()), None
            )
            contact = contact or next((c for c in existing if c.name == fields["name"]), None)
            if contact is None:
                contact = Contact.objects.create(customer=customer, **fields)
                existing.append(contact)
            elif fields["buying_role"] == role.DECISION_MAKER and contact.buying_role != role.DECISION_MAKER:
                # The lead knows more than the old record: she decides now.
                contact.buying_role = role.DECISION_MAKER
                contact.save(update_fields=["buying_role"])
            if contact not in contacts:
                contacts.append(contact)
        return customer, contacts

    def _finish_conversion(self, opportunity: Opportunity, now) -> None:
        self.status = self.Status.CONVERTED
        self.opportunity = opportunity
        self.converted_at = now
        self.version += 1
        self.save(update_fields=["status", "opportunity", "converted_at", "version", "updated_at"])

    def convert(self, by: User, *, name: str = "", pipeline: Pipeline | None = None) -> Opportunity:
        """Turn a qualified lead into a customer (reused if one of that name exists), a contact
        and an opportunity in the first open stage of `pipeline` (default: the default
        pipeline), carrying the BANT data over.

        Refuses an unqualified lead with `LeadNotQualified` listing the missing criteria, and
        changes nothing then. Runs in one transaction with the lead row locked, so two clicks
        cannot convert it twice.
        """
        from opportunities.models import Opportunity, Stage

        with transaction.atomic(), acting_as(by):
            lead = self._lock_open()
            pipeline = pipeline or lead.target_pipeline()
            missing = lead.qualification_missing(pipeline)
            if missing:
                raise LeadNotQualified(missing)
            customer, contacts = lead._customer_and_contacts(by)
            first = Stage.objects.first_open(pipeline)
            now = timezone.now()
            opportunity = Opportunity.objects.create(
                name=name or f"{lead.company} · {lead.need_description[:60]}".strip(" ·"),
                customer=customer,
                primary_contact=contacts[0],
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
                **lead.meddic_values(),
                stage_entered_at=now,
                last_activity_at=lead.last_activity_at,
                next_follow_up_at=lead.next_follow_up_at,
                created_by=by,
            )
            opportunity.contacts.add(*contacts)
            opportunity.record_creation(by, now)
            lead._finish_conversion(opportunity, now)
            from webhooks.dispatch import emit

            emit("deal.created", lambda: {**opportunity.webhook_data(), "by": by.username, "lead_id": lead.pk})
        self.refresh_from_db()
        return opportunity

    def convert_as_won(
        self, by: User, amount: Decimal, *, name: str = "", pipeline: Pipeline | None = None
    ) -> Opportunity:
        """Small fast deal (seed 004): straight to a won opportunity, bypassing the stage process.

        The deal is flagged `is_quick_win` so stage statistics leave it out; no BANT check,
        but the amount must be positive and at most the admin's quick-win limit
        (`LeadAutomationSettings.quick_win_limit`): a larger deal goes through the stages, where
        the leader sees it, so a rep cannot book a large win past the process.
        """
        from opportunities.models import Opportunity, Stage

        from .automation_models import LeadAutomationSettings

        amount = Decimal(amount)
        if amount <= 0:
            raise ValidationError({"amount": _("A won deal needs an amount greater than zero.")})
        limit = LeadAutomationSettings.load().quick_win_limit
        if limit is not None and amount > limit:
            raise ValidationError(
                {
                    "amount": _(
                        "Quick wins are for small deals of at most %(limit)s. A deal of this size goes "
                        "through the sales process: convert the lead and move the deal through the stages."
                    )
                    % {"limit": f"{limit:,.0f}"}
                }
            )
        with transaction.atomic(), acting_as(by):
            lead = self._lock_open()
            customer, contacts = lead._customer_and_contacts(by)
            won = Stage.objects.won(pipeline or lead.target_pipeline())
            now = timezone.now()
            opportunity = Opportunity.objects.create(
                name=name or lead.company,
                customer=customer,
                primary_contact=contacts[0],
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
            opportunity.contacts.add(*contacts)
            lead._finish_conversion(opportunity, now)
            from webhooks.dispatch import emit

            def data() -> dict:
                return {**opportunity.webhook_data(), "by": by.username, "lead_id": lead.pk}

            emit("deal.created", data)
            emit("deal.won", data)
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

    def add_to_decision_chain(self, **fields) -> LeadContact:
        """Name another person of the buying side. A decision maker named here also answers
        BANT's "who decides?" when nobody was named yet (confirming it stays the rep's call)."""
        if not self.is_open:
            raise ValidationError(_("This lead is already converted or disqualified."))
        with transaction.atomic():
            contact = LeadContact.objects.create(lead=self, **fields)
            if contact.buying_role == Contact.BuyingRole.DECISION_MAKER and not (
                self.is_decision_maker or self.decision_maker.strip()
            ):
                self.decision_maker = str(contact)[:100]
                self.version += 1
                self.save(update_fields=["decision_maker", "version", "updated_at"])
        return contact


def split_name_and_title(text: str) -> tuple[str, str]:
    """ "韩梅梅 (CIO)" or "韩梅梅（CIO）" -> ("韩梅梅", "CIO"); plain text is all name."""
    text = text.strip()
    for opening, closing in (("(", ")"), ("（", "）")):
        if text.endswith(closing) and opening in text:
            name, _sep, title = text[: -len(closing)].partition(opening)
            if name.strip():
                return name.strip()[:100], title.strip()[:100]
    return text[:100], ""


class LeadContact(models.Model):
    """Another person on the lead's decision chain (decision maker, influencer, user, ...):
    conversion turns each into a contact of the customer on the new deal, with this role."""

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="decision_chain")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    buying_role = models.CharField(
        _("buying role"), max_length=20, choices=Contact.BuyingRole.choices, default=Contact.BuyingRole.DECISION_MAKER
    )
    attitude = models.CharField(
        _("attitude"), max_length=20, choices=Contact.Attitude.choices, default=Contact.Attitude.NEUTRAL
    )

    class Meta:
        verbose_name = _("lead contact")
        verbose_name_plural = _("lead contacts")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name


from .automation_models import *  # noqa: E402,F401,F403  (issue 5: events, scoring and assignment rules)
