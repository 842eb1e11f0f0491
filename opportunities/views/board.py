"""The pipeline board: a column per active stage, drag a card (or use its stage menu) to move.

Every move goes through `Opportunity.move_to`; the board only shows what the rules answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..filters import BoardFilter
from ..forms import MoveForm
from ..models import ApprovalRequest, LossReason, Opportunity, Pipeline, Stage, StageMoveRefused
from ..models.opportunity import weighted_totals
from ..models.pipelines import pipeline_shown_to
from .common import active_stages, get_opportunity_for, is_htmx, safe_next

CARDS_PER_COLUMN = 20
# What a card shows: loading only these keeps a board of a hundred cards light.
CARD_FIELDS = (
    "id",
    "name",
    "amount",
    "probability",
    "stage_id",
    "stage_entered_at",
    "last_activity_at",
    "evaluation_score",
    "next_follow_up_at",
    "closed_at",
    "close_date_push_count",
    "customer__id",
    "customer__name",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)
CLOSED_WINDOW_DAYS = 30


@dataclass
class Column:
    stage: Stage
    count: int = 0
    amount: Decimal = Decimal("0")
    weighted: Decimal = Decimal("0")
    cards: list[Opportunity] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)


def board_filterset(user, data, *, now, stages) -> BoardFilter:
    base = Opportunity.objects.visible_to(user)
    return BoardFilter(data, queryset=base, user=user, now=now, stages=stages)


def column_totals(queryset, stages: list[Stage], now, kept=None) -> dict[int, dict]:
    """Count, amount and weighted sum per stage, in one grouped SQL query (grouped by probability
    too, so the weighted sums are a multiplication per group: see `weighted_totals`). `kept`: the
    running totals of the same deals (`OpportunityFilter.running_totals`), when they can answer
    for the open columns."""
    since = now - timedelta(days=CLOSED_WINDOW_DAYS)
    open_ids = [s.pk for s in stages if s.is_open]

    def grouped(deals, count):
        return deals.order_by().values("stage_id", "probability").annotate(n=count, amount=Sum("amount"))

    # The board holds open deals and deals closed in the last CLOSED_WINDOW_DAYS (the won/lost
    # columns): two halves of one query, each read through its own index (the open stages'
    # covering index, or their running totals; the closed deals by stage and date), where an OR
    # reads the whole table.
    if kept is not None:
        open_half = grouped(kept.filter(stage_id__in=open_ids), Sum("n"))
    else:
        open_half = grouped(queryset.filter(stage_id__in=open_ids), Count("pk"))
    rows = open_half.union(
        grouped(
            queryset.filter(stage_id__in=[s.pk for s in stages if not s.is_open], closed_at__gte=since), Count("pk")
        ),
        all=True,
    )
    per_stage: dict[int, list] = {}
    for row in rows:
        per_stage.setdefault(row["stage_id"], []).append(row)
    totals = {}
    for stage_id, groups in per_stage.items():
        figures = weighted_totals(groups)
        totals[stage_id] = {
            "n": figures["total_count"],
            "sum_amount": figures["total_amount"],
            "sum_weighted": figures["total_weighted"],
        }
    return totals


def build_columns(filterset: BoardFilter, stages: list[Stage], now, *, with_cards: bool = True) -> list[Column]:
    valid = filterset.is_valid()
    queryset = filterset.qs if valid else filterset.queryset.none()
    totals = column_totals(queryset, stages, now, filterset.running_totals() if valid else None)
    since = now - timedelta(days=CLOSED_WINDOW_DAYS)
    cards = queryset.with_weighted().select_related("customer", "owner").only(*CARD_FIELDS)
    columns = []
    for stage in stages:
        row = totals.get(stage.pk, {})
        column = Column(
            stage=stage,
            count=row.get("n", 0),
            amount=row.get("sum_amount") or Decimal("0"),
            weighted=row.get("sum_weighted") or Decimal("0"),
        )
        if with_cards and column.count:
            in_stage = cards.filter(stage_id=stage.pk)
            if stage.is_open:
                # Probability is the stage's for every deal in it, so amount orders by weighted value
                # and can use the (stage, amount) index.
                in_stage = in_stage.order_by("-amount", "-pk")
            else:
                in_stage = in_stage.filter(closed_at__gte=since).order_by("-closed_at", "-pk")
            column.cards = list(in_stage[:CARDS_PER_COLUMN])
            for card in column.cards:
                card.stage = stage
                card.stale = card.is_stale(now)  # the badge, by the deal's own rule
        columns.append(column)
    return columns


def board(request: HttpRequest) -> HttpResponse:
    """One pipeline at a time: the one asked for, else the user's last used, else the default."""
    now = timezone.now()
    pipelines = list(Pipeline.objects.active())
    pipeline = pipeline_shown_to(request.user, request.GET.get("pipeline"), pipelines)
    stages = active_stages(pipeline)
    filterset = board_filterset(request.user, request.GET, now=now, stages=stages)
    columns = build_columns(filterset, stages, now)
    return render(
        request,
        "opportunities/board.html",
        {
            "filter": filterset,
            "columns": columns,
            "stages": stages,
            "loss_reasons": LossReason.objects.filter(is_active=True),
            "now": now,
            "closed_window_days": CLOSED_WINDOW_DAYS,
            "board_query": request.GET.urlencode(),
            "here": request.get_full_path(),
            "show_owner": filterset.sees_others,
            "pipeline": pipeline,
            "pipelines": pipelines,
        },
    )


