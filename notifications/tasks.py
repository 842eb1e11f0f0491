"""Notification email jobs.

Every task takes ids or nothing and is safe to run twice or on two workers at once (the email
claim guarantees it). `send_notification_emails` is enqueued after the commit that created the
notifications; `send_unsent_emails` (Celery beat, and after every reminder scan) sends what a
crash or a lost message left behind, from the database alone.
"""

from __future__ import annotations

from celery import shared_task

from . import emails

SWEEP_LIMIT = 1000


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


@shared_task(name="notifications.send_unsent_emails", bind=True, acks_late=True)
def send_unsent_emails(self) -> int:
    """Send the emails that are due and unsent; continue in a new task while more remain."""
    result = emails.send_unsent(limit=SWEEP_LIMIT)
    if result.found >= SWEEP_LIMIT and result.sent:
        self.apply_async(countdown=1)
    return result.sent


@shared_task(name="notifications.send_chat_digests", acks_late=True)
def send_chat_digests() -> int:
    """Turn the reminders since the last run into one digest per group-robot channel and send them."""
    from . import bots

    ids = bots.collect_digests() + bots.stranded_digests()
    for pk in ids:
        send_chat_digest.delay(pk)
    return len(ids)


@shared_task(name="notifications.send_chat_digest", bind=True, acks_late=True, max_retries=None)
def send_chat_digest(self, digest_id: int) -> str | None:
    """Post one digest; a failure is retried after each of CHAT_BOT_RETRY_DELAYS, then marked failed."""
    from django.conf import settings

    from . import bots
    from .models import ChatDigest

    delays = list(settings.CHAT_BOT_RETRY_DELAYS)
    retries = self.request.retries or 0
    status = bots.send_digest(digest_id, final=retries >= len(delays))
    if status == ChatDigest.Status.PENDING:
        raise self.retry(countdown=delays[retries])
    return status
