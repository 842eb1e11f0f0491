"""Large-deal approvals: the rep asks, the leader decides (from the notification list or the
deal page), the requester may withdraw. The rules are `ApprovalRequest`'s."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import ApprovalRequest, Opportunity, Stage
from .common import safe_next


def _back(request: HttpRequest) -> HttpResponseRedirect:
    return redirect(safe_next(request, "notifications:list"))


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@require_POST
def decide_approval(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader approves or rejects a large deal, from the notification list or the deal page."""
    approval = get_object_or_404(ApprovalRequest.objects.visible_to(request.user), pk=pk)
    decision = request.POST.get("decision")
    comment = request.POST.get("comment", "")
    try:
        if decision == "approve":
            change = approval.approve(request.user, comment)
            if change.is_reopen:
                messages.success(request, _("Approved: the deal reopened in “%(stage)s”.") % {"stage": approval.stage})
            else:
                messages.success(request, _("Approved: the deal moved into “%(stage)s”.") % {"stage": approval.stage})
        elif decision == "reject":
            approval.reject(request.user, comment)
            messages.success(request, _("Rejected; the rep has been told why."))
        else:
            messages.error(request, _("Choose approve or reject."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _back(request)


@require_POST
def request_approval(request: HttpRequest, opportunity_pk: int) -> HttpResponse:
    """The rep asks the team leader to let a large deal into a stage."""
    deal = get_object_or_404(Opportunity.objects.visible_to(request.user), pk=opportunity_pk)
    stage_id = request.POST.get("stage", "")
    stage = Stage.objects.filter(pk=int(stage_id)).first() if stage_id.isdigit() else None
    if stage is None:
        messages.error(request, _("Choose the stage to request approval for."))
        return _back(request)
    try:
        deal.request_approval(stage, by=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("Approval requested; the team leader has been notified."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _back(request)


@require_POST
def withdraw_approval(request: HttpRequest, pk: int) -> HttpResponse:
    approval = get_object_or_404(ApprovalRequest.objects.visible_to(request.user), pk=pk)
    try:
        approval.cancel(request.user)
        messages.success(request, _("Approval request withdrawn."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _back(request)
