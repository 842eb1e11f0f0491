"""Record (or rebuild) how the deals stood when a quarter opened (cron-based deployments, tests,
a database restored from a backup)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from reports import openings
from reports.periods import quarter_label


class Command(BaseCommand):
    help = (
        "Record every deal as it stood when a quarter opened (default: this quarter), rebuilt from "
        "the history; the pipeline inspection since the start of the quarter compares with it. "
        "Safe to run again: a quarter already recorded is left as it is unless --rebuild."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quarter", help="The quarter, e.g. 2025-Q2, or any day in it (2025-05-15).")
        parser.add_argument(
            "--rebuild", action="store_true", help="Record the quarter afresh from the history (one transaction)."
        )
        parser.add_argument("--batch-size", type=int, default=openings.BATCH_SIZE)

    def handle(self, *args, quarter: str | None, rebuild: bool, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be positive.")
        try:
            day = openings.parse_quarter(quarter) if quarter else None
            start = time.monotonic()
            result = openings.record_opening(day, rebuild=rebuild, batch_size=batch_size)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        label = quarter_label(result.quarter)
        if not result.recorded:
            hint = " (--rebuild records it afresh)" if result.reason == openings.ALREADY else ""
            self.stdout.write(f"{label}: {result.reason}{hint}")
            return
        self.stdout.write(
            f"{label}: {result.deals} deals in {result.batches} batch(es), {time.monotonic() - start:.2f} s"
        )
