"""Idempotent creates: a form sent twice (a double click, a resubmitted page, two tabs) creates
one record, and the second submission gets the first one's result.

The form carries a key made when it was rendered (`crm.forms.IdempotentFormMixin`, or the
`{% idempotency_key %}` tag in a hand-written form). `submit_once` claims the key by inserting
a `Submission` row in the same transaction as the create: the unique index makes a concurrent
second claim wait for the first transaction and then fail, so the second request finds the
first one's row and its result URL instead of creating again. A create that fails (a rule
refuses it) rolls its claim back, so the corrected form can be sent with the same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from .forms import IDEMPOTENCY_FIELD
from .models import Submission


@dataclass
class Outcome:
    """What a submission led to: the record it created (None when it replayed an earlier one)
    and where to send the user."""

    created: Any
    url: str

    @property
    def replayed(self) -> bool:
        return self.created is None


def submitted_key(request: HttpRequest) -> uuid.UUID | None:
    """The form's idempotency key, or None when it sent none (or not a valid one)."""
    raw = request.POST.get(IDEMPOTENCY_FIELD) or ""
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def submit_once[T](request: HttpRequest, action: str, create: Callable[[], T], url: Callable[[T], str]) -> Outcome:
    """Run `create` once per idempotency key. `action` names what the form does (a URL name);
    `url(record)` is where the user goes afterwards, and where a repeated submission goes too.

    Without a key (a client that sends none) the create simply runs. A key claimed by another
    user or another action is not honoured as a replay (it tells nothing to this request).
    """
    key = submitted_key(request)
    user = request.user if request.user.is_authenticated else None
    if key is None:
        created = create()
        return Outcome(created, url(created))
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = Submission.objects.create(key=key, action=action, user=user)
        except IntegrityError:
            earlier = Submission.objects.filter(key=key).first()
            if earlier is not None and earlier.action == action and earlier.user_id == getattr(user, "pk", None):
                return Outcome(None, earlier.result_url)
            created = create()
            return Outcome(created, url(created))
        created = create()
        claim.result_url = url(created)
        claim.save(update_fields=["result_url"])
    return Outcome(created, claim.result_url)
