"""Two reminder runs at once report what each actually inserted: together, exactly the rows that
exist (on SQLite, where the insert cannot say which rows it wrote, as on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from notifications import services
from notifications.models import Notification
from opportunities.reminders import scan_stale

from .conftest import idle_deal

pytestmark = pytest.mark.django_db


def test_a_run_overtaken_by_another_claims_only_the_reminders_it_inserted(rep, leader, stages, monkeypatch):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL inserts and reports in one statement (see the concurrent-scan test)")
    for _ in range(5):
        idle_deal(rep, days=20, stage=stages[1])
    looked_up = services._existing_keys
    other_run: list[int] = []

    def overtaken(keys):
        # The second run looks up the same keys and inserts them all before the first inserts.
        existing = looked_up(keys)
        if not other_run:
            monkeypatch.setattr(services, "_existing_keys", looked_up)
            other_run.append(scan_stale().created)
        return existing

    monkeypatch.setattr(services, "_existing_keys", overtaken)
    first = scan_stale().created
    assert other_run == [10]  # 5 owner + 5 leader reminders
    assert first == 0
    assert first + other_run[0] == Notification.objects.count() == 10
