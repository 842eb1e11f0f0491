from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page


def pages(ctx: BenchContext) -> list[Page]:
    return [
        Page("my day (rep)", reverse("home"), ctx.rep),
        Page("my day (leader)", reverse("home"), ctx.leader),
        Page("my day, own work (leader)", reverse("home") + "?scope=mine", ctx.leader),
    ]
