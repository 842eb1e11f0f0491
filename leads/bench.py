from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Job, Page
from leads.models import Lead
from opportunities.bench import rolled_back

from . import reminders


def pages(ctx: BenchContext) -> list[Page]:
    rep_lead = ctx.sample(Lead.objects.visible_to(ctx.rep))
    leader_lead = ctx.sample(Lead.objects.visible_to(ctx.leader))
    return [
        Page("leads list (rep)", reverse("leads:list"), ctx.rep),
        Page("leads list (leader)", reverse("leads:list"), ctx.leader),
        Page("leads list, search (rep)", reverse("leads:list") + "?q=138&sort=-score", ctx.rep),
        Page("lead detail (rep)", reverse("leads:detail", args=[rep_lead]), ctx.rep),
        Page("lead detail (leader)", reverse("leads:detail", args=[leader_lead]), ctx.leader),
    ]


def jobs(ctx: BenchContext) -> list[Job]:
    return [Job("lead follow-up-due scan (all new)", rolled_back(reminders.scan_follow_ups_due))]
