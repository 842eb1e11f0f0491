"""Forget the idempotency keys of form submissions older than N days (default 30).

A form resubmitted after that long is a new submission; the table stays small.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from crm.models import Submission


class Command(BaseCommand):
    help = "Delete the record of form submissions older than --days days (default 30)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days: int, **options) -> None:
        cutoff = timezone.now() - timedelta(days=max(days, 1))
        deleted, _ = Submission.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"{deleted} submission(s) older than {days} days forgotten.")
