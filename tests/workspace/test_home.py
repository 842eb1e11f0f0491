"""My day: follow-ups due, stale deals, deals ranked by weighted value, notifications."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification

from ..factories import LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def test_it_ranks_open_deals_by_weighted_value(rep_client, rep, stages):
    # Seed 004: 1,000,000 at 20 % is worth 200,000; 500,000 at 50 % is worth 250,000 and comes first.
    OpportunityFactory(owner=rep, name="Big early deal", amount=Decimal("1000000"), stage=stages[1])
    OpportunityFactory(owner=rep, name="Smaller later deal", amount=Decimal("500000"), stage=stages[2])
    response = rep_client.get(reverse("home"))
    ranked = [deal.name for deal in response.context["ranked"]]
    assert ranked == ["Smaller later deal", "Big early deal"]
    assert "¥250,000" in response.content.decode()


def test_it_lists_due_follow_ups_stale_deals_and_unread_notifications(rep_client, rep, stages):
    now = timezone.now()
    OpportunityFactory(owner=rep, name="Call back today", next_follow_up_at=now - timedelta(hours=2))
    OpportunityFactory(owner=rep, name="Call next week", next_follow_up_at=now + timedelta(days=7))
    OpportunityFactory(owner=rep, name="Forgotten deal", stage_entered_at=now - timedelta(days=30))
    LeadFactory(owner=rep, name="Lead to chase", next_follow_up_at=now - timedelta(days=1))
    Notification.objects.create(recipient=rep, kind="other", title="Approve me", dedup_key="a")
    Notification.objects.create(recipient=rep, kind="other", title="Already read", dedup_key="b", read_at=now)

    response = rep_client.get(reverse("home"))
    body = response.content.decode()
    assert [d.name for d in response.context["due_deals"]] == ["Call back today"]
    assert [lead.name for lead in response.context["due_leads"]] == ["Lead to chase"]
    assert [d.name for d in response.context["stale"]] == ["Forgotten deal"]
    assert "idle 30 days" in body
    assert "Approve me" in body and "Already read" not in body


def test_a_rep_sees_only_their_own_work(rep_client, rep, teammate, outsider, stages):
    OpportunityFactory(owner=rep, name="Mine")
    OpportunityFactory(owner=teammate, name="Teammate's")
    OpportunityFactory(owner=outsider, name="Outsider's")
    Notification.objects.create(recipient=teammate, kind="other", title="Not for Rita", dedup_key="t")
    body = rep_client.get(reverse("home")).content.decode()
    assert "Mine" in body
    assert "Teammate's" not in body and "Outsider's" not in body and "Not for Rita" not in body
    assert "?scope=mine" not in body  # no team switch for a rep


def test_a_leader_sees_the_team_and_can_switch_to_their_own(leader_client, leader, rep, outsider, stages):
    OpportunityFactory(owner=rep, name="Rita's deal")
    OpportunityFactory(owner=leader, name="Lena's own deal")
    OpportunityFactory(owner=outsider, name="Other team's deal")

    team = leader_client.get(reverse("home"))
    names = {d.name for d in team.context["ranked"]}
    assert names == {"Rita's deal", "Lena's own deal"}

    own = leader_client.get(reverse("home"), {"scope": "mine"})
    assert {d.name for d in own.context["ranked"]} == {"Lena's own deal"}


@pytest.mark.parametrize("rows", [5, 200])
def test_my_day_keeps_a_fixed_number_of_queries(rows, book, rep_client, leader_client, django_assert_max_num_queries):
    book(rows)
    with django_assert_max_num_queries(14):
        assert rep_client.get(reverse("home")).status_code == 200
    # Measured flat at 5 and 200 deals: session, user, leader check, pipelines, open stages, three
    # deal lists/sums, the approvals inbox, bell count, team, next steps, leads, top deals and the
    # notification list = 15.
    with django_assert_max_num_queries(15):
        assert leader_client.get(reverse("home")).status_code == 200
