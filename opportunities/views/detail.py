"""The deal page and its in-place actions: follow-ups, objections, contacts, edit, follow-on."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import UpdateView

from audit.display import describe
from audit.models import FieldChange
from crm.idempotency import submit_once
from customers.models import Customer

from ..forms import (
    ChangePipelineForm,
    ContactRoleForm,
    DealContactForm,
    EditConflict,
    EvaluationForm,
    FollowOnForm,
    FollowUpForm,
    ForecastCategoryForm,
    MoveForm,
    ObjectionForm,
    OpportunityForm,
    ResolveObjectionForm,
)
from ..models import Opportunity, Stage
from .common import active_stages, get_opportunity_for, is_htmx

TIMELINE_LIMIT = 50
# What a stage move sets; its stage-change entry already says it, so the edit entry leaves it out.
MOVE_FIELDS = {"stage_id", "probability", "loss_reason_id"}


# Reassignments and decision-chain changes have entries of their own on the timeline.
SHOWN_AS_THEIR_OWN = frozenset({"owner_id", "contacts"})


def field_history_entries(deal: Opportunity, shown_elsewhere: frozenset = frozenset()) -> list[dict]:
    """The deal's field changes in words, as timeline entries (one per save).

    Two queries, plus one per related model the changes name (owner, contact, source...). The
    creation is the first stage change's "Entered" entry, and a move's stage, probability and
    loss reason are its stage-change entry, so neither is repeated here."""
    entries = []
    for entry in describe(deal.field_history()[:TIMELINE_LIMIT]):
        if entry.action in (FieldChange.Action.CREATED, FieldChange.Action.REASSIGNED):
            if entry.action == FieldChange.Action.CREATED or "owner_id" in shown_elsewhere:
                continue
        if shown_elsewhere:
            entry.lines = [line for line in entry.lines if line.field not in shown_elsewhere]
            if not entry.lines:
                continue
        if "stage_id" in entry.fields:
            entry.lines = [line for line in entry.lines if line.field not in MOVE_FIELDS]
            if not entry.lines:
                continue
        entries.append({"when": entry.when, "edit": entry})
    return entries


def timeline_for(deal: Opportunity) -> list[dict]:
    """Everything that happened to a deal, newest first: follow-ups, stage changes, approval
    steps, objections raised and resolved, files attached, contact changes, reassignments and
    the other field changes. A fixed number of queries whatever the deal's history."""
    from accounts.models import User

    activities = deal.activities.select_related("created_by")[:TIMELINE_LIMIT]
    changes = deal.stage_changes.select_related("from_stage", "to_stage", "changed_by", "loss_reason")
    approvals = deal.approval_requests.select_related("stage", "requested_by", "decided_by")
    entries = [{"when": a.occurred_at, "activity": a} for a in activities]
    entries += [{"when": c.changed_at, "change": c} for c in changes]
    for request in approvals:
        entries.append({"when": request.created_at, "approval": request, "decision": False})
        if request.decided_at:
            entries.append({"when": request.decided_at, "approval": request, "decision": True})
    for objection in deal.objections.select_related("created_by"):
        entries.append({"when": objection.created_at, "objection": objection, "resolved": False})
        if objection.resolved_at:
            entries.append({"when": objection.resolved_at, "objection": objection, "resolved": True})
    entries += [{"when": f.uploaded_at, "file": f} for f in deal.attachments.select_related("uploaded_by")]
    events = list(
        deal.history().filter(Q(field__in=("owner_id", "contacts")) | Q(action=FieldChange.Action.REASSIGNED))[
            :TIMELINE_LIMIT
        ]
    )
    owner_ids = {int(v) for e in events if e.field == "owner_id" for v in (e.old_value, e.new_value) if v}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=owner_ids)} if owner_ids else {}
    for event in events:
        if event.field == "contacts":
            entries.append({"when": event.changed_at, "contact_change": event})
        else:
            entries.append(
                {
                    "when": event.changed_at,
                    "reassignment": event,
                    "from_name": names.get(int(event.old_value)) if event.old_value else "",
                    "to_name": names.get(int(event.new_value)) if event.new_value else "",
                }
            )
    entries += field_history_entries(deal, shown_elsewhere=SHOWN_AS_THEIR_OWN)
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
    stages = active_stages(deal.stage.pipeline_id)
    path, following = stage_path(deal, stages)
    move_form = forms.get("move_form") or MoveForm()
    move_form.fields["stage"].queryset = Stage.objects.active().filter(pipeline_id=deal.stage.pipeline_id)
    change_pipeline_form = forms.get("change_pipeline_form") or ChangePipelineForm(deal=deal)
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
        "move_form": move_form,
        "evaluation_form": forms.get("evaluation_form") or EvaluationForm(deal=deal),
        "meddic": deal.meddic_status() if deal.stage.pipeline.uses_meddic else None,
        "change_pipeline_form": change_pipeline_form,
        "has_other_pipelines": change_pipeline_form.fields["stage"].queryset.exists(),
        "follow_on_form": forms.get("follow_on_form") or FollowOnForm(),
        "category_form": forms.get("category_form") or category_form(deal),
        "judgement_form": forms.get("judgement_form") or judgement_form(deal),
        "can_forecast": deal.stage.is_open and deal.can_override_category(request.user),
        "can_judge": deal.stage.is_open and deal.can_approve(request.user),
        "is_stale": deal.is_stale(now),
        "days_in_stage": deal.days_in_stage(now),
    }
    return render(request, "opportunities/detail.html", context, status=status)


