"""Benchmarks for the notification list (the reminder scans are benchmarked with the deals and
leads whose rules they run)."""

from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page


def pages(ctx: BenchContext) -> list[Page]:
    return [Page(f"notifications ({role})", reverse("notifications:list"), user) for role, user in ctx.roles()]
