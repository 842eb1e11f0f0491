"""The bell's unread count and the approval panel on the deal page."""

from __future__ import annotations

from django import template

from notifications.models import Notification
from opportunities.models import ApprovalRequest, Opportunity, Stage

register = template.Library()


@register.simple_tag
def unread_notification_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.visible_to(user).unread().count()


@register.simple_tag
def approval_panel(opportunity: Opportunity, user) -> dict:
    """What the approval panel shows `user` on a deal: the pending request and whether they may
    decide or withdraw it, the decided requests, and the stages they could ask approval for."""
    requests = list(
        ApprovalRequest.objects.filter(opportunity=opportunity)
        .select_related("stage", "requested_by", "decided_by")
        .order_by("created_at", "pk")
    )
    pending = next((r for r in requests if r.is_pending), None)
    can_approve = opportunity.can_approve(user)
    requestable: list[Stage] = []
    if pending is None and opportunity.stage.is_open and not can_approve:
        approved = {
            (r.stage_id)
            for r in requests
            if r.status == ApprovalRequest.Status.APPROVED and r.amount >= opportunity.amount
        }
        requestable = [
            stage
            for stage in Stage.objects.active()
            .filter(approval_threshold__isnull=False, approval_threshold__lte=opportunity.amount)
            .filter(pipeline_id=opportunity.stage.pipeline_id)
            .exclude(pk=opportunity.stage_id)
            .exclude(outcome=Stage.Outcome.LOST)
            if stage.pk not in approved
        ]
    return {
        "requests": requests,
        "history": [r for r in requests if not r.is_pending],
        "pending": pending,
        "can_decide": pending is not None and can_approve,
        "can_withdraw": pending is not None
        and (user.pk in (pending.requested_by_id, opportunity.owner_id) or user.is_admin),
        "requestable": requestable,
    }
