"""Users, teams and the roles that decide what each user may see.

A rep sees their own records, a leader the records of their team's members (and their own),
an admin (staff or superuser) everything. `visible_owner_ids()` is the one place that turns
a user into that set; every `visible_to(user)` queryset method builds on it.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audit.tracking import TracksHistory
from crm.scoping import remember, request_memo

REP_GROUP = "rep"
LEADER_GROUP = "leader"


class Team(TracksHistory, models.Model):
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

    # A choice list of teams reads their names alone (`crm.widgets.QuickSelect`).
    choice_label_fields = ("name",)
    choice_label = staticmethod(str)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# CJK unified ideographs, extension A, kana, hangul.
_CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\u3040-\u30ff\uac00-\ud7af]")


def _is_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def format_person_name(first: str | None, last: str | None, username: str | None = "") -> str:
    """A person's name in their own convention: family name first and no space when the name
    is Chinese (Japanese, Korean), given name first otherwise; the username when no name is set.

    `first_name` holds the given name (伟) and `last_name` the family name (王), as Django's
    fields are meant.
    """
    first, last = (first or "").strip(), (last or "").strip()
    if not first and not last:
        return username or ""
    if _is_cjk(first) or _is_cjk(last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


class User(TracksHistory, AbstractUser):
    # Password hashes and sign-in times are not history (and must never be copied anywhere).
    history_exclude = ("date_joined",)
    # Groups are the roles: who made someone a leader is worth knowing.
    history_m2m = ("groups",)

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
        return self.display_name

    # What a list of people reads to name each one (see `crm.widgets.light_choices`).
    choice_label_fields = ("first_name", "last_name", "username")
    choice_label = staticmethod(format_person_name)

    @property
    def display_name(self) -> str:
        """How the product writes this person's name, everywhere (header, owner fields, report
        axes, CSVs): 王伟 for a Chinese name, "Wei Wang" for a Western one."""
        return format_person_name(self.first_name, self.last_name, self.username)

    def get_full_name(self) -> str:
        return format_person_name(self.first_name, self.last_name, "")

    @property
    def is_admin(self) -> bool:
        return bool(self.is_superuser or self.is_staff)

    @property
    def is_leader(self) -> bool:
        """A user who leads at least one team (cached on the instance for the request).

        The same query reads the members of the teams led, which with the user themselves are
        the people a leader sees (the rule `visible_users` states): the request remembers them
        (`visible_owner_ids`)."""
        if not hasattr(self, "_is_leader"):
            led = list(Team.objects.filter(leader=self).values_list("pk", "members__pk"))
            self._is_leader = bool(led)
            remember(("led_team_ids", self.pk), sorted({team for team, _member in led}))
            if self._is_leader and not self.is_admin:
                remember(("visible_owner_ids", self.pk), sorted({self.pk, *(pk for _team, pk in led if pk)}))
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


def visible_owner_ids(user: User) -> list[int]:
    """The ids of `visible_users(user)`, read once per request (`request_memo`).

    A list, not a subquery: with the ids written out the planner reads one owner's rows from
    the owner indexes (a rep's deal list: 1 ms instead of walking the global order for 20 ms)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if not user.is_admin and not user.is_leader:
        return [user.pk]  # a rep: themselves alone (`is_leader` is known for the request)
    return request_memo(("visible_owner_ids", user.pk), lambda: list(visible_users(user).values_list("pk", flat=True)))


def led_team_ids(user: User) -> list[int]:
    """The ids of the teams `user` leads, read once per request (with `User.is_leader`)."""
    if not user.is_authenticated or not user.is_active:
        return []
    return request_memo(
        ("led_team_ids", user.pk), lambda: list(Team.objects.filter(leader=user).values_list("pk", flat=True))
    )


def assignable_users(user: User) -> QuerySet[User]:
    """Users `user` may hand a record to: only people inside their own scope."""
    return visible_users(user).filter(is_active=True).order_by("first_name", "last_name", "username")
