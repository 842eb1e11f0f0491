"""Customers (客户) and their contacts, with the buying role each contact plays."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
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
        # A customer in the pool is visible to the team whose pool it is in (and its leader).
        pool = Q(owner__isnull=True) & (
            (Q(team_id=user.team_id) if user.team_id else Q(pk__in=[])) | Q(team__leader=user)
        )
        return self.filter(q | Q(pk__in=deals) | pool)

    def in_pool_of(self, user: User) -> CustomerQuerySet:
        """The pool (公海) `user` may see: their team's unowned customers; a leader's teams'; all for an admin."""
        pool = self.filter(owner__isnull=True)
        if user.is_admin:
            return pool
        teams = Q(team_id=user.team_id) if user.team_id else Q(pk__in=[])
        return pool.filter(teams | Q(team__leader=user))

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
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="customers",
        null=True,
        blank=True,
        help_text=_("Empty: the customer waits in its team's pool."),
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("pool team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pool_customers",
        help_text=_("Whose pool the customer is in while it has no owner."),
    )
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed from the pool"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["team", "name"], condition=Q(owner__isnull=True), name="customer_pool_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("customers:detail", args=[self.pk])

    # --- The pool (公海) ----------------------------------------------------------------

    def claim(self, by: User, *, now=None):
        """A rep takes a customer from their team's pool, up to the team's claim cap of customers
        held from the pool at once (default 50). Recorded as a `PoolEvent`."""

        now = now or timezone.now()
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=self.pk)
            if customer.owner_id is not None:
                raise ValidationError(gettext("Someone has already claimed this customer."))
            if not Customer.objects.in_pool_of(by).filter(pk=customer.pk).exists():
                raise ValidationError(gettext("This customer is not in your team's pool."))
            cap = PoolRule.cap_for(customer.team or by.team)
            held = Customer.objects.filter(owner=by, claimed_at__isnull=False).count()
            if held >= cap:
                raise ValidationError(
                    gettext(
                        "You already hold %(held)d customers from the pool (the cap is %(cap)d): "
                        "return one before claiming another."
                    )
                    % {"held": held, "cap": cap}
                )
            team = customer.team
            customer.owner, customer.claimed_at, customer.pooled_at = by, now, None
            customer.save(update_fields=["owner", "claimed_at", "pooled_at"])
            PoolEvent.objects.create(customer=customer, kind=PoolEvent.Kind.CLAIM, user=by, by=by, team=team, at=now)
        self.refresh_from_db()

    def release(self, by: User, *, now=None):
        """The owner (or their leader, or an admin) returns the customer to the owner's team's pool."""

        now = now or timezone.now()
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=self.pk)
            owner = customer.owner
            if owner is None:
                raise ValidationError(gettext("This customer is already in the pool."))
            may = by.pk == owner.pk or by.is_admin or (owner.team_id and owner.team.leader_id == by.pk)
            if not may:
                raise ValidationError(gettext("Only the owner or their leader can return this customer."))
            if owner.team_id is None:
                raise ValidationError(gettext("The owner has no team, so there is no pool to return it to."))
            customer.owner, customer.team, customer.pooled_at, customer.claimed_at = None, owner.team, now, None
            customer.save(update_fields=["owner", "team", "pooled_at", "claimed_at"])
            PoolEvent.objects.create(
                customer=customer, kind=PoolEvent.Kind.RETURN, user=owner, by=by, team=owner.team, at=now
            )
        self.refresh_from_db()

    @classmethod
    def recall(cls, pk: int, *, owner_id: int, team, now, advanced: list[int]) -> bool:
        """The recall scan's move of one customer back to the pool: re-checked under the row lock
        (same owner, still no deal past the first stage), so a claim or a follow-up in between wins."""

        with transaction.atomic():
            customer = cls.objects.select_for_update().filter(pk=pk, owner_id=owner_id).first()
            if customer is None or customer.opportunities.filter(stage_id__in=advanced).exists():
                return False
            customer.owner, customer.team, customer.pooled_at, customer.claimed_at = None, team, now, None
            customer.save(update_fields=["owner", "team", "pooled_at", "claimed_at"])
            PoolEvent.objects.create(customer=customer, kind=PoolEvent.Kind.RECALL, user_id=owner_id, team=team, at=now)
        return True

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

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer})" if self.customer_id else self.name

    @property
    def is_decision_maker(self) -> bool:
        return self.buying_role == self.BuyingRole.DECISION_MAKER


from .pool import PoolEvent, PoolRule  # noqa: E402,F401  (the pool's models live beside its rules)
