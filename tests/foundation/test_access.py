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


# --- the scope as one request reads it ----------------------------------------------------


def within_a_request(work):
    """Run `work()` as a view would: inside the request memo the scoped queries share."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from crm.scoping import RequestMemoMiddleware

    results = []

    def view(request):
        results.append(work())
        return HttpResponse()

    RequestMemoMiddleware(view)(RequestFactory().get("/"))
    return results[0]


def test_a_request_reads_a_leaders_people_once_for_all_its_scoped_queries(world, leader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def twice():
        with CaptureQueriesContext(connection) as queries:
            first = visible(leader, Opportunity)
            second = visible(leader, Opportunity)
        return first, second, len(queries)

    first, second, count = within_a_request(twice)
    assert first == second == ids(world, ["rep_a", "rep_a2"], "deal")
    # Who leads what, then the deals twice: the people are not read again for the second list.
    assert count == 3


def test_a_member_who_joins_during_a_request_is_seen_by_their_new_leader_at_once(world, leader, outsider):
    def join_then_look():
        before = visible(leader, Opportunity)
        outsider.team = rep_team(leader)
        outsider.save()
        return before, visible(leader, Opportunity)

    before, after = within_a_request(join_then_look)
    assert world["rep_b"]["deal"].pk not in before
    assert world["rep_b"]["deal"].pk in after


def rep_team(leader):
    from accounts.models import Team

    return Team.objects.get(leader=leader)


def test_the_next_request_sees_a_team_change_made_between_requests(world, leader, outsider, leader_client):
    from django.urls import reverse

    deal = world["rep_b"]["deal"]
    assert deal.name not in leader_client.get(reverse("opportunities:list")).content.decode()
    outsider.team = rep_team(leader)
    outsider.save()
    assert deal.name in leader_client.get(reverse("opportunities:list")).content.decode()


def test_outside_a_request_every_scope_is_read_fresh(world, leader, outsider):
    assert world["rep_b"]["deal"].pk not in visible(leader, Opportunity)
    outsider.team = rep_team(leader)
    outsider.save()
    assert world["rep_b"]["deal"].pk in visible(leader, Opportunity)
