from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from crm import demo


class Command(BaseCommand):
    help = "Create the demo sales organisation (and, with --scale N, N opportunities for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=None, help="Generate N opportunities with bulk inserts.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the demo accounts exist.")

    def handle(self, *args, scale: int | None, if_empty: bool, **opts):
        if scale is not None and scale < 1:
            raise CommandError("--scale must be a positive number of opportunities.")
        if User.objects.filter(username="admin").exists():
            if if_empty:
                self.stdout.write("Demo data already present; nothing to do.")
                return
            raise CommandError("The demo accounts already exist: seed an empty database.")
        start = time.monotonic()
        self.stdout.write("Seeding demo data…")
        demo.seed(self.stdout, scale=scale)
        from crm.automation_demo import seed_automation_demo

        seed_automation_demo(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - start:.1f} s."))
        self.stdout.write(
            "Demo accounts (password demo12345): admin (administrator), leader1 and leader2 (sales leaders), "
            "rep1 … rep6 (sales reps)."
        )
