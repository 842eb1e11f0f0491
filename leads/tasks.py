"""Lead jobs: re-score (and, at the threshold, assign) a lead after it or its events change."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .scoring import rescore_lead


@shared_task(name="leads.score_lead", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def score_lead(lead_id: int) -> int | None:
    lead = rescore_lead(lead_id)
    return None if lead is None else lead.score


@shared_task(
    name="leads.send_follow_up_reminders",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def send_follow_up_reminders() -> int:
    """Remind owners of lead follow-ups whose date has passed (then sweep unsent email)."""
    from notifications.tasks import send_chat_digests, send_unsent_emails

    from .reminders import scan_follow_ups_due

    created = scan_follow_ups_due().created
    send_unsent_emails.delay()
    send_chat_digests.delay()
    return created
