"""The pipeline board: columns with their sums, and moves through `Opportunity.move_to`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Contact
from opportunities.models import Opportunity, StageChange

from ..factories import ActivityFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def column(response, order: int):
    return next(c for c in response.context["columns"] if c.stage.order == order)


def ready_for_stage_2(deal: Opportunity) -> Opportunity:
    ActivityFactory(opportunity=deal)
    deal.need_description = "Faster quoting"
    deal.save()
    return deal


def test_idle_cards_carry_the_stale_badge_and_fresh_or_planned_ones_do_not(rep_client, rep, stages):
    now = timezone.now()
    idle = now - timedelta(days=40)
    OpportunityFactory(owner=rep, name="Idle", stage=stages[1], stage_entered_at=idle, last_activity_at=idle)
    # A recent follow-up makes a deal that entered its stage long ago not idle.
    OpportunityFactory(owner=rep, name="Called", stage=stages[1], stage_entered_at=idle, last_activity_at=now)
    OpportunityFactory(
        owner=rep, name="Planned", stage=stages[2], stage_entered_at=idle, next_follow_up_at=now + timedelta(days=1)
    )
    response = rep_client.get(reverse("opportunities:board"))
    flagged = {card.name for c in response.context["columns"] for card in c.cards if card.stale}
    assert flagged == {"Idle"}
    assert response.content.decode().count("board-card shadow-sm mb-2 border-warning") == 1


def test_the_board_has_a_column_per_active_stage_with_count_amount_and_weighted_sum(rep_client, rep, teammate, stages):
    OpportunityFactory(owner=rep, amount=Decimal("100000"), stage=stages[1])
    OpportunityFactory(owner=rep, amount=Decimal("300000"), stage=stages[1])
    OpportunityFactory(owner=rep, amount=Decimal("200000"), stage=stages[2])
    OpportunityFactory(owner=teammate, amount=Decimal("999999"), stage=stages[1])
    OpportunityFactory(owner=rep, stage=stages[4], stage_entered_at=timezone.now() - timedelta(days=90))
    response = rep_client.get(reverse("opportunities:board"))
    assert [c.stage.order for c in response.context["columns"]] == [1, 2, 3, 4, 5]
    first = column(response, 1)
    assert (first.count, first.amount, first.weighted) == (2, Decimal("400000"), Decimal("80000"))
    assert [card.amount for card in first.cards] == [Decimal("300000"), Decimal("100000")]
    assert column(response, 4).count == 0  # won long ago: off the board
    assert "¥80,000" in response.content.decode()


def test_a_crowded_column_shows_the_top_deals_and_links_to_the_rest(rep_client, rep, stages):
    for i in range(25):
        OpportunityFactory(owner=rep, amount=Decimal(1000 + i), stage=stages[1])
    response = rep_client.get(reverse("opportunities:board"))
    first = column(response, 1)
    assert len(first.cards) == 20 and first.more == 5
    assert first.cards[0].amount == Decimal("1024")
    assert "5 more in the list" in response.content.decode()


def test_a_leader_sees_the_team_on_the_board_and_not_other_teams(leader_client, rep, teammate, outsider, stages):
    OpportunityFactory(owner=rep, name="Deal of Rita")
    OpportunityFactory(owner=teammate, name="Deal of Tom")
    OpportunityFactory(owner=outsider, name="Deal of Olga")
    body = leader_client.get(reverse("opportunities:board")).content.decode()
    assert "Deal of Rita" in body and "Deal of Tom" in body and "Deal of Olga" not in body


def test_a_refused_move_leaves_the_deal_and_names_what_is_missing(rep_client, rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    response = rep_client.post(
        reverse("opportunities:move", args=[deal.pk]), {"stage": stages[2].pk, "board_query": ""}, **HTMX
    )
    body = response.content.decode()
    assert "Log at least one follow-up with the customer." in body
    assert f'hx-swap-oob="afterbegin:#col-cards-{stages[1].pk}"' in body  # the card returns home
    deal.refresh_from_db()
    assert deal.stage == stages[1] and deal.stage_changes.count() == 0


def test_an_accepted_move_puts_the_card_in_the_new_column_with_fresh_sums(rep_client, rep, stages):
    deal = ready_for_stage_2(OpportunityFactory(owner=rep, stage=stages[1], amount=Decimal("200000")))
    response = rep_client.post(reverse("opportunities:move", args=[deal.pk]), {"stage": stages[2].pk}, **HTMX)
    body = response.content.decode()
    assert f'hx-swap-oob="afterbegin:#col-cards-{stages[2].pk}"' in body
    assert "moved to" in body and "¥100,000" in body  # stage 2's weighted sum
    deal.refresh_from_db()
    assert deal.stage == stages[2] and deal.probability == 50
    assert StageChange.objects.get(opportunity=deal).changed_by == rep


def test_moving_to_lost_requires_the_loss_reason(rep_client, rep, stages, loss_reason):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    url = reverse("opportunities:move", args=[deal.pk])
    refused = rep_client.post(url, {"stage": stages[5].pk}, **HTMX)
    assert "Choose a loss reason." in refused.content.decode()
    deal.refresh_from_db()
    assert deal.stage == stages[1]
    rep_client.post(url, {"stage": stages[5].pk, "loss_reason": loss_reason.pk, "note": "Too pricey"}, **HTMX)
    deal.refresh_from_db()
    assert deal.stage == stages[5] and deal.loss_reason == loss_reason


def test_a_large_deal_ready_but_for_approval_files_a_request_instead_of_moving(rep_client, rep, leader, stages):
    from notifications.models import Notification
    from opportunities.models import ApprovalRequest

    deal = ready_for_stage_2(OpportunityFactory(owner=rep, stage=stages[2], amount=Decimal("2000000")))
    deal.contacts.add(ContactFactory(customer=deal.customer, buying_role=Contact.BuyingRole.DECISION_MAKER))
    response = rep_client.post(reverse("opportunities:move", args=[deal.pk]), {"stage": stages[3].pk}, **HTMX)
    body = response.content.decode()
    assert "approval-requested" in body and "the request has been sent" in body
    deal.refresh_from_db()
    assert deal.stage == stages[2]
    request = ApprovalRequest.objects.get(opportunity=deal)
    assert request.status == "pending" and request.stage == stages[3] and request.requested_by == rep
    assert Notification.objects.filter(recipient=leader, kind="approval_requested").exists()
    # moving again does not file a second request
    rep_client.post(reverse("opportunities:move", args=[deal.pk]), {"stage": stages[3].pk}, **HTMX)
    assert ApprovalRequest.objects.filter(opportunity=deal).count() == 1


def test_a_large_deal_with_other_gaps_is_refused_and_told_it_will_also_need_approval(rep_client, rep, stages):
    from opportunities.models import ApprovalRequest

    deal = ready_for_stage_2(OpportunityFactory(owner=rep, stage=stages[2], amount=Decimal("2000000")))
    response = rep_client.post(reverse("opportunities:move", args=[deal.pk]), {"stage": stages[3].pk}, **HTMX)
    body = response.content.decode()
    assert "Add a contact whose buying role is decision maker." in body
    assert "need the team leader&#x27;s approval" in body
    assert "This move needs your team leader's approval." in body
    assert not ApprovalRequest.objects.exists()
    deal.refresh_from_db()
    assert deal.stage == stages[2]


def test_without_javascript_the_stage_menu_posts_and_comes_back_with_a_message(rep_client, rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    board = reverse("opportunities:board")
    response = rep_client.post(
        reverse("opportunities:move", args=[deal.pk]), {"stage": stages[2].pk, "next": board}, follow=True
    )
    assert response.redirect_chain[-1][0] == board
    assert "cannot move to" in response.content.decode()
    page = rep_client.get(reverse("opportunities:move", args=[deal.pk]), {"stage": stages[5].pk})
    assert 'name="loss_reason"' in page.content.decode()


def test_a_redirect_after_a_move_never_leaves_the_site(rep_client, rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    response = rep_client.post(
        reverse("opportunities:move", args=[deal.pk]), {"stage": stages[2].pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == deal.get_absolute_url()


@pytest.mark.parametrize("stranger", ["teammate", "outsider"])
def test_a_rep_cannot_move_someone_elses_deal(stranger, request, rep_client, stages, loss_reason):
    deal = OpportunityFactory(owner=request.getfixturevalue(stranger), stage=stages[1])
    url = reverse("opportunities:move", args=[deal.pk])
    assert rep_client.get(url).status_code == 404
    assert rep_client.post(url, {"stage": stages[5].pk, "loss_reason": loss_reason.pk}, **HTMX).status_code == 404
    deal.refresh_from_db()
    assert deal.stage == stages[1] and not StageChange.objects.exists()


@pytest.mark.parametrize("rows", [5, 200])
def test_the_board_keeps_a_fixed_number_of_queries(
    rows, book, rep_client, leader_client, stages, django_assert_max_num_queries
):
    book(rows)
    # Measured flat at 5 and 200 deals: session, user, pipelines (switcher), the pipeline's stages,
    # leader check, column sums, one card query per stage (5), bell, team, saved views, loss reasons
    # (the lost dialog's choices) = 15.
    with django_assert_max_num_queries(15):
        assert rep_client.get(reverse("opportunities:board")).status_code == 200
    # Leader, stale only: the same plus owner and team choices, at most one card query per open
    # stage that has stale deals (none at 5 deals: 13; three at 200: 16). Bounded by the stages.
    with django_assert_max_num_queries(16):
        assert leader_client.get(reverse("opportunities:board"), {"stale": "on"}).status_code == 200


@pytest.mark.parametrize("rows", [5, 200])
def test_a_board_move_keeps_a_fixed_number_of_queries(rows, book, rep_client, stages, django_assert_max_num_queries):
    deal = book(rows)[0]
    with django_assert_max_num_queries(22):
        rep_client.post(reverse("opportunities:move", args=[deal.pk]), {"stage": stages[5].pk}, **HTMX)


def test_card_ids_are_plain_numbers_even_with_thousand_separators(rep_client, rep, stages):
    deal = OpportunityFactory(owner=rep, pk=12345, stage=stages[1])
    body = rep_client.get(reverse("opportunities:board")).content.decode()
    assert f'id="card-{deal.pk}"' in body
    assert "12,345" not in body


def test_a_card_shows_names_as_text_never_as_markup(leader_client, rep, stages):
    from customers.models import Customer

    evil = '<script>alert("x")</script>\'&'
    customer = Customer.objects.create(name=f"Customer {evil}", owner=rep)
    rep.first_name, rep.last_name = "Rep", evil
    rep.save()
    OpportunityFactory(owner=rep, customer=customer, name=f"Deal {evil}", stage=stages[1], close_date_push_count=3)

    html = leader_client.get(reverse("opportunities:board"), {"next": evil}).content.decode()

    assert "<script>alert" not in html
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#x27;&amp;"
    assert f"Deal {escaped}" in html  # title, label and the screen-reader text
    assert f"Customer {escaped}" in html
    assert f"Rep {escaped}" in html  # the owner, shown to a leader
    assert "Pushed 3×" in html
