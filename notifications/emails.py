"""Email for notifications, in the recipient's language, at most once per notification."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EmailOptOut, Notification
from .services import in_language_of

log = logging.getLogger(__name__)


def wants_email(notification: Notification) -> bool:
    """The recipient is active, has an address, and has not opted out of this kind."""
    user = notification.recipient
    if not user.is_active or not user.email:
        return False
    return not EmailOptOut.objects.filter(user=user, kind=notification.kind).exists()


def absolute(url: str) -> str:
    base = getattr(settings, "CRM_BASE_URL", "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") and base else url


def render(notification: Notification) -> EmailMessage:
    with in_language_of(notification.recipient):
        context = {"notification": notification, "link": absolute(notification.url), "user": notification.recipient}
        subject = render_to_string("notifications/email/subject.txt", context).strip()
        body = render_to_string("notifications/email/body.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[notification.recipient.email])


def send_notification_email(notification_id: int, connection=None) -> bool:
    """Send one notification's email unless it was sent already; True when this call sent it.

    The row is claimed (`emailed_at` set where it is still empty) before sending, so two
    workers holding the same id cannot both send; a failed send releases the claim so the
    retry can try again.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id, emailed_at__isnull=True).first()
    )
    if notification is None or not wants_email(notification):
        return False
    claimed_at = timezone.now()
    if not Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=claimed_at):
        return False
    message = render(notification)
    message.connection = connection
    try:
        message.send()
    except Exception:
        Notification.objects.filter(pk=notification_id, emailed_at=claimed_at).update(emailed_at=None)
        raise
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
