"""Users, teams and the roles that decide what each user may see.

A rep sees their own records, a leader the records of their team's members (and their own),
an admin (staff or superuser) everything. `visible_owner_ids()` is the one place that turns
a user into that set; every `visible_to(user)` queryset method builds on it.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

REP_GROUP = "rep"
LEADER_GROUP = "leader"


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    leader = models.ForeignKey(
        "accounts.User",
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="led_teams",
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        related_name="members",
        null=True,
        blank=True,
    )
    language = models.CharField(_("language"), max_length=10, blank=True, help_text=_("Language for email."))
    last_pipeline = models.ForeignKey(
        "opportunities.Pipeline",
        verbose_name=_("last pipeline viewed"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The board and the funnel open on this pipeline."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return bool(self.is_superuser or self.is_staff)

    @property
    def is_leader(self) -> bool:
        """A user who leads at least one team (cached on the instance for the request)."""
        if not hasattr(self, "_is_leader"):
            self._is_leader = Team.objects.filter(leader=self).exists()
        return self._is_leader

    @property
    def role(self) -> str:
        if self.is_admin:
            return "admin"
        return "leader" if self.is_leader else "rep"


def visible_users(user: User) -> QuerySet[User]:
    """Users whose records `user` may see: the single access rule of the product."""
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    if user.is_admin:
        return User.objects.all()
    return User.objects.filter(Q(pk=user.pk) | Q(team__leader=user))


def visible_owner_ids(user: User) -> QuerySet:
    """The ids of `visible_users(user)`, as a subquery (no extra round trip)."""
    return visible_users(user).values("pk")


def assignable_users(user: User) -> QuerySet[User]:
    """Users `user` may hand a record to: only people inside their own scope."""
    return visible_users(user).filter(is_active=True).order_by("first_name", "last_name", "username")
