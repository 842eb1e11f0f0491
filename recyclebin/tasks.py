"""The purge job: records in the recycle bin past the retention period go for good."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from crm.softdelete import purge_expired


@shared_task(name="recyclebin.purge_expired", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def purge_expired_records() -> int:
    """Idempotent and batched: a second run (or a second worker) finds nothing left to do."""
    return sum(purge_expired().values())
