"""The stage rules on Opportunity: requirements, the move and its bookkeeping."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Contact
from opportunities.models import ApprovalRequest, Opportunity, StageChange, StageMoveRefused
from tests.factories import ActivityFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(rep, stages):
    return Opportunity.open_new(
        by=rep,
        name="ERP rollout",
        customer=ContactFactory(customer__owner=rep).customer,
        amount=Decimal("500000"),
    )


def ready_for_stage_1(deal):
    deal.budget_amount = Decimal("500000")
    deal.budget_confirmed = True
    deal.expected_close_date = timezone.localdate() + timedelta(days=30)
    deal.timeline_confirmed = True
    deal.save()


def test_open_new_places_the_deal_in_the_first_open_stage_with_a_history_row(deal, stages):
    assert deal.stage == stages[1]
    assert deal.probability == 20
    entry = deal.stage_changes.get()
    assert entry.from_stage is None and entry.to_stage == stages[1]


# --- stage 1: budget and timeline --------------------------------------------------------


def test_stage_1_requires_confirmed_budget(deal, stages):
    deal.expected_close_date = timezone.localdate()
    deal.timeline_confirmed = True
    deal.budget_amount = Decimal("1000")
    assert any("budget" in r for r in deal.requirements_for(stages[1]))
    deal.budget_confirmed = True
    assert deal.requirements_for(stages[1]) == []


def test_stage_1_requires_confirmed_timeline(deal, stages):
    deal.budget_amount = Decimal("1000")
    deal.budget_confirmed = True
    deal.timeline_confirmed = True
    assert any("timeline" in r for r in deal.requirements_for(stages[1]))
    deal.expected_close_date = timezone.localdate()
    assert deal.requirements_for(stages[1]) == []


# --- stage 2: a follow-up and a described need ---------------------------------------------


def test_stage_2_requires_a_logged_follow_up(deal, stages):
    deal.need_description = "Faster quoting"
    assert deal.requirements_for(stages[2]) == ["Log at least one follow-up with the customer."]
    ActivityFactory(opportunity=deal)
    assert deal.requirements_for(stages[2]) == []


def test_stage_2_requires_a_described_need(deal, stages):
    ActivityFactory(opportunity=deal)
    deal.need_description = "   "
    assert deal.requirements_for(stages[2]) == ["Describe the customer's need."]
    deal.need_description = "Faster quoting"
    assert deal.requirements_for(stages[2]) == []


# --- stage 3: decision maker, amount, approval ---------------------------------------------


def test_stage_3_requires_a_decision_maker_contact(deal, stages):
    assert "Add a contact whose buying role is decision maker." in deal.requirements_for(stages[3])
    boss = ContactFactory(customer=deal.customer, buying_role=Contact.BuyingRole.DECISION_MAKER)
    deal.contacts.add(boss)
    assert deal.requirements_for(stages[3]) == []


def test_stage_3_accepts_a_primary_contact_who_decides(deal, stages):
    deal.primary_contact = ContactFactory(customer=deal.customer, buying_role=Contact.BuyingRole.DECISION_MAKER)
    assert deal.requirements_for(stages[3]) == []


def test_stage_3_requires_an_amount_above_zero(deal, stages):
    deal.contacts.add(ContactFactory(customer=deal.customer, buying_role="decision_maker"))
    deal.amount = Decimal("0")
    assert deal.requirements_for(stages[3]) == ["Enter an amount above zero."]


def test_stage_3_large_deal_needs_leader_approval(deal, stages, rep, leader):
    deal.contacts.add(ContactFactory(customer=deal.customer, buying_role="decision_maker"))
    deal.amount = stages[3].approval_threshold
    deal.save()
    reasons = deal.requirements_for(stages[3], by=rep)
    assert len(reasons) == 1 and "approval" in reasons[0]
    # the team leader moving it is the approval
    assert deal.requirements_for(stages[3], by=leader) == []
    # an approval given for this stage and amount lets the rep move it
    ApprovalRequest.objects.create(
        opportunity=deal, stage=stages[3], amount=deal.amount, requested_by=rep, status="approved", decided_by=leader
    )
    assert deal.requirements_for(stages[3], by=rep) == []
    # raising the amount past what was approved needs a new approval
    deal.amount += 1
    assert len(deal.requirements_for(stages[3], by=rep)) == 1


def test_stage_3_just_below_the_threshold_needs_no_approval(deal, stages, rep):
    deal.contacts.add(ContactFactory(customer=deal.customer, buying_role="decision_maker"))
    deal.amount = stages[3].approval_threshold - Decimal("0.01")
    assert deal.requirements_for(stages[3], by=rep) == []


def test_outsider_leader_cannot_approve_by_moving(deal, stages, other_leader):
    deal.amount = stages[3].approval_threshold
    assert not deal.can_approve(other_leader)


# --- won and lost ---------------------------------------------------------------------------


def test_won_requires_a_close_date(deal, stages):
    assert deal.requirements_for(stages[4]) == ["Set the close date."]
    deal.expected_close_date = timezone.localdate()
    assert deal.requirements_for(stages[4]) == []


def test_lost_requires_a_loss_reason(deal, stages, loss_reason):
    assert deal.requirements_for(stages[5]) == ["Choose a loss reason."]
    assert deal.requirements_for(stages[5], loss_reason=loss_reason) == []


def test_inactive_stage_cannot_be_entered(deal, stages):
    stages[2].is_active = False
    stages[2].save()
    assert any("no longer in use" in r for r in deal.requirements_for(stages[2]))


# --- the move -------------------------------------------------------------------------------


def test_refused_move_raises_with_reasons_and_changes_nothing(deal, stages, rep):
    before = deal.version
    with pytest.raises(StageMoveRefused) as refused:
        deal.move_to(stages[2], by=rep)
    assert set(refused.value.reasons) == {
        "Log at least one follow-up with the customer.",
        "Describe the customer's need.",
    }
    deal.refresh_from_db()
    assert deal.stage == stages[1] and deal.version == before
    assert deal.stage_changes.count() == 1


def test_move_records_who_when_from_to_and_days_in_previous_stage(deal, stages, rep):
    ActivityFactory(opportunity=deal)
    deal.need_description = "Faster quoting"
    deal.save()
    entered = deal.stage_entered_at
    with time_machine.travel(entered + timedelta(days=3, hours=12), tick=False):
        change = deal.move_to(stages[2], by=rep, note="Sent the quote")
    assert change.from_stage == stages[1] and change.to_stage == stages[2]
    assert change.changed_by == rep
    assert change.days_in_previous_stage == Decimal("3.50")
    assert change.stages_skipped == 0 and not change.is_backward
    assert change.note == "Sent the quote"
    deal.refresh_from_db()
    assert deal.stage == stages[2]
    assert deal.probability == 50
    assert deal.stage_entered_at == change.changed_at
    assert deal.closed_at is None


def test_moving_to_won_closes_the_deal(deal, stages, rep):
    deal.expected_close_date = timezone.localdate()
    deal.save()
    change = deal.move_to(stages[4], by=rep)
    deal.refresh_from_db()
    assert deal.probability == 100
    assert deal.closed_at == change.changed_at
    # straight from 20 % to won skips stages 2 and 3: allowed, flagged for data quality
    assert change.stages_skipped == 2


def test_moving_to_lost_keeps_the_reason_and_reopening_clears_it(deal, stages, rep, leader, loss_reason):
    change = deal.move_to(stages[5], by=rep, loss_reason=loss_reason)
    deal.refresh_from_db()
    assert deal.loss_reason == loss_reason and change.loss_reason == loss_reason
    assert deal.probability == 0 and deal.closed_at is not None
    assert change.stages_skipped == 0
    ready_for_stage_1(deal)
    reopen = deal.move_to(stages[1], by=leader, note="The budget came back")
    deal.refresh_from_db()
    assert deal.loss_reason is None and deal.closed_at is None and deal.probability == 20
    assert reopen.is_reopen


def test_moving_backwards_is_allowed_and_recorded(deal, stages, rep):
    ActivityFactory(opportunity=deal)
    deal.need_description = "x"
    ready_for_stage_1(deal)
    deal.move_to(stages[2], by=rep)
    change = deal.move_to(stages[1], by=rep)
    assert change.is_backward
    assert deal.stage == stages[1] and deal.probability == 20


def test_moving_to_the_current_stage_is_refused(deal, stages, rep):
    with pytest.raises(StageMoveRefused):
        deal.move_to(stages[1], by=rep)


def test_stage_change_rows_are_immutable(deal):
    change = deal.stage_changes.get()
    change.note = "rewrite history"
    with pytest.raises(ValidationError):
        change.save()
    with pytest.raises(ValidationError):
        change.delete()
    assert StageChange.objects.get(pk=change.pk).note == ""


def test_version_increments_on_each_move(deal, stages, rep):
    deal.expected_close_date = timezone.localdate()
    deal.save()
    v = deal.version
    deal.move_to(stages[4], by=rep)
    assert deal.version == v + 1


# --- derived figures -------------------------------------------------------------------------


def test_weighted_amount_follows_probability(stages, rep):
    a = OpportunityFactory(owner=rep, amount=Decimal("1000000"), stage=stages[1])
    b = OpportunityFactory(owner=rep, amount=Decimal("500000"), stage=stages[2])
    assert a.weighted_amount == Decimal("200000.00")
    assert b.weighted_amount == Decimal("250000.00")
    ranked = list(Opportunity.objects.with_weighted().order_by("-weighted").values_list("pk", flat=True))
    assert ranked == [b.pk, a.pk]  # seed 004: 500k at 50 % comes before 1M at 20 %


def test_weighted_sums_in_sql_equal_the_python_figures(stages, rep):
    amounts = [Decimal("155.55"), Decimal("1000000"), Decimal("333.33"), Decimal("7"), Decimal("0")]
    deals = [OpportunityFactory(owner=rep, amount=a, stage=stages[1 + i % 4]) for i, a in enumerate(amounts)]
    totals = Opportunity.objects.filter(owner=rep).totals()
    assert totals["total_count"] == 5
    assert Decimal(totals["total_amount"]).quantize(Decimal("0.01")) == sum(amounts)
    python_weighted = sum(d.amount * d.probability / 100 for d in deals)
    assert Decimal(totals["total_weighted"]).quantize(Decimal("0.01")) == python_weighted.quantize(Decimal("0.01"))
    annotated = {d.pk: Decimal(d.weighted).quantize(Decimal("0.01")) for d in Opportunity.objects.with_weighted()}
    assert annotated == {d.pk: d.weighted_amount for d in deals}


def test_changing_a_stage_probability_updates_every_deal_in_it(stages, rep):
    deals = [OpportunityFactory(owner=rep, stage=stages[2]) for _ in range(3)]
    other = OpportunityFactory(owner=rep, stage=stages[1])
    stages[2].probability = 60
    stages[2].save()
    assert {Opportunity.objects.get(pk=d.pk).probability for d in deals} == {60}
    assert Opportunity.objects.get(pk=other.pk).probability == 20


def test_days_in_stage_and_staleness(stages, rep):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    now = deal.stage_entered_at
    assert deal.days_in_stage(now + timedelta(days=5)) == 5
    assert not deal.is_stale(now + timedelta(days=7))
    assert deal.is_stale(now + timedelta(days=7, minutes=1))
    deal.last_activity_at = now + timedelta(days=6)
    assert not deal.is_stale(now + timedelta(days=8))
    # the SQL form agrees with the method
    later = now + timedelta(days=20)
    assert list(Opportunity.objects.stale(later)) == [Opportunity.objects.get(pk=deal.pk)]
    Opportunity.objects.filter(pk=deal.pk).update(last_activity_at=later - timedelta(days=1))
    assert not Opportunity.objects.stale(later).exists()


def test_closed_deals_are_never_stale(stages, rep):
    deal = OpportunityFactory(owner=rep, stage=stages[4])
    later = deal.stage_entered_at + timedelta(days=100)
    assert not deal.is_stale(later)
    assert not Opportunity.objects.stale(later).exists()


def test_follow_on_from_a_won_deal(stages, rep):
    won = OpportunityFactory(owner=rep, stage=stages[4], amount=Decimal("80000"))
    follow = won.start_follow_on(rep, kind=Opportunity.Kind.RENEWAL)
    assert follow.parent == won and follow.customer == won.customer
    assert follow.stage == stages[1] and follow.kind == "renewal"
    open_deal = OpportunityFactory(owner=rep, stage=stages[2])
    with pytest.raises(ValidationError):
        open_deal.start_follow_on(rep)
