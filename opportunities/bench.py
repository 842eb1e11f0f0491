from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page
from opportunities.models import Opportunity


def pages(ctx: BenchContext) -> list[Page]:
    listing = reverse("opportunities:list")
    board = reverse("opportunities:board")
    result = [
        Page("opportunities list, stale by amount (rep)", listing + "?stale=on&sort=-amount", ctx.rep),
        Page("opportunities list, overdue (leader)", listing + "?overdue=on", ctx.leader),
        Page("opportunities list, overdue (admin)", listing + "?overdue=on", ctx.admin),
    ]
    for role, user in ctx.roles():
        deal = ctx.sample(Opportunity.objects.visible_to(user).open())
        result += [
            Page(f"opportunities list ({role})", listing, user),
            Page(f"board ({role})", board, user),
            Page(f"opportunity detail ({role})", reverse("opportunities:detail", args=[deal]), user),
            Page(f"opportunity edit ({role})", reverse("opportunities:edit", args=[deal]), user),
        ]
    result += [
        Page(f"opportunities CSV export, open deals ({role})", reverse("opportunities:export"), user)
        for role, user in ctx.roles()
    ]
    return result
