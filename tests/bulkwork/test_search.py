"""Global search: leads, customers, contacts and deals the user may see, by name, company,
phone and email, Chinese and Latin alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for

from ..factories import ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def found(client, q: str) -> dict[str, list[str]]:
    response = client.get(reverse("workspace:search"), {"q": q})
    assert response.status_code == 200
    r = response.context["results"]
    return {
        "leads": [x.name for x in r.leads],
        "customers": [x.name for x in r.customers],
        "contacts": [x.name for x in r.contacts],
        "deals": [x.name for x in r.deals],
    }


@pytest.fixture
def book(rep, outsider, stages):
    huaxin = CustomerFactory(owner=rep, name="华信科技有限公司", phone="010-88886666", email="info@huaxin.cn")
    ContactFactory(customer=huaxin, name="韩梅梅", phone="13800138000", email="meimei@huaxin.cn")
    OpportunityFactory(owner=rep, customer=huaxin, name="ERP 替换")
    OpportunityFactory(owner=rep, customer=CustomerFactory(owner=rep, name="Acme Trading"), name="Acme CRM rollout")
    LeadFactory(owner=rep, name="Li Lei", company="华信科技", phone="13911112222", email="lilei@example.com")
    theirs = CustomerFactory(owner=outsider, name="华信物流有限公司", phone="010-88886666")
    OpportunityFactory(owner=outsider, customer=theirs, name="华信 secret deal")
    LeadFactory(owner=outsider, name="Hidden", company="华信物流")


def test_search_finds_every_kind_by_company_name_in_chinese(rep_client, book):
    assert found(rep_client, "华信") == {
        "leads": ["Li Lei"],
        "customers": ["华信科技有限公司"],
        "contacts": [],
        "deals": ["ERP 替换"],
    }


def test_search_finds_people_by_phone_email_and_latin_name_case_insensitively(rep_client, book):
    assert found(rep_client, "88886666")["customers"] == ["华信科技有限公司"]
    assert found(rep_client, "88886666")["deals"] == ["ERP 替换"]
    assert found(rep_client, "MEIMEI@huaxin")["contacts"] == ["韩梅梅"]
    assert found(rep_client, "韩梅梅")["contacts"] == ["韩梅梅"]
    assert found(rep_client, "13911112222")["leads"] == ["Li Lei"]
    assert found(rep_client, "acme crm")["deals"] == ["Acme CRM rollout"]
    assert found(rep_client, "acme")["customers"] == ["Acme Trading"]


def test_search_never_shows_what_the_user_may_not_see(rep_client, outsider, book):
    results = found(rep_client, "华信")
    assert "华信物流有限公司" not in results["customers"] and "华信 secret deal" not in results["deals"]
    assert "Hidden" not in results["leads"]
    body = rep_client.get(reverse("workspace:search"), {"q": "secret"}).content.decode()
    assert "secret deal" not in body and "no-results" in body


def test_the_other_team_and_the_admin_see_their_own_scope(book, outsider, admin_user):
    assert found(client_for(outsider), "华信")["deals"] == ["华信 secret deal"]
    assert sorted(found(client_for(admin_user), "华信")["deals"]) == sorted(["ERP 替换", "华信 secret deal"])


def test_an_empty_or_odd_query_is_calm(rep_client, book):
    assert found(rep_client, "   ") == {"leads": [], "customers": [], "contacts": [], "deals": []}
    assert found(rep_client, "%_\\'\"")["deals"] == []
    assert rep_client.get(reverse("workspace:search"), {"q": "x" * 5000}).status_code == 200


def test_the_header_has_the_search_box(rep_client):
    body = rep_client.get(reverse("home")).content.decode()
    assert 'id="global-search"' in body and reverse("workspace:search") in body


EXPECTED = {"rep": "mine", "teammate": None, "outsider": None, "leader": "mine", "admin_user": "mine"}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_search_results_follow_the_access_rule(who, request, rep, stages):
    OpportunityFactory(owner=rep, name="Zephyr deal")
    results = found(client_for(request.getfixturevalue(who)), "zephyr")
    assert results["deals"] == (["Zephyr deal"] if EXPECTED[who] else [])


@pytest.mark.parametrize("rows", [3, 60])
def test_search_keeps_a_fixed_number_of_queries(rows, rep, leader, admin_user, stages, django_assert_max_num_queries):
    for i in range(rows):
        customer = CustomerFactory(owner=rep, name=f"Nova {i} Ltd")
        ContactFactory(customer=customer, name=f"Nova contact {i}")
        OpportunityFactory(owner=rep, customer=customer, name=f"Nova deal {i}")
        LeadFactory(owner=rep, company=f"Nova lead {i}")
    for user in (rep, leader, admin_user):
        client = client_for(user)
        with django_assert_max_num_queries(11):
            response = client.get(reverse("workspace:search"), {"q": "nova"})
        assert len(response.context["results"].deals) == min(rows, 10)


def test_the_demo_data_has_its_two_huaxin_customers_in_the_duplicate_finder(django_db_setup):
    import io

    from django.core.management import call_command

    from accounts.models import User
    from customers.views import duplicate_groups

    call_command("seed_demo", stdout=io.StringIO())
    rep1 = User.objects.get(username="rep1")
    groups = [[c.name for c in g["customers"]] for g in duplicate_groups(rep1)]
    assert ["华信科技有限公司", "华信科技有限公司"] in groups
    assert found(client_for(rep1), "华信科技")["customers"] == ["华信科技有限公司", "华信科技有限公司"]
