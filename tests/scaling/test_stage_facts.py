"""The per-deal stage facts behind the conversion and sales-cycle reports stay equal to the
figures computed from scratch from the stage history, move after move."""

from __future__ import annotations

import io
import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from opportunities.models import LossReason, Opportunity, Stage, StageChange, StageFact, StageMoveRefused

from ..factories import CustomerFactory


def facts() -> set[tuple]:
    return set(
        StageFact.all_objects.values_list(
            "opportunity_id", "stage_id", "first_entered_at", "onward_at", "days_in_stage", "deal_won"
        )
    )


def cycles() -> dict[int, Decimal | None]:
    return dict(Opportunity.all_objects.values_list("pk", "cycle_days"))


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

    kept, kept_cycles = facts(), cycles()
    written = StageFact.rebuild()

    assert kept == facts()
    assert kept_cycles == cycles()
    assert written == len(kept) > len(deals)
    # The walk won and reopened deals: the "won now" flags and the cycles are not all alike.
    assert {won for *_rest, won in kept} == {True, False}
    assert len(set(kept_cycles.values())) > 1
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


def test_a_won_deal_counts_as_won_in_its_stages_until_reopened_and_its_cycle_is_its_selling_days(
    rep, leader, free_stages
):
    first, second = free_stages[0], free_stages[1]
    won = next(s for s in free_stages if s.outcome == Stage.Outcome.WON)
    start = timezone.now()
    deal = Opportunity.open_new(by=rep, name="Cycle", customer=CustomerFactory(owner=rep), amount=Decimal("10"))
    deal.refresh_from_db()
    assert deal.cycle_days == Decimal("0")  # it has a history: its entry into the first stage

    deal.move_to(second, rep, now=start + timedelta(days=2))
    deal.move_to(won, rep, now=start + timedelta(days=5))
    deal.refresh_from_db()
    assert deal.cycle_days == Decimal("5.00")
    assert set(StageFact.objects.filter(opportunity=deal).values_list("stage_id", "deal_won")) == {
        (first.pk, True),
        (second.pk, True),
        (won.pk, True),
    }

    deal.move_to(second, leader, note="Customer came back", now=start + timedelta(days=30))  # a reopen
    deal.refresh_from_db()
    assert not StageFact.objects.filter(opportunity=deal, deal_won=True).exists()
    assert deal.cycle_days == Decimal("5.00")  # the 25 days it sat won are no selling time


def test_saving_a_deal_read_before_a_move_keeps_the_cycle_the_move_wrote(rep, free_stages):
    deal = Opportunity.open_new(by=rep, name="Stale", customer=CustomerFactory(owner=rep), amount=Decimal("10"))
    editing = Opportunity.objects.get(pk=deal.pk)  # a form opened before the move
    deal.move_to(free_stages[1], rep, now=timezone.now() + timedelta(days=4))

    editing.next_step = "Send the quote"
    editing.save()

    editing.refresh_from_db()
    assert editing.next_step == "Send the quote"
    assert editing.cycle_days == Decimal("4.00")
    copy = Opportunity.objects.get(pk=deal.pk)
    copy.pk, copy._state.adding = None, True
    copy.save()
    assert Opportunity.objects.get(pk=copy.pk).cycle_days is None  # a copy has no stage history


def test_the_rebuild_passes_over_the_history_of_a_deal_deleted_outright(rep, free_stages):
    deals = random_history(rep, free_stages, deals=3, moves=20, seed=5)
    gone = deals[0]
    Opportunity.objects.filter(pk=gone.pk).delete()  # its history stays, its facts go with it
    assert StageChange.all_objects.filter(opportunity_id=gone.pk).exists()
    kept, kept_cycles = facts(), cycles()

    call_command("rebuild_stage_facts", stdout=io.StringIO())

    assert facts() == kept and cycles() == kept_cycles
    assert not StageFact.all_objects.filter(opportunity_id=gone.pk).exists()


def test_a_stage_that_stops_being_won_takes_the_win_off_its_deals_facts(rep, leader, free_stages):
    first = free_stages[0]
    won = next(s for s in free_stages if s.outcome == Stage.Outcome.WON)
    deal = Opportunity.open_new(by=rep, name="Renamed", customer=CustomerFactory(owner=rep), amount=Decimal("10"))
    deal.move_to(won, rep, now=timezone.now() + timedelta(days=1))
    assert StageFact.objects.get(opportunity=deal, stage=first).deal_won

    won.outcome = Stage.Outcome.LOST  # an admin corrects the stage's outcome
    won.save()

    assert not StageFact.objects.filter(opportunity=deal, deal_won=True).exists()
    kept = facts()
    StageFact.rebuild()
    assert facts() == kept


