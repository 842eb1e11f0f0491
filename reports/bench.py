"""The report pages in the benchmark, as a rep, a leader and an admin, and the snapshot job."""

from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Job, Page
from opportunities.models import Pipeline

REPORTS = [
    "overview",
    "funnel",
    "forecast",
    "conversion",
    "winloss",
    "team",
    "quality",
    "inspection",
    "accuracy",
    "calibration",
]


def pages(ctx: BenchContext) -> list[Page]:
    result = []
    for name in REPORTS:
        url = reverse(f"reports:{name}")
        for role, user in ctx.roles():
            result.append(Page(f"reports {name} ({role})", url, user))
    for role, user in (("leader", ctx.leader), ("admin", ctx.admin)):
        result.append(
            Page(f"reports inspection since the quarter ({role})", url_for("inspection", since="quarter"), user)
        )
    # Every report per pipeline (the funnel always shows one; the rest sum over all unless filtered).
    for pipeline in Pipeline.objects.active():
        label = pipeline.name_en or pipeline.pk
        for name in REPORTS:
            url = reverse(f"reports:{name}") + f"?pipeline={pipeline.pk}"
            for role, user in ctx.roles():
                result.append(Page(f"reports {name}, pipeline {label} ({role})", url, user))
    return result


def url_for(name: str, **params) -> str:
    from urllib.parse import urlencode

    return f"{reverse(f'reports:{name}')}?{urlencode(params)}"


def _forget_this_week() -> None:
    """Untimed: remove this week's rows (the bench rolls the repeat back), so the job records
    the week afresh every time: its full work."""
    from django.utils import timezone

    from .models import ForecastSnapshot
    from .snapshots import week_monday

    ForecastSnapshot.objects.filter(week=week_monday(timezone.localdate())).delete()


def _snapshot():
    from .snapshots import take_snapshot

    return take_snapshot()


def _opening():
    from .openings import record_opening

    return record_opening(rebuild=True)


def _nothing() -> None:
    """Untimed: the rebuild runs in a transaction rolled back afterwards (`Job.prepare`)."""


def jobs(ctx: BenchContext) -> list[Job]:
    return [
        Job("weekly forecast snapshot (all deals)", _snapshot, prepare=_forget_this_week),
        Job("quarter opening, rebuilt (all deals)", _opening, prepare=_nothing, dirties=("reports_openingdeal",)),
    ]
