"""Access to the new pages and actions: every role reaches what it should, nobody else does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import CustomerFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, args",
    [
        ("customers:pool", []),
        ("customers:claim", [1]),
        ("customers:release", [1]),
        ("opportunities:change_pipeline", [1]),
        ("opportunities:evaluate", [1]),
    ],
)
def test_the_new_pages_need_a_login(client, name, args):
    response = client.post(reverse(name, args=args)) if args else client.get(reverse(name))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", ["rep", "leader", "admin_user"])
def test_every_role_opens_the_pool_and_the_board_and_funnel_of_a_pipeline(request, role, renewal, stages):
    client = client_for(request.getfixturevalue(role))
    for url in (
        reverse("customers:pool"),
        reverse("opportunities:board") + f"?pipeline={renewal.pk}",
        reverse("opportunities:list") + f"?pipeline={renewal.pk}",
        reverse("reports:funnel") + f"?pipeline={renewal.pk}",
        reverse("home") + f"?pipeline={renewal.pk}",
    ):
        assert client.get(url).status_code == 200, url


def test_a_leader_acts_on_the_teams_deals_and_customers(leader_client, rep, team, stages, renewal_stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    response = leader_client.post(
        reverse("opportunities:change_pipeline", args=[deal.pk]), {"stage": renewal_stages[1].pk}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == renewal_stages[1]
    customer = CustomerFactory(owner=rep)
    assert leader_client.post(reverse("customers:release", args=[customer.pk])).status_code == 302
    customer.refresh_from_db()
    assert customer.owner is None and customer.team == team


def test_the_other_teams_leader_gets_404_on_our_deals_and_customers(request, rep, stages, renewal_stages):
    other = client_for(request.getfixturevalue("other_leader"))
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    customer = CustomerFactory(owner=rep)
    assert other.post(reverse("opportunities:evaluate", args=[deal.pk]), {}).status_code == 404
    assert other.post(reverse("customers:release", args=[customer.pk])).status_code == 404
    customer.refresh_from_db()
    assert customer.owner == rep
