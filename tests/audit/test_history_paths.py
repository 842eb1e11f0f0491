"""Every path that changes a record writes one history row per changed field, with the right user."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import FieldChange
from audit.tracking import acting_as
from customers.models import Contact, Customer
from leads.assignment import assign_lead
from leads.automation_models import AssignmentRule
from leads.models import Lead
from opportunities.models import Activity, ApprovalRequest, Opportunity
from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory

from .conftest import admin_form_data, changes, created_by

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_edit_form_writes_one_row_per_changed_field_by_the_signed_in_rep(rep_client, rep):
    deal = OpportunityFactory(owner=rep, amount=Decimal("300000"), expected_close_date=datetime.date(2026, 12, 1))
    response = rep_client.post(
        reverse("opportunities:edit", args=[deal.pk]),
        {
            "name": deal.name,
            "owner": rep.pk,
            "amount": "450000",
            "expected_close_date": "2027-01-15",
            "value_tier": deal.value_tier,
            "urgency": deal.urgency,
            "buying_stage": deal.buying_stage,
            "version": deal.version,
        },
    )
    assert response.status_code == 302
    assert changes(deal) == {
        "amount": ("300000", "450000", rep),
        "expected_close_date": ("2026-12-01", "2027-01-15", rep),
    }
    deal.refresh_from_db()
    assert deal.close_date_push_count == 1


def test_a_board_move_writes_stage_and_probability_once_by_the_rep(rep_client, rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1], need_description="Faster quoting")
    ActivityFactory(opportunity=deal)
    before = FieldChange.objects.count()
    response = rep_client.post(reverse("opportunities:move", args=[deal.pk]), {"stage": stages[2].pk}, **HTMX)
    assert response.status_code == 200
    assert changes(deal) == {
        "stage_id": (str(stages[1].pk), str(stages[2].pk), rep),
        "probability": ("20", "50", rep),
    }
    assert FieldChange.objects.count() == before + 2


def test_move_to_outside_a_request_is_attributed_to_its_by(rep, leader, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1], need_description="Needs", expected_close_date=None)
    ActivityFactory(opportunity=deal)
    with acting_as(rep):  # whoever runs the code, the move says who moved
        deal.move_to(stages[2], leader)
    assert {field: who for field, (_old, _new, who) in changes(deal).items()} == {
        "stage_id": leader,
        "probability": leader,
    }


def test_the_admin_change_form_writes_rows_by_the_admin(admin_client_, rep, admin_user):
    customer = CustomerFactory(owner=rep, name="Acme", value_tier="medium")
    contact = ContactFactory(customer=customer, name="Zhang Wei", title="CTO")
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    data = admin_form_data(admin_client_.get(url))
    data.update({"name": "Acme Group", "value_tier": "high", "contacts-0-title": "CEO", "_save": "Save"})
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert changes(customer) == {
        "name": ("Acme", "Acme Group", admin_user),
        "value_tier": ("medium", "high", admin_user),
    }
    assert changes(contact) == {"title": ("CTO", "CEO", admin_user)}


def test_the_admin_bulk_move_writes_rows_by_the_admin(admin_client_, admin_user, rep, stages):
    ready = OpportunityFactory(owner=rep, stage=stages[1], expected_close_date=timezone.localdate())
    admin_client_.post(
        reverse("admin:opportunities_opportunity_changelist"),
        {"action": f"move_to_stage_{stages[4].pk}", "_selected_action": [ready.pk]},
    )
    assert changes(ready) == {
        "stage_id": (str(stages[1].pk), str(stages[4].pk), admin_user),
        "probability": ("20", "100", admin_user),
    }


def test_the_admin_changing_a_stage_probability_is_history_of_the_stage_and_its_deals(
    admin_client_, admin_user, rep, stages
):
    deal = OpportunityFactory(owner=rep, stage=stages[2])
    url = reverse("admin:opportunities_stage_change", args=[stages[2].pk])
    data = admin_form_data(admin_client_.get(url))
    data.update({"probability": "55", "_save": "Save"})
    assert admin_client_.post(url, data).status_code == 302
    assert changes(stages[2]) == {"probability": ("50", "55", admin_user)}
    assert changes(deal) == {"probability": ("50", "55", admin_user)}


def test_converting_a_lead_records_the_lead_fields_and_the_new_records_by_the_rep(rep_client, rep):
    lead = LeadFactory(owner=rep, qualified=True, company="Prospect Co")
    response = rep_client.post(reverse("leads:convert", args=[lead.pk]))
    deal = Opportunity.objects.get()
    assert response["Location"] == deal.get_absolute_url()
    lead_changes = changes(lead)
    assert set(lead_changes) == {"status", "opportunity_id", "converted_at"}
    assert lead_changes["status"] == ("qualified", "converted", rep)  # BANT met: qualified from its creation
    assert lead_changes["opportunity_id"][1:] == (str(deal.pk), rep)
    assert created_by(deal) == rep
    assert created_by(Customer.objects.get(name="Prospect Co")) == rep
    assert created_by(Contact.objects.get()) == rep


def test_model_methods_taking_by_record_that_user_outside_a_request(rep, leader, teammate):
    lead = LeadFactory(owner=rep, qualified=True)
    with acting_as(teammate):
        lead.convert_as_won(rep, Decimal("5000"))
    assert changes(lead)["status"] == ("qualified", "converted", rep)
    other = LeadFactory(owner=rep)
    other.disqualify(leader, "No budget this year")
    assert changes(other) == {
        "status": ("new", "disqualified", leader),
        "disqualify_reason": ("", "No budget this year", leader),
    }


def test_logging_a_follow_up_records_the_plan_it_sets_on_the_deal(rep_client, rep):
    deal = OpportunityFactory(owner=rep, next_step="")
    before = FieldChange.objects.count()
    response = rep_client.post(
        reverse("opportunities:log_follow_up", args=[deal.pk]),
        {
            "kind": "call",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "summary": "Talked budget",
            "next_step": "Send the quote",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert created_by(activity) == rep
    assert changes(deal) == {"next_step": ("", "Send the quote", rep)}
    assert FieldChange.objects.count() == before + 2
    # the deal saved afterwards does not write the same change again
    deal = Opportunity.objects.get(pk=deal.pk)
    deal.name = "Renamed"
    deal.save()
    assert set(changes(deal)) == {"next_step", "name"}


def test_an_in_memory_record_saved_after_a_follow_up_does_not_repeat_its_changes(rep):
    deal = Opportunity.objects.get(pk=OpportunityFactory(owner=rep).pk)
    Activity.log(by=rep, opportunity=deal, summary="Call", next_step="Demo")
    deal.amount = Decimal("7")
    deal.save()
    assert set(changes(deal)) == {"next_step", "amount"}


def test_approving_a_large_deal_moves_it_as_the_leader(rep, leader, team, stages):
    stages[3].approval_threshold = Decimal("1000000")
    stages[3].save()
    deal = OpportunityFactory(owner=rep, stage=stages[2], amount=Decimal("2000000"))
    contact = ContactFactory(customer=deal.customer, buying_role="decision_maker")
    deal.contacts.add(contact)
    request = ApprovalRequest.open_for(deal, stages[3], by=rep)
    with acting_as(rep):
        request.approve(leader)
    assert changes(deal)["stage_id"] == (str(stages[2].pk), str(stages[3].pk), leader)


def test_assignment_is_recorded_as_the_system_whoever_triggers_it(rep, team, teammate):
    AssignmentRule.objects.create(name="All to East", order=1, team=team)
    lead = LeadFactory(owner=None, team=None)
    with acting_as(rep):
        assign_lead(Lead.objects.get(pk=lead.pk))
    recorded = changes(lead)
    lead.refresh_from_db()
    assert recorded["owner_id"] == (None, str(lead.owner_id), None)
    assert recorded["team_id"] == (None, str(team.pk), None)
    assert FieldChange.objects.for_object(lead).filter(field="owner_id").get().note == "All to East"


def test_users_changes_are_history_but_never_their_password_or_sign_in(rep, admin_user):
    user = User.objects.get(pk=rep.pk)
    with acting_as(admin_user):
        user.first_name = "Rita B."
        user.set_password("another-secret-123")
        user.last_login = timezone.now()
        user.save()
    assert changes(user) == {"first_name": ("Rita", "Rita B.", admin_user)}
    assert not FieldChange.objects.filter(field__in=["password", "last_login"]).exists()


def test_the_contact_role_form_and_objection_resolution_are_history(rep_client, rep):
    deal = OpportunityFactory(owner=rep)
    contact = ContactFactory(customer=deal.customer, buying_role="influencer", attitude="neutral")
    deal.contacts.add(contact)
    rep_client.post(
        reverse("opportunities:update_contact", args=[deal.pk, contact.pk]),
        {"buying_role": "decision_maker", "attitude": "neutral"},
    )
    assert changes(contact) == {"buying_role": ("influencer", "decision_maker", rep)}
    objection = deal.objections.create(kind="price", description="Too dear")
    rep_client.post(
        reverse("opportunities:resolve_objection", args=[deal.pk, objection.pk]), {"response": "Phased payment"}
    )
    assert changes(objection) == {
        "is_resolved": ("false", "true", rep),
        "response": ("", "Phased payment", rep),
    }


def test_a_rejected_edit_writes_no_history(rep_client, rep, outsider):
    deal = OpportunityFactory(owner=rep, amount=Decimal("500000"))
    rep_client.post(
        reverse("opportunities:edit", args=[deal.pk]),
        {"name": deal.name, "owner": outsider.pk, "amount": "-5", "version": deal.version},
    )
    assert changes(deal) == {}


def test_the_admin_changing_a_users_groups_and_team_is_history(admin_client_, admin_user, rep, other_team):
    from django.contrib.auth.models import Group

    leader_group = Group.objects.get(name="leader")
    url = reverse("admin:accounts_user_change", args=[rep.pk])
    data = admin_form_data(admin_client_.get(url))
    data.update({"groups": [str(leader_group.pk)], "team": str(other_team.pk), "_save": "Save"})
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    recorded = changes(rep)
    assert recorded["groups"] == (None, str(leader_group.pk), admin_user)
    assert recorded["team_id"][1:] == (str(other_team.pk), admin_user)
    assert set(recorded) == {"groups", "team_id"}


def test_choosing_competitors_on_the_edit_form_is_history(rep_client, rep):
    from opportunities.models import Competitor

    deal = OpportunityFactory(owner=rep)
    rival = Competitor.objects.create(name="Rival Soft")
    rep_client.post(
        reverse("opportunities:edit", args=[deal.pk]),
        {
            "name": deal.name,
            "owner": rep.pk,
            "amount": str(deal.amount),
            "value_tier": deal.value_tier,
            "urgency": deal.urgency,
            "buying_stage": deal.buying_stage,
            "competitors": [rival.pk],
            "version": deal.version,
        },
    )
    assert changes(deal) == {"competitors": (None, str(rival.pk), rep)}


@pytest.mark.parametrize(
    ("make", "edits"),
    [
        (lambda rep: LeadFactory(owner=rep), {"company": "A Co", "phone": "123", "notes": "n"}),
        (lambda rep: CustomerFactory(owner=rep), {"name": "B Ltd", "phone": "456", "notes": "m"}),
        (lambda rep: ContactFactory(customer=CustomerFactory(owner=rep)), {"name": "C", "title": "CFO", "phone": "7"}),
        (lambda rep: rep, {"first_name": "R", "last_name": "S", "email": "r@example.com"}),
    ],
)
def test_a_save_costs_the_same_queries_however_many_fields_change(rep, make, edits):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record = make(rep)
    record = type(record).objects.get(pk=record.pk)
    name, value = next(iter(edits.items()))
    setattr(record, name, value)
    with CaptureQueriesContext(connection) as one:
        record.save()
    for name, value in edits.items():
        setattr(record, name, f"{value}2")
    with CaptureQueriesContext(connection) as three:
        record.save()
    assert len(three) == len(one) <= 4  # savepoint handling aside: the UPDATE and one INSERT
    written = FieldChange.objects.for_object(record).filter(action="changed")
    assert sorted(written.values_list("field", flat=True)) == sorted([*edits, next(iter(edits))])
