"""The deal page: stage path and guidance, timeline, follow-ups in place, objections, contacts,
edit with conflict detection, follow-on from a won deal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import Contact
from opportunities.models import Activity, Objection, Opportunity

from ..factories import ActivityFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def edit_data(deal: Opportunity, **overrides) -> dict:
    data = {
        "name": deal.name,
        "owner": deal.owner_id,
        "amount": str(deal.amount),
        "value_tier": deal.value_tier,
        "urgency": deal.urgency,
        "buying_stage": deal.buying_stage,
        "version": deal.version,
    }
    data.update(overrides)
    return data


def test_the_page_shows_the_stage_path_guidance_and_what_the_next_stage_needs(rep_client, deal, stages):
    response = rep_client.get(reverse("opportunities:detail", args=[deal.pk]))
    body = response.content.decode()
    assert [s.order for s in response.context["path"]] == [1, 2, 3, 4]  # lost only when lost
    assert 'aria-current="step"' in body
    assert "Confirm the customer&#x27;s purchase plan" in body  # stage 1 guidance (English)
    assert response.context["next_stage"] == stages[2]
    assert "Log at least one follow-up with the customer." in body
    assert "Describe the customer&#x27;s need." in body


def test_the_timeline_merges_follow_ups_and_stage_changes(rep_client, rep, deal, stages):
    ActivityFactory(opportunity=deal, summary="Discovery call")
    deal.need_description = "Quotes"
    deal.save()
    deal.move_to(stages[2], rep)
    timeline = rep_client.get(reverse("opportunities:detail", args=[deal.pk])).context["timeline"]
    kinds = [next(k for k in ("activity", "edit", "change") if k in e) for e in timeline]
    assert sorted(k for k in kinds if k != "edit") == ["activity", "change", "change"]
    assert "edit" in kinds  # the field edits (contact, need) in words
    assert timeline[0]["change"].to_stage == stages[2]


def test_a_follow_up_logged_in_place_updates_timeline_and_figures(rep_client, deal):
    response = rep_client.post(
        reverse("opportunities:log_follow_up", args=[deal.pk]),
        {
            "kind": "visit",
            "occurred_at": "2026-03-01T09:30",
            "summary": "Met the CFO",
            "next_step": "Send the quote",
            "next_follow_up_at": "2030-03-05T10:00",
            "spin_problem": "Quoting takes a week",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert 'id="timeline" hx-swap-oob="outerHTML"' in body and "Met the CFO" in body
    assert 'id="key-figures" hx-swap-oob="outerHTML"' in body and "Send the quote" in body
    deal.refresh_from_db()
    assert deal.next_step == "Send the quote" and deal.next_follow_up_at is not None
    assert deal.activities.get().spin_problem == "Quoting takes a week"


def test_an_invalid_follow_up_shows_errors_next_to_the_fields_and_saves_nothing(rep_client, deal):
    response = rep_client.post(
        reverse("opportunities:log_follow_up", args=[deal.pk]),
        {"kind": "telepathy", "occurred_at": "yesterday-ish", "summary": ""},
        **HTMX,
    )
    body = response.content.decode()
    assert body.count("invalid-feedback") >= 3
    assert not Activity.objects.exists()
    without_js = rep_client.post(reverse("opportunities:log_follow_up", args=[deal.pk]), {"kind": "call"})
    assert without_js.status_code == 200 and "summary" in without_js.context["follow_up_form"].errors


def test_objections_are_recorded_and_resolved(rep_client, deal):
    rep_client.post(
        reverse("opportunities:add_objection", args=[deal.pk]), {"kind": "price", "description": "Too expensive"}
    )
    objection = Objection.objects.get()
    assert objection.opportunity == deal and not objection.is_resolved
    rep_client.post(
        reverse("opportunities:resolve_objection", args=[deal.pk, objection.pk]), {"response": "Phased payment"}
    )
    objection.refresh_from_db()
    assert objection.is_resolved and objection.response == "Phased payment"
    invalid = rep_client.post(reverse("opportunities:add_objection", args=[deal.pk]), {"kind": "price"})
    assert "description" in invalid.context["objection_form"].errors
    assert Objection.objects.count() == 1


def test_contacts_join_the_decision_chain_with_role_and_attitude(rep_client, deal):
    rep_client.post(
        reverse("opportunities:add_contact", args=[deal.pk]),
        {"name": "Zhao CFO", "buying_role": "decision_maker", "attitude": "supportive"},
    )
    contact = deal.contacts.get(name="Zhao CFO")
    assert contact.customer == deal.customer and contact.is_decision_maker
    rep_client.post(
        reverse("opportunities:update_contact", args=[deal.pk, contact.pk]),
        {"buying_role": "champion", "attitude": "opposed"},
    )
    contact.refresh_from_db()
    assert (contact.buying_role, contact.attitude) == ("champion", "opposed")
    body = rep_client.get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    assert "Zhao CFO" in body


def test_editing_saves_and_a_stale_version_is_refused_without_overwriting(rep_client, deal):
    url = reverse("opportunities:edit", args=[deal.pk])
    response = rep_client.post(url, edit_data(deal, amount="750000", name="ERP phase 1"))
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.amount == Decimal("750000") and deal.version == 2

    stale = rep_client.post(url, edit_data(deal, amount="1", version=1))
    assert stale.status_code == 200
    assert "Someone else saved this record after you opened it" in stale.content.decode()
    deal.refresh_from_db()
    assert deal.amount == Decimal("750000") and deal.version == 2


def test_invalid_edits_show_errors_and_cannot_assign_outside_the_scope(rep_client, deal, outsider):
    url = reverse("opportunities:edit", args=[deal.pk])
    response = rep_client.post(url, edit_data(deal, amount="-5", owner=outsider.pk))
    assert response.context["form"].errors.keys() >= {"amount", "owner"}
    deal.refresh_from_db()
    assert deal.amount == Decimal("500000") and deal.owner.username == "rep_a" and deal.version == 1


def test_a_won_deal_starts_a_follow_on_and_an_open_one_cannot(rep_client, rep, stages):
    won = OpportunityFactory(owner=rep, stage=stages[4], name="Year 1 licence")
    response = rep_client.post(reverse("opportunities:follow_on", args=[won.pk]), {"kind": "renewal"})
    follow_on = Opportunity.objects.get(parent=won)
    assert response["Location"] == follow_on.get_absolute_url()
    assert follow_on.kind == "renewal" and follow_on.stage == stages[1]
    open_deal = OpportunityFactory(owner=rep, stage=stages[1])
    refused = rep_client.post(reverse("opportunities:follow_on", args=[open_deal.pk]), {"kind": "repeat"}, follow=True)
    assert "Only a won deal can start a follow-on opportunity." in refused.content.decode()
    assert Opportunity.objects.filter(parent=open_deal).count() == 0


def test_a_new_deal_for_a_customer_enters_the_first_stage(rep_client, rep, deal, stages):
    url = reverse("opportunities:new_for_customer", args=[deal.customer.pk])
    response = rep_client.post(
        url,
        {
            "name": "Add-on",
            "owner": rep.pk,
            "amount": "1000",
            "value_tier": "medium",
            "urgency": "normal",
            "buying_stage": "awareness",
        },
    )
    new = Opportunity.objects.get(name="Add-on")
    assert response["Location"] == new.get_absolute_url()
    assert new.customer == deal.customer and new.stage == stages[1] and new.stage_changes.count() == 1


def test_the_detail_move_form_moves_and_reports_refusals(rep_client, deal, stages, loss_reason):
    url = reverse("opportunities:move", args=[deal.pk])
    refused = rep_client.post(url, {"stage": stages[5].pk, "next": deal.get_absolute_url()}, follow=True)
    assert "Choose a loss reason." in refused.content.decode()
    rep_client.post(url, {"stage": stages[5].pk, "loss_reason": loss_reason.pk, "note": "Price war"})
    deal.refresh_from_db()
    assert deal.stage == stages[5]
    body = rep_client.get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    assert "Loss review" in body and "Price" in body


@pytest.mark.parametrize("stranger", ["teammate", "outsider"])
def test_a_rep_gets_404_on_someone_elses_deal_and_nothing_changes(stranger, request, rep_client, stages):
    owner = request.getfixturevalue(stranger)
    deal = OpportunityFactory(owner=owner, stage=stages[4], name="Theirs")
    contact = Contact.objects.create(customer=deal.customer, name="Their contact")
    deal.contacts.add(contact)
    objection = Objection.objects.create(opportunity=deal, kind="price", description="x")
    for name in ("opportunities:detail", "opportunities:edit"):
        assert rep_client.get(reverse(name, args=[deal.pk])).status_code == 404
    posts = [
        (reverse("opportunities:edit", args=[deal.pk]), edit_data(deal, name="Mine now")),
        (
            reverse("opportunities:log_follow_up", args=[deal.pk]),
            {"kind": "call", "summary": "x", "occurred_at": "2030-01-01T10:00"},
        ),
        (reverse("opportunities:add_objection", args=[deal.pk]), {"kind": "price", "description": "y"}),
        (reverse("opportunities:resolve_objection", args=[deal.pk, objection.pk]), {"response": "z"}),
        (
            reverse("opportunities:add_contact", args=[deal.pk]),
            {"name": "Spy", "buying_role": "user", "attitude": "neutral"},
        ),
        (
            reverse("opportunities:update_contact", args=[deal.pk, contact.pk]),
            {"buying_role": "champion", "attitude": "opposed"},
        ),
        (reverse("opportunities:follow_on", args=[deal.pk]), {"kind": "repeat"}),
    ]
    for url, data in posts:
        assert rep_client.post(url, data).status_code == 404, url
    deal.refresh_from_db()
    objection.refresh_from_db()
    contact.refresh_from_db()
    assert deal.name == "Theirs" and deal.version == 1 and not objection.is_resolved
    assert contact.buying_role == "influencer" and deal.contacts.count() == 1
    assert not Activity.objects.exists() and not Opportunity.objects.filter(parent=deal).exists()
    assert rep_client.get(reverse("opportunities:new_for_customer", args=[deal.customer.pk])).status_code == 404


@pytest.mark.parametrize("rows", [5, 200])
def test_the_deal_page_keeps_a_fixed_number_of_queries(
    rows, rep, deal, rep_client, leader_client, django_assert_max_num_queries
):
    Activity.objects.bulk_create([Activity(opportunity=deal, summary=f"Call {i}", created_by=rep) for i in range(rows)])
    for i in range(min(rows, 30)):
        Objection.objects.create(opportunity=deal, kind="price", description=f"Objection {i}")
        deal.contacts.add(Contact.objects.create(customer=deal.customer, name=f"Person {i}"))
    # + files, field history (with the names it mentions), forecast category, pipeline and evaluation
    with django_assert_max_num_queries(26):
        assert rep_client.get(reverse("opportunities:detail", args=[deal.pk])).status_code == 200
    with django_assert_max_num_queries(26):
        assert leader_client.get(reverse("opportunities:detail", args=[deal.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert rep_client.get(reverse("opportunities:edit", args=[deal.pk])).status_code == 200


def test_raising_the_amount_past_the_approval_threshold_in_that_stage_needs_the_leader(
    rep_client, leader_client, rep, stages
):
    deal = OpportunityFactory(owner=rep, stage=stages[3], amount=Decimal("500000"))
    url = reverse("opportunities:edit", args=[deal.pk])
    refused = rep_client.post(url, edit_data(deal, amount="2000000"))
    assert refused.status_code == 200
    assert "need the team leader" in str(refused.context["form"].errors["amount"])
    deal.refresh_from_db()
    assert deal.amount == Decimal("500000")
    # below the threshold the rep edits freely; the leader may raise it past
    assert rep_client.post(url, edit_data(deal, amount="900000")).status_code == 302
    deal.refresh_from_db()
    assert leader_client.post(url, edit_data(deal, amount="2000000")).status_code == 302
    deal.refresh_from_db()
    assert deal.amount == Decimal("2000000")
