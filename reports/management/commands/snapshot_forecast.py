"""Record the weekly forecast snapshot now (cron-based deployments, tests, backfill)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from reports import snapshots
from reports.models import iso_week_label


class Command(BaseCommand):
    help = (
        "Record every rep's forecast per close month as it stood at the start of an ISO week "
        "(default: this week). Safe to run again: a week already recorded is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--week", help="The ISO week to record, e.g. 2025-W20 (past weeks are rebuilt from history)."
        )
        parser.add_argument("--weeks", type=int, default=1, help="Also record the N-1 weeks before it (backfill).")
        parser.add_argument("--batch-size", type=int, default=snapshots.BATCH_SIZE)

    def handle(self, *args, week: str | None, weeks: int, batch_size: int, **options):
        from django.utils import timezone

        try:
            monday = snapshots.parse_iso_week(week) if week else snapshots.week_monday(timezone.localdate())
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if weeks < 1 or batch_size < 1:
            raise CommandError("--weeks and --batch-size must be positive.")
        import datetime as dt

        for i in reversed(range(weeks)):
            start = time.monotonic()
            try:
                result = snapshots.take_snapshot(monday - dt.timedelta(weeks=i), batch_size=batch_size)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"{iso_week_label(result.week)}: {result.deals} deals in {result.batches} batch(es), "
                f"{result.created} new snapshot row(s), {time.monotonic() - start:.2f} s"
            )
