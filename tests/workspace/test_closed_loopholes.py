"""Rules a rep could get around: quick wins above the limit, reopening closed deals on their own
word, a decision maker dropped at conversion, a qualified lead that does not say so."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import Contact
from leads.models import Lead, LeadAutomationSettings, LeadContact, LeadSource
from opportunities.models import ApprovalRequest, Opportunity, StageChange
from tests.reports.helpers import page, page_table

from ..factories import LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- quick wins -----------------------------------------------------------------------------


def test_a_quick_win_above_the_limit_is_refused_with_the_reason_and_nothing_changes(rep_client, rep):
    lead = LeadFactory(owner=rep)
    response = rep_client.post(reverse("leads:convert_as_won", args=[lead.pk]), {"amount": "8000000"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Quick wins are for small deals of at most 50,000" in body
    assert "convert the lead and move the deal through the stages" in body
    lead.refresh_from_db()
    assert lead.is_open and not Opportunity.objects.exists()


def test_a_quick_win_up_to_the_limit_still_converts(rep, stages):
    deal = LeadFactory(owner=rep).convert_as_won(rep, Decimal("50000"))
    assert deal.is_quick_win and deal.stage == stages[4]


def test_the_admin_sets_the_quick_win_limit_and_the_form_shows_it(rep, rep_client):
    settings = LeadAutomationSettings.load()
    settings.quick_win_limit = Decimal("10000")
    settings.save()
    lead = LeadFactory(owner=rep)
    assert "Quick wins are limited to 10,000" in rep_client.get(lead.get_absolute_url()).content.decode()
    with pytest.raises(ValidationError) as refusal:
        lead.convert_as_won(rep, Decimal("10000.01"))
    assert "at most 10,000" in str(refusal.value)
    settings.quick_win_limit = None
    settings.save()
    assert lead.convert_as_won(rep, Decimal("900000")).amount == Decimal("900000")


# --- reopening closed deals --------------------------------------------------------------------


@pytest.fixture
def lost_deal(rep, stages, loss_reason):
    deal = Opportunity.open_new(
        by=rep,
        name="Lost ERP",
        customer=OpportunityFactory(owner=rep).customer,
        budget_amount=Decimal("90000"),
        budget_confirmed=True,
        timeline_confirmed=True,
        expected_close_date=date(2030, 1, 1),
    )
    deal.move_to(stages[5], rep, loss_reason=loss_reason)
    return deal


def test_a_rep_cannot_reopen_a_lost_deal_without_a_reason(rep_client, lost_deal, stages):
    url = reverse("opportunities:move", args=[lost_deal.pk])
    body = rep_client.post(url, {"stage": stages[1].pk}, **HTMX).content.decode()
    assert "Give the reason for reopening the deal in the note." in body
    lost_deal.refresh_from_db()
    assert lost_deal.stage == stages[5] and not ApprovalRequest.objects.exists()


def test_a_refused_reopen_then_an_approved_one_is_recorded_as_a_reopen(
    rep_client, leader_client, lost_deal, stages, leader
):
    url = reverse("opportunities:move", args=[lost_deal.pk])
    body = rep_client.post(url, {"stage": stages[1].pk, "note": "Their new CFO called back"}, **HTMX).content
    assert "Reopening “Lost ERP” in" in body.decode() and "needs the team leader" in body.decode()
    lost_deal.refresh_from_db()
    assert lost_deal.stage == stages[5]
    request = ApprovalRequest.objects.get(opportunity=lost_deal)
    assert request.stage == stages[1] and request.note == "Their new CFO called back"
    # the leader rejects first: nothing moves
    leader_client.post(
        reverse("opportunities:decide_approval", args=[request.pk]), {"decision": "reject", "comment": "Not yet"}
    )
    lost_deal.refresh_from_db()
    assert lost_deal.stage == stages[5]
    # asked again, then approved: the deal reopens, and the history says so with the reason
    rep_client.post(url, {"stage": stages[1].pk, "note": "Signed letter of intent"}, **HTMX)
    request = ApprovalRequest.objects.get(opportunity=lost_deal, status="pending")
    response = leader_client.post(
        reverse("opportunities:decide_approval", args=[request.pk]), {"decision": "approve"}, follow=True
    )
    assert "reopened" in response.content.decode()
    lost_deal.refresh_from_db()
    assert lost_deal.stage == stages[1] and lost_deal.closed_at is None and lost_deal.loss_reason is None
    change = StageChange.objects.filter(opportunity=lost_deal).last()
    assert change.is_reopen and change.changed_by == leader and "Signed letter of intent" in change.note
    assert "reopen-badge" in rep_client.get(lost_deal.get_absolute_url()).content.decode()


def test_the_leaders_own_reopen_needs_only_the_reason_and_says_reopened(leader_client, lost_deal, stages):
    url = reverse("opportunities:move", args=[lost_deal.pk])
    response = leader_client.post(url, {"stage": stages[1].pk, "note": "Budget is back"}, follow=True)
    assert "“Lost ERP” reopened in" in response.content.decode()
    assert StageChange.objects.filter(opportunity=lost_deal, is_reopen=True).count() == 1


def test_an_approval_from_before_the_close_does_not_reopen_the_deal(rep, leader, stages, lost_deal):
    ApprovalRequest.objects.create(
        opportunity=lost_deal,
        stage=stages[1],
        amount=lost_deal.amount,
        requested_by=rep,
        status="approved",
        created_at=lost_deal.closed_at - timedelta(days=1),
    )
    assert lost_deal.approval_requirement(stages[1], by=rep) is not None


def test_a_won_deal_on_the_board_offers_reopen_not_every_stage(rep, rep_client, stages):
    OpportunityFactory(owner=rep, name="Won one", stage=stages[4])
    body = rep_client.get(reverse("opportunities:board")).content.decode()
    card = body[body.index('aria-label="Won one"') :]
    card = card[: card.index("</article>")]
    assert "Reopen…" in card and 'name="stage"' not in card


def test_reports_count_a_reopen_as_a_reopen_not_a_new_entry(leader_client, leader, lost_deal, stages, rep):
    before = {r["Stage"]: r["Entered"] for r in page_table(page(leader_client, "conversion"), "conversion")}
    lost_deal.move_to(stages[1], leader, note="Back on")
    after = {r["Stage"]: r["Entered"] for r in page_table(page(leader_client, "conversion"), "conversion")}
    assert after == before
    per_rep = {r["Rep"]: r["Reopened closed deals"] for r in page_table(page(leader_client, "quality"), "per_rep")}
    assert per_rep[str(rep)] == "1"


# --- conversion carries the decision chain -------------------------------------------------------


def test_conversion_carries_every_named_contact_with_their_buying_role(rep, rep_client, stages):
    lead = LeadFactory(owner=rep, qualified=True, is_decision_maker=False, decision_maker="韩梅梅 (CIO)")
    lead.add_to_decision_chain(name="Li Lei", title="IT manager", buying_role="champion", attitude="supportive")
    response = rep_client.post(reverse("leads:convert", args=[lead.pk]))
    deal = Opportunity.objects.get()
    assert response["Location"] == deal.get_absolute_url()
    roles = {c.name: (c.title, c.buying_role) for c in deal.contacts.all()}
    assert roles == {
        lead.name: ("", "influencer"),
        "Li Lei": ("IT manager", "champion"),
        "韩梅梅": ("CIO", "decision_maker"),
    }
    assert deal.has_decision_maker()
    assert Contact.objects.filter(customer=deal.customer).count() == 3


def test_a_decision_maker_added_to_the_chain_answers_who_decides(rep, rep_client):
    lead = LeadFactory(owner=rep)
    response = rep_client.post(
        reverse("leads:add_contact", args=[lead.pk]),
        {"name": "韩梅梅", "title": "CIO", "buying_role": "decision_maker", "attitude": "neutral"},
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.decision_maker == "韩梅梅 (CIO)" and lead.decision_chain.count() == 1


def test_an_outsider_cannot_add_to_a_leads_decision_chain(outsider_client, rep):
    lead = LeadFactory(owner=rep)
    response = outsider_client.post(reverse("leads:add_contact", args=[lead.pk]), {"name": "X", "buying_role": "user"})
    assert response.status_code == 404 and not LeadContact.objects.exists()


def test_a_bad_decision_chain_entry_shows_the_error_and_adds_nobody(rep, rep_client):
    lead = LeadFactory(owner=rep)
    response = rep_client.post(reverse("leads:add_contact", args=[lead.pk]), {"name": "", "buying_role": "boss"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not LeadContact.objects.exists()


# --- lead status and source ---------------------------------------------------------------------


def test_a_lead_with_four_confirmed_criteria_shows_as_qualified_and_drops_back_when_one_goes(rep):
    lead = LeadFactory(owner=rep, qualified=True)
    assert lead.status == Lead.Status.QUALIFIED
    lead.need_confirmed = False
    lead.save()
    assert lead.status == Lead.Status.WORKING


def test_confirming_bant_in_the_form_makes_the_lead_qualified(rep, rep_client):
    lead = LeadFactory(owner=rep)
    data = {
        "name": lead.name,
        "company": lead.company,
        "customer_type": "enterprise",
        "source": lead.source_id,
        "owner": rep.pk,
        "status": "working",
        "budget_amount": "100000",
        "budget_confirmed": "on",
        "is_decision_maker": "on",
        "authority_confirmed": "on",
        "need_description": "CRM",
        "need_confirmed": "on",
        "timeline_date": "2030-01-01",
        "timeline_confirmed": "on",
        "version": lead.version,
    }
    assert rep_client.post(reverse("leads:edit", args=[lead.pk]), data).status_code == 302
    lead.refresh_from_db()
    assert lead.status == Lead.Status.QUALIFIED
    assert "Qualified" in rep_client.get(lead.get_absolute_url()).content.decode()


def test_a_rep_entered_lead_has_no_default_source(rep, rep_client):
    form = rep_client.get(reverse("leads:new")).context["form"]
    assert form["source"].value() is None
    response = rep_client.post(
        reverse("leads:new"),
        {"name": "A", "company": "B", "customer_type": "enterprise", "status": "new", "owner": rep.pk},
    )
    assert response.status_code == 200 and "source" in response.context["form"].errors
    assert not Lead.objects.exists()
    assert LeadSource.objects.filter(code="website").exists()


def test_the_time_a_deal_sat_lost_is_not_counted_in_its_sales_cycle(leader, rep, stages, loss_reason):
    from django.utils import timezone

    from reports.periods import Period
    from reports.queries.base import build_scope
    from reports.queries.conversion import outcome_summary

    start = timezone.now()
    deal = Opportunity.open_new(
        by=rep,
        name="Back from the dead",
        customer=OpportunityFactory(owner=rep).customer,
        budget_amount=Decimal("1000"),
        budget_confirmed=True,
        timeline_confirmed=True,
        expected_close_date=date(2099, 3, 1),
    )
    deal.move_to(stages[5], rep, loss_reason=loss_reason, now=start + timedelta(days=10))
    deal.move_to(stages[1], leader, note="Back", now=start + timedelta(days=110))
    deal.move_to(stages[4], leader, now=start + timedelta(days=115))
    assert sorted(StageChange.objects.filter(opportunity=deal).values_list("is_reopen", flat=True)) == [
        False,
        False,
        False,
        True,
    ]
    today = timezone.localdate()
    scope = build_scope(leader, None, Period("custom", "next year", today, today + timedelta(days=400)))
    summary = outcome_summary(scope)
    assert summary["won"] == 1
    assert summary["average_cycle_days"] == Decimal("15.0")  # 10 days to the loss, 5 after the reopen
