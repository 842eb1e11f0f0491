"""End to end with a real broker: a task enqueued after commit travels through Redis to a
Celery worker started here, which writes the notification and sends its email."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from django.db import close_old_connections, transaction

from crm.celery import app
from notifications.models import Notification
from opportunities.tasks import send_stale_reminders

from .conftest import idle_deal

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def redis_worker(celery_eager):
    import redis
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {BROKER_URL} ({exc}); set CELERY_TEST_BROKER_URL or start Redis")
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "broker_transport_options", "task_always_eager", "task_default_queue")
    }
    # Every task module imported and registered before the worker starts (its start-up finalizes
    # the app; a module first imported after that would be missing from the registry for the
    # tests that run later in this process).
    from django.apps import apps as django_apps

    app.autodiscover_tasks([config.name for config in django_apps.get_app_configs()], force=True)
    registered = dict(app.tasks)
    app.close()
    app.__dict__.pop("amqp", None)  # queues and router are cached from the first configuration
    app.conf.update(
        broker_url=BROKER_URL,
        broker_transport_options={},
        task_always_eager=False,
        task_default_queue=f"crm-test-{uuid.uuid4().hex[:8]}",  # never pick up anyone else's messages
    )

    def close_db(**kwargs):
        close_old_connections()

    task_postrun.connect(close_db, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        task_postrun.disconnect(close_db)
        app.close()
        app.conf.update(saved)
        app.__dict__.pop("amqp", None)
        for task in registered.values():
            if task.name not in app.tasks:
                app.tasks.register(task)


def wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_consumes_the_stale_scan_from_redis_and_notifies(rep, stages, redis_worker, mailoutbox):
    deal = idle_deal(rep, days=9, stage=stages[1], name="Broker ERP")
    with transaction.atomic():
        transaction.on_commit(lambda: send_stale_reminders.delay())
    assert wait_for(lambda: Notification.objects.filter(opportunity=deal, emailed_at__isnull=False).exists())
    note = Notification.objects.get(opportunity=deal)
    assert note.recipient == rep and "Broker ERP" in note.title
    assert wait_for(lambda: len(mailoutbox) == 1)
    assert mailoutbox[0].to == [rep.email]
