"""Weekly forecast snapshots: what each rep's forecast said, week by week, per close month.

Written once per ISO week by `reports.snapshots.take_snapshot` (Celery beat and
`python manage.py snapshot_forecast`); the unique (week, owner, month) key makes a second run
in the same week, or a second worker, insert nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.scoping import owner_scope

if TYPE_CHECKING:
    from accounts.models import User


def money_field(label) -> models.DecimalField:
    return models.DecimalField(label, max_digits=16, decimal_places=2, default=Decimal("0"))


class ForecastSnapshotQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ForecastSnapshotQuerySet:
        q = owner_scope(user)
        return self if q is None else self.filter(q)


class ForecastSnapshot(models.Model):
    """One rep's forecast for one expected-close month, as it stood at the start of one ISO week.

    `commit` and `best_case` are cumulative like the forecast page: commit = won + open deals in
    Commit; best case = commit + open deals in Best case (the team forecast's categories, with
    the leader's judgement). `weighted`, `pipeline` and `open_count` are the open deals.
    """

    week = models.DateField(_("week"), help_text=_("The Monday of the ISO week."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    month = models.DateField(_("expected close month"))
    weighted = money_field(_("weighted"))
    pipeline = money_field(pgettext_lazy("forecast category", "pipeline"))
    best_case = money_field(pgettext_lazy("forecast category", "best case"))
    commit = money_field(pgettext_lazy("forecast category", "commit"))
    won = money_field(_("closed won"))
    open_count = models.PositiveIntegerField(_("open deals"), default=0)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)

    objects = ForecastSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")
        ordering = ["week", "month", "owner"]
        constraints = [
            models.UniqueConstraint(fields=["week", "owner", "month"], name="one_snapshot_per_week_owner_month"),
        ]
        indexes = [
            models.Index(
                fields=["month", "week"],
                include=["owner", "weighted", "pipeline", "best_case", "commit", "won", "open_count"],
                name="snapshot_month_week_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.iso_week} {self.owner_id} {self.month:%Y-%m}"

    @property
    def iso_week(self) -> str:
        return iso_week_label(self.week)


def iso_week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"
