"""Customers (客户) and their contacts, with the buying role each contact plays."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.choices import CustomerType, Industry, Region, ValueTier
from crm.scoping import owner_scope

if TYPE_CHECKING:
    from accounts.models import User


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CustomerQuerySet:
        """A customer is visible to whoever may see its owner or any of its deals."""
        q = owner_scope(user)
        if q is None:
            return self
        from opportunities.models import Opportunity

        # `pk IN (customers of visible deals)` rather than a correlated EXISTS: the same rows, but
        # PostgreSQL plans it at a fraction of the cost (the EXISTS form crossed the JIT threshold
        # and spent ~1 s compiling a 30 ms query at 100,000 deals).
        deals = Opportunity.objects.filter(owner_scope(user)).values("customer_id")
        return self.filter(q | Q(pk__in=deals))

    def with_won_value(self, user: User) -> CustomerQuerySet:
        """Lifetime won value, counting only the deals `user` may see (a rep never learns a
        colleague's wins through a shared customer)."""
        from opportunities.models import Stage

        won = Q(opportunities__stage__outcome=Stage.Outcome.WON)
        scope = owner_scope(user, "opportunities__owner")
        if scope is not None:
            won &= scope
        return self.annotate(won_value=models.Sum("opportunities__amount", filter=won, default=Decimal("0")))


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    customer_type = models.CharField(
        _("customer type"), max_length=20, choices=CustomerType.choices, default=CustomerType.ENTERPRISE
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True)
    value_tier = models.CharField(_("value tier"), max_length=10, choices=ValueTier.choices, default=ValueTier.MEDIUM)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="customers"
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, help_text=_("The record's id in the system it was imported from.")
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [models.Index(fields=["owner", "name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="customer_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("customers:detail", args=[self.pk])

    @classmethod
    def find_or_create(cls, *, name: str, owner: User, **defaults) -> tuple[Customer, bool]:
        """Conversion reuses a customer of the same name (case and surrounding spaces ignored)
        held by the owner or their team; another team's customer is never handed over, since
        reusing it would open its contacts and notes to the new deal's owner."""
        same_team = Q(owner=owner) | (Q(owner__team=owner.team_id) if owner.team_id else Q(pk__in=[]))
        existing = cls.objects.filter(same_team, name__iexact=name.strip()).order_by("pk").first()
        if existing:
            return existing, False
        return cls.objects.create(name=name.strip(), owner=owner, **defaults), True


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ContactQuerySet:
        return self.filter(customer__in=Customer.objects.visible_to(user))


class Contact(models.Model):
    class BuyingRole(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        GATEKEEPER = "gatekeeper", _("Gatekeeper")
        CHAMPION = "champion", _("Champion")

    class Attitude(models.TextChoices):
        SUPPORTIVE = "supportive", _("Supportive")
        NEUTRAL = "neutral", _("Neutral")
        OPPOSED = "opposed", _("Opposed")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    buying_role = models.CharField(
        _("buying role"), max_length=20, choices=BuyingRole.choices, default=BuyingRole.INFLUENCER
    )
    attitude = models.CharField(_("attitude"), max_length=20, choices=Attitude.choices, default=Attitude.NEUTRAL)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, help_text=_("The record's id in the system it was imported from.")
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="contact_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer})" if self.customer_id else self.name

    @property
    def is_decision_maker(self) -> bool:
        return self.buying_role == self.BuyingRole.DECISION_MAKER
