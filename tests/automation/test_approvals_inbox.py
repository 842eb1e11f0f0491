"""The leader's approvals inbox on "my day": pending requests first, decided in place."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opportunities.models import ApprovalRequest
from tests.conftest import client_for

from .conftest import large_deal

pytestmark = pytest.mark.django_db


def test_the_leaders_day_opens_with_the_requests_waiting_for_them(rep, leader_client, stages):
    deal = large_deal(rep, stages)
    deal.request_approval(stages[3], by=rep, note="Board meets Friday")
    page = leader_client.get(reverse("home")).content.decode()
    inbox = page[page.index('id="approvals"') : page.index('id="due"')]
    for text in (deal.name, "2,000,000", str(deal.stage), str(stages[3]), "Rita", "Board meets Friday"):
        assert text in inbox, text
    assert reverse("opportunities:decide_approval", args=[ApprovalRequest.objects.get().pk]) in inbox


def test_the_leader_approves_from_my_day_and_comes_back_to_it(rep, leader_client, stages):
    deal = large_deal(rep, stages)
    request = deal.request_approval(stages[3], by=rep)
    response = leader_client.post(
        reverse("opportunities:decide_approval", args=[request.pk]),
        {"decision": "approve", "comment": "Go", "next": reverse("home")},
    )
    assert response.status_code == 302 and response.url == reverse("home")
    deal.refresh_from_db()
    assert deal.stage == stages[3]
    page = leader_client.get(reverse("home")).content.decode()
    assert "No approvals waiting." in page


def test_reps_and_other_leaders_do_not_get_the_teams_requests(rep, rep_client, other_leader, stages):
    deal = large_deal(rep, stages)
    deal.request_approval(stages[3], by=rep)
    assert 'id="approvals"' not in rep_client.get(reverse("home")).content.decode()
    other = client_for(other_leader).get(reverse("home")).content.decode()
    assert deal.name not in other


def test_the_inbox_costs_the_same_queries_for_one_request_or_many(rep, teammate, leader_client, stages):
    large_deal(rep, stages).request_approval(stages[3], by=rep)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert leader_client.get(reverse("home")).status_code == 200
        return len(queries)

    small = count()
    for owner in (rep, teammate, rep, teammate):
        large_deal(owner, stages).request_approval(stages[3], by=owner)
    assert count() == small
    assert small <= 15