def _move_outcome(deal: Opportunity, stage: Stage, form: MoveForm, user) -> tuple[bool, list[str], bool, object]:
    """Try the move through `move_or_request_approval`.

    Returns (moved, reasons, needs approval, approval request): a large deal whose only gap is
    the leader's approval files a request instead of moving; any other gap is refused with the
    full list of what the stage still requires.
    """
    note = form.cleaned_data.get("note") or ""
    loss_reason = form.cleaned_data.get("loss_reason")
    try:
        result = deal.move_or_request_approval(stage, user, note=note, loss_reason=loss_reason, review=True)
    except StageMoveRefused as refusal:
        reasons = deal.requirements_for(stage, by=user, loss_reason=loss_reason)
        reasons += [r for r in refusal.reasons if r not in reasons]
        return False, reasons, deal.approval_requirement(stage, by=user) is not None, None
    except ValidationError as refusal:
        return False, list(refusal.messages), False, None
    if isinstance(result, ApprovalRequest):
        return False, [], True, result
    return True, [], False, None


@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal to another stage. The board posts here with htmx and gets back the card in
    its new (or, when refused, its old) column, the column sums and the rules' answer in words;
    without JavaScript the same form posts normally and redirects back.
    """
    deal = get_opportunity_for(request.user, pk)
    next_url = safe_next(request, deal.get_absolute_url())
    if request.method == "GET":
        form = MoveForm(initial={"stage": request.GET.get("stage")})
        return render(request, "opportunities/move.html", {"deal": deal, "form": form, "next": next_url})
    form = MoveForm(request.POST)
    if not form.is_valid():
        if is_htmx(request):
            return _board_response(
                request, deal, moved=False, reasons=_form_errors(form), needs_approval=False, approval=None
            )
        return render(request, "opportunities/move.html", {"deal": deal, "form": form, "next": next_url})
    stage = form.cleaned_data["stage"]
    moved, reasons, needs_approval, approval = _move_outcome(deal, stage, form, request.user)
    if is_htmx(request):
        return _board_response(
            request, deal, moved=moved, reasons=reasons, needs_approval=needs_approval, approval=approval
        )
    if moved:
        messages.success(request, moved_message(deal, stage))
    elif approval is not None:
        messages.info(request, approval_requested_message(deal, stage))
    else:
        messages.error(
            request,
            _("“%(deal)s” cannot move to %(stage)s yet: %(reasons)s")
            % {"deal": deal, "stage": stage, "reasons": " ".join(reasons)},
        )
    return redirect(next_url)


def _form_errors(form: MoveForm) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


def moved_message(deal: Opportunity, stage: Stage) -> str:
    """What the rep reads after a move; leaving won or lost says "reopened", not "moved"."""
    last = deal.stage_changes.order_by("-changed_at", "-pk").only("is_reopen").first()
    if last is not None and last.is_reopen:
        return _("“%(deal)s” reopened in %(stage)s.") % {"deal": deal, "stage": stage}
    return _("“%(deal)s” moved to %(stage)s.") % {"deal": deal, "stage": stage}


def approval_requested_message(deal: Opportunity, stage: Stage) -> str:
    if deal.is_reopen_to(stage):
        return _(
            "Reopening “%(deal)s” in %(stage)s needs the team leader's approval: the request has been sent "
            "with your reason, and you will be notified of the decision."
        ) % {"deal": deal, "stage": stage}
    return _(
        "“%(deal)s” needs the team leader's approval to enter %(stage)s: the request has been sent, "
        "and you will be notified of the decision."
    ) % {"deal": deal, "stage": stage}


def _board_response(
    request: HttpRequest, deal: Opportunity, *, moved: bool, reasons, needs_approval, approval
) -> HttpResponse:
    now = timezone.now()
    stages = active_stages(deal.stage.pipeline_id)
    if moved:
        deal = get_opportunity_for(request.user, deal.pk)
    filters = QueryDict(request.POST.get("board_query", ""))
    filterset = board_filterset(request.user, filters, now=now, stages=stages)
    columns = build_columns(filterset, stages, now, with_cards=False)
    card = Opportunity.objects.filter(pk=deal.pk).with_weighted().select_related("customer", "owner", "stage").get()
    card.stale = card.is_stale(now)
    return render(
        request,
        "opportunities/_board_move_response.html",
        {
            "deal": card,
            "moved": moved,
            "reasons": reasons,
            "needs_approval": needs_approval,
            "approval": approval,
            "approval_message": approval_requested_message(deal, approval.stage) if approval else "",
            "moved_message": moved_message(deal, deal.stage) if moved else "",
            "columns": columns,
            "stages": stages,
            "now": now,
            "show_owner": request.user.is_admin or request.user.is_leader,
            "board_query": filters.urlencode(),
            "here": f"{reverse('opportunities:board')}?{filters.urlencode()}",
            "closed_window_days": CLOSED_WINDOW_DAYS,
        },
    )
