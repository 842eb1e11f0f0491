"""Recompute the running deal totals (the lists', the board's and my day's sums) from the deals."""

from django.core.management.base import BaseCommand
from django.db import transaction

from opportunities.models.totals import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the running totals of the deals per owner, stage and probability "
        "(after a restore or a load that ran with the database's triggers disabled)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            written = rebuild()
        self.stdout.write(f"{written} running totals written.")
