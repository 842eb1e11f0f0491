"""Webhook jobs: send one delivery, retrying with exponential backoff, then give up (recorded)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import delivery
from .models import WebhookDelivery


@shared_task(name="webhooks.deliver_webhook", bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str | None:
    retries = self.request.retries or 0
    final = retries >= settings.WEBHOOK_MAX_RETRIES
    status = delivery.attempt(delivery_id, final=final)
    if status == WebhookDelivery.Status.RETRYING:
        countdown = settings.WEBHOOK_RETRY_BASE_SECONDS * (2**retries)
        raise self.retry(countdown=countdown)
    return status


@shared_task(name="webhooks.send_pending_webhooks", acks_late=True)
def send_pending_webhooks() -> int:
    """Celery beat: deliveries still pending long after their event (the message that should
    have sent them was lost with a worker or the broker) are sent again; the claim keeps a
    delivery that is being sent right now from going out twice."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(seconds=settings.WEBHOOK_CLAIM_TIMEOUT)
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        deliver_webhook.delay(pk)
    return len(ids)
