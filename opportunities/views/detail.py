"""The deal page and its in-place actions: follow-ups, objections, contacts, edit, follow-on."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import UpdateView

from crm.idempotency import submit_once
from customers.models import Customer

from ..forms import (
    ContactRoleForm,
    DealContactForm,
    EditConflict,
    FollowOnForm,
    FollowUpForm,
    MoveForm,
    ObjectionForm,
    OpportunityForm,
    ResolveObjectionForm,
)
from ..models import Opportunity, Stage
from .common import active_stages, get_opportunity_for, is_htmx

TIMELINE_LIMIT = 50


def timeline_for(deal: Opportunity) -> list[dict]:
    """Follow-ups, stage changes and approval steps of a deal, newest first, in three queries."""
    activities = deal.activities.select_related("created_by")[:TIMELINE_LIMIT]
    changes = deal.stage_changes.select_related("from_stage", "to_stage", "changed_by", "loss_reason")
    approvals = deal.approval_requests.select_related("stage", "requested_by", "decided_by")
    entries = [{"when": a.occurred_at, "activity": a} for a in activities]
    entries += [{"when": c.changed_at, "change": c} for c in changes]
    for request in approvals:
        entries.append({"when": request.created_at, "approval": request, "decision": False})
        if request.decided_at:
            entries.append({"when": request.decided_at, "approval": request, "decision": True})
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


def stage_path(deal: Opportunity, stages: list[Stage]) -> tuple[list[Stage], Stage | None]:
    """The forward path (lost only when the deal is lost) and the next stage on it."""
    path = [s for s in stages if s.outcome != Stage.Outcome.LOST or s.pk == deal.stage_id]
    following = None
    if deal.stage.is_open:
        following = next((s for s in path if s.order > deal.stage.order and s.outcome != Stage.Outcome.LOST), None)
    return path, following


def render_detail(request: HttpRequest, deal: Opportunity, status: int = 200, **forms) -> HttpResponse:
    now = timezone.now()
    stages = active_stages()
    path, following = stage_path(deal, stages)
    context = {
        "deal": deal,
        "opportunity": deal,
        "now": now,
        "path": path,
        "next_stage": following,
        "next_requirements": deal.requirements_for(following, by=request.user) if following else [],
        "timeline": timeline_for(deal),
        "contacts": deal.contacts.all(),
        "objections": deal.objections.all(),
        "competitors": deal.competitors.all(),
        "follow_ons": deal.follow_ons.select_related("stage"),
        "stages": stages,
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(initial={"occurred_at": now}),
        "objection_form": forms.get("objection_form") or ObjectionForm(),
        "contact_form": forms.get("contact_form") or DealContactForm(),
        "move_form": forms.get("move_form") or MoveForm(),
        "follow_on_form": forms.get("follow_on_form") or FollowOnForm(),
        "is_stale": deal.is_stale(now),
        "days_in_stage": deal.days_in_stage(now),
    }
    return render(request, "opportunities/detail.html", context, status=status)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_detail(request, get_opportunity_for(request.user, pk))


@require_POST
def log_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a follow-up; with htmx the form, timeline and figures update in place."""
    deal = get_opportunity_for(request.user, pk)
    form = FollowUpForm(request.POST)
    logged = form.log_if_valid(by=request.user, opportunity=deal, request=request, action="opportunities:log_follow_up")
    if logged:
        if is_htmx(request):
            now = timezone.now()
            return render(
                request,
                "opportunities/_follow_up_logged.html",
                {
                    "deal": deal,
                    "now": now,
                    "timeline": timeline_for(deal),
                    "follow_up_form": FollowUpForm(initial={"occurred_at": now}),
                    "saved": True,
                },
            )
        if not logged.replayed:
            messages.success(request, _("Follow-up logged."))
        return redirect(deal)
    if is_htmx(request):
        action = reverse("opportunities:log_follow_up", args=[deal.pk])
        return render(request, "opportunities/_follow_up_form.html", {"follow_up_form": form, "action": action})
    return render_detail(request, deal, follow_up_form=form)


