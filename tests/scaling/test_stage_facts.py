"""The per-deal stage facts behind the conversion and sales-cycle reports stay equal to the
figures computed from scratch from the stage history, move after move."""

from __future__ import annotations

import io
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from opportunities.models import LossReason, Opportunity, Stage, StageFact, StageMoveRefused

from ..factories import CustomerFactory


def facts() -> set[tuple]:
    return set(
        StageFact.all_objects.values_list(
            "opportunity_id", "stage_id", "first_entered_at", "onward_at", "days_in_stage"
        )
    )


@pytest.fixture
def free_stages(stages):
    """Every move allowed (the requirements have their own tests), so random walks go anywhere."""
    Stage.objects.update(
        requires_budget=False,
        requires_timeline=False,
        requires_follow_up=False,
        requires_need=False,
        requires_decision_maker=False,
        requires_amount=False,
        requires_close_date=False,
        requires_loss_reason=False,
        approval_threshold=None,
    )
    return list(Stage.objects.order_by("order"))


def random_history(rep, stage_list, *, deals: int, moves: int, seed: int) -> list[Opportunity]:
    rng = random.Random(seed)
    start = timezone.now() - timedelta(days=400)
    created = []
    for n in range(deals):
        customer = CustomerFactory(owner=rep)
        deal = Opportunity.open_new(by=rep, name=f"Walk {n}", customer=customer, amount=Decimal("1000"))
        created.append(deal)
    when = start
    reason = LossReason.objects.first()
    for _ in range(moves):
        deal = rng.choice(created)
        deal.refresh_from_db()
        target = rng.choice([s for s in stage_list if s.pk != deal.stage_id])
        when += timedelta(hours=rng.randint(1, 200))
        try:
            deal.move_to(target, rep, loss_reason=reason if target.outcome == Stage.Outcome.LOST else None, now=when)
        except StageMoveRefused:
            continue
    return created


def test_stage_facts_equal_the_history_recomputed_from_scratch_after_random_moves(rep, free_stages):
    deals = random_history(rep, free_stages, deals=12, moves=120, seed=7)

    kept = facts()
    written = StageFact.rebuild()

    assert kept == facts()
    assert written == len(kept) > len(deals)
    # Every deal has the facts of its first stage from its creation.
    first = free_stages[0]
    assert StageFact.objects.filter(opportunity__in=deals, stage=first).count() == len(deals)


def test_a_deal_that_went_on_counts_as_advanced_in_its_first_stage_and_a_refused_move_changes_nothing(rep, free_stages):
    first, second = free_stages[0], free_stages[1]
    deal = Opportunity.open_new(by=rep, name="Onward", customer=CustomerFactory(owner=rep), amount=Decimal("10"))
    entered = StageFact.objects.get(opportunity=deal, stage=first)
    assert entered.first_entered_at is not None and not entered.advanced

    deal.move_to(second, rep, now=timezone.now() + timedelta(days=3))
    entered.refresh_from_db()
    assert entered.advanced
    assert entered.days_in_stage == Decimal("3.00")

    before = facts()
    with pytest.raises(StageMoveRefused):
        deal.move_to(second, rep)  # already there
    assert facts() == before


def test_the_rebuild_command_restores_facts_lost_to_a_bulk_import(rep, free_stages):
    random_history(rep, free_stages, deals=5, moves=30, seed=11)
    kept = facts()
    StageFact.all_objects.all().delete()

    out = io.StringIO()
    call_command("rebuild_stage_facts", stdout=out)

    assert f"{len(kept)} stage facts written" in out.getvalue()

    assert facts() == kept
