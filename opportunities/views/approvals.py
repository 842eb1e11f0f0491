"""Large-deal approvals: the rep asks, the leader decides (from the notification list or the
deal page), the requester may withdraw. The rules are `ApprovalRequest`'s."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.idempotency import submit_once

from ..approval_forms import ApprovalRequestForm, DecisionForm
from ..models import ApprovalRequest, Opportunity
from .common import safe_next


def _back(request: HttpRequest) -> HttpResponseRedirect:
    return redirect(safe_next(request, "notifications:list"))


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _form_error_text(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
def decide_approval(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader approves or rejects a large deal, from the notification list or the deal page."""
    approval = get_object_or_404(ApprovalRequest.objects.visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_text(form))
        return _back(request)
    comment = form.cleaned_data["comment"]
    try:
        if form.cleaned_data["decision"] == "approve":
            change = approval.approve(request.user, comment)
            if change.is_reopen:
                messages.success(request, _("Approved: the deal reopened in “%(stage)s”.") % {"stage": approval.stage})
            else:
                messages.success(request, _("Approved: the deal moved into “%(stage)s”.") % {"stage": approval.stage})
        else:
            approval.reject(request.user, comment)
            messages.success(request, _("Rejected; the rep has been told why."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _back(request)


@require_POST
def request_approval(request: HttpRequest, opportunity_pk: int) -> HttpResponse:
    """The rep asks the team leader to let a large deal into a stage."""
    deal = get_object_or_404(Opportunity.objects.visible_to(request.user), pk=opportunity_pk)
    form = ApprovalRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_text(form))
        return _back(request)
    back = _back(request).url
    try:
        outcome = submit_once(
            request,
            "opportunities:request_approval",
            lambda: deal.request_approval(form.cleaned_data["stage"], by=request.user, note=form.cleaned_data["note"]),
            lambda _request: back,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    if not outcome.replayed:
        messages.success(request, _("Approval requested; the team leader has been notified."))
    return redirect(outcome.url)


@require_POST
def withdraw_approval(request: HttpRequest, pk: int) -> HttpResponse:
    approval = get_object_or_404(ApprovalRequest.objects.visible_to(request.user), pk=pk)
    try:
        approval.cancel(request.user)
        messages.success(request, _("Approval request withdrawn."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _back(request)
