"""Signing and sending one webhook delivery.

The body is the event's JSON, serialised once (compact, UTF-8); the signature header is
`X-CRM-Signature: sha256=<hex HMAC-SHA256 of exactly those bytes, keyed with the secret>`.
A delivery is claimed before it is sent (a conditional UPDATE), so a retried or duplicated
task that finds it delivered or claimed by a live worker sends nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from crm.http import post

from .models import WebhookDelivery

SIGNATURE_HEADER = "X-CRM-Signature"


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def claim(delivery_id: int) -> bool:
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WEBHOOK_CLAIM_TIMEOUT)
    return bool(
        WebhookDelivery.objects.filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale),
            pk=delivery_id,
            status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING],
        ).update(claimed_at=now)
    )


def attempt(delivery_id: int, *, final: bool) -> str | None:
    """Send the delivery once if it can be claimed. Returns its new status, or None when there
    was nothing to do (already delivered, failed, or being sent by another worker).
    `final`: no retry follows, so a failure marks it failed."""
    if not claim(delivery_id):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    body = body_bytes(delivery.event.payload)
    headers = {
        SIGNATURE_HEADER: signature(delivery.endpoint.secret, body),
        "X-CRM-Event": delivery.event.event,
        "X-CRM-Event-Id": str(delivery.event.event_id),
    }
    result = post(delivery.endpoint.url, body, headers, timeout=settings.WEBHOOK_TIMEOUT)
    delivery.attempts += 1
    delivery.response_code = result.status
    delivery.claimed_at = None
    if result.ok:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.last_error = ""
    else:
        delivery.status = WebhookDelivery.Status.FAILED if final else WebhookDelivery.Status.RETRYING
        delivery.last_error = (result.error or result.text)[:2000]
    delivery.save(update_fields=["attempts", "response_code", "claimed_at", "status", "delivered_at", "last_error"])
    return delivery.status
