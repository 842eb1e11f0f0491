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
    return [
        Page("notifications (rep)", reverse("notifications:list"), ctx.rep),
        Page("notifications (leader)", reverse("notifications:list"), ctx.leader),
    ]


def jobs(ctx: BenchContext) -> list[Job]:
    return [
        Job("stale scan (all open deals, all new)", _rolled_back(reminders.scan_stale)),
        Job("follow-up-due scan (all new)", _rolled_back(reminders.scan_follow_ups_due)),
    ]
