"""Every reminder scan of the product, in one call (the command, the demo)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from leads import reminders as lead_reminders
from notifications.scans import ScanResult
from opportunities import reminders as deal_reminders


def run_all(now: datetime | None = None, *, only: str | None = None, size: int | None = None) -> dict[str, ScanResult]:
    """Run the stale scan and the follow-up scans (deals and leads; `only` picks one kind)."""
    now = now or timezone.now()
    results: dict[str, ScanResult] = {}
    if only in (None, "stale"):
        results["stale"] = deal_reminders.scan_stale(now=now, size=size)
    if only in (None, "follow_up"):
        deals = deal_reminders.scan_follow_ups_due(now=now, size=size)
        leads = lead_reminders.scan_follow_ups_due(now=now, size=size)
        results["follow_up"] = ScanResult(
            scanned=deals.scanned + leads.scanned,
            created=deals.created + leads.created,
            batches=deals.batches + leads.batches,
        )
    return results
