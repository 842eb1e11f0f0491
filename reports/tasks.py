"""Background jobs of the reports: the weekly forecast snapshot (Celery beat)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import snapshots


@shared_task(name="reports.snapshot_forecast", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def snapshot_forecast() -> int:
    """Record this week's forecast snapshot; a second run in the same week inserts nothing."""
    return snapshots.take_snapshot().created
