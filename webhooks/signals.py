from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .dispatch import forget_endpoints
from .models import WebhookEndpoint


@receiver(post_save, sender=WebhookEndpoint)
@receiver(post_delete, sender=WebhookEndpoint)
def endpoints_changed(**kwargs) -> None:
    forget_endpoints()
