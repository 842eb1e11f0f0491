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
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone, translation

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


_SENTINEL = 987654321


@lru_cache(maxsize=16)
def _url_pattern(namespace: str, script_prefix: str) -> str:
    try:
        url = reverse(f"{namespace}:detail", args=[_SENTINEL])
    except NoReverseMatch:
        url = f"{script_prefix}{namespace}/{_SENTINEL}/"
    return url.replace(str(_SENTINEL), "{pk}")


def record_url(namespace: str, pk: int) -> str:
    """The detail page of a lead or deal (the fixed path when that page is not routed yet);
    reversed once per namespace, because the scans build thousands of them."""
    return _url_pattern(namespace, get_script_prefix()).format(pk=pk)


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


def enqueue_chat_digests() -> None:
    """Post the new reminders to the group-robot channels once the current transaction commits."""
    from .tasks import send_chat_digests

    transaction.on_commit(send_chat_digests.delay)


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
    """Insert the drafts whose keys are new and enqueue their emails; returns how many rows this
    call inserted (never those a concurrent run inserted).

    On PostgreSQL this is one statement (`INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING
    RETURNING id`), which tells exactly which rows this call inserted even while another worker
    inserts the same keys. Elsewhere (SQLite) see `_insert_new_generic`.
    """
    drafts = list({d.dedup_key: d for d in drafts}.values())
    if not drafts:
        return 0
    if connection.vendor == "postgresql":
        ids = _insert_new_postgresql(drafts)
    else:
        ids = _insert_new_generic(drafts)
    enqueue_emails(ids)
    return len(ids)


def _existing_keys(keys: list[str]) -> set[str]:
    return set(Notification.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))


def _insert_new_generic(drafts: list[Draft]) -> list[int]:
    """Look up the existing keys, insert the rest ignoring conflicts, read back the rows this
    call wrote. Another run may insert the same keys in between (two cron runs on SQLite), so
    the rows are stamped with one creation time of this call's own and read back by it: a row
    the other run wrote carries its stamp, not ours, and is neither counted nor emailed here."""
    existing = _existing_keys([d.dedup_key for d in drafts])
    new = [d for d in drafts if d.dedup_key not in existing]
    if not new:
        return []
    stamp = timezone.now()
    rows = [d.build() for d in new]
    for row in rows:
        row.created_at = stamp
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Notification.objects.filter(dedup_key__in=[d.dedup_key for d in new], created_at=stamp).values_list(
            "pk", flat=True
        )
    )


_COLUMNS = [
    ("recipient_id", "bigint"),
    ("kind", "text"),
    ("dedup_key", "text"),
    ("title", "text"),
    ("body", "text"),
    ("url", "text"),
    ("opportunity_id", "bigint"),
    ("lead_id", "bigint"),
    ("approval_request_id", "bigint"),
]


def _insert_new_postgresql(drafts: list[Draft]) -> list[int]:
    """One INSERT for the whole batch, its values sent as binary arrays (server-side binding:
    Django's default client-side binding would quote thousands of strings into the SQL text)."""
    import psycopg

    opts = Notification._meta
    names = [opts.get_field(name.removesuffix("_id")).column for name, _type in _COLUMNS]
    arrays = [[d.title[:300] if name == "title" else getattr(d, name) for d in drafts] for name, _type in _COLUMNS]
    unnest = ", ".join(f"%b::{sql_type}[]" for _name, sql_type in _COLUMNS)
    # Columns every new row starts with the same value in (the model's defaults).
    constants = {"created_at": timezone.now(), "email_status": Notification.EmailStatus.PENDING, "email_attempts": 0}
    constant_columns = ", ".join(opts.get_field(name).column for name in constants)
    sql = (
        f"INSERT INTO {opts.db_table} ({', '.join(names)}, {constant_columns}) "
        f"SELECT *, {', '.join('%b' for _ in constants)} FROM unnest({unnest}) "
        f"ON CONFLICT ({opts.get_field('dedup_key').column}) DO NOTHING RETURNING {opts.pk.column}"
    )
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    # Through Django's wrapper, so the statement is logged and counted like any other query.
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        cursor.execute(sql, [*constants.values(), *arrays])
        return [row[0] for row in cursor.fetchall()]