@require_POST
def add_objection(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_opportunity_for(request.user, pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        return render_detail(request, deal, objection_form=form)

    def record():
        objection = form.save(commit=False)
        objection.opportunity = deal
        objection.created_by = request.user
        objection.save()
        return objection

    outcome = submit_once(
        request, "opportunities:add_objection", record, lambda _o: f"{deal.get_absolute_url()}#objections"
    )
    if not outcome.replayed:
        messages.success(request, _("Objection recorded."))
    return redirect(outcome.url)


@require_POST
def resolve_objection(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    deal = get_opportunity_for(request.user, pk)
    objection = get_object_or_404(deal.objections, pk=objection_pk)
    form = ResolveObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(f"{deal.get_absolute_url()}#objections")
    objection.resolve(response=form.cleaned_data["response"].strip())
    messages.success(request, _("Objection marked resolved."))
    return redirect(f"{deal.get_absolute_url()}#objections")


@require_POST
def add_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """A new contact at the deal's customer, put on the deal's decision chain."""
    deal = get_opportunity_for(request.user, pk)
    form = DealContactForm(request.POST)
    if not form.is_valid():
        return render_detail(request, deal, contact_form=form)

    def add():
        contact = form.save(commit=False)
        contact.customer = deal.customer
        contact.save()
        deal.contacts.add(contact)
        return contact

    outcome = submit_once(request, "opportunities:add_contact", add, lambda _c: f"{deal.get_absolute_url()}#contacts")
    if not outcome.replayed:
        messages.success(request, _("Contact added to the deal."))
    return redirect(outcome.url)


@require_POST
def update_contact(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    deal = get_opportunity_for(request.user, pk)
    contact = get_object_or_404(deal.contacts, pk=contact_pk)
    form = ContactRoleForm(request.POST, instance=contact)
    if form.is_valid():
        form.save()
        messages.success(request, _("Buying role and attitude saved."))
    else:
        messages.error(request, _("Choose a buying role and an attitude from the lists."))
    return redirect(f"{deal.get_absolute_url()}#contacts")


@require_POST
def follow_on(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_opportunity_for(request.user, pk)
    form = FollowOnForm(request.POST)
    if not form.is_valid():
        return render_detail(request, deal, follow_on_form=form)
    try:
        outcome = submit_once(
            request,
            "opportunities:follow_on",
            lambda: deal.start_follow_on(
                request.user,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                amount=form.cleaned_data["amount"],
            ),
            lambda new: new.get_absolute_url(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(deal)
    if not outcome.replayed:
        messages.success(request, _("Follow-on opportunity created."))
    return redirect(outcome.url)


class OpportunityEditView(UpdateView):
    """Edit a deal; a save over someone else's newer save is refused (optimistic `version`)."""

    form_class = OpportunityForm
    template_name = "opportunities/edit.html"
    context_object_name = "deal"

    def get_object(self, queryset=None) -> Opportunity:
        return get_opportunity_for(self.request.user, self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            outcome = submit_once(self.request, "opportunities:edit", form.save, lambda deal: deal.get_absolute_url())
        except EditConflict:
            form.add_conflict_error()
            return self.form_invalid(form)
        if not outcome.replayed:
            messages.success(self.request, _("Opportunity saved."))
        return redirect(outcome.url)


def new_for_customer(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """A new deal for a customer the user can see, entering the first open stage."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=customer_pk)
    form = OpportunityForm(request.POST or None, user=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "competitors")}

        def open_new() -> Opportunity:
            deal = Opportunity.open_new(by=request.user, customer=customer, **fields)
            deal.competitors.set(form.cleaned_data["competitors"])
            return deal

        outcome = submit_once(request, "opportunities:new_for_customer", open_new, lambda deal: deal.get_absolute_url())
        if not outcome.replayed:
            messages.success(request, _("Opportunity created."))
        return redirect(outcome.url)
    return render(request, "opportunities/edit.html", {"form": form, "customer": customer})
