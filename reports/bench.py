"""The report pages in the benchmark, as a rep, a leader and an admin."""

from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page

REPORTS = ["overview", "funnel", "forecast", "conversion", "winloss", "team", "quality"]


def pages(ctx: BenchContext) -> list[Page]:
    result = []
    for name in REPORTS:
        url = reverse(f"reports:{name}")
        for role, user in ctx.roles():
            result.append(Page(f"reports {name} ({role})", url, user))
    return result
