"""`emit(event, data)`: what the domain calls where something happens (a deal is opened, moved,
won or lost, a lead assigned, an approval requested or decided).

This app knows event names and JSON, never deals or leads: the caller passes the data. Events
are recorded only when some active endpoint wants them (the endpoint list is cached, so a move
with no webhooks configured costs no query), inside the caller's transaction, and sent by a
Celery task after that transaction commits; a rolled-back move sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent

_CACHE_KEY = "webhooks:endpoints:v1"


def forget_endpoints() -> None:
    cache.delete(_CACHE_KEY)


def _subscriptions() -> list[tuple[int, list[str]]]:
    subscriptions = cache.get(_CACHE_KEY)
    if subscriptions is None:
        subscriptions = [
            (pk, list(events or []))
            for pk, events in WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "events")
        ]
        cache.set(_CACHE_KEY, subscriptions, 300)
    return subscriptions


def _plain(data: Any) -> Any:
    """The data as JSON types (decimals and dates as strings), as the receiver will read them."""
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def wanted(event: str) -> bool:
    """Whether any active endpoint subscribes to `event` (no query once the list is cached)."""
    return any(event in events for _pk, events in _subscriptions())


def emit(event: str, data: dict[str, Any] | Callable[[], dict[str, Any]]) -> WebhookEvent | None:
    """Record `event` for every active endpoint subscribed to it and send it after commit.

    `data` may be a function: it is called only when someone listens, so the domain pays for
    building the body (related rows) only then."""
    endpoint_ids = [pk for pk, events in _subscriptions() if event in events]
    if not endpoint_ids:
        return None
    if callable(data):
        data = data()
    now = timezone.now()
    record = WebhookEvent(event=event, created_at=now, payload={})
    record.payload = {
        "id": str(record.event_id),
        "event": event,
        "created_at": now.isoformat(),
        "data": _plain(data),
    }
    record.save(force_insert=True)
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint_id=pk, event=record, created_at=now) for pk in endpoint_ids]
    )
    ids = [d.pk for d in deliveries]

    def enqueue() -> None:
        from .tasks import deliver_webhook

        for pk in ids:
            deliver_webhook.delay(pk)

    transaction.on_commit(enqueue)
    return record
