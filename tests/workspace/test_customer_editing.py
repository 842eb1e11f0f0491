"""Customers and contacts edited in the app: duplicate warnings, the finder and the merge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import FieldChange
from customers.models import Contact, Customer, company_name_key, phone_key
from opportunities.models import Opportunity
from tests.conftest import client_for

from ..factories import ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def customer_data(**overrides) -> dict:
    data = {
        "name": "Brand New Trading",
        "customer_type": "enterprise",
        "value_tier": "high",
        "industry": "retail",
        "region": "east",
        "phone": "",
        "email": "",
        "website": "",
        "address": "",
        "notes": "",
    }
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("华信科技有限公司", "华信科技"),
        ("华信科技 股份有限公司", "华信科技"),
        ("华信科技集团有限公司", "华信科技"),
        ("ＡＣＭＥ Co., Ltd.", "acme"),
        ("Acme Inc.", "acme"),
        ("集团", "集团"),
    ],
)
def test_company_names_compare_without_case_spaces_and_legal_suffixes(name, key):
    assert company_name_key(name) == key


def test_phone_numbers_compare_by_their_digits():
    assert phone_key("+86 138-0013-8000") == phone_key("13800138000") == "13800138000"
    assert phone_key("12") == ""


# --- create and edit ------------------------------------------------------------------------


def test_a_rep_creates_a_customer_they_own(rep_client, rep):
    response = rep_client.post(reverse("customers:new"), customer_data(phone="021-5555 1234"))
    customer = Customer.objects.get()
    assert response["Location"] == customer.get_absolute_url()
    assert customer.owner == rep and customer.value_tier == "high" and customer.phone_key == "02155551234"


def test_creating_a_likely_duplicate_warns_and_links_before_saving(rep_client, rep):
    existing = CustomerFactory(owner=rep, name="华信科技有限公司", phone="010-88886666")
    response = rep_client.post(reverse("customers:new"), customer_data(name="华信科技"))
    body = response.content.decode()
    assert response.status_code == 200 and "duplicate-warning" in body
    assert existing.get_absolute_url() in body
    assert Customer.objects.count() == 1
    # same phone, different name: still a warning
    response = rep_client.post(reverse("customers:new"), customer_data(name="Other", phone="01088886666"))
    assert "duplicate-warning" in response.content.decode() and Customer.objects.count() == 1
    # confirmed: saved
    response = rep_client.post(reverse("customers:new"), customer_data(name="华信科技", confirm_duplicate="1"))
    assert response.status_code == 302 and Customer.objects.count() == 2


def test_a_customer_i_cannot_see_is_not_offered_as_a_duplicate(rep_client, outsider):
    CustomerFactory(owner=outsider, name="Secret Corp Ltd")
    response = rep_client.post(reverse("customers:new"), customer_data(name="Secret Corp"))
    assert response.status_code == 302
    assert "Secret Corp Ltd" not in rep_client.get(response["Location"]).content.decode()


def test_bad_customer_input_shows_the_error_and_saves_nothing(rep_client):
    response = rep_client.post(reverse("customers:new"), customer_data(name="", email="not-an-email"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "email"}
    assert not Customer.objects.exists()


def test_editing_saves_the_classification_and_bumps_the_version(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="Acme")
    data = customer_data(name="Acme Holdings", customer_type="government", value_tier="low", version=1)
    response = rep_client.post(reverse("customers:edit", args=[customer.pk]), data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.customer_type, customer.value_tier, customer.version) == (
        "Acme Holdings",
        "government",
        "low",
        2,
    )
    assert customer.name_key == "acmeholdings"


def test_a_stale_customer_edit_is_refused_and_changes_nothing(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="Acme")
    Customer.objects.filter(pk=customer.pk).update(version=2)
    response = rep_client.post(reverse("customers:edit", args=[customer.pk]), customer_data(name="Mine", version=1))
    assert response.status_code == 200 and "Someone else saved this record" in response.content.decode()
    customer.refresh_from_db()
    assert customer.name == "Acme"


def test_a_leader_can_hand_a_customer_to_a_teammate_but_not_outside_the_team(leader_client, rep, teammate, outsider):
    customer = CustomerFactory(owner=rep)
    url = reverse("customers:edit", args=[customer.pk])
    response = leader_client.post(url, customer_data(owner=outsider.pk, version=1))
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    assert leader_client.post(url, customer_data(owner=teammate.pk, version=1)).status_code == 302
    customer.refresh_from_db()
    assert customer.owner == teammate


def test_contacts_are_added_and_edited_from_the_customer_page(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    assert (
        reverse("customers:contact_new", args=[customer.pk])
        in rep_client.get(customer.get_absolute_url()).content.decode()
    )
    response = rep_client.post(
        reverse("customers:contact_new", args=[customer.pk]),
        {"name": "韩梅梅", "title": "CIO", "buying_role": "decision_maker", "attitude": "supportive"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get(customer=customer)
    assert contact.buying_role == "decision_maker"
    url = reverse("customers:contact_edit", args=[customer.pk, contact.pk])
    response = rep_client.post(
        url, {"name": "韩梅梅", "title": "CEO", "buying_role": "decision_maker", "attitude": "neutral", "version": 1}
    )
    contact.refresh_from_db()
    assert response.status_code == 302 and contact.title == "CEO" and contact.version == 2
    stale = rep_client.post(url, {"name": "X", "buying_role": "user", "attitude": "neutral", "version": 1})
    assert "Someone else saved this record" in stale.content.decode()
    contact.refresh_from_db()
    assert contact.name == "韩梅梅"


def test_a_contact_of_another_customer_is_404_under_this_one(rep_client, rep):
    mine, other = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    contact = ContactFactory(customer=other)
    url = reverse("customers:contact_edit", args=[mine.pk, contact.pk])
    assert rep_client.get(url).status_code == 404


# --- duplicates and merge ----------------------------------------------------------------------


@pytest.fixture
def twins(rep, teammate, stages):
    first = CustomerFactory(owner=rep, name="华信科技有限公司", phone="", notes="Key account")
    second = CustomerFactory(owner=teammate, name="华信科技 有限公司", phone="010-1234 5678", notes="Met at expo")
    OpportunityFactory(owner=rep, customer=first, name="First deal")
    OpportunityFactory(owner=teammate, customer=second, name="Second deal", amount=Decimal("7000"))
    ContactFactory(customer=second, name="Li Lei")
    LeadFactory(owner=teammate, company="华信科技 有限公司")
    return first, second


def test_the_duplicate_finder_lists_customers_that_look_alike(leader_client, twins, rep):
    CustomerFactory(owner=rep, name="Unrelated Ltd")
    response = leader_client.get(reverse("customers:duplicates"))
    groups = response.context["groups"]
    assert [sorted(c.pk for c in g["customers"]) for g in groups] == [sorted(c.pk for c in twins)]
    assert reverse("customers:merge", args=[twins[0].pk]) in response.content.decode()


def test_the_duplicate_finder_groups_by_phone_too_and_shows_each_set_once(leader_client, rep, outsider):
    same_everything = [CustomerFactory(owner=rep, name="Twin Co", phone="021-5555 0000") for _ in range(2)]
    triplets = [CustomerFactory(owner=rep, name=f"Other {i}", phone="+86 138 0000 1111") for i in range(3)]
    CustomerFactory(owner=outsider, name="Other 9", phone="13800001111")  # another team's: not counted
    groups = leader_client.get(reverse("customers:duplicates")).context["groups"]
    found = [(str(g["reason"]), sorted(c.pk for c in g["customers"])) for g in groups]
    # The same two customers match by name and by phone: shown once, under the name.
    assert found == [
        ("Same name", sorted(c.pk for c in same_everything)),
        ("Same phone", sorted(c.pk for c in triplets)),
    ]


def test_a_rep_sees_only_their_own_duplicates_and_no_merge_button(rep_client, twins, rep):
    CustomerFactory(owner=rep, name="华信科技")
    response = rep_client.get(reverse("customers:duplicates"))
    assert all(c.owner == rep for g in response.context["groups"] for c in g["customers"])
    assert "/merge/" not in response.content.decode()


def test_a_leader_merges_two_customers_and_nothing_is_lost(leader_client, leader, twins):
    first, second = twins
    response = leader_client.post(
        reverse("customers:merge", args=[first.pk]), {"duplicate": second.pk, "confirm": "on"}
    )
    assert response["Location"] == first.get_absolute_url()
    assert not Customer.objects.filter(pk=second.pk).exists()
    first.refresh_from_db()
    assert set(Opportunity.objects.filter(customer=first).values_list("name", flat=True)) == {
        "First deal",
        "Second deal",
    }
    assert first.contacts.filter(name="Li Lei").exists()
    assert first.phone == "010-1234 5678" and "Key account" in first.notes and "Met at expo" in first.notes
    from leads.models import Lead

    assert Lead.objects.get().company == first.name
    merged = FieldChange.objects.filter(action="merged")
    survivor_entry = merged.get(object_id=first.pk, field="")
    assert survivor_entry.changed_by == leader and "华信科技 有限公司" in survivor_entry.note
    assert merged.filter(field="customer_id").count() == 2  # the deal and the contact
    assert merged.filter(field="company").count() == 1
    page = leader_client.get(first.get_absolute_url()).content.decode()
    assert "Merged “华信科技 有限公司”" in page  # on the customer's history card


def test_a_rep_cannot_merge_customers(rep_client, rep):
    first, second = CustomerFactory(owner=rep, name="A"), CustomerFactory(owner=rep, name="A Ltd")
    response = rep_client.post(reverse("customers:merge", args=[first.pk]), {"duplicate": second.pk, "confirm": "on"})
    assert response.status_code == 403
    assert Customer.objects.count() == 2


def test_a_leader_cannot_merge_in_another_teams_customer(leader_client, rep, outsider):
    first, theirs = CustomerFactory(owner=rep), CustomerFactory(owner=outsider)
    response = leader_client.post(
        reverse("customers:merge", args=[first.pk]), {"duplicate": theirs.pk, "confirm": "on"}
    )
    assert response.status_code == 200 and "duplicate" in response.context["form"].errors
    assert Customer.objects.count() == 2


def test_merging_needs_the_confirmation(admin_client_, rep):
    first, second = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    response = admin_client_.post(reverse("customers:merge", args=[first.pk]), {"duplicate": second.pk})
    assert response.status_code == 200 and "confirm" in response.context["form"].errors
    assert Customer.objects.count() == 2


# --- access and query counts -----------------------------------------------------------------------

EXPECTED = {"rep": 200, "teammate": 404, "outsider": 404, "leader": 200, "admin_user": 200}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_customer_edit_pages_follow_the_access_rule(who, request, rep):
    customer = CustomerFactory(owner=rep)
    contact = ContactFactory(customer=customer)
    client = client_for(request.getfixturevalue(who))
    for url in (
        reverse("customers:edit", args=[customer.pk]),
        reverse("customers:contact_new", args=[customer.pk]),
        reverse("customers:contact_edit", args=[customer.pk, contact.pk]),
    ):
        assert client.get(url).status_code == EXPECTED[who], url
    merge = client.get(reverse("customers:merge", args=[customer.pk])).status_code
    assert merge == {"rep": 403}.get(who, EXPECTED[who])
    assert client.get(reverse("customers:new")).status_code == 200
    assert client.get(reverse("customers:duplicates")).status_code == 200
    if EXPECTED[who] == 404:
        post = client.post(reverse("customers:edit", args=[customer.pk]), customer_data(name="Taken", version=1))
        assert post.status_code == 404
        customer.refresh_from_db()
        assert customer.name != "Taken"


@pytest.mark.parametrize("rows", [3, 60])
def test_customer_edit_pages_keep_a_fixed_number_of_queries(rows, rep, leader, django_assert_max_num_queries):
    for i in range(rows):
        CustomerFactory(owner=rep, name=f"Twin {i} Ltd")
        CustomerFactory(owner=rep, name=f"Twin {i} 有限公司")
    customer = CustomerFactory(owner=rep, name="Twin 0")
    contact = ContactFactory(customer=customer)
    pages = {
        reverse("customers:new"): 8,
        reverse("customers:edit", args=[customer.pk]): 9,
        reverse("customers:contact_new", args=[customer.pk]): 7,
        reverse("customers:contact_edit", args=[customer.pk, contact.pk]): 8,
        reverse("customers:duplicates"): 10,
        reverse("customers:merge", args=[customer.pk]): 10,
    }
    for user in (rep, leader):
        client = client_for(user)
        for url, ceiling in pages.items():
            if "merge" in url and user == rep:
                continue
            with django_assert_max_num_queries(ceiling):
                assert client.get(url).status_code == 200, url
    client = client_for(rep)
    with django_assert_max_num_queries(8):
        assert (
            "duplicate-warning" in client.post(reverse("customers:new"), customer_data(name="Twin 1")).content.decode()
        )


def test_the_merge_page_asks_for_a_number_rather_than_listing_every_customer(admin_client_, rep):
    customers = [CustomerFactory(owner=rep, name=f"Firm {i}") for i in range(5)]
    body = admin_client_.get(reverse("customers:merge", args=[customers[0].pk])).content.decode()
    assert 'name="duplicate"' in body and "Firm 3" not in body
    response = admin_client_.post(
        reverse("customers:merge", args=[customers[0].pk]), {"duplicate": 999999, "confirm": "on"}
    )
    assert "No customer of yours has this number." in response.content.decode()
    assert Customer.objects.count() == 5


def test_a_customer_seen_only_through_a_deal_is_read_not_edited(rep, leader, outsider):
    """Another team's customer that a rep sells to: the rep and their leader read it (their deal
    is there) but may not rename it or hand it to their own team; its owner's side still can."""
    customer = CustomerFactory(owner=outsider, name="Their Customer")
    OpportunityFactory(owner=rep, customer=customer)
    url = reverse("customers:edit", args=[customer.pk])
    for user in (rep, leader):
        client = client_for(user)
        page = client.get(reverse("customers:detail", args=[customer.pk]))
        assert page.status_code == 200 and url not in page.content.decode()
        assert client.get(url).status_code == 403
        taken = customer_data(name="Taken", owner=rep.pk, version=customer.version)
        assert client.post(url, taken).status_code == 403
        customer.refresh_from_db()
        assert (customer.name, customer.owner) == ("Their Customer", outsider)
    assert client_for(outsider).get(url).status_code == 200
