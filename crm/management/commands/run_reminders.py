"""Run the reminder scans now, in this process (cron-based deployments, tests, the demo), then
send any notification email that is due and still unsent."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from crm.reminders import run_all


class Command(BaseCommand):
    help = (
        "Scan for stale deals and due follow-ups and notify their owners (same as the Celery beat jobs), "
        "then send the notification email still due."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=["stale", "follow_up"], help="Run only one of the scans.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, only: str | None = None, batch_size: int | None = None, **options):
        from notifications.emails import send_unsent

        for name, result in run_all(only=only, size=batch_size).items():
            self.stdout.write(
                f"{name}: scanned {result.scanned} in {result.batches} batch(es), {result.created} new notification(s)"
            )
        sent = send_unsent()
        self.stdout.write(f"email: {sent.sent} unsent email(s) sent, {sent.failed} failed")
