"""Follow-ups (跟进记录) on leads and opportunities, and the objections raised on deals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from audit.tracking import TracksHistory, acting_as, record_bulk
from crm.scoping import owner_scope
from crm.softdelete import LiveManager, SoftDeletable

from .opportunity import Opportunity

FUTURE_TOLERANCE = timedelta(minutes=5)

if TYPE_CHECKING:
    from accounts.models import User
    from leads.models import Lead


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ActivityQuerySet:
        """A follow-up is visible with the deal or lead it was logged on."""
        q = owner_scope(user)
        if q is None:
            return self
        from leads.models import Lead

        return self.filter(
            Q(opportunity__in=Opportunity.objects.visible_to(user).values("pk"))
            | Q(lead__in=Lead.objects.visible_to(user).values("pk"))
        )


class Activity(TracksHistory, SoftDeletable):
    history_exclude = ("created_by", "created_at")

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        EMAIL = "email", pgettext_lazy("follow-up kind", "Email")
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        DEMO = "demo", _("Demo")
        OTHER = "other", _("Other")

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
    )
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CALL)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    summary = models.TextField(_("summary"))
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    # SPIN needs discovery (optional)
    spin_situation = models.TextField(_("situation"), blank=True)
    spin_problem = models.TextField(_("problem"), blank=True)
    spin_implication = models.TextField(_("implication"), blank=True)
    spin_need_payoff = models.TextField(_("need-payoff"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    objects = LiveManager.from_queryset(ActivityQuerySet)()
    all_objects = models.Manager.from_queryset(ActivityQuerySet)()
    purge_clears = ("summary", "outcome", "next_step")

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["opportunity", "-occurred_at"]),
            models.Index(fields=["lead", "-occurred_at"]),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="activity_binned_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(opportunity__isnull=False, lead__isnull=True)
                | Q(opportunity__isnull=True, lead__isnull=False),
                name="activity_on_exactly_one_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.summary[:40]}"

    def bin_owner_id(self) -> int | None:
        record = self.opportunity if self.opportunity_id else self.lead
        return record.owner_id if record else None

    def bin_changed(self) -> None:
        """A deleted follow-up no longer counts as activity (the stale scan must see the deal idle
        again); a restored one counts again. The version moves so open edit forms notice."""
        record = self.opportunity if self.opportunity_id else self.lead
        model = type(record)
        model.all_objects.select_for_update().filter(pk=record.pk).values("pk").first()
        siblings = Activity.objects.filter(**({"opportunity": record} if self.opportunity_id else {"lead": record}))
        latest = siblings.aggregate(latest=models.Max("occurred_at"))["latest"]
        model.all_objects.filter(pk=record.pk).update(last_activity_at=latest, version=F("version") + 1)

    def restore_refusal(self) -> str | None:
        record = (
            type(self).all_objects.filter(pk=self.pk).values("opportunity__deleted_at", "lead__deleted_at").first()
            or {}
        )
        if record.get("opportunity__deleted_at") or record.get("lead__deleted_at"):
            return gettext("Restore its deal or lead first: it is in the recycle bin too.")
        return None

    @property
    def has_spin(self) -> bool:
        return any((self.spin_situation, self.spin_problem, self.spin_implication, self.spin_need_payoff))

    @classmethod
    def log(
        cls,
        *,
        by: User,
        opportunity: Opportunity | None = None,
        lead: Lead | None = None,
        summary: str,
        kind: str = Kind.CALL,
        occurred_at: datetime | None = None,
        **fields,
    ) -> Activity:
        """Record a follow-up and bring its record's `last_activity_at`, `next_follow_up_at`
        (and a deal's next step) up to date. Logging on a deal ends a stale episode.
        """
        if (opportunity is None) == (lead is None):
            raise ValidationError(gettext("A follow-up belongs to exactly one lead or opportunity."))
        if not (summary or "").strip():
            raise ValidationError({"summary": gettext("Describe what happened.")})
        now = timezone.now()
        occurred_at = occurred_at or now
        if occurred_at > now + FUTURE_TOLERANCE:
            # A follow-up records what happened; a future date would also hide the deal from the
            # stale reminders. What is planned goes in the next follow-up date.
            raise ValidationError(
                {"occurred_at": gettext("A follow-up cannot be in the future; set the next follow-up date instead.")}
            )
        with transaction.atomic(), acting_as(by):
            activity = cls.objects.create(
                opportunity=opportunity,
                lead=lead,
                summary=summary,
                kind=kind,
                occurred_at=occurred_at,
                created_by=by,
                **fields,
            )
            record = opportunity if opportunity is not None else lead
            model = type(record)
            tracked = ["next_follow_up_at"] + (["next_step"] if opportunity is not None else [])
            current = model.objects.select_for_update().only("last_activity_at", *tracked).get(pk=record.pk)
            # The version moves so that an edit form opened before this follow-up notices it.
            updates: dict = {"next_follow_up_at": activity.next_follow_up_at, "version": F("version") + 1}
            if current.last_activity_at is None or occurred_at > current.last_activity_at:
                updates["last_activity_at"] = occurred_at
            if opportunity is not None and activity.next_step:
                updates["next_step"] = activity.next_step
            model.objects.filter(pk=record.pk).update(**updates)
            # The plan the follow-up sets (next follow-up, next step) is an edit of the record.
            record_bulk(
                model, [(record.pk, name, getattr(current, name), updates[name]) for name in tracked if name in updates]
            )
            for name, value in updates.items():
                if name != "version":
                    setattr(record, name, value)
            record.history_mark_saved([name for name in updates if name != "version"])
            record.version = model.objects.values_list("version", flat=True).get(pk=record.pk)
        return activity


class Objection(TracksHistory, models.Model):
    history_exclude = ("created_by", "created_at", "resolved_at")

    class Kind(models.TextChoices):
        PRICE = "price", _("Price")
        TIMING = "timing", _("Timing")
        FEATURE_FIT = "feature_fit", _("Feature fit")
        COMPETITOR = "competitor", _("Competitor")
        AUTHORITY = "authority", _("Authority")
        OTHER = "other", _("Other")

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="objections"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("objection"))
    response = models.TextField(_("our response"), blank=True)
    is_resolved = models.BooleanField(_("resolved"), default=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["is_resolved", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:40]}"

    def resolve(self, response: str = "") -> None:
        self.is_resolved = True
        self.resolved_at = timezone.now()
        if response:
            self.response = response
        self.save(update_fields=["is_resolved", "resolved_at", "response"])
