"""visible_to: a rep sees their own records, a leader their team's, an admin everything."""

from __future__ import annotations

import pytest

from customers.models import Contact, Customer
from leads.models import Lead
from opportunities.models import Activity, Opportunity
from tests.factories import ActivityFactory, ContactFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(rep, teammate, leader, outsider, other_leader):
    """One of each record per rep."""
    records = {}
    for user in (rep, teammate, outsider):
        deal = OpportunityFactory(owner=user)
        records[user.username] = {
            "deal": deal,
            "customer": deal.customer,
            "contact": ContactFactory(customer=deal.customer),
            "lead": LeadFactory(owner=user),
            "activity": ActivityFactory(opportunity=deal),
        }
    return records


def visible(user, model):
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def ids(world, names, key):
    return {world[n][key].pk for n in names}


KINDS = [
    ("deal", Opportunity),
    ("customer", Customer),
    ("contact", Contact),
    ("lead", Lead),
    ("activity", Activity),
]


@pytest.mark.parametrize(("key", "model"), KINDS)
def test_a_rep_sees_only_their_own_records(world, rep, key, model):
    assert visible(rep, model) == ids(world, ["rep_a"], key)


@pytest.mark.parametrize(("key", "model"), KINDS)
def test_a_leader_sees_their_teams_records_but_not_another_teams(world, leader, key, model):
    assert visible(leader, model) == ids(world, ["rep_a", "rep_a2"], key)


@pytest.mark.parametrize(("key", "model"), KINDS)
def test_the_other_leader_sees_only_their_own_team(world, other_leader, key, model):
    assert visible(other_leader, model) == ids(world, ["rep_b"], key)


@pytest.mark.parametrize(("key", "model"), KINDS)
def test_an_admin_sees_everything(world, admin_user, key, model):
    assert visible(admin_user, model) == ids(world, ["rep_a", "rep_a2", "rep_b"], key)


def test_an_inactive_user_sees_nothing(world, rep):
    rep.is_active = False
    rep.save()
    assert not Opportunity.objects.visible_to(rep).exists()


def test_a_leader_sees_unassigned_leads_routed_to_their_team(team, leader, rep, other_leader):
    pooled = LeadFactory(owner=None, team=team)
    assert pooled.pk in visible(leader, Lead)
    assert pooled.pk not in visible(rep, Lead)
    assert pooled.pk not in visible(other_leader, Lead)


def test_a_rep_sees_a_customer_they_do_not_own_when_they_own_a_deal_on_it(rep, outsider):
    deal = OpportunityFactory(owner=rep, customer__owner=outsider)
    assert deal.customer.pk in visible(rep, Customer)
    assert deal.customer.pk in visible(outsider, Customer)


def test_assignable_users_are_scoped(rep, teammate, leader, outsider):
    from accounts.models import assignable_users

    assert set(assignable_users(rep)) == {rep}
    assert set(assignable_users(leader)) == {leader, rep, teammate}
