"""A real Celery worker killed with SIGKILL in the middle of a batch of notification email, on
PostgreSQL and Redis: the notifications it committed keep their email, which the sweep sends
from the database alone, and no one gets a message twice."""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from notifications.models import Notification

from .conftest import idle_deal

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/5")
DEALS = 30
HANG_AT = 12
RETRY_AFTER = 3  # seconds; production waits 300

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    """Celery worker processes on the test database and a broker namespace of this test's own."""

    def __init__(self, mail_dir: Path, log_dir: Path) -> None:
        self.prefix = f"crm-test-{uuid.uuid4().hex[:8]}:"
        self.mail_dir = mail_dir
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self, **env: str) -> subprocess.Popen:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.automation.worker.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "CRM_TEST_BROKER_PREFIX": self.prefix,
            "CRM_TEST_MAIL_DIR": str(self.mail_dir),
            "NOTIFICATION_EMAIL_RETRY_AFTER": str(RETRY_AFTER),
            "EMAIL_TIMEOUT": "1",
            "LANGUAGE_CODE": "en",
            **env,
        }
        log = open(self.log_dir / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "-P", "solo", "-l", "info"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def send(self, task: str) -> None:
        from celery import Celery

        producer = Celery("crash-test", broker=BROKER_URL, set_as_current=False)  # never the tests' app
        producer.conf.update(
            broker_transport_options={"global_keyprefix": self.prefix}, task_serializer="json", accept_content=["json"]
        )
        producer.send_task(task)
        producer.close()

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("*.log")))

    def stop(self) -> None:
        import redis

        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        client = redis.Redis.from_url(BROKER_URL)
        keys = list(client.scan_iter(match=f"{self.prefix}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def workers(tmp_path):
    import redis

    if connection.vendor != "postgresql":
        pytest.fail("run the worker-crash test on PostgreSQL (the worker is a separate process)")
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {BROKER_URL} ({exc}); set CELERY_TEST_BROKER_URL or start Redis")
    (tmp_path / "mail").mkdir()
    (tmp_path / "logs").mkdir()
    pool = Workers(tmp_path / "mail", tmp_path / "logs")
    yield pool
    pool.stop()


def delivered(mail_dir: Path) -> Counter:
    """Messages the mail server accepted, counted per notification (from their Message-ID)."""
    counts: Counter = Counter()
    for path in mail_dir.glob("*.eml"):
        message_id = email.message_from_bytes(path.read_bytes())["Message-ID"]
        counts[int(message_id.split("notification-")[1].split(".")[0])] += 1
    return counts


def test_a_worker_killed_mid_batch_loses_no_email_and_sends_none_twice(rep, stages, workers):
    for i in range(DEALS):
        idle_deal(rep, days=9, stage=stages[1], name=f"Crash ERP {i}")
    crashing = workers.start(CRM_TEST_MAIL_HANG_AT=str(HANG_AT))
    workers.send("opportunities.send_stale_reminders")
    assert wait_for(lambda: (workers.mail_dir / "hanging").exists()), workers.log()
    os.kill(crashing.pid, signal.SIGKILL)
    crashing.wait(timeout=10)

    # The scan committed every notification; the worker died sending the 12th email.
    notifications = set(Notification.objects.values_list("pk", flat=True))
    assert len(notifications) == DEALS
    before = delivered(workers.mail_dir)
    assert sum(before.values()) == HANG_AT - 1
    unsent = Notification.objects.filter(email_status=Notification.EmailStatus.PENDING)
    assert unsent.count() == DEALS - (HANG_AT - 1)
    assert unsent.filter(email_claimed_at__isnull=False).count() == 1  # the one it was sending

    # A fresh worker and the periodic sweep, once the dead worker's claim has expired.
    workers.start()
    time.sleep(RETRY_AFTER + 1)
    workers.send("notifications.send_unsent_emails")
    assert wait_for(lambda: not unsent.exists()), workers.log()

    after = delivered(workers.mail_dir)
    assert set(after) == notifications  # 0 lost
    assert [pk for pk, copies in after.items() if copies > 1] == []  # 0 duplicated
    assert set(Notification.objects.values_list("email_status", flat=True)) == {Notification.EmailStatus.SENT}
