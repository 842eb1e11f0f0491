from __future__ import annotations

from django.core.management.base import BaseCommand

from customers.pool import recall_idle_customers


class Command(BaseCommand):
    help = "Warn owners of idle customers and return the overdue ones to their team's pool (safe to rerun)."

    def handle(self, *args, **options):
        result = recall_idle_customers()
        self.stdout.write(
            f"Scanned {result.scanned} customers in {result.batches} batches: "
            f"{result.recalled} returned to the pool, {result.warned} owners warned."
        )
