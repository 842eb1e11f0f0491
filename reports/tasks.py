"""Background jobs of the reports: the weekly forecast snapshot and the quarter opening (Celery beat)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import openings, snapshots


@shared_task(name="reports.snapshot_forecast", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def snapshot_forecast() -> int:
    """Record this week's forecast snapshot; a second run in the same week inserts nothing."""
    return snapshots.take_snapshot().created


@shared_task(
    name="reports.record_quarter_opening", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def record_quarter_opening() -> int:
    """Record how the deals stood when this quarter opened; once recorded, a run records nothing."""
    return openings.record_opening().deals
