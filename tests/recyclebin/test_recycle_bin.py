"""Deleting moves a record to the recycle bin: gone from every list, report and job at once,
restorable by the owner's leader or an admin for 30 days, then purged with its history kept."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import FieldChange
from crm.softdelete import purge_expired
from customers.models import Contact, Customer
from leads.models import Lead
from opportunities.models import Activity, ApprovalRequest, Opportunity, StageChange
from tests.conftest import client_for
from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def _events(obj, action):
    return FieldChange.objects.for_object(obj).filter(action=action)


def test_rep_deletes_own_deal_and_it_leaves_every_list_and_report(rep, rep_client, leader, stages):
    deal = OpportunityFactory(owner=rep, name="Doomed deal", amount=Decimal("500000"), need_description="CRM")
    ActivityFactory(opportunity=deal)
    deal.move_to(stages[2], by=rep)
    history = StageChange.objects.filter(opportunity_id=deal.pk).count()
    before = Opportunity.objects.visible_to(leader).totals()

    response = rep_client.post(reverse("opportunities:delete", args=[deal.pk]), follow=True)

    assert response.redirect_chain == [(reverse("opportunities:list"), 302)]
    assert "moved to the recycle bin" in response.content.decode()
    stored = Opportunity.all_objects.get(pk=deal.pk)
    assert stored.deleted_at is not None and stored.deleted_by == rep
    assert not Opportunity.objects.filter(pk=deal.pk).exists()
    assert "Doomed deal" not in rep_client.get(reverse("opportunities:list")).content.decode()
    assert "Doomed deal" not in rep_client.get(reverse("opportunities:board")).content.decode()
    assert rep_client.get(deal.get_absolute_url()).status_code == 404
    after = Opportunity.objects.visible_to(leader).totals()
    assert after["total_amount"] == before["total_amount"] - Decimal("500000")
    # The stage history of a deal in the bin leaves the reports with it.
    assert not StageChange.objects.filter(opportunity_id=deal.pk).exists()
    assert history and StageChange.all_objects.filter(opportunity_id=deal.pk).count() == history
    event = _events(stored, FieldChange.Action.DELETED).get()
    assert event.changed_by == rep


def test_deleting_twice_records_one_deletion(rep, rep_client):
    deal = OpportunityFactory(owner=rep)
    rep_client.post(reverse("opportunities:delete", args=[deal.pk]))
    deal.move_to_bin(by=rep)
    assert _events(deal, FieldChange.Action.DELETED).count() == 1


@pytest.mark.parametrize("who", ["teammate", "outsider", "other_leader"])
def test_colleagues_outside_the_scope_get_404_on_delete_and_nothing_changes(request, rep, who):
    deal = OpportunityFactory(owner=rep)
    client = client_for(request.getfixturevalue(who))
    assert client.post(reverse("opportunities:delete", args=[deal.pk])).status_code == 404
    assert Opportunity.objects.filter(pk=deal.pk).exists()


def test_delete_needs_post(rep, rep_client):
    deal = OpportunityFactory(owner=rep)
    assert rep_client.get(reverse("opportunities:delete", args=[deal.pk])).status_code == 405
    assert Opportunity.objects.filter(pk=deal.pk).exists()


def test_a_rep_cannot_take_a_won_deal_out_of_the_figures_but_the_leader_can(rep, rep_client, leader_client, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[4])
    response = rep_client.post(reverse("opportunities:delete", args=[deal.pk]), follow=True)
    assert "Only your leader or an administrator" in response.content.decode()
    assert Opportunity.objects.filter(pk=deal.pk).exists()
    leader_client.post(reverse("opportunities:delete", args=[deal.pk]))
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_a_pending_approval_leaves_the_leaders_inbox_with_its_deal(rep, leader, stages):
    deal = OpportunityFactory(owner=rep)
    ApprovalRequest.objects.create(opportunity=deal, stage=stages[3], amount=deal.amount, requested_by=rep)
    assert ApprovalRequest.objects.awaiting_decision_by(leader).count() == 1
    deal.move_to_bin(by=rep)
    assert ApprovalRequest.objects.awaiting_decision_by(leader).count() == 0
    assert ApprovalRequest.all_objects.filter(opportunity_id=deal.pk).count() == 1


def test_a_rep_sees_what_they_deleted_but_cannot_restore(rep, rep_client):
    deal = OpportunityFactory(owner=rep, name="Mine in the bin")
    deal.move_to_bin(by=rep)
    page = rep_client.get(reverse("recyclebin:list"))
    assert "Mine in the bin" in page.content.decode()
    assert "Restore" not in page.content.decode()
    response = rep_client.post(reverse("recyclebin:restore", args=["deal", deal.pk]))
    assert response.status_code == 403
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_the_owners_leader_restores_a_deal_and_history_says_so(rep, leader, leader_client):
    deal = OpportunityFactory(owner=rep, name="Back again")
    deal.move_to_bin(by=rep)
    assert "Back again" in leader_client.get(reverse("recyclebin:list")).content.decode()

    response = leader_client.post(reverse("recyclebin:restore", args=["deal", deal.pk]))

    assert response.status_code == 302
    restored = Opportunity.objects.get(pk=deal.pk)
    assert restored.deleted_at is None and restored.deleted_by is None
    assert _events(deal, FieldChange.Action.RESTORED).get().changed_by == leader
    assert "Back again" in leader_client.get(reverse("opportunities:list")).content.decode()


@pytest.mark.parametrize("who", ["teammate", "outsider", "other_leader"])
def test_people_outside_the_scope_neither_see_nor_restore_a_binned_deal(request, rep, who):
    deal = OpportunityFactory(owner=rep, name="Private bin item")
    deal.move_to_bin(by=rep)
    client = client_for(request.getfixturevalue(who))
    assert "Private bin item" not in client.get(reverse("recyclebin:list")).content.decode()
    assert client.post(reverse("recyclebin:restore", args=["deal", deal.pk])).status_code == 404
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_an_admin_sees_and_restores_everything(rep, outsider, admin_client_):
    deal = OpportunityFactory(owner=outsider, name="North bin item")
    deal.move_to_bin(by=outsider)
    lead = LeadFactory(owner=rep, name="East lead in bin")
    lead.move_to_bin(by=rep)
    page = admin_client_.get(reverse("recyclebin:list")).content.decode()
    assert "North bin item" in page and "East lead in bin" in page
    admin_client_.post(reverse("recyclebin:restore", args=["lead", lead.pk]))
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_restoring_after_thirty_days_is_refused(rep, leader_client):
    deal = OpportunityFactory(owner=rep)
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        deal.move_to_bin(by=rep)
    response = leader_client.post(reverse("recyclebin:restore", args=["deal", deal.pk]), follow=True)
    assert "deleted too long ago" in response.content.decode()
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_an_unknown_kind_is_a_404(leader_client):
    assert leader_client.post(reverse("recyclebin:restore", args=["planet", 1])).status_code == 404


def test_leads_customers_contacts_and_follow_ups_go_to_the_bin_from_their_pages(rep, rep_client, leader_client):
    lead = LeadFactory(owner=rep)
    customer = CustomerFactory(owner=rep, name="Lonely Co")
    contact = ContactFactory(customer=CustomerFactory(owner=rep), name="Gone Person")
    deal = OpportunityFactory(owner=rep)
    follow_up = ActivityFactory(opportunity=deal, summary="Wrong deal call")

    assert rep_client.post(reverse("leads:delete", args=[lead.pk])).status_code == 302
    assert rep_client.post(reverse("customers:delete", args=[customer.pk])).status_code == 302
    assert rep_client.post(reverse("customers:delete_contact", args=[contact.pk])).status_code == 302
    assert rep_client.post(reverse("opportunities:delete_follow_up", args=[follow_up.pk])).status_code == 302
    rep_client.get(reverse("customers:list"))  # shows (and clears) the confirmations

    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not Activity.objects.filter(pk=follow_up.pk).exists()
    assert "Wrong deal call" not in rep_client.get(deal.get_absolute_url()).content.decode()
    assert "Gone Person" not in rep_client.get(contact.customer.get_absolute_url()).content.decode()
    page = leader_client.get(reverse("recyclebin:list")).content.decode()
    for text in ("Lonely Co", "Gone Person", "Wrong deal call"):
        assert text in page


def test_a_customer_with_deals_is_not_deleted(rep, rep_client):
    deal = OpportunityFactory(owner=rep)
    response = rep_client.post(reverse("customers:delete", args=[deal.customer_id]), follow=True)
    assert "still belong to this customer" in response.content.decode()
    assert Customer.objects.filter(pk=deal.customer_id).exists()


def test_a_deal_whose_customer_is_in_the_bin_waits_for_the_customer(rep, leader):
    deal = OpportunityFactory(owner=rep)
    deal.move_to_bin(by=rep)
    deal.customer.move_to_bin(by=rep)
    with pytest.raises(Exception, match="customer first"):
        Opportunity.all_objects.get(pk=deal.pk).restore(by=leader)
    Customer.all_objects.get(pk=deal.customer_id).restore(by=leader)
    Opportunity.all_objects.get(pk=deal.pk).restore(by=leader)
    assert Opportunity.objects.filter(pk=deal.pk).exists()


def test_the_purge_erases_after_thirty_days_and_keeps_the_stage_history(rep, stages):
    deal = OpportunityFactory(owner=rep, name="Old deal", amount=Decimal("1000"), need_description="CRM")
    ActivityFactory(opportunity=deal)
    deal.move_to(stages[2], by=rep)
    history = StageChange.objects.filter(opportunity_id=deal.pk).count()
    lead = LeadFactory(owner=rep)
    recent = OpportunityFactory(owner=rep)
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        deal.move_to_bin(by=rep)
        lead.move_to_bin(by=rep)
    recent.move_to_bin(by=rep)

    counts = purge_expired(batch_size=1)

    assert counts["leads.Lead"] == 1 and counts["opportunities.Opportunity"] == 1
    assert not Lead.all_objects.filter(pk=lead.pk).exists()
    tombstone = Opportunity.all_objects.get(pk=deal.pk)
    assert tombstone.purged_at is not None and tombstone.name == ""
    assert history and StageChange.all_objects.filter(opportunity_id=deal.pk).count() == history
    assert not Activity.all_objects.filter(opportunity_id=deal.pk).exists()
    assert _events(tombstone, FieldChange.Action.DELETED).exists()
    # The recent one stays restorable; a second run finds nothing left to do.
    assert Opportunity.all_objects.get(pk=recent.pk).purged_at is None
    assert sum(purge_expired().values()) == 0


def test_a_customer_still_named_by_a_purged_deal_is_kept_as_an_anonymised_tombstone(rep):
    deal = OpportunityFactory(owner=rep)
    customer = deal.customer
    ContactFactory(customer=customer)
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        deal.move_to_bin(by=rep)
        customer.move_to_bin(by=rep)
    purge_expired()
    kept = Customer.all_objects.get(pk=customer.pk)
    assert kept.purged_at is not None and kept.name == ""
    assert not Contact.all_objects.filter(customer_id=customer.pk).exists()
    assert "Customer" not in [k for k, v in purge_expired().items() if v]


def test_the_purge_command_runs_the_same_purge(rep, capsys):
    lead = LeadFactory(owner=rep)
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        lead.move_to_bin(by=rep)
    call_command("purge_recycle_bin")
    assert "Purged 1 record(s)" in capsys.readouterr().out
    assert not Lead.all_objects.filter(pk=lead.pk).exists()


def test_the_purge_is_scheduled_in_celery_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Recycle bin purge")
    assert task.task == "recyclebin.purge_expired" and task.enabled


def test_deleting_in_admin_moves_to_the_bin(admin_client_, rep):
    deal = OpportunityFactory(owner=rep)
    customer = CustomerFactory(owner=rep)
    url = reverse("admin:opportunities_opportunity_delete", args=[deal.pk])
    assert admin_client_.get(url).status_code == 200
    admin_client_.post(url, {"post": "yes"})
    admin_client_.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "delete_selected", "_selected_action": [customer.pk], "post": "yes"},
    )
    assert Opportunity.all_objects.get(pk=deal.pk).deleted_at is not None
    assert Customer.all_objects.get(pk=customer.pk).deleted_at is not None
    assert _events(deal, FieldChange.Action.DELETED).exists()


def _bin_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("recyclebin:list")).status_code == 200
    return len(queries)


def test_the_bin_runs_a_fixed_number_of_queries(rep, teammate, leader, admin_user):
    def fill(n):
        for i in range(n):
            owner = rep if i % 2 else teammate
            deal = OpportunityFactory(owner=owner)
            ActivityFactory(opportunity=deal).move_to_bin(by=owner)
            ContactFactory(customer=deal.customer).move_to_bin(by=owner)
            LeadFactory(owner=owner).move_to_bin(by=owner)
            CustomerFactory(owner=owner).move_to_bin(by=owner)
            deal.move_to_bin(by=owner)

    users = [rep, leader, admin_user]
    fill(2)
    small = [_bin_queries(client_for(u)) for u in users]
    fill(8)
    large = [_bin_queries(client_for(u)) for u in users]
    assert small == large
    assert max(large) <= 12, large


def test_a_binned_deal_gets_no_stale_or_follow_up_reminders(rep):
    from notifications.models import Notification
    from opportunities.reminders import scan_follow_ups_due, scan_stale

    long_ago = timezone.now() - timedelta(days=200)
    deal = OpportunityFactory(
        owner=rep, stage_entered_at=long_ago, created_at=long_ago, next_follow_up_at=long_ago + timedelta(days=1)
    )
    deal.move_to_bin(by=rep)
    scan_stale()
    scan_follow_ups_due()
    assert not Notification.objects.exists()
    Opportunity.all_objects.get(pk=deal.pk).restore(by=rep.team.leader)
    scan_stale()
    assert Notification.objects.filter(recipient=rep).exists()


def test_a_deleted_follow_up_no_longer_counts_as_activity(rep, leader):
    deal = OpportunityFactory(owner=rep)
    earlier = ActivityFactory(opportunity=deal, occurred_at=timezone.now() - timedelta(days=40))
    latest = ActivityFactory(opportunity=deal, occurred_at=timezone.now() - timedelta(days=1))
    Opportunity.objects.filter(pk=deal.pk).update(last_activity_at=latest.occurred_at)
    latest.move_to_bin(by=rep)
    assert Opportunity.objects.get(pk=deal.pk).last_activity_at == earlier.occurred_at
    Activity.all_objects.get(pk=latest.pk).restore(by=leader)
    assert Opportunity.objects.get(pk=deal.pk).last_activity_at == latest.occurred_at


def test_the_retention_period_comes_from_settings(rep, rep_client, leader, settings):
    settings.RECYCLE_BIN_RETENTION_DAYS = 7
    deal = OpportunityFactory(owner=rep)
    assert "restore it within 7 days" in rep_client.get(deal.get_absolute_url()).content.decode()
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        deal.move_to_bin(by=rep)
    with pytest.raises(Exception, match="too long ago"):
        Opportunity.all_objects.get(pk=deal.pk).restore(by=leader)
    assert purge_expired()["opportunities.Opportunity"] == 1


def test_the_admin_lists_the_bin_on_request_and_restores_from_it(admin_client_, rep):
    live = OpportunityFactory(owner=rep, name="Live one")
    binned = OpportunityFactory(owner=rep, name="Binned one")
    binned.move_to_bin(by=rep)
    url = reverse("admin:opportunities_opportunity_changelist")
    default = admin_client_.get(url).content.decode()
    assert "Live one" in default and "Binned one" not in default
    in_bin = admin_client_.get(url, {"bin": "in"}).content.decode()
    assert "Binned one" in in_bin and "Live one" not in in_bin
    admin_client_.post(url + "?bin=in", {"action": "restore_from_bin", "_selected_action": [binned.pk]})
    assert Opportunity.objects.filter(pk__in=[live.pk, binned.pk]).count() == 2
    assert _events(binned, FieldChange.Action.RESTORED).exists()