def walk_through_every_open_stage(rep, free_stages) -> Opportunity:
    """A deal that went 1 → 2 → 3, then back to 1: each stage's "went on" depends on the order."""
    deal = Opportunity.open_new(by=rep, name="Walker", customer=CustomerFactory(owner=rep), amount=Decimal("10"))
    when = timezone.now()
    for step, stage in enumerate([free_stages[1], free_stages[2], free_stages[0]], start=1):
        deal.move_to(stage, rep, now=when + timedelta(days=step))
    return deal


def test_a_stage_moved_in_the_order_refreshes_what_counts_as_went_on(rep, free_stages):
    deal = walk_through_every_open_stage(rep, free_stages)
    random_history(rep, free_stages, deals=4, moves=30, seed=11)
    third = free_stages[2]
    assert StageFact.objects.get(opportunity=deal, stage=third).onward_at is None

    third.order = 30  # an admin moves the third stage to the front of the path
    third.save()
    third.order = 0
    third.save()

    # Stages 1 and 2 now come after it: the deal went on from the third stage when it entered them.
    assert StageFact.objects.get(opportunity=deal, stage=third).advanced
    kept = facts()
    StageFact.rebuild()
    assert facts() == kept


def test_reordering_the_stages_on_the_pipeline_page_keeps_the_facts_equal_to_a_rebuild(admin_client_, rep, free_stages):
    from ..audit.conftest import admin_form_data

    deal = walk_through_every_open_stage(rep, free_stages)
    random_history(rep, free_stages, deals=4, moves=30, seed=13)
    url = reverse("admin:opportunities_pipeline_change", args=[free_stages[0].pipeline_id])
    data = admin_form_data(admin_client_.get(url))
    orders = {data[key.replace("-id", "-order")]: key.replace("-id", "") for key in data if key.endswith("-id")}
    # Swap the first two stages: the page posts both new orders at once.
    first, second = orders[str(free_stages[0].order)], orders[str(free_stages[1].order)]
    # Two stages given the same place: refused in words, nothing saved.
    twice = {**data, f"{first}-order": data[f"{second}-order"]}
    refused = admin_client_.post(url, twice)
    assert refused.status_code == 200 and "Please correct the duplicate data for order" in refused.content.decode()
    assert Stage.objects.get(pk=free_stages[0].pk).order == free_stages[0].order
    data[f"{first}-order"], data[f"{second}-order"] = data[f"{second}-order"], data[f"{first}-order"]

    response = admin_client_.post(url, data)

    assert response.status_code == 302, [
        e for e in re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    ]
    assert Stage.objects.get(pk=free_stages[1].pk).order < Stage.objects.get(pk=free_stages[0].pk).order
    # The second stage, now first, went on when the deal came back to the stage now after it.
    back = StageChange.objects.filter(opportunity=deal, to_stage=free_stages[0]).latest("changed_at")
    assert StageFact.objects.get(opportunity=deal, stage=free_stages[1]).onward_at == back.changed_at
    kept = facts()
    StageFact.rebuild()
    assert facts() == kept


def test_the_pipeline_page_deletes_a_stage_and_gives_its_place_to_another_in_one_save(admin_client_, free_stages):
    from ..audit.conftest import admin_form_data

    pipeline = free_stages[0].pipeline
    spare = Stage.objects.create(pipeline=pipeline, order=9, name="备用", name_en="Spare", probability=30)
    url = reverse("admin:opportunities_pipeline_change", args=[pipeline.pk])
    data = admin_form_data(admin_client_.get(url))
    prefix = {data[key]: key.removesuffix("-id") for key in data if key.endswith("-id")}
    data[f"{prefix[str(spare.pk)]}-DELETE"] = "on"
    data[f"{prefix[str(free_stages[0].pk)]}-order"] = "9"

    response = admin_client_.post(url, data)

    assert response.status_code == 302
    assert not Stage.objects.filter(pk=spare.pk).exists()
    assert Stage.objects.get(pk=free_stages[0].pk).order == 9
