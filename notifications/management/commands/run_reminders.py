"""Run the reminder scans now, in this process (cron-based deployments, tests, the demo)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from notifications import reminders


class Command(BaseCommand):
    help = "Scan for stale deals and due follow-ups and notify their owners (same as the Celery beat jobs)."

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=["stale", "follow_up"], help="Run only one of the scans.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, only: str | None = None, batch_size: int | None = None, **options):
        scans = {"stale": reminders.scan_stale, "follow_up": reminders.scan_follow_ups_due}
        for name, scan in scans.items():
            if only and only != name:
                continue
            result = scan(size=batch_size)
            self.stdout.write(
                f"{name}: scanned {result.scanned} in {result.batches} batch(es), {result.created} new notification(s)"
            )
