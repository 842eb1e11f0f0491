"""Creating notifications: one row per unique key, email only after the transaction commits.

`notify()` is for a single event (an approval, an assignment); `notify_many()` is for the
batch scans. Both rely on the unique `dedup_key`: a job run twice, retried, or run by two
workers at once inserts each notification exactly once, and only the run that inserted it
enqueues its email (the email task claims the row again, so even a duplicate enqueue cannot
send twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from .models import Notification

if TYPE_CHECKING:
    from accounts.models import User


def language_of(user: User) -> str:
    """The language a user reads their notifications and emails in."""
    return user.language or settings.LANGUAGE_CODE


@contextmanager
def in_language_of(user: User) -> Iterator[None]:
    with translation.override(language_of(user)):
        yield


def episode_stamp(moment: datetime) -> str:
    """A timestamp for a dedup key, the same whatever the time zone the value was read in."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")


def record_url(namespace: str, pk: int) -> str:
    """The detail page of a lead or deal; the fixed path when that page is not routed yet."""
    try:
        return reverse(f"{namespace}:detail", args=[pk])
    except NoReverseMatch:
        return f"/{namespace}/{pk}/"


@dataclass
class Draft:
    """A notification to create if its key is new."""

    recipient_id: int
    kind: str
    dedup_key: str
    title: str
    body: str = ""
    url: str = ""
    opportunity_id: int | None = None
    lead_id: int | None = None
    approval_request_id: int | None = None

    def build(self) -> Notification:
        return Notification(
            recipient_id=self.recipient_id,
            kind=self.kind,
            dedup_key=self.dedup_key,
            title=self.title[:300],
            body=self.body,
            url=self.url,
            opportunity_id=self.opportunity_id,
            lead_id=self.lead_id,
            approval_request_id=self.approval_request_id,
        )


def enqueue_emails(notification_ids: list[int]) -> None:
    """Send the emails of these notifications once the current transaction commits."""
    if not notification_ids:
        return
    from .tasks import send_notification_emails

    ids = list(notification_ids)
    transaction.on_commit(lambda: send_notification_emails.delay(ids))


def notify(draft: Draft) -> Notification | None:
    """Create one notification unless its key exists (then None), and email it after commit."""
    try:
        with transaction.atomic():
            notification = draft.build()
            notification.save(force_insert=True)
    except IntegrityError:
        return None
    enqueue_emails([notification.pk])
    return notification


def notify_many(drafts: Iterable[Draft]) -> int:
    """Insert the drafts whose keys are new, in three queries whatever their number.

    Returns how many this call found new. A concurrent run may insert the same key between the
    look-up and the insert: the unique index drops the second copy (ignore_conflicts) and the
    email task's claim keeps the email single.
    """
    drafts = {d.dedup_key: d for d in drafts}
    if not drafts:
        return 0
    existing = set(Notification.objects.filter(dedup_key__in=list(drafts)).values_list("dedup_key", flat=True))
    new = [d for key, d in drafts.items() if key not in existing]
    if not new:
        return 0
    Notification.objects.bulk_create([d.build() for d in new], ignore_conflicts=True)
    ids = list(
        Notification.objects.filter(dedup_key__in=[d.dedup_key for d in new], emailed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    enqueue_emails(ids)
    return len(new)
