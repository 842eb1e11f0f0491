"""Bulk actions on the deal and lead lists, and handing a leaver's work to a colleague."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import FieldChange
from customers.models import Customer
from leads.models import Lead
from opportunities.models import Opportunity
from tests.conftest import client_for

from ..factories import CustomerFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.fixture
def deals(rep, teammate, outsider, stages):
    return {
        "mine": OpportunityFactory(owner=rep, name="Mine"),
        "mine_won": OpportunityFactory(owner=rep, name="Mine won", stage=stages[4]),
        "teammate": OpportunityFactory(owner=teammate, name="Tom's"),
        "outsider": OpportunityFactory(owner=outsider, name="Olga's"),
    }


def test_the_lists_have_the_bulk_bar_and_row_boxes(rep_client, leader_client, deals):
    body = rep_client.get(reverse("opportunities:list")).content.decode()
    assert 'id="bulk-form"' in body and f'name="ids" value="{deals["mine"].pk}"' in body
    assert 'value="reassign"' not in body  # a rep cannot reassign
    assert 'value="reassign"' in leader_client.get(reverse("opportunities:list")).content.decode()
    assert 'id="bulk-form"' in rep_client.get(reverse("leads:list")).content.decode()


def test_a_leader_reassigns_selected_deals_within_the_team_and_each_is_recorded(
    leader_client, leader, deals, rep, teammate
):
    ids = [deals["mine"].pk, deals["mine_won"].pk, deals["outsider"].pk]
    response = leader_client.post(
        reverse("workspace:bulk_deals"), {"action": "reassign", "ids": ids, "owner": teammate.pk}
    )
    assert response.status_code == 302
    owners = dict(Opportunity.objects.values_list("name", "owner_id"))
    assert owners["Mine"] == teammate.pk and owners["Mine won"] == teammate.pk
    assert owners["Olga's"] == deals["outsider"].owner_id  # outside the leader's scope: untouched
    entries = FieldChange.objects.filter(action="reassigned", field="owner_id")
    assert sorted(entries.values_list("object_id", flat=True)) == sorted([deals["mine"].pk, deals["mine_won"].pk])
    assert {(e.old_value, e.new_value, e.changed_by_id) for e in entries} == {
        (str(rep.pk), str(teammate.pk), leader.pk)
    }


def test_a_leader_cannot_hand_deals_to_another_team(leader_client, deals, outsider):
    leader_client.post(
        reverse("workspace:bulk_deals"), {"action": "reassign", "ids": [deals["mine"].pk], "owner": outsider.pk}
    )
    deals["mine"].refresh_from_db()
    assert deals["mine"].owner.username == "rep_a" and not FieldChange.objects.filter(action="reassigned").exists()


def test_a_rep_cannot_reassign(rep_client, deals, rep):
    response = rep_client.post(
        reverse("workspace:bulk_deals"), {"action": "reassign", "ids": [deals["mine"].pk], "owner": rep.pk}
    )
    assert response.status_code in (302, 403)
    deals["mine"].refresh_from_db()
    assert deals["mine"].owner == rep and not FieldChange.objects.filter(action="reassigned").exists()


def test_bulk_follow_up_sets_the_date_on_open_visible_deals_only(rep_client, deals):
    ids = [d.pk for d in deals.values()]
    response = rep_client.post(
        reverse("workspace:bulk_deals"), {"action": "follow_up", "ids": ids, "follow_up_on": tomorrow()}
    )
    assert response.status_code == 302
    dates = dict(Opportunity.objects.values_list("name", "next_follow_up_at"))
    assert timezone.localtime(dates["Mine"]).date().isoformat() == tomorrow()
    assert dates["Mine won"] is None and dates["Tom's"] is None and dates["Olga's"] is None
    assert FieldChange.objects.filter(field="next_follow_up_at", object_id=deals["mine"].pk).exists()


def test_bulk_follow_up_in_the_past_or_without_a_date_changes_nothing(rep_client, deals):
    url = reverse("workspace:bulk_deals")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = rep_client.post(
        url, {"action": "follow_up", "ids": [deals["mine"].pk], "follow_up_on": yesterday}, follow=True
    )
    assert "Choose today or a later date." in response.content.decode()
    response = rep_client.post(url, {"action": "follow_up", "ids": [deals["mine"].pk]}, follow=True)
    assert "Choose the date of the next follow-up." in response.content.decode()
    response = rep_client.post(url, {"action": "follow_up", "follow_up_on": tomorrow()}, follow=True)
    assert "Select some rows first." in response.content.decode()
    deals["mine"].refresh_from_db()
    assert deals["mine"].next_follow_up_at is None


def test_exporting_the_selection_gives_only_visible_selected_rows(rep_client, deals):
    ids = [deals["mine"].pk, deals["outsider"].pk]
    response = rep_client.post(reverse("workspace:bulk_deals"), {"action": "export", "ids": ids})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r["Opportunity"] for r in rows] == ["Mine"]


def test_leads_are_reassigned_with_their_team_and_exported(leader_client, rep, teammate, outsider):
    mine, theirs = LeadFactory(owner=rep, name="Lead A"), LeadFactory(owner=outsider, name="Lead B")
    leader_client.post(
        reverse("workspace:bulk_leads"), {"action": "reassign", "ids": [mine.pk, theirs.pk], "owner": teammate.pk}
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.owner == teammate and mine.team == teammate.team and theirs.owner == outsider
    response = leader_client.post(reverse("workspace:bulk_leads"), {"action": "export", "ids": [mine.pk, theirs.pk]})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r["Contact"] for r in rows] == ["Lead A"]


@pytest.mark.parametrize("rows", [3, 40])
def test_bulk_actions_keep_a_fixed_number_of_queries(
    rows, rep, leader, teammate, stages, django_assert_max_num_queries
):
    ids = [OpportunityFactory(owner=rep).pk for _ in range(rows)]
    client = client_for(leader)
    with django_assert_max_num_queries(12):
        client.post(reverse("workspace:bulk_deals"), {"action": "reassign", "ids": ids, "owner": teammate.pk})
    with django_assert_max_num_queries(12):
        client.post(reverse("workspace:bulk_deals"), {"action": "follow_up", "ids": ids, "follow_up_on": tomorrow()})
    assert Opportunity.objects.filter(owner=teammate, next_follow_up_at__isnull=False).count() == rows


# --- a rep leaves ------------------------------------------------------------------------------------


@pytest.fixture
def leavers_book(rep, stages):
    customer = CustomerFactory(owner=rep, name="Rita's customer")
    return {
        "open": OpportunityFactory(owner=rep, customer=customer, name="Open deal"),
        "won": OpportunityFactory(owner=rep, customer=customer, name="Won deal", stage=stages[4]),
        "lead": LeadFactory(owner=rep, name="Open lead"),
        "converted": LeadFactory(owner=rep, name="Old lead", status=Lead.Status.DISQUALIFIED),
        "customer": customer,
    }


def test_an_admin_deactivates_a_leaver_and_hands_their_open_work_over(
    admin_client_, admin_user, rep, teammate, leavers_book
):
    response = admin_client_.post(reverse("workspace:hand_over"), {"leaver": rep.pk, "to": teammate.pk}, follow=True)
    assert "is deactivated" in response.content.decode()
    rep.refresh_from_db()
    assert not rep.is_active
    owner = dict(Opportunity.objects.values_list("name", "owner_id"))
    assert owner == {"Open deal": teammate.pk, "Won deal": rep.pk}
    assert dict(Lead.objects.values_list("name", "owner_id")) == {"Open lead": teammate.pk, "Old lead": rep.pk}
    assert Customer.objects.get().owner == teammate
    recorded = FieldChange.objects.filter(action="reassigned", changed_by=admin_user)
    assert recorded.count() == 3 and all("who left" in e.note for e in recorded)


def test_the_hand_over_refuses_the_same_person_and_changes_nothing(admin_client_, rep, leavers_book):
    response = admin_client_.post(reverse("workspace:hand_over"), {"leaver": rep.pk, "to": rep.pk})
    assert response.status_code == 200 and "other than the person leaving" in response.content.decode()
    rep.refresh_from_db()
    assert rep.is_active and not FieldChange.objects.filter(action="reassigned").exists()


def test_a_team_leader_must_be_replaced_before_leaving(admin_client_, leader, teammate):
    response = admin_client_.post(reverse("workspace:hand_over"), {"leaver": leader.pk, "to": teammate.pk})
    assert "give the team a new leader first" in response.content.decode()
    leader.refresh_from_db()
    assert leader.is_active


@pytest.mark.parametrize("who", ["rep", "teammate", "outsider", "leader"])
def test_only_an_admin_opens_the_hand_over(who, request, rep, teammate):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("workspace:hand_over")).status_code == 403
    assert client.post(reverse("workspace:hand_over"), {"leaver": rep.pk, "to": teammate.pk}).status_code == 403
    rep.refresh_from_db()
    assert rep.is_active


@pytest.mark.parametrize("rows", [2, 30])
def test_the_hand_over_keeps_a_fixed_number_of_queries(
    rows, admin_user, rep, teammate, stages, django_assert_max_num_queries
):
    for _i in range(rows):
        OpportunityFactory(owner=rep)
        LeadFactory(owner=rep)
    client = client_for(admin_user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("workspace:hand_over")).status_code == 200
    with django_assert_max_num_queries(22):
        client.post(reverse("workspace:hand_over"), {"leaver": rep.pk, "to": teammate.pk})
    assert Opportunity.objects.filter(owner=teammate).count() == rows


def test_row_boxes_and_owner_choices_carry_plain_ids_past_a_thousand(leader_client, rep, stages):
    deal = OpportunityFactory(pk=123456, owner=rep)
    lead = LeadFactory(pk=654321, owner=rep)
    body = leader_client.get(reverse("opportunities:list")).content.decode()
    assert f'name="ids" value="{deal.pk}"' in body
    assert f'name="ids" value="{lead.pk}"' in leader_client.get(reverse("leads:list")).content.decode()


def test_the_duplicate_finders_merge_link_carries_a_plain_id(leader_client, rep):
    CustomerFactory(pk=4321, owner=rep, name="Twin Ltd")
    CustomerFactory(pk=5432, owner=rep, name="Twin")
    body = leader_client.get(reverse("customers:duplicates")).content.decode()
    assert "?duplicate=5432" in body
