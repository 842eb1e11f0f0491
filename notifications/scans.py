"""Helpers for the jobs that notify many people at once (the domain's reminder scans).

They know users, languages and batches, never what is being scanned: the scans themselves live
with the rules they run (the stale scan with the deals), and hand their drafts to `notify_many`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Min
from django.utils import translation

from accounts.models import User

from .services import language_of


def batch_size() -> int:
    return int(getattr(settings, "REMINDER_BATCH_SIZE", 2000))


@dataclass
class ScanResult:
    scanned: int = 0
    created: int = 0
    batches: int = 0


class UserCache:
    """The recipients met so far in a scan (a sales org has far fewer people than deals), so a
    batch queries only the users it has not seen: at most one query per batch."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}

    def load(self, ids: set[int]) -> dict[int, User]:
        missing = ids - self.users.keys()
        if missing:
            self.users.update(
                User.objects.only("id", "username", "first_name", "last_name", "language", "is_active").in_bulk(missing)
            )
        return self.users


def pk_windows(queryset, size: int) -> Iterator[tuple[int, int]]:
    """Consecutive primary-key ranges of `size` ids covering the table (one query for the bounds).

    Ranges, not "the next N matching rows": each batch is then an index range scan of at most
    `size` rows, however many rows match, so the cost per batch stays the same as tables grow.
    """
    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    low = bounds["low"] - 1
    while low < bounds["high"]:
        yield low, low + size
        low += size


class Phrases:
    """Translated message templates and record names per language, looked up once per scan:
    the scans word thousands of messages, and switching languages per row is what costs."""

    def __init__(self, messages: Mapping[str, str]) -> None:
        self._messages = messages
        self._texts: dict[tuple[str, str], str] = {}
        self._names: dict[tuple[str, str, object], str] = {}

    def text(self, user: User, key: str) -> str:
        lang = language_of(user)
        if (lang, key) not in self._texts:
            with translation.override(lang):
                self._texts[(lang, key)] = str(self._messages[key])
        return self._texts[(lang, key)]

    def name(self, user: User, record) -> str:
        """`str(record)` in the user's language (e.g. a stage's name), cached by type and pk."""
        lang = language_of(user)
        key = (lang, type(record).__name__, record.pk)
        if key not in self._names:
            with translation.override(lang):
                self._names[key] = str(record)
        return self._names[key]
