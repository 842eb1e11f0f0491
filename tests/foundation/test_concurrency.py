"""Two people moving the same deal at once: the row lock lets exactly one move through."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from opportunities.models import Opportunity, StageChange, StageMoveRefused
from tests.factories import OpportunityFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_two_simultaneous_moves_to_won_record_exactly_one_stage_change(rep, leader, stages):
    if connection.vendor != "postgresql":
        pytest.fail("run the concurrency tests on PostgreSQL (SQLite has no row locks)")
    deal = OpportunityFactory(owner=rep, stage=stages[1], expected_close_date=timezone.localdate())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move(user):
        try:
            barrier.wait()
            Opportunity.objects.get(pk=deal.pk).move_to(stages[4], by=user)
            outcomes.append("moved")
        except StageMoveRefused as refused:
            outcomes.append("refused: " + "; ".join(refused.reasons))
        except Exception as exc:  # anything else is a bug this test must show
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=move, args=(u,)) for u in (rep, leader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["moved", "refused: The deal is already in this stage."]
    assert StageChange.objects.filter(opportunity=deal, to_stage=stages[4]).count() == 1
    deal.refresh_from_db()
    assert deal.version == 2 and deal.stage == stages[4]
