"""Who hears about an approval request, and what they are told."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from crm.templatetags.crm import money
from notifications.models import Notification
from notifications.services import Draft, enqueue_chat_digests, in_language_of, notify, record_url

from .models import ApprovalRequest


def approvers(request: ApprovalRequest) -> list[User]:
    """The owner's team leader; when the team has none (or it is inactive), the admins."""
    team = request.opportunity.owner.team
    leader = team.leader if team is not None else None
    if leader is not None and leader.is_active:
        return [leader]
    return list(User.objects.filter(Q(is_staff=True) | Q(is_superuser=True), is_active=True).order_by("pk"))


def notify_approvers(request: ApprovalRequest) -> None:
    deal = request.opportunity
    for user in approvers(request):
        if user.pk == request.requested_by_id:
            continue
        with in_language_of(user):
            body = _("%(rep)s asks to move the deal %(deal)s (%(amount)s) into “%(stage)s”.") % {
                "rep": request.requested_by,
                "deal": deal.name,
                "amount": money(request.amount),
                "stage": request.stage,
            }
            if request.note:
                body += "\n" + _("Note: %(note)s") % {"note": request.note}
            draft = Draft(
                recipient_id=user.pk,
                kind=Notification.Kind.APPROVAL_REQUESTED,
                dedup_key=f"approval:{request.pk}:requested:{user.pk}",
                title=_("Approval requested: %(deal)s → %(stage)s") % {"deal": deal.name, "stage": request.stage},
                body=body,
                url=record_url("opportunities", deal.pk),
                opportunity_id=deal.pk,
                approval_request_id=request.pk,
            )
        notify(draft)
    enqueue_chat_digests()


def notify_decision(request: ApprovalRequest) -> None:
    """Tell the requester (and the owner, if someone else asked) what the leader decided."""
    deal = request.opportunity
    recipients = {request.requested_by_id, deal.owner_id} - {request.decided_by_id}
    for user in User.objects.filter(pk__in=recipients, is_active=True):
        with in_language_of(user):
            values = {"deal": deal.name, "stage": request.stage, "leader": request.decided_by}
            if request.status == ApprovalRequest.Status.APPROVED:
                title = _("Approved: %(deal)s moved into “%(stage)s”") % values
                body = _("%(leader)s approved the deal; it is now in “%(stage)s”.") % values
            else:
                title = _("Not approved: %(deal)s → %(stage)s") % values
                body = _("%(leader)s rejected the request; the deal stays where it is.") % values
            if request.decision_comment:
                body += "\n" + _("Comment: %(comment)s") % {"comment": request.decision_comment}
            draft = Draft(
                recipient_id=user.pk,
                kind=Notification.Kind.APPROVAL_DECIDED,
                dedup_key=f"approval:{request.pk}:decided:{user.pk}",
                title=title,
                body=body,
                url=record_url("opportunities", deal.pk),
                opportunity_id=deal.pk,
                approval_request_id=request.pk,
            )
        notify(draft)
    enqueue_chat_digests()


def close_request_notifications(request: ApprovalRequest) -> None:
    """A decided request no longer waits in anyone's unread list."""
    Notification.objects.filter(
        approval_request=request, kind=Notification.Kind.APPROVAL_REQUESTED, read_at__isnull=True
    ).update(read_at=timezone.now())
