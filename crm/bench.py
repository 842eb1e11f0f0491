from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page


def pages(ctx: BenchContext) -> list[Page]:
    pages = [Page(f"my day ({role})", reverse("home"), user) for role, user in ctx.roles()]
    pages.append(Page("my day, own work (leader)", reverse("home") + "?scope=mine", ctx.leader))
    return pages
