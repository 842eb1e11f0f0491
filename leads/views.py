"""Lead pages: list, new and edit, detail with the BANT checklist, follow-ups and conversion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import CreateView, UpdateView
from django_filters.views import FilterView

from audit.display import history_of
from crm.idempotency import submit_once
from crm.softdelete import move_to_bin_response
from opportunities.forms import EditConflict, FollowUpForm
from opportunities.models import Pipeline
from opportunities.views.common import is_htmx

from .filters import LeadFilter
from .forms import ConvertAsWonForm, ConvertForm, DisqualifyForm, LeadContactForm, LeadForm
from .models import Lead, LeadAutomationSettings, LeadNotQualified

if TYPE_CHECKING:
    from accounts.models import User

TIMELINE_LIMIT = 50
HISTORY_LIMIT = 50


def get_lead_for(user: User, pk: int) -> Lead:
    """The lead with this id if `user` may see it, else 404."""
    return get_object_or_404(
        Lead.objects.visible_to(user).select_related("owner", "source", "opportunity", "pipeline"), pk=pk
    )


class LeadListView(FilterView):
    template_name = "leads/list.html"
    paginate_by = 25
    context_object_name = "leads"

    def get_filterset(self, filterset_class):
        base = Lead.objects.visible_to(self.request.user).select_related("owner", "source")
        return LeadFilter(self.request.GET, queryset=base, user=self.request.user)

    def get_queryset(self):
        return Lead.objects.none()

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(None)
        if self.filterset.is_bound and not self.filterset.is_valid():
            self.object_list = self.filterset.queryset.none()
        else:
            self.object_list = self.filterset.qs
            if not self.filterset.form.cleaned_data.get("sort"):
                self.object_list = self.object_list.order_by("-created_at", "-pk")
            else:
                self.object_list = self.object_list.order_by(*self.object_list.query.order_by, "-pk")
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list, now=timezone.now())
        return self.render_to_response(context)


class LeadCreateView(CreateView):
    form_class = LeadForm
    template_name = "leads/form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        outcome = submit_once(self.request, "leads:new", form.save, lambda lead: lead.get_absolute_url())
        if not outcome.replayed:
            messages.success(self.request, _("Lead created."))
        return redirect(outcome.url)


class LeadEditView(UpdateView):
    form_class = LeadForm
    template_name = "leads/form.html"
    context_object_name = "lead"

    def get_object(self, queryset=None) -> Lead:
        return get_lead_for(self.request.user, self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        lead = self.get_object()
        if not lead.is_open:
            messages.info(request, _("A converted or disqualified lead can no longer be edited."))
            return redirect(lead)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            outcome = submit_once(self.request, "leads:edit", form.save, lambda lead: lead.get_absolute_url())
        except EditConflict:
            form.add_conflict_error()
            return self.form_invalid(form)
        if not outcome.replayed:
            messages.success(self.request, _("Lead saved."))
        return redirect(outcome.url)


def render_detail(request: HttpRequest, lead: Lead, status: int = 200, **forms) -> HttpResponse:
    now = timezone.now()
    limit = LeadAutomationSettings.load().quick_win_limit
    pipeline = lead.target_pipeline()
    context = {
        "lead": lead,
        "now": now,
        "bant": lead.qualification_status(pipeline),
        "missing": lead.qualification_missing(pipeline),
        "framework": pipeline.qualification_framework,
        "timeline": [{"when": a.occurred_at, "activity": a} for a in timeline_for(lead)],
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(initial={"occurred_at": now}),
        "won_form": forms.get("won_form") or ConvertAsWonForm(initial={"amount": lead.budget_amount}, limit=limit),
        "disqualify_form": forms.get("disqualify_form") or DisqualifyForm(),
        "history": history_of(lead, limit=HISTORY_LIMIT),
        "decision_chain": lead.decision_chain.all(),
        "chain_form": forms.get("chain_form") or LeadContactForm(),
    }
    return render(request, "leads/detail.html", context, status=status)


def timeline_for(lead: Lead):
    return lead.activities.select_related("created_by")[:TIMELINE_LIMIT]


def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_detail(request, get_lead_for(request.user, pk))


@require_POST
def log_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for(request.user, pk)
    form = FollowUpForm(request.POST)
    action = reverse("leads:log_follow_up", args=[lead.pk])
    logged = form.log_if_valid(by=request.user, lead=lead, request=request, action="leads:log_follow_up")
    if logged:
        if is_htmx(request):
            now = timezone.now()
            return render(
                request,
                "leads/_follow_up_logged.html",
                {
                    "lead": lead,
                    "action": action,
                    "timeline": [{"when": a.occurred_at, "activity": a} for a in timeline_for(lead)],
                    "follow_up_form": FollowUpForm(initial={"occurred_at": now}),
                    "saved": True,
                },
            )
        if not logged.replayed:
            messages.success(request, _("Follow-up logged."))
        return redirect(lead)
    if is_htmx(request):
        return render(request, "opportunities/_follow_up_form.html", {"follow_up_form": form, "action": action})
    return render_detail(request, lead, follow_up_form=form)


@require_http_methods(["GET", "POST"])
def convert(request: HttpRequest, pk: int) -> HttpResponse:
    """Convert a qualified lead (customer, contact, opportunity); an unqualified one is refused
    with the criteria of the pipeline's framework (BANT or MEDDIC) still missing, and nothing changes."""
    lead = get_lead_for(request.user, pk)
    missing: list[str] = []
    pipelines = list(Pipeline.objects.active())
    chosen = Pipeline.objects.chosen(request.POST.get("pipeline") or request.GET.get("pipeline"))
    pipeline = chosen or lead.target_pipeline()
    form = ConvertForm(request.POST) if request.method == "POST" else ConvertForm()
    if request.method == "POST" and form.is_valid():
        try:
            outcome = submit_once(
                request,
                "leads:convert",
                lambda: lead.convert(request.user, name=form.cleaned_data["name"].strip(), pipeline=pipeline),
                lambda deal: deal.get_absolute_url(),
            )
        except LeadNotQualified as refusal:
            missing = refusal.missing
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(lead)
        else:
            if not outcome.replayed:
                messages.success(request, _("Lead converted. Here is the new opportunity."))
            return redirect(outcome.url)
    else:
        missing = lead.qualification_missing(pipeline)
    context = {
        "lead": lead,
        "missing": missing,
        "bant": lead.bant_status(),
        "pipelines": pipelines,
        "pipeline": pipeline,
        "form": form,
    }
    return render(request, "leads/convert.html", context, status=400 if form.errors else 200)


