"""Background jobs: the reminder scans (run by Celery beat) and notification email.

Every task takes ids or nothing, is safe to run twice or on two workers at once (the unique
`dedup_key` and the email claim guarantee it), and is enqueued only after commit.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import emails, reminders


@shared_task(
    name="notifications.send_notification_emails",
    bind=True,
    max_retries=5,
    default_retry_delay=60,
    acks_late=True,
)
def send_notification_emails(self, notification_ids: list[int]) -> int:
    """Email these notifications (those not emailed yet); retry only the ones that failed."""
    sent, failed = emails.send_notification_emails(notification_ids)
    if failed:
        raise self.retry(args=[failed], countdown=60 * (self.request.retries + 1))
    return len(sent)


@shared_task(
    name="notifications.send_stale_reminders",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def send_stale_reminders() -> int:
    """Remind owners (and past twice the threshold, leaders) of stale deals."""
    return reminders.scan_stale().created


@shared_task(
    name="notifications.send_follow_up_reminders",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def send_follow_up_reminders() -> int:
    """Remind owners of follow-ups whose date has passed."""
    return reminders.scan_follow_ups_due().created
