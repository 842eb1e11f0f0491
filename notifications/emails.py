"""Email for notifications, in the recipient's language, at most once per notification, and
recoverable from the database alone.

Each notification row carries its email's state (`email_status`). A sender claims the row
(`email_claimed_at`, only where no live claim exists) before sending and marks it sent after;
a failed send releases the claim. A worker killed mid-batch leaves its rows pending (never
claimed) or claimed with a claim that expires after NOTIFICATION_EMAIL_RETRY_AFTER seconds; the
sweep (`send_unsent`, run by Celery beat and after every reminder scan) sends them then.
The only window for a second copy is between the mail server accepting a message and the
"sent" update a moment later; the Message-ID is fixed per notification, so mail clients
that see both show one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EmailOptOut, Notification
from .services import episode_stamp, in_language_of

log = logging.getLogger(__name__)

Status = Notification.EmailStatus


def retry_after() -> timedelta:
    """How long a pending email is left to the normal after-commit path, and how long a claim
    holds, before the sweep takes the email as lost and sends it."""
    return timedelta(seconds=int(getattr(settings, "NOTIFICATION_EMAIL_RETRY_AFTER", 300)))


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATION_EMAIL_MAX_ATTEMPTS", 8))


def wants_email(notification: Notification) -> bool:
    """The recipient is active, has an address, and has not opted out of this kind."""
    user = notification.recipient
    if not user.is_active or not user.email:
        return False
    return not EmailOptOut.objects.filter(user=user, kind=notification.kind).exists()


def absolute(url: str) -> str:
    base = getattr(settings, "CRM_BASE_URL", "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") and base else url


def message_id(notification: Notification) -> str:
    """The same Message-ID however often this notification's email is sent."""
    host = urlsplit(getattr(settings, "CRM_BASE_URL", "")).hostname or "crm.localhost"
    return f"<notification-{notification.pk}.{episode_stamp(notification.created_at)}@{host}>"


def render(notification: Notification) -> EmailMessage:
    with in_language_of(notification.recipient):
        context = {"notification": notification, "link": absolute(notification.url), "user": notification.recipient}
        subject = render_to_string("notifications/email/subject.txt", context).strip()
        body = render_to_string("notifications/email/body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[notification.recipient.email],
        headers={"Message-ID": message_id(notification)},
    )


def _claimable(now: datetime) -> Q:
    return Q(email_status=Status.PENDING) & (
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lte=now - retry_after())
    )


def send_notification_email(notification_id: int, connection=None) -> bool:
    """Send one notification's email unless it was sent already; True when this call sent it.

    The row is claimed before sending, so two workers holding the same id cannot both send;
    a failed send releases the claim so the retry (or the sweep) can try again, up to
    NOTIFICATION_EMAIL_MAX_ATTEMPTS times.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id, email_status=Status.PENDING).first()
    )
    if notification is None:
        return False
    if not wants_email(notification):
        Notification.objects.filter(pk=notification_id, email_status=Status.PENDING).update(email_status=Status.SKIPPED)
        return False
    claimed_at = timezone.now()
    claimed = Notification.objects.filter(_claimable(claimed_at), pk=notification_id).update(
        email_claimed_at=claimed_at, email_attempts=F("email_attempts") + 1
    )
    if not claimed:
        return False
    message = render(notification)
    message.connection = connection
    try:
        message.send()
    except Exception:
        exhausted = notification.email_attempts + 1 >= max_attempts()
        Notification.objects.filter(pk=notification_id, email_claimed_at=claimed_at).update(
            email_claimed_at=None, email_status=Status.FAILED if exhausted else Status.PENDING
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        email_status=Status.SENT, emailed_at=timezone.now(), email_claimed_at=None
    )
    return True


def send_notification_emails(notification_ids: list[int]) -> tuple[list[int], list[int]]:
    """Send a batch over one connection; returns (sent ids, failed ids)."""
    sent, failed = [], []
    with get_connection() as connection:
        for pk in notification_ids:
            try:
                if send_notification_email(pk, connection=connection):
                    sent.append(pk)
            except Exception:
                log.exception("Email for notification %s failed", pk)
                failed.append(pk)
    return sent, failed


def unsent(now: datetime | None = None) -> QuerySet[Notification]:
    """Notifications whose email is due and unsent: pending for longer than the normal path
    takes, with no live claim, and attempts left."""
    now = now or timezone.now()
    return Notification.objects.filter(
        _claimable(now), created_at__lte=now - retry_after(), email_attempts__lt=max_attempts()
    )


@dataclass
class SweepResult:
    found: int = 0
    sent: int = 0
    failed: int = 0


SWEEP_CHUNK = 100


def send_unsent(*, now: datetime | None = None, limit: int = 1000) -> SweepResult:
    """Send (here, in this process) up to `limit` emails that are due and unsent, oldest first."""
    ids = list(unsent(now).order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    result = SweepResult(found=len(ids))
    for start in range(0, len(ids), SWEEP_CHUNK):
        sent, failed = send_notification_emails(ids[start : start + SWEEP_CHUNK])
        result.sent += len(sent)
        result.failed += len(failed)
    if ids:
        log.info("Email sweep: %s due and unsent, %s sent, %s failed", result.found, result.sent, result.failed)
    return result
