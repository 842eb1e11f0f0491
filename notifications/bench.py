"""Benchmarks for the notification list (the reminder scans are benchmarked with the deals and
leads whose rules they run)."""

from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page


def pages(ctx: BenchContext) -> list[Page]:
    return [
        Page("notifications (rep)", reverse("notifications:list"), ctx.rep),
        Page("notifications (leader)", reverse("notifications:list"), ctx.leader),
    ]
