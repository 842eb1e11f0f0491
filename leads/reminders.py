"""The lead follow-up scan: a passed `next_follow_up_at` on an open, owned lead reminds its owner
once (the deal scans in `opportunities.reminders` do the same for deals)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.scans import Phrases, ScanResult
from opportunities.reminders import MESSAGES, scan_due

from .models import Lead

LEAD_MESSAGES = {**MESSAGES, "due_lead_title": _("Follow-up due on lead: %(lead)s")}


def scan_follow_ups_due(*, now: datetime | None = None, size: int | None = None) -> ScanResult:
    """Remind the owner once of each planned lead follow-up whose time has passed."""
    now = now or timezone.now()
    due = Lead.objects.filter(owner__isnull=False, next_follow_up_at__lte=now).exclude(
        Q(status=Lead.Status.CONVERTED) | Q(status=Lead.Status.DISQUALIFIED)
    )
    return scan_due(due, "company", "leads", "due_lead_title", Phrases(LEAD_MESSAGES), size=size)
