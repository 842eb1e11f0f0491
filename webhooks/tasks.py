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