def category_form(deal: Opportunity, data=None) -> ForecastCategoryForm:
    label = _("Stage default: %(category)s") % {"category": _category_label(deal.stage.forecast_category)}
    initial = {"category": deal.forecast_category_override, "note": deal.forecast_category_note}
    return ForecastCategoryForm(data, initial=initial, default_label=label, prefix="rep")


def judgement_form(deal: Opportunity, data=None) -> ForecastCategoryForm:
    initial = {"category": deal.manager_category, "note": deal.manager_category_note}
    return ForecastCategoryForm(data, initial=initial, default_label=_("No judgement"), prefix="leader")


def _category_label(value: str) -> str:
    from crm.choices import ForecastCategory

    return str(ForecastCategory(value).label) if value in ForecastCategory.values else value


@require_POST
def set_forecast_category(request: HttpRequest, pk: int) -> HttpResponse:
    """The rep's forecast category for an open deal (rule: `Opportunity.override_forecast_category`)."""
    deal = get_opportunity_for(request.user, pk)
    if not deal.can_override_category(request.user):
        raise PermissionDenied
    form = category_form(deal, request.POST)
    changed = form.apply(deal.override_forecast_category, by=request.user)
    if changed is None:
        return render_detail(request, deal, status=400, category_form=form)
    if changed:
        messages.success(request, _("Forecast category saved."))
    return redirect(f"{deal.get_absolute_url()}#forecast-category")


@require_POST
def judge_forecast_category(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader's judgement of an open deal (rule: `Opportunity.judge_forecast_category`)."""
    deal = get_opportunity_for(request.user, pk)
    if not deal.can_approve(request.user):
        raise PermissionDenied
    form = judgement_form(deal, request.POST)
    changed = form.apply(deal.judge_forecast_category, by=request.user)
    if changed is None:
        return render_detail(request, deal, status=400, judgement_form=form)
    if changed:
        messages.success(request, _("Your judgement is saved; the team forecast uses it."))
    return redirect(f"{deal.get_absolute_url()}#forecast-category")


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
            _path, following = stage_path(deal, active_stages())
            return render(
                request,
                "opportunities/_follow_up_logged.html",
                {
                    "deal": deal,
                    "now": now,
                    # The follow-up may have met the next stage's requirement: refresh that box too.
                    "next_stage": following,
                    "next_requirements": deal.requirements_for(following, by=request.user) if following else [],
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
        deal.add_to_decision_chain(contact, by=request.user)
        return contact

    outcome = submit_once(request, "opportunities:add_contact", add, lambda _c: f"{deal.get_absolute_url()}#contacts")
    if not outcome.replayed:
        messages.success(request, _("Contact added to the deal."))
    return redirect(outcome.url)


@require_POST
def update_contact(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    deal = get_opportunity_for(request.user, pk)
    contact = get_object_or_404(deal.contacts, pk=contact_pk)
    before = deal.describe_contact(contact)
    form = ContactRoleForm(request.POST, instance=contact)
    if form.is_valid():
        contact = form.save()
        deal.record_contact_change(before, deal.describe_contact(contact), by=request.user)
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
                pipeline=form.cleaned_data["pipeline"],
            ),
            lambda new: new.get_absolute_url(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(deal)
    if not outcome.replayed:
        messages.success(request, _("Follow-on opportunity created."))
    return redirect(outcome.url)


@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the deal's evaluation (five factors, notes, SWOT) through `Opportunity.evaluate`."""
    deal = get_opportunity_for(request.user, pk)
    form = EvaluationForm(request.POST, deal=deal)
    if not form.is_valid():
        return render_detail(request, deal, status=400, evaluation_form=form)
    try:
        form.evaluate(deal, request.user)
    except ValidationError as refusal:
        form.add_error(None, refusal)
        return render_detail(request, deal, status=400, evaluation_form=form)
    messages.success(request, _("Evaluation saved."))
    return redirect(f"{deal.get_absolute_url()}#evaluation")


@require_POST
def change_pipeline(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the deal into another pipeline (through `Opportunity.change_pipeline`)."""
    deal = get_opportunity_for(request.user, pk)
    form = ChangePipelineForm(request.POST, deal=deal)
    if not form.is_valid():
        return render_detail(request, deal, status=400, change_pipeline_form=form)
    stage = form.cleaned_data["stage"]
    try:
        deal.change_pipeline(stage, request.user, note=form.cleaned_data["note"])
    except ValidationError as refusal:
        for reason in refusal.messages:
            form.add_error("stage", reason)
        return render_detail(request, deal, status=400, change_pipeline_form=form)
    messages.success(request, _("“%(deal)s” moved to %(stage)s.") % {"deal": deal, "stage": stage.label_with_pipeline})
    return redirect(deal)


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
