"""Lead jobs: re-score (and, at the threshold, assign) a lead after it or its events change."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .scoring import rescore_lead


@shared_task(name="leads.score_lead", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def score_lead(lead_id: int) -> int | None:
    lead = rescore_lead(lead_id)
    return None if lead is None else lead.score
