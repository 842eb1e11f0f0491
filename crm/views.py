"""The "my day" page: the rep's (or the leader's team's) follow-ups due, stale deals, open deals ranked by
weighted value, and unread notifications."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_not_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone

from leads.models import Lead
from notifications.models import Notification
from opportunities.models import ApprovalRequest, DealTotal, Opportunity, Pipeline, Stage
from opportunities.models.opportunity import stale_q

LIST_LIMIT = 10
RANKED_LIMIT = 15


def end_of_today(now: datetime) -> datetime:
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time.min))


def approvals_inbox(user) -> list[ApprovalRequest]:
    """The requests waiting for this leader's (or admin's) decision, oldest first."""
    return list(
        ApprovalRequest.objects.awaiting_decision_by(user)
        .select_related("stage", "requested_by", "opportunity__stage", "opportunity__customer", "opportunity__owner")
        .order_by("created_at", "pk")[:LIST_LIMIT]
    )


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    sees_team = user.is_admin or user.is_leader
    mine = not sees_team or request.GET.get("scope") == "mine"

    def in_scope(rows):
        rows = rows.visible_to(user)
        return rows.filter(owner=user) if mine else rows

    deals, leads = in_scope(Opportunity.objects), in_scope(Lead.objects)
    pipelines = list(Pipeline.objects.active())
    pipeline = next((p for p in pipelines if str(p.pk) == request.GET.get("pipeline")), None)
    stages = list(Stage.objects.open().filter(pipeline=pipeline) if pipeline else Stage.objects.open())
    open_deals = deals.filter(stage_id__in=[s.pk for s in stages])
    due_by = end_of_today(now)

    due_deals = (
        open_deals.filter(next_follow_up_at__lt=due_by)
        .select_related("customer", "owner")
        .for_rows()
        .order_by("next_follow_up_at", "pk")[:LIST_LIMIT]
    )
    due_leads = (
        leads.filter(
            status__in=[Lead.Status.NEW, Lead.Status.WORKING, Lead.Status.QUALIFIED], next_follow_up_at__lt=due_by
        )
        .select_related("owner")
        .order_by("next_follow_up_at", "pk")[:LIST_LIMIT]
    )
    stale_deals = open_deals.filter(stale_q(now, stages))
    stale = list(
        stale_deals.select_related("customer", "owner", "stage")
        .for_rows()
        .order_by(F("last_activity_at").asc(nulls_first=True), "stage_entered_at", "pk")[:LIST_LIMIT]
    )
    for deal in stale:
        deal.idle = deal.idle_days(now)
    ranked = (
        open_deals.with_weighted()
        .select_related("customer", "stage", "owner")
        .for_rows()
        .order_by("-weighted", "-pk")[:RANKED_LIMIT]
    )
    context = {
        "now": now,
        "sees_team": sees_team,
        "mine": mine,
        "due_deals": due_deals,
        "due_leads": due_leads,
        "stale": stale,
        "stale_count": stale_deals.count(),
        "ranked": ranked,
        # From the running totals: a row per owner and stage, where an admin has 57,000 open deals.
        "pipeline": in_scope(DealTotal.objects).filter(stage_id__in=[s.pk for s in stages]).figures(),
        "notifications": Notification.objects.visible_to(user).unread()[:LIST_LIMIT],
        "show_owner": sees_team and not mine,
        "approvals": approvals_inbox(user) if sees_team else None,
        "pipelines": pipelines,
        "chosen_pipeline": pipeline,
        "extra_query": "scope=mine" if sees_team and mine else "",
    }
    return render(request, "home.html", context)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page's <link> says; the static name is
    resolved per request, so production's hashed static names need no manifest at start-up."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))
