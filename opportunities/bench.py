"""Benchmarks for the deal pages and the deal reminder scans.

The scans run inside a transaction that is rolled back, so every repeat does the full work
(every stale deal notified as if for the first time: the worst case) and leaves nothing behind.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from crm.benchmark import BenchContext, Job, Page
from opportunities.models import Opportunity, Pipeline

from . import reminders


def pages(ctx: BenchContext) -> list[Page]:
    listing = reverse("opportunities:list")
    board = reverse("opportunities:board")
    result = [
        Page("opportunities list, stale by amount (rep)", listing + "?stale=on&sort=-amount", ctx.rep),
        Page("opportunities list, overdue (leader)", listing + "?overdue=on", ctx.leader),
        Page("opportunities list, overdue (admin)", listing + "?overdue=on", ctx.admin),
    ]
    for role, user in ctx.roles():
        deal = ctx.sample(Opportunity.objects.visible_to(user).open())
        result += [
            Page(f"opportunities list ({role})", listing, user),
            Page(f"board ({role})", board, user),
            Page(f"opportunity detail ({role})", reverse("opportunities:detail", args=[deal]), user),
            Page(f"opportunity edit ({role})", reverse("opportunities:edit", args=[deal]), user),
        ]
    result += [
        Page(f"opportunities CSV export, open deals ({role})", reverse("opportunities:export"), user)
        for role, user in ctx.roles()
    ]
    return result + pipeline_pages(ctx)


class _Rollback(Exception):
    pass


def rolled_back(scan):
    def run():
        result = None
        try:
            with transaction.atomic():
                result = scan()
                raise _Rollback
        except _Rollback:
            pass
        return result

    return run


def _every_deal_open_and_stale() -> None:
    """The issue's worst case: all 100,000 deals open and idle past twice their threshold, so
    every one notifies its owner and its team leader, and nothing was notified before."""
    from django.db import connection
    from django.utils import timezone

    from notifications.models import Notification
    from opportunities.models import Opportunity, Stage

    idle_since = timezone.now() - timezone.timedelta(days=30)
    Notification.objects.all().delete()
    Opportunity.objects.update(
        stage=Stage.objects.first_open(),
        closed_at=None,
        stage_entered_at=idle_since,
        last_activity_at=idle_since,
        next_follow_up_at=None,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE opportunities_opportunity")


def jobs(ctx: BenchContext) -> list[Job]:
    return [
        Job(
            "stale scan (every deal open and stale, first run)",
            reminders.scan_stale,
            repeat=2,
            prepare=_every_deal_open_and_stale,
            dirties=("opportunities_opportunity", "opportunities_dealtotal", "notifications_notification"),
        ),
        Job(
            "stale scan (all open deals, all new)",
            rolled_back(reminders.scan_stale),
            dirties=("notifications_notification",),
        ),
        Job(
            "deal follow-up-due scan (all new)",
            rolled_back(reminders.scan_follow_ups_due),
            dirties=("notifications_notification",),
        ),
    ]


def pipeline_pages(ctx: BenchContext) -> list[Page]:
    """The board and the list of each pipeline, for every role (explicit `pipeline=`, so the
    user's remembered pipeline never changes what another page measures)."""
    result = []
    for pipeline in Pipeline.objects.active():
        for role, user in ctx.roles():
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
