"""Twenty people moving one deal at once: the stage history stays a chain. Each move takes its
time after it holds the row lock, so ordering the timeline by time gives the order the moves
were applied in, and every row starts where the one before it ended."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from opportunities.models import Activity, Opportunity, StageChange, StageMoveRefused
from tests.factories import OpportunityFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

MOVERS = 20


def test_twenty_concurrent_moves_of_one_deal_leave_an_unbroken_timeline_in_time_order(admin_user, rep, stages):
    if connection.vendor != "postgresql":
        pytest.fail("run the concurrency tests on PostgreSQL (SQLite has no row locks)")
    # A deal that meets the entry rules of stages 1 and 2, so it can go back and forth.
    deal = OpportunityFactory(
        owner=rep,
        stage=stages[1],
        amount=Decimal("50000"),
        budget_amount=Decimal("50000"),
        budget_confirmed=True,
        expected_close_date=timezone.localdate() + timedelta(days=30),
        timeline_confirmed=True,
        need_description="A new CRM",
    )
    deal.record_creation(rep)
    Activity.log(by=rep, opportunity=deal, summary="Discovery call")
    barrier = threading.Barrier(MOVERS)
    errors: list[str] = []

    def move_once():
        try:
            barrier.wait()
            while True:
                current = Opportunity.objects.get(pk=deal.pk)
                target = stages[2] if current.stage_id == stages[1].pk else stages[1]
                try:
                    current.move_to(target, by=admin_user)
                    return
                except StageMoveRefused as refused:  # someone moved it first: try again from there
                    if refused.reasons != ["The deal is already in this stage."]:
                        errors.append("; ".join(refused.reasons))
                        return
        except Exception as exc:  # anything else is a bug this test must show
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=move_once) for _ in range(MOVERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    timeline = list(StageChange.objects.filter(opportunity=deal).order_by("changed_at", "pk"))
    assert len(timeline) == MOVERS + 1
    # In the order the moves were applied (insertion order), times only go forward ...
    applied = sorted(timeline, key=lambda c: c.pk)
    assert [c.pk for c in timeline] == [c.pk for c in applied]
    assert all(a.changed_at < b.changed_at for a, b in zip(applied, applied[1:], strict=False))
    # ... and the timeline, read by time, links every from to the previous to.
    for previous, change in zip(timeline, timeline[1:], strict=False):
        assert change.from_stage_id == previous.to_stage_id
    deal.refresh_from_db()
    assert deal.stage_id == timeline[-1].to_stage_id
    assert deal.stage_entered_at == timeline[-1].changed_at
    assert deal.version == 1 + 1 + MOVERS  # the follow-up moved it once, then each move
