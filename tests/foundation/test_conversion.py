"""Leads: BANT qualification, conversion (qualified, unqualified, existing customer), quick wins."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.models import Contact, Customer
from leads.models import Lead, LeadNotQualified
from opportunities.models import Activity, Opportunity, StageChange
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_a_new_lead_is_missing_all_four_bant_criteria(rep):
    lead = LeadFactory(owner=rep)
    assert len(lead.bant_missing()) == 4
    assert not lead.is_qualified


@pytest.mark.parametrize(
    ("field", "value", "missing_word"),
    [
        ("budget_confirmed", False, "Budget"),
        ("budget_amount", None, "Budget"),
        ("authority_confirmed", False, "Authority"),
        ("need_confirmed", False, "Need"),
        ("need_description", "", "Need"),
        ("timeline_confirmed", False, "Timeline"),
        ("timeline_date", None, "Timeline"),
    ],
)
def test_each_bant_criterion_needs_both_its_fact_and_its_confirmation(rep, field, value, missing_word):
    lead = LeadFactory(owner=rep, qualified=True)
    assert lead.is_qualified
    setattr(lead, field, value)
    missing = lead.bant_missing()
    assert len(missing) == 1 and missing[0].startswith(missing_word)


def test_authority_can_be_someone_else_named_on_the_lead(rep):
    lead = LeadFactory(owner=rep, qualified=True, is_decision_maker=False, decision_maker="")
    assert lead.bant_missing() == ["Authority: confirm who makes the decision."]
    lead.decision_maker = "CFO Zhang"
    assert lead.is_qualified


def test_converting_a_qualified_lead_creates_customer_contact_and_deal_in_first_stage(rep, stages):
    lead = LeadFactory(owner=rep, qualified=True, company="Acme Robotics", industry="manufacturing")
    deal = lead.convert(by=rep)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED and lead.opportunity == deal and lead.converted_at
    assert deal.stage == stages[1] and deal.probability == 20 and deal.owner == rep
    assert deal.customer.name == "Acme Robotics" and deal.customer.industry == "manufacturing"
    assert deal.primary_contact.name == lead.name
    assert deal.primary_contact.buying_role == Contact.BuyingRole.DECISION_MAKER
    # BANT carried over
    assert deal.amount == lead.budget_amount and deal.budget_confirmed
    assert deal.expected_close_date == lead.timeline_date and deal.timeline_confirmed
    assert deal.need_description == lead.need_description
    assert deal.source == lead.source
    assert StageChange.objects.filter(opportunity=deal, from_stage=None, to_stage=stages[1]).count() == 1
    # the carried-over BANT satisfies stage 1's entry rule
    assert deal.requirements_for(stages[1]) == []


def test_converting_reuses_an_existing_customer_of_the_same_name(rep, teammate):
    existing = CustomerFactory(name="Acme Robotics", owner=teammate)
    lead = LeadFactory(owner=rep, qualified=True, company="  acme robotics ")
    deal = lead.convert(by=rep)
    assert deal.customer == existing
    assert Customer.objects.filter(name__iexact="acme robotics").count() == 1
    # and the rep can now see that customer through the deal
    assert Customer.objects.visible_to(rep).filter(pk=existing.pk).exists()


def test_converting_never_reuses_another_teams_customer(rep, outsider):
    theirs = CustomerFactory(name="Acme Robotics", owner=outsider)
    deal = LeadFactory(owner=rep, qualified=True, company="Acme Robotics").convert(by=rep)
    assert deal.customer != theirs and deal.customer.owner == rep
    assert not Customer.objects.visible_to(rep).filter(pk=theirs.pk).exists()


def test_an_unqualified_lead_is_refused_with_the_missing_criteria_and_nothing_changes(rep):
    lead = LeadFactory(owner=rep, qualified=True, need_confirmed=False, timeline_date=None)
    with pytest.raises(LeadNotQualified) as refused:
        lead.convert(by=rep)
    assert [m.split(":")[0] for m in refused.value.missing] == ["Need", "Timeline"]
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW and lead.opportunity is None
    assert not Opportunity.objects.exists() and not Customer.objects.exists()


def test_a_lead_cannot_be_converted_twice(rep):
    lead = LeadFactory(owner=rep, qualified=True)
    lead.convert(by=rep)
    with pytest.raises(ValidationError):
        lead.convert(by=rep)
    assert Opportunity.objects.count() == 1


def test_quick_win_skips_the_stage_process_and_stays_out_of_stage_statistics(rep, stages):
    lead = LeadFactory(owner=rep)  # small deals need no BANT
    deal = lead.convert_as_won(by=rep, amount=Decimal("8000"))
    assert deal.stage == stages[4] and deal.is_quick_win and deal.probability == 100 and deal.closed_at
    assert not deal.stage_changes.exists()
    assert not Opportunity.objects.in_stage_statistics().filter(pk=deal.pk).exists()
    assert Opportunity.objects.won().filter(pk=deal.pk).exists()
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED


def test_quick_win_needs_a_positive_amount(rep):
    lead = LeadFactory(owner=rep)
    with pytest.raises(ValidationError):
        lead.convert_as_won(by=rep, amount=Decimal("0"))
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW


def test_disqualifying_keeps_the_reason_and_requires_one(rep):
    lead = LeadFactory(owner=rep)
    with pytest.raises(ValidationError):
        lead.disqualify(rep, "  ")
    lead.disqualify(rep, "No budget this year")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.DISQUALIFIED and lead.disqualify_reason == "No budget this year"


def test_logging_a_follow_up_updates_last_activity_and_next_follow_up(rep):
    from django.utils import timezone

    lead = LeadFactory(owner=rep)
    due = timezone.now() + timezone.timedelta(days=2)
    Activity.log(by=rep, lead=lead, summary="Intro call", next_follow_up_at=due)
    lead.refresh_from_db()
    assert lead.last_activity_at is not None and lead.next_follow_up_at == due


def test_a_follow_up_needs_a_summary_and_exactly_one_record(rep):
    lead = LeadFactory(owner=rep)
    with pytest.raises(ValidationError):
        Activity.log(by=rep, lead=lead, summary=" ")
    with pytest.raises(ValidationError):
        Activity.log(by=rep, summary="orphan")
    assert not Activity.objects.exists()


def test_a_follow_up_in_the_future_is_refused_and_keeps_the_deal_stale(rep, stages):
    from django.utils import timezone

    from tests.factories import OpportunityFactory

    deal = OpportunityFactory(owner=rep, stage_entered_at=timezone.now() - timezone.timedelta(days=30))
    with pytest.raises(ValidationError) as refused:
        Activity.log(
            by=rep, opportunity=deal, summary="Planned visit", occurred_at=timezone.now() + timezone.timedelta(days=2)
        )
    assert "occurred_at" in refused.value.message_dict
    assert not deal.activities.exists()
    assert Opportunity.objects.stale().filter(pk=deal.pk).exists()


def test_logging_a_follow_up_moves_the_deals_version(rep, stages):
    from tests.factories import OpportunityFactory

    deal = OpportunityFactory(owner=rep)
    before = deal.version
    Activity.log(by=rep, opportunity=deal, summary="Call")
    deal.refresh_from_db()
    assert deal.version == before + 1
