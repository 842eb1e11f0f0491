from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page
from opportunities.models import Opportunity


def pages(ctx: BenchContext) -> list[Page]:
    rep_deal = ctx.sample(Opportunity.objects.visible_to(ctx.rep).open())
    leader_deal = ctx.sample(Opportunity.objects.visible_to(ctx.leader).open())
    listing = reverse("opportunities:list")
    board = reverse("opportunities:board")
    export = reverse("opportunities:export")
    return [
        Page("opportunities list (rep)", listing, ctx.rep),
        Page("opportunities list (leader)", listing, ctx.leader),
        Page("opportunities list, stale by amount (rep)", listing + "?stale=on&sort=-amount", ctx.rep),
        Page("opportunities list, overdue (leader)", listing + "?overdue=on", ctx.leader),
        Page("board (rep)", board, ctx.rep),
        Page("board (leader)", board, ctx.leader),
        Page("opportunity detail (rep)", reverse("opportunities:detail", args=[rep_deal]), ctx.rep),
        Page("opportunity detail (leader)", reverse("opportunities:detail", args=[leader_deal]), ctx.leader),
        Page("opportunity edit (rep)", reverse("opportunities:edit", args=[rep_deal]), ctx.rep),
        # The CSV export of the open deals (57,000 of 100,000 for the admin), streamed whole.
        Page("opportunities CSV export (rep)", export, ctx.rep),
        Page("opportunities CSV export (leader)", export, ctx.leader),
        Page("opportunities CSV export (admin)", export, ctx.admin),
    ]
