"""Leader approval for large deals entering a stage that requires it (SPEC stage 3).

A deal at or above a stage's `approval_threshold` may not enter that stage on its owner's
word: `ApprovalRequest.open_for` files a request for the team leader instead (one pending per
deal, enforced by the database), the leader approves, which moves the deal through
`Opportunity.move_to`, or rejects with a reason the rep is told. The request row records every
step (who asked, when, why; who decided, when, what, why) and is shown on the deal's page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.tracking import acting_as
from crm.scoping import owner_scope

if TYPE_CHECKING:
    from accounts.models import User

    from .opportunity import Opportunity, StageChange
    from .stages import Stage


class ApprovalRequestManager(models.Manager):
    """Requests on a deal in the recycle bin leave the inboxes and jobs with their deal."""

    def get_queryset(self):
        from crm.softdelete import binned_pks

        from .opportunity import Opportunity

        return super().get_queryset().exclude(opportunity_id__in=binned_pks(Opportunity))


class ApprovalRequestQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ApprovalRequestQuerySet:
        """A request is visible with its deal (and not once the deal is purged)."""
        from .opportunity import Opportunity

        q = owner_scope(user, "opportunity__owner")
        if q is None:
            return self.filter(opportunity_id__in=Opportunity.objects.values("pk"))
        return self.filter(q)

    def pending(self) -> ApprovalRequestQuerySet:
        return self.filter(status=ApprovalRequest.Status.PENDING)

    def awaiting_decision_by(self, user: User) -> ApprovalRequestQuerySet:
        """Pending requests `user` may decide: their teams' deals (an admin: all)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        qs = self.pending()
        if user.is_admin:
            from .opportunity import Opportunity

            return qs.filter(opportunity_id__in=Opportunity.objects.values("pk"))
        return qs.filter(opportunity__owner__team__leader=user)


class ApprovalRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    # The approval trail outlives its deal (no cascade, no database constraint).
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="approval_requests",
    )
    stage = models.ForeignKey(
        "opportunities.Stage", verbose_name=_("stage"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=Decimal("0"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ApprovalRequestManager.from_queryset(ApprovalRequestQuerySet)()
    all_objects = models.Manager.from_queryset(ApprovalRequestQuerySet)()

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity"], condition=Q(status="pending"), name="one_pending_approval_per_opportunity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} → {self.stage} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    # --- Rules -------------------------------------------------------------------------

    @classmethod
    def open_for(cls, opportunity: Opportunity, stage: Stage, *, by: User, note: str = "") -> ApprovalRequest:
        """File a request for the leader to let a large deal into `stage`.

        Only when the leader's approval is what the move lacks: a deal under the threshold, one
        already approved, or a requester who may approve it themselves is told to move it; any
        other unmet requirement is refused first (`StageMoveRefused`), so the leader decides on
        a deal that can move at once. Asking again for the same stage returns the pending
        request; a pending request for another stage must be decided or withdrawn first.
        """
        from .opportunity import Opportunity, StageMoveRefused

        with transaction.atomic(), acting_as(by):
            # Lock the bare row (see Opportunity.move_to for why joins must stay out of it).
            deal = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
            if deal.stage_id == stage.pk:
                raise StageMoveRefused([gettext("The deal is already in this stage.")])
            if not deal.needs_approval_for(stage):
                raise ValidationError(gettext("This deal needs no approval for this stage; move it directly."))
            approval = deal.approval_requirement(stage, by=by)
            if approval is None:
                raise ValidationError(gettext("No approval is needed from you for this deal; move it directly."))
            others = [r for r in deal.requirements_for(stage, by=by) if r != approval]
            reason_missing = deal.reopen_reason_requirement(stage, note)
            if reason_missing:
                others.append(reason_missing)
            if others:
                raise StageMoveRefused(others)
            pending = cls.objects.filter(opportunity=deal, status=cls.Status.PENDING).select_related("stage").first()
            if pending is not None:
                if pending.stage_id == stage.pk:
                    return pending
                raise ValidationError(
                    gettext("An approval request for “%(stage)s” is already pending.") % {"stage": pending.stage}
                )
            try:
                with transaction.atomic():
                    request = cls.objects.create(
                        opportunity=deal, stage=stage, amount=deal.amount, requested_by=by, note=(note or "").strip()
                    )
            except IntegrityError:
                return cls.objects.get(opportunity=deal, status=cls.Status.PENDING)
            request.opportunity = deal
            from ..approval_notices import notify_approvers

            notify_approvers(request)
            request.emit_webhook("approval.requested")
        return request

    def emit_webhook(self, event: str) -> None:
        from webhooks.dispatch import emit

        emit(
            event,
            lambda: {
                "id": self.pk,
                "status": self.status,
                "stage": {"id": self.stage_id, "name": self.stage.name, "name_en": self.stage.name_en},
                "amount": str(self.amount),
                "requested_by": self.requested_by.username,
                "decided_by": self.decided_by.username if self.decided_by_id else None,
                "comment": self.decision_comment,
                "deal": self.opportunity.webhook_data(),
            },
        )

    def _lock_pending(self, by: User) -> ApprovalRequest:
        request = (
            ApprovalRequest.objects.select_for_update(of=("self",))
            .select_related("opportunity__owner__team", "stage", "requested_by")
            .get(pk=self.pk)
        )
        if not request.opportunity.can_approve(by):
            raise PermissionDenied(gettext("Only the team leader of the deal's owner can decide this request."))
        if not request.is_pending:
            raise ValidationError(gettext("This request has already been decided."))
        return request

    def approve(self, by: User, comment: str = "") -> StageChange:
        """The leader approves: the deal moves into the stage through `move_to`, in the same
        transaction, so a move the rules now refuse leaves the request pending. The rep is told.
        """
        from ..approval_notices import close_request_notifications, notify_decision

        with transaction.atomic(), acting_as(by):
            request = self._lock_pending(by)
            deal = request.opportunity
            request.decision_comment = (comment or "").strip()
            note = gettext("Approved by %(leader)s.") % {"leader": by}
            if request.decision_comment:
                note = f"{note} {request.decision_comment}"
            if deal.is_reopen_to(request.stage) and request.note:
                note = f"{request.note} · {note}"  # the rep's reason for reopening leads
            # The move takes its time after locking the deal's row; the decision shares it, so
            # the history stays in the order the moves really happened.
            change = deal.move_to(request.stage, by, note=note)
            request.status = self.Status.APPROVED
            request.decided_by = by
            request.decided_at = change.changed_at
            request.amount = max(request.amount, deal.amount)
            request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "amount"])
            notify_decision(request)
            close_request_notifications(request)
            request.opportunity.refresh_from_db()
            request.emit_webhook("approval.decided")
        self.refresh_from_db()
        return change

    def reject(self, by: User, comment: str) -> None:
        """The leader rejects, with the reason the rep needs; the deal stays where it is."""
        from ..approval_notices import close_request_notifications, notify_decision

        comment = (comment or "").strip()
        if not comment:
            raise ValidationError({"comment": gettext("Tell the rep why the request is rejected.")})
        with transaction.atomic(), acting_as(by):
            request = self._lock_pending(by)
            request.status = self.Status.REJECTED
            request.decided_by = by
            request.decided_at = timezone.now()
            request.decision_comment = comment
            request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
            notify_decision(request)
            close_request_notifications(request)
            request.emit_webhook("approval.decided")
        self.refresh_from_db()

    def cancel(self, by: User) -> None:
        """The requester (or the deal's owner) withdraws a pending request."""
        from ..approval_notices import close_request_notifications

        with transaction.atomic(), acting_as(by):
            request = (
                ApprovalRequest.objects.select_for_update(of=("self",)).select_related("opportunity").get(pk=self.pk)
            )
            if by.pk not in (request.requested_by_id, request.opportunity.owner_id) and not by.is_admin:
                raise PermissionDenied(gettext("Only the requester can withdraw this request."))
            if not request.is_pending:
                raise ValidationError(gettext("This request has already been decided."))
            request.status = self.Status.CANCELLED
            request.decided_by = by
            request.decided_at = timezone.now()
            request.save(update_fields=["status", "decided_by", "decided_at"])
            close_request_notifications(request)
        self.refresh_from_db()
