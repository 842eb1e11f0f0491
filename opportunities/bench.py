from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page
from opportunities.models import Opportunity, Pipeline


def pages(ctx: BenchContext) -> list[Page]:
    rep_deal = ctx.sample(Opportunity.objects.visible_to(ctx.rep).open())
    leader_deal = ctx.sample(Opportunity.objects.visible_to(ctx.leader).open())
    listing = reverse("opportunities:list")
    board = reverse("opportunities:board")
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
    ] + pipeline_pages(ctx)


def pipeline_pages(ctx: BenchContext) -> list[Page]:
    """The board and the list of each pipeline, for every role (explicit `pipeline=`, so the
    user's remembered pipeline never changes what another page measures)."""
    result = []
    for pipeline in Pipeline.objects.active():
        for role, user in (("rep", ctx.rep), ("leader", ctx.leader), ("admin", ctx.admin)):
            query = f"?pipeline={pipeline.pk}"
            result.append(
                Page(
                    f"board, pipeline {pipeline.name_en or pipeline.pk} ({role})",
                    reverse("opportunities:board") + query,
                    user,
                )
            )
            result.append(
                Page(
                    f"opportunities list, pipeline {pipeline.name_en or pipeline.pk} ({role})",
                    reverse("opportunities:list") + query,
                    user,
                )
            )
    return result
