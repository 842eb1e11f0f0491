from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page


def pages(ctx: BenchContext) -> list[Page]:
    return [Page(f"import page ({role})", reverse("imports:upload"), user) for role, user in ctx.roles()]
