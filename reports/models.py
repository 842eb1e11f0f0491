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

from .periods import quarter_label

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


class QuarterOpening(models.Model):
    """The deals as they stood when a quarter opened (midnight of its first day in the
    installation's time zone), recorded once (`reports.openings.record_opening`).

    What a deal was at a past moment never changes afterwards, so the pipeline inspection since
    the start of the quarter compares today's deals with these rows instead of undoing the
    quarter's history every time (a quarter of everyone's changes is 70,000 deals). A quarter's
    rows are written in one transaction with this header: while it is missing (the job has not
    run yet) the inspection undoes the history as before.
    """

    quarter = models.DateField(_("quarter"), unique=True, help_text=_("The first day of the quarter."))
    point = models.DateTimeField(_("opened at"))
    deals = models.PositiveIntegerField(_("deals"), default=0)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        verbose_name = _("quarter opening")
        verbose_name_plural = _("quarter openings")
        ordering = ["-quarter"]

    def __str__(self) -> str:
        return quarter_label(self.quarter)


class OpeningDeal(models.Model):
    """One deal's compared values (amount, close date, stage, both forecast categories) as it
    stood when the quarter opened; a deal created later, or not yet in a stage then, has none.

    The deal is referenced without a database constraint: a purged deal's row is never read
    again (the inspection joins today's deals to these rows), and purging stays one delete."""

    opening = models.ForeignKey(QuarterOpening, on_delete=models.CASCADE, related_name="rows")
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    stage_id = models.BigIntegerField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    expected_close_date = models.DateField(null=True)
    forecast_category_override = models.CharField(max_length=12, blank=True, default="")
    manager_category = models.CharField(max_length=12, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opening", "opportunity"], name="one_opening_row_per_deal"),
        ]

    def __str__(self) -> str:
        return f"{self.opening_id}:{self.opportunity_id}"
