from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page
from leads.models import Lead


def pages(ctx: BenchContext) -> list[Page]:
    result = [Page("leads list, search (rep)", reverse("leads:list") + "?q=138&sort=-score", ctx.rep)]
    for role, user in ctx.roles():
        lead = ctx.sample(Lead.objects.visible_to(user))
        result += [
            Page(f"leads list ({role})", reverse("leads:list"), user),
            Page(f"lead detail ({role})", reverse("leads:detail", args=[lead]), user),
        ]
    return result
