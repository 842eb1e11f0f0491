"""Customers: the list with lifetime won value, the customer page with contacts, deals, history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import Customer
from opportunities.models import Activity

from ..factories import ContactFactory, CustomerFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_my_customers_with_lifetime_won_value(rep_client, rep, outsider, stages):
    acme = CustomerFactory(owner=rep, name="Acme")
    OpportunityFactory(owner=rep, customer=acme, amount=Decimal("120000"), stage=stages[4])
    OpportunityFactory(owner=rep, customer=acme, amount=Decimal("80000"), stage=stages[4])
    OpportunityFactory(owner=rep, customer=acme, amount=Decimal("999"), stage=stages[2])
    CustomerFactory(owner=outsider, name="Not mine")
    response = rep_client.get(reverse("customers:list"))
    customers = response.context["customers"]
    assert [c.name for c in customers] == ["Acme"]
    assert customers[0].won_value == Decimal("200000")
    assert "¥200,000" in response.content.decode()


def test_the_list_filters_by_type_industry_region_and_tier(rep_client, rep):
    CustomerFactory(
        owner=rep, name="Gov", customer_type="government", industry="public", region="north", value_tier="high"
    )
    CustomerFactory(
        owner=rep, name="Shop", customer_type="enterprise", industry="retail", region="south", value_tier="low"
    )
    url = reverse("customers:list")
    for params in (
        {"customer_type": "government"},
        {"industry": "public"},
        {"region": "north"},
        {"value_tier": "high"},
        {"q": "go"},
    ):
        assert [c.name for c in rep_client.get(url, params).context["customers"]] == ["Gov"], params


def test_paging_through_the_list_gives_every_visible_customer_once_in_name_order(
    leader_client, leader, rep, teammate, outsider, stages
):
    """A page sorts the visible customers' ids by name, then reads those rows with their owners:
    page after page, every customer the leader sees comes once, same names broken by id."""
    for i in range(57):
        owner = (rep, teammate, outsider)[i % 3]
        customer = CustomerFactory(owner=owner, name=f"Customer {i % 20:02d}")  # many equal names
        if i % 7 == 0:  # an outsider's customer the team has a deal with is visible too
            OpportunityFactory(owner=rep, customer=CustomerFactory(owner=outsider, name=f"Shared {i}"))
        customer.save()
    visible = list(Customer.objects.visible_to(leader).order_by("name", "pk").values_list("name", "owner__username"))
    assert len(visible) > 25 and any(name.startswith("Shared") for name, _ in visible)
    paged: list[tuple] = []
    page = 1
    while True:
        response = leader_client.get(reverse("customers:list"), {"page": page})
        paged += [(c.name, c.owner.username) for c in response.context["customers"]]
        if not response.context["page_obj"].has_next():
            break
        page += 1
    assert page > 1
    assert paged == visible


def test_the_customer_page_has_contacts_deals_won_value_and_history(rep_client, rep, stages):
    acme = CustomerFactory(owner=rep, name="Acme")
    ContactFactory(customer=acme, name="Zhang Wei")
    open_deal = OpportunityFactory(owner=rep, customer=acme, name="Open deal")
    OpportunityFactory(owner=rep, customer=acme, name="Won deal", amount=Decimal("50000"), stage=stages[4])
    Activity.log(by=rep, opportunity=open_deal, summary="Demo went well")
    response = rep_client.get(reverse("customers:detail", args=[acme.pk]))
    body = response.content.decode()
    assert "Zhang Wei" in body and "Open deal" in body and "Won deal" in body and "Demo went well" in body
    assert response.context["won_value"] == Decimal("50000")


def test_a_customer_shows_only_the_deals_i_may_see(rep_client, rep, teammate, stages):
    acme = CustomerFactory(owner=rep, name="Acme")
    OpportunityFactory(owner=teammate, customer=acme, name="Tom deal")
    body = rep_client.get(reverse("customers:detail", args=[acme.pk])).content.decode()
    assert "Tom deal" not in body


def test_lifetime_won_value_counts_only_deals_i_may_see(rep_client, leader_client, rep, teammate, stages):
    from decimal import Decimal

    acme = CustomerFactory(owner=rep, name="Acme")
    OpportunityFactory(owner=rep, customer=acme, stage=stages[4], amount=Decimal("100000"))
    OpportunityFactory(owner=teammate, customer=acme, stage=stages[4], amount=Decimal("900000"))
    detail = reverse("customers:detail", args=[acme.pk])
    assert rep_client.get(detail).context["won_value"] == Decimal("100000")
    assert leader_client.get(detail).context["won_value"] == Decimal("1000000")
    listed = {c.pk: c.won_value for c in rep_client.get(reverse("customers:list")).context["customers"]}
    assert listed[acme.pk] == Decimal("100000")


@pytest.mark.parametrize("stranger", ["teammate", "outsider"])
def test_a_rep_gets_404_on_someone_elses_customer(stranger, request, rep_client):
    customer = CustomerFactory(owner=request.getfixturevalue(stranger))
    assert rep_client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404


@pytest.mark.parametrize("rows", [5, 200])
def test_customer_pages_keep_a_fixed_number_of_queries(
    rows, rep, rep_client, leader_client, stages, django_assert_max_num_queries
):
    acme = CustomerFactory(owner=rep)
    for i in range(rows):
        CustomerFactory(owner=rep)
        deal = OpportunityFactory(owner=rep, customer=acme, stage=stages[1 + i % 5])
        ContactFactory(customer=acme)
        Activity.objects.create(opportunity=deal, summary="x", created_by=rep)
    with django_assert_max_num_queries(9):
        assert rep_client.get(reverse("customers:list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert leader_client.get(reverse("customers:list")).status_code == 200
    # the files panel, the history card and the customer's pool history add one query each
    with django_assert_max_num_queries(14):
        assert rep_client.get(reverse("customers:detail", args=[acme.pk])).status_code == 200


def test_a_team_sees_the_same_customers_read_as_an_array_or_as_a_set(
    leader, rep, teammate, outsider, team, stages, monkeypatch
):
    """A few owners' visible customers are worked out into an array first on PostgreSQL; a
    wider scope's are a set the customers are matched against. Both give the same rows: owned,
    reached through a deal, and in the team's pool."""
    import customers.models as customer_models

    own = CustomerFactory(owner=rep, name="Own")
    shared = CustomerFactory(owner=outsider, name="Through a deal")
    OpportunityFactory(owner=teammate, customer=shared)
    pooled = CustomerFactory(owner=None, team=team, name="Pool")
    CustomerFactory(owner=outsider, name="Not seen")
    for viewer in (leader, rep):
        as_read = {c.name for c in customer_models.Customer.objects.visible_to(viewer)}
        monkeypatch.setattr(customer_models, "FEW_OWNERS", 0)
        as_set = {c.name for c in customer_models.Customer.objects.visible_to(viewer)}
        monkeypatch.setattr(customer_models, "FEW_OWNERS", 30)
        assert as_read == as_set
    assert as_read == {own.name, pooled.name}  # the rep's: not the teammate's deal's customer
    assert {c.name for c in customer_models.Customer.objects.visible_to(leader)} == {own.name, shared.name, pooled.name}
