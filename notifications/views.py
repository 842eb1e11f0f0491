"""Notifications (the bell and its list) and the approval decisions taken from them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.idempotency import submit_once
from opportunities.models import ApprovalRequest, Opportunity

from .forms import ApprovalRequestForm, DecisionForm
from .models import Notification

PAGE_SIZE = 25


def _safe(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _back(request: HttpRequest, default: str = "notifications:list") -> HttpResponseRedirect:
    return redirect(_safe(request, request.POST.get("next") or request.GET.get("next")) or default)


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _form_error_text(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def list_for(user, *, unread_only: bool):
    """The notification list of one user, newest first, with what the approval forms need."""
    qs = Notification.objects.visible_to(user).select_related(
        "approval_request__stage",
        "approval_request__requested_by",
        "approval_request__opportunity__owner__team",
    )
    return qs.unread() if unread_only else qs


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(list_for(request.user, unread_only=unread_only), PAGE_SIZE).get_page(request.GET.get("page"))
    for notification in page.object_list:
        approval = notification.approval_request
        notification.can_decide = (
            approval is not None
            and notification.kind == Notification.Kind.APPROVAL_REQUESTED
            and approval.is_pending
            and approval.opportunity.can_approve(request.user)
        )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "notifications": page.object_list, "unread_only": unread_only},
    )


@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(_safe(request, notification.url) or "notifications:list")


@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return _back(request)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = Notification.objects.visible_to(request.user).unread().update(read_at=timezone.now())
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return _back(request)


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
            approval.approve(request.user, comment)
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
            "notifications:request_approval",
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
