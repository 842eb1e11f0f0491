"""Automation tests run Celery tasks eagerly (in-process) unless a test starts a real worker."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from crm.celery import app as celery_app
from tests.factories import ContactFactory, OpportunityFactory


@pytest.fixture(autouse=True)
def celery_eager():
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def idle_deal(owner, *, days: float, stage=None, **fields):
    """An open deal whose last stage change was `days` ago and that has had no follow-up since."""
    when = timezone.now() - timedelta(days=days)
    kwargs = {"owner": owner, "stage_entered_at": when, "created_at": when, **fields}
    if stage is not None:
        kwargs["stage"] = stage
    return OpportunityFactory(**kwargs)


def large_deal(owner, stages, amount="2000000"):
    """A deal in stage 2 with everything stage 3 needs except the leader's approval."""
    contact = ContactFactory(customer__owner=owner, buying_role="decision_maker")
    return OpportunityFactory(
        owner=owner,
        customer=contact.customer,
        primary_contact=contact,
        stage=stages[2],
        amount=Decimal(amount),
    )


def requires_postgres(test):
    """Concurrency tests: real row locks and several connections (CI runs them on PostgreSQL)."""
    test = pytest.mark.concurrency(test)
    return pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers on separate connections (SQLite serialises them)",
    )(test)