@require_POST
def convert_as_won(request: HttpRequest, pk: int) -> HttpResponse:
    """Small fast deal: straight to a won opportunity, outside the stage statistics."""
    lead = get_lead_for(request.user, pk)
    form = ConvertAsWonForm(request.POST, limit=LeadAutomationSettings.load().quick_win_limit)
    if form.is_valid():
        try:
            outcome = submit_once(
                request,
                "leads:convert_as_won",
                lambda: lead.convert_as_won(
                    request.user,
                    form.cleaned_data["amount"],
                    name=form.cleaned_data["name"],
                    pipeline=form.cleaned_data["pipeline"],
                ),
                lambda deal: deal.get_absolute_url(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not outcome.replayed:
                messages.success(request, _("Lead converted to a won deal."))
            return redirect(outcome.url)
    return render_detail(request, lead, won_form=form)


@require_POST
def disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for(request.user, pk)
    form = DisqualifyForm(request.POST)
    if form.is_valid():
        try:
            lead.disqualify(request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Lead disqualified."))
            return redirect(lead)
    return render_detail(request, lead, disqualify_form=form)


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for(request.user, pk)
    return move_to_bin_response(request, lead, reverse("leads:list"), back=lead.get_absolute_url())


@require_POST
def add_lead_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Name another person on the lead's decision chain; conversion carries them over."""
    lead = get_lead_for(request.user, pk)
    form = LeadContactForm(request.POST)
    if form.is_valid():
        try:
            lead.add_to_decision_chain(**form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(lead)
        messages.success(request, _("Contact added to the decision chain."))
        return redirect(f"{lead.get_absolute_url()}#decision-chain")
    return render_detail(request, lead, chain_form=form)


@require_POST
def remove_lead_contact(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    lead = get_lead_for(request.user, pk)
    if lead.is_open:
        get_object_or_404(lead.decision_chain, pk=contact_pk).delete()
        messages.success(request, _("Contact removed from the decision chain."))
    return redirect(f"{lead.get_absolute_url()}#decision-chain")
