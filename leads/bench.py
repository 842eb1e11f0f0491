from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Job, Page
from leads.models import Lead
from opportunities.bench import rolled_back

from . import reminders


def pages(ctx: BenchContext) -> list[Page]:
    result = [Page("leads list, search (rep)", reverse("leads:list") + "?q=138&sort=-score", ctx.rep)]
    for role, user in ctx.roles():
        # A lead still being worked (its page carries the follow-up and conversion forms), so the
        # page is the same kind at every data size.
        lead = ctx.sample(Lead.objects.visible_to(user).open())
        result += [
            Page(f"leads list ({role})", reverse("leads:list"), user),
            Page(f"lead detail ({role})", reverse("leads:detail", args=[lead]), user),
        ]
    return result


def jobs(ctx: BenchContext) -> list[Job]:
    return [
        Job(
            "lead follow-up-due scan (all new)",
            rolled_back(reminders.scan_follow_ups_due),
            dirties=("notifications_notification",),
        )
    ]
