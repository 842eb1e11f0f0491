"""Customers (客户) and their contacts, with the buying role each contact plays."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.tracking import TracksHistory
from crm.choices import CustomerType, Industry, Region, ValueTier
from crm.scoping import owner_scope
from crm.softdelete import LiveManager, SoftDeletable

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


class Customer(TracksHistory, SoftDeletable):
    history_exclude = ("created_at",)

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

    objects = LiveManager.from_queryset(CustomerQuerySet)()
    all_objects = models.Manager.from_queryset(CustomerQuerySet)()
    purge_clears = ("name", "phone", "website", "address", "notes")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="customer_binned_idx"),
        ]

    def deletion_refusal(self, user: User) -> str | None:
        """A customer with deals stays: its deals would lose their customer in every list."""
        count = self.opportunities.count()
        if count:
            return gettext("%(n)d deal(s) still belong to this customer: delete or move them first.") % {"n": count}
        return None

    def before_purge(self) -> None:
        """A purged customer takes its contacts and files along (its deals are gone already)."""
        self.contacts(manager="all_objects").all().delete()
        for attachment in self.attachments(manager="all_objects").all():
            attachment.purge()

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


class Contact(TracksHistory, SoftDeletable):
    history_exclude = ("created_at",)

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

    objects = LiveManager.from_queryset(ContactQuerySet)()
    all_objects = models.Manager.from_queryset(ContactQuerySet)()
    purge_clears = ("name", "title", "phone", "email", "notes")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="contact_binned_idx"),
        ]

    def bin_owner_id(self) -> int | None:
        return self.customer.owner_id

    def restore_refusal(self) -> str | None:
        if Customer.all_objects.filter(pk=self.customer_id, deleted_at__isnull=False).exists():
            return gettext("Restore its customer first: it is in the recycle bin too.")
        return None

    def __str__(self) -> str:
        return f"{self.name} ({self.customer})" if self.customer_id else self.name

    @property
    def is_decision_maker(self) -> bool:
        return self.buying_role == self.BuyingRole.DECISION_MAKER
