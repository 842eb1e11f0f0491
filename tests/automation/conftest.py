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


requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: concurrent writers on separate connections (SQLite serialises them)",
)


@pytest.fixture(scope="session", autouse=True)
def _restore_migration_data_after_flushes(django_db_setup, django_db_blocker):
    """Transactional tests end with a flush, which empties the data migrations' rows (stages,
    sources, scoring rules). Put them back at the end of the session so that a re-used test
    database (--reuse-db) starts the next run complete."""
    yield
    from django.db import connections

    from opportunities.models import Stage

    with django_db_blocker.unblock():
        for conn in connections.all():
            content = getattr(conn, "_test_serialized_contents", None)
            if content and not Stage.objects.using(conn.alias).exists():
                conn.creation.deserialize_db_from_string(content)
