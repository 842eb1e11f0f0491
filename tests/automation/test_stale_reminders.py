"""Stale-deal reminders: one per stale episode per recipient, however often the scan runs."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification
from opportunities.models import Activity
from opportunities.reminders import scan_stale

from .conftest import idle_deal, requires_postgres

pytestmark = pytest.mark.django_db


def stale_notes(**filters):
    return Notification.objects.filter(kind__in=["stale", "stale_escalation"], **filters)


def test_it_reminds_the_owner_of_a_deal_idle_past_the_stage_threshold(rep, stages):
    deal = idle_deal(rep, days=8, stage=stages[1], name="Idle ERP")
    scan_stale()
    note = stale_notes().get()
    assert note.recipient == rep
    assert note.kind == Notification.Kind.STALE
    assert note.opportunity == deal
    assert "Idle ERP" in note.title
    assert note.url == f"/opportunities/{deal.pk}/"


def test_it_leaves_fresh_and_closed_deals_alone(rep, stages):
    idle_deal(rep, days=6, stage=stages[1])
    idle_deal(rep, days=30, stage=stages[4], closed_at=timezone.now())
    recent = idle_deal(rep, days=30, stage=stages[1])
    Activity.log(by=rep, opportunity=recent, summary="Called the buyer", occurred_at=timezone.now() - timedelta(days=2))
    scan_stale()
    assert not stale_notes().exists()


def test_running_the_scan_twice_sends_one_reminder(rep, stages, django_capture_on_commit_callbacks, mailoutbox):
    idle_deal(rep, days=8, stage=stages[1])
    with django_capture_on_commit_callbacks(execute=True):
        first = scan_stale()
    with django_capture_on_commit_callbacks(execute=True):
        second = scan_stale()
        call_command("run_reminders", stdout=open("/dev/null", "w"))
    assert (first.created, second.created) == (1, 0)
    assert stale_notes().count() == 1
    assert len(mailoutbox) == 1


def test_the_leader_hears_only_past_twice_the_threshold(rep, leader, stages):
    idle_deal(rep, days=10, stage=stages[1], name="Slow")
    idle_deal(rep, days=15, stage=stages[1], name="Stuck")
    scan_stale()
    assert stale_notes(recipient=rep).count() == 2
    escalation = stale_notes(recipient=leader).get()
    assert escalation.kind == Notification.Kind.STALE_ESCALATION
    assert "Stuck" in escalation.title and "Rita" in escalation.title


def test_a_leader_owning_the_deal_gets_one_reminder_not_two(leader, team, stages):
    idle_deal(leader, days=20, stage=stages[1])
    scan_stale()
    assert stale_notes(recipient=leader).count() == 1


def test_a_follow_up_ends_the_episode_and_a_new_idle_spell_reminds_again(rep, stages):
    deal = idle_deal(rep, days=8, stage=stages[1])
    scan_stale()
    Activity.log(by=rep, opportunity=deal, summary="Sent the proposal")
    scan_stale()
    assert stale_notes().count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        scan_stale()
        scan_stale()
    assert stale_notes().count() == 2


def test_a_stage_move_ends_the_episode(rep, stages):
    deal = idle_deal(rep, days=8, stage=stages[1], need_description="New CRM")
    Activity.log(by=rep, opportunity=deal, summary="Call", occurred_at=timezone.now() - timedelta(days=8))
    scan_stale()
    deal.move_to(stages[2], rep)
    scan_stale()
    assert stale_notes().count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=stages[2].stale_after_days + 1), tick=False):
        scan_stale()
    assert stale_notes().count() == 2


def test_the_reminder_is_written_in_the_recipients_language(
    rep, stages, mailoutbox, django_capture_on_commit_callbacks
):
    rep.language = "zh-hans"
    rep.save(update_fields=["language"])
    idle_deal(rep, days=8, stage=stages[1], name="ERP")
    with django_capture_on_commit_callbacks(execute=True):
        scan_stale()
    note = stale_notes().get()
    assert note.title.startswith("停滞商机")
    assert mailoutbox[0].subject.startswith("[销售 CRM]")
    assert mailoutbox[0].to == [rep.email]


def test_scan_queries_do_not_grow_with_the_data(rep, teammate, stages):
    for _ in range(5):
        idle_deal(rep, days=20, stage=stages[1])
    with CaptureQueriesContext(connection) as small:
        assert scan_stale(size=1000).created == 10  # 5 owner + 5 leader reminders
    for _ in range(40):
        idle_deal(teammate, days=20, stage=stages[2])
    with CaptureQueriesContext(connection) as large:
        assert scan_stale(size=1000).created == 80
    assert len(large) == len(small)
    # Bounded batches: a fixed id range per batch, and at most a fixed number of queries each
    # (the range, the recipients not met yet, the insert; SQLite adds a look-up and a read-back).
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as batched:
        result = scan_stale(size=10)
    assert result.created == 90 and result.batches >= 5
    per_batch = 3 if connection.vendor == "postgresql" else 5
    assert len(batched) <= 2 + per_batch * result.batches


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_never_duplicate_a_reminder(rep, leader, stages):
    for _ in range(60):
        idle_deal(rep, days=20, stage=stages[1])
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(scan_stale(size=7).created)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stale_notes(recipient=rep).count() == 60
    assert stale_notes(recipient=leader).count() == 60
    assert sum(results) == 120  # every reminder inserted by exactly one of the four runs
