from django.core.management.base import BaseCommand

from crm.softdelete import purge_expired, retention_days


class Command(BaseCommand):
    help = "Purge records that have been in the recycle bin longer than the retention period (for cron)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        counts = purge_expired(batch_size=options["batch_size"])
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(f"Purged {sum(counts.values())} record(s) deleted more than {retention_days()} days ago.")
