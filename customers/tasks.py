"""The pool's background job: the recall scan, run by Celery beat (daily) and by
`python manage.py recall_pool_customers`."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .pool import recall_idle_customers


@shared_task(
    name="customers.recall_pool_customers", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def recall_pool_customers() -> dict:
    """Warn owners of idle customers and return the overdue ones to their team's pool."""
    result = recall_idle_customers()
    return {"scanned": result.scanned, "recalled": result.recalled, "warned": result.warned}
