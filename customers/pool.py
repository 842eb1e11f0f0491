"""The customer pool (公海): customers without an owner wait in their team's pool; reps claim
them up to a cap; a customer whose owner lets it idle goes back (the recall scan).

Models: `PoolRule` (per team, set by the admin) and `PoolEvent` (every claim, return, recall
and warning: the audit trail, and the warnings' uniqueness guard). The rules are methods on
`Customer` (`claim`, `release`) and the batched, idempotent `recall_idle_customers` scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import Team, User


DEFAULT_RECALL_DAYS = 30
DEFAULT_WARN_DAYS = 3
DEFAULT_CLAIM_CAP = 50


def batch_size() -> int:
    return int(getattr(settings, "POOL_BATCH_SIZE", 500))


class PoolRule(models.Model):
    """When a team's customers go back to its pool, and how many a rep may claim."""

    team = models.OneToOneField(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="pool_rule"
    )
    is_active = models.BooleanField(_("recall active"), default=True)
    recall_after_days = models.PositiveSmallIntegerField(
        _("recall after (days without follow-up)"), default=DEFAULT_RECALL_DAYS, validators=[MinValueValidator(1)]
    )
    warn_days_before = models.PositiveSmallIntegerField(_("warn the owner (days before)"), default=DEFAULT_WARN_DAYS)
    claim_cap = models.PositiveSmallIntegerField(
        _("claim cap"), default=DEFAULT_CLAIM_CAP, help_text=_("Customers a rep may hold from the pool at once.")
    )

    class Meta:
        verbose_name = _("pool rule")
        verbose_name_plural = _("pool rules")
        constraints = [
            models.CheckConstraint(condition=Q(recall_after_days__gte=1), name="pool_rule_recall_positive"),
        ]

    def __str__(self) -> str:
        return str(self.team)

    @staticmethod
    def cap_for(team: Team | None) -> int:
        rule = PoolRule.objects.filter(team=team).first() if team is not None else None
        return rule.claim_cap if rule else DEFAULT_CLAIM_CAP


class PoolEventQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PoolEventQuerySet:
        from crm.scoping import owner_scope

        q = owner_scope(user, "user")
        return self if q is None else self.filter(q)


class PoolEvent(models.Model):
    class Kind(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        RETURN = "return", _("Returned")
        RECALL = "recall", _("Recalled (no follow-up)")
        WARNING = "warning", _("Recall warning")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="pool_events"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Who claimed the customer, or who held it until it went back."),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    # For warnings: the day the customer would go back, so a rerun warns once per idle spell.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)

    objects = PoolEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["customer", "-at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "user", "due_at"],
                condition=Q(kind="warning"),
                name="pool_event_one_warning_per_spell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.customer_id}"


def idle_since_expr():
    """When the owner last did something for the customer: the latest follow-up on its deals,
    else when they claimed it, else when it was created."""
    return Greatest(
        Coalesce(Max("opportunities__last_activity_at"), "claimed_at", "created_at"),
        Coalesce("claimed_at", "created_at"),
    )


def advanced_stage_ids() -> list[int]:
    """Open stages past the first of their pipeline: a deal there keeps its customer out of the pool."""
    from opportunities.models import Stage

    first: dict[int, int] = {}
    advanced = []
    for stage in Stage.objects.open().order_by("pipeline_id", "order"):
        if stage.pipeline_id not in first and stage.is_active:
            first[stage.pipeline_id] = stage.pk
    for stage in Stage.objects.open():
        if first.get(stage.pipeline_id) != stage.pk:
            advanced.append(stage.pk)
    return advanced


@dataclass
class RecallResult:
    scanned: int = 0
    recalled: int = 0
    warned: int = 0
    batches: int = 0


def recall_idle_customers(now: datetime | None = None) -> RecallResult:
    """The pool rule of every team with an active rule: a customer whose owner (a member of the
    team) has logged no follow-up on it or its deals for `recall_after_days`, and which has no
    open deal above its pipeline's first stage, goes back to the team's pool; its owner is warned
    `warn_days_before` days ahead. Idempotent (a recalled customer has no owner; a warning is
    unique per customer, owner and due date) and batched by primary key."""
    from notifications.models import Notification
    from notifications.services import Draft, notify_many, record_url

    from .models import Customer

    now = now or timezone.now()
    result = RecallResult()
    advanced = advanced_stage_ids()
    size = batch_size()
    for rule in PoolRule.objects.filter(is_active=True).select_related("team"):
        recall_before = now - timedelta(days=rule.recall_after_days)
        warn_before = recall_before + timedelta(days=rule.warn_days_before)
        candidates = (
            Customer.objects.filter(owner__team=rule.team)
            .exclude(opportunities__stage_id__in=advanced)
            .annotate(idle_since=idle_since_expr())
            .filter(idle_since__lt=warn_before)
        )
        last_pk = 0
        while True:
            batch = list(
                candidates.filter(pk__gt=last_pk).order_by("pk").values("pk", "owner_id", "idle_since", "name")[:size]
            )
            if not batch:
                break
            last_pk = batch[-1]["pk"]
            result.batches += 1
            result.scanned += len(batch)
            to_recall = [row for row in batch if row["idle_since"] < recall_before]
            to_warn = [row for row in batch if row["idle_since"] >= recall_before]
            for row in to_recall:
                if Customer.recall(row["pk"], owner_id=row["owner_id"], team=rule.team, now=now, advanced=advanced):
                    result.recalled += 1
            warnings = []
            drafts = []
            for row in to_warn:
                due = row["idle_since"] + timedelta(days=rule.recall_after_days)
                warnings.append(
                    PoolEvent(
                        customer_id=row["pk"],
                        kind=PoolEvent.Kind.WARNING,
                        user_id=row["owner_id"],
                        team=rule.team,
                        at=now,
                        due_at=due,
                    )
                )
                drafts.append(
                    Draft(
                        recipient_id=row["owner_id"],
                        kind=Notification.Kind.OTHER,
                        dedup_key=f"pool-warning:{row['pk']}:{row['owner_id']}:{due:%Y%m%d%H%M}",
                        title=str(_("“%(customer)s” goes back to the pool on %(date)s without a follow-up"))
                        % {"customer": row["name"], "date": timezone.localdate(due).isoformat()},
                        url=record_url("customers", row["pk"]),
                    )
                )
            with transaction.atomic():
                PoolEvent.objects.bulk_create(warnings, ignore_conflicts=True)
                result.warned += notify_many(drafts)
    return result
