"""The report pages in the benchmark, as a rep, a leader and an admin."""

from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page
from opportunities.models import Pipeline

REPORTS = ["overview", "funnel", "forecast", "conversion", "winloss", "team", "quality"]


def pages(ctx: BenchContext) -> list[Page]:
    result = []
    for name in REPORTS:
        url = reverse(f"reports:{name}")
        for role, user in (("rep", ctx.rep), ("leader", ctx.leader), ("admin", ctx.admin)):
            result.append(Page(f"reports {name} ({role})", url, user))
    # Every report per pipeline (the funnel always shows one; the rest sum over all unless filtered).
    for pipeline in Pipeline.objects.active():
        label = pipeline.name_en or pipeline.pk
        for name in REPORTS:
            url = reverse(f"reports:{name}") + f"?pipeline={pipeline.pk}"
            for role, user in (("rep", ctx.rep), ("leader", ctx.leader), ("admin", ctx.admin)):
                result.append(Page(f"reports {name}, pipeline {label} ({role})", url, user))
    return result
