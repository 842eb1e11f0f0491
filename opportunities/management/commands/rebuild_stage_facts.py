"""Recompute the per-deal stage facts (conversion, sales cycle) from the stage history."""

from django.core.management.base import BaseCommand
from django.db import transaction

from opportunities.models import StageFact


class Command(BaseCommand):
    help = "Recompute the per-deal stage facts from the stage history (after a bulk load that bypassed the moves)."

    def handle(self, *args, **options):
        with transaction.atomic():
            written = StageFact.rebuild()
        self.stdout.write(f"{written} stage facts written.")
