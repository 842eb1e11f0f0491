"""Deal jobs run by Celery beat: the stale scan and the follow-up-due scan.

Each is safe to run twice or on two workers at once (the notifications' unique `dedup_key`
guarantees it). After scanning, each asks for the email sweep, so a notification whose email a
crash lost is sent by the next scan at the latest.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from notifications.tasks import send_chat_digests, send_unsent_emails

from . import reminders


@shared_task(
    name="opportunities.send_stale_reminders",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def send_stale_reminders() -> int:
    """Remind owners (and past twice the threshold, leaders) of stale deals."""
    created = reminders.scan_stale().created
    send_unsent_emails.delay()
    send_chat_digests.delay()
    return created


@shared_task(
    name="opportunities.send_follow_up_reminders",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def send_follow_up_reminders() -> int:
    """Remind owners of deal follow-ups whose date has passed."""
    created = reminders.scan_follow_ups_due().created
    send_unsent_emails.delay()
    send_chat_digests.delay()
    return created
