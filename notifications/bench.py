"""Benchmarks for the automation: the notification list and the reminder scans.

The scans run inside a transaction that is rolled back, so every repeat does the full work
(every stale deal notified as if for the first time: the worst case) and leaves nothing behind.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from crm.benchmark import BenchContext, Job, Page

from . import reminders


class _Rollback(Exception):
    pass


def _rolled_back(scan):
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


def pages(ctx: BenchContext) -> list[Page]:
    return [Page(f"notifications ({role})", reverse("notifications:list"), user) for role, user in ctx.roles()]


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
        stage=Stage.objects.first_open(), closed_at=None, stage_entered_at=idle_since, last_activity_at=idle_since
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
            dirties=("opportunities_opportunity", "notifications_notification"),
        ),
        Job(
            "stale scan (all open deals, all new)",
            _rolled_back(reminders.scan_stale),
            dirties=("notifications_notification",),
        ),
        Job(
            "follow-up-due scan (all new)",
            _rolled_back(reminders.scan_follow_ups_due),
            dirties=("notifications_notification",),
        ),
    ]
