"""History shown in words on each record's page, to those who may see the record."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from audit.display import describe, format_day
from audit.models import FieldChange
from audit.tracking import acting_as
from customers.models import Contact, Customer
from leads.models import Lead
from opportunities.models import Opportunity
from tests.factories import ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory, UserFactory

from .conftest import text

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def loaded(model, pk):
    return model.objects.get(pk=pk)


def test_the_deal_page_says_who_changed_the_amount_from_what_to_what_and_when(rep, rep_client, stages):
    wang = UserFactory(username="wangwei", first_name="Wang", last_name="Wei", team=rep.team)
    deal = loaded(Opportunity, OpportunityFactory(owner=rep, amount=Decimal("300000")).pk)
    with time_machine.travel(datetime.datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        with acting_as(wang):
            deal.amount = Decimal("450000")
            deal.expected_close_date = datetime.date(2027, 1, 15)
            deal.value_tier = "high"
            deal.save()
    with time_machine.travel(datetime.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)):
        body = text(rep_client.get(reverse("opportunities:detail", args=[deal.pk])).content.decode())
    assert "Wang Wei, 3 Nov" in body
    assert "Amount ¥300,000 → ¥450,000" in body
    assert "Expected close date — → 15 Jan 2027" in body
    assert "Value tier Medium value → High value" in body


def test_stage_and_owner_changes_name_the_stage_and_the_person(rep, teammate, stages):
    deal = loaded(Opportunity, OpportunityFactory(owner=rep, stage=stages[1]).pk)
    deal.stage, deal.probability, deal.owner = stages[2], 50, teammate
    deal.save()
    [entry] = describe(deal.field_history().filter(action="changed"))
    words = {line.label: (line.old, line.new) for line in entry.lines}
    assert words == {
        "Stage": ("Purchase plan confirmed", "Inquiry / bidding"),
        "Probability (%)": ("20 %", "50 %"),
        "Owner": ("Rita", "Tom"),
    }
    assert entry.by_name == "System"


def test_dates_and_money_read_in_chinese_too():
    with translation.override("zh-hans"):
        assert format_day(datetime.date(2026, 11, 3), with_year=False) == "11月3日"
        assert format_day(datetime.date(2027, 1, 15), with_year=True) == "2027年1月15日"
        from crm.templatetags.crm import money

        assert money(Decimal("450000")) == "¥450,000"


def test_the_deal_timeline_does_not_repeat_what_the_stage_move_says(rep, rep_client, stages):
    deal = loaded(Opportunity, OpportunityFactory(owner=rep, stage=stages[1], need_description="Quotes").pk)
    deal.activities.create(summary="Call", created_by=rep)
    deal.move_to(stages[2], rep)
    timeline = rep_client.get(reverse("opportunities:detail", args=[deal.pk])).context["timeline"]
    assert not [e for e in timeline if "edit" in e]
    assert FieldChange.objects.for_object(deal).filter(field="stage_id").exists()


def test_competitors_are_named_in_the_history(rep):
    from opportunities.models import Competitor

    deal = loaded(Opportunity, OpportunityFactory(owner=rep).pk)
    before = deal.history_m2m_ids()
    deal.competitors.set([Competitor.objects.create(name="Rival Soft"), Competitor.objects.create(name="Big Co")])
    deal.record_m2m_changes(before)
    [entry] = describe(deal.field_history().filter(action="changed"))
    assert [(line.label, line.old, line.new) for line in entry.lines] == [("Competitors", "—", "Rival Soft, Big Co")]


def test_a_deleted_related_record_is_named_by_its_id(rep, teammate):
    deal = loaded(Opportunity, OpportunityFactory(owner=rep).pk)
    contact = ContactFactory(customer=deal.customer, name="Gone")
    deal.primary_contact = contact
    deal.save()
    contact_pk = contact.pk
    Contact.objects.filter(pk=contact_pk).delete()
    [entry] = describe(deal.field_history().filter(action="changed"))
    assert entry.lines[0].new == f"Contact #{contact_pk}"


def test_describing_costs_one_query_per_related_model_however_many_rows(rep, teammate, stages):
    deals = [loaded(Opportunity, OpportunityFactory(owner=rep).pk) for _ in range(10)]

    def count(n):
        for deal in deals[:n]:
            deal.owner = teammate if deal.owner_id == rep.pk else rep
            deal.amount += 1
            deal.save()
        rows = FieldChange.objects.filter(field__in=["owner_id", "amount"]).select_related("changed_by")
        with CaptureQueriesContext(connection) as queries:
            describe(rows)
        return len(queries)

    assert count(1) == count(10) == 2  # the rows, and the users they name


def test_the_lead_page_has_a_history_card(rep, rep_client):
    lead = loaded(Lead, LeadFactory(owner=rep, company="Old Co").pk)
    lead.company = "New Co"
    lead.budget_confirmed = True
    with acting_as(rep):
        lead.save()
    body = text(rep_client.get(reverse("leads:detail", args=[lead.pk])).content.decode())
    assert "Company Old Co → New Co" in body
    assert "Budget confirmed no → yes" in body


def test_the_customer_page_shows_its_contacts_changes_by_name(rep, rep_client):
    customer = loaded(Customer, CustomerFactory(owner=rep, region="east").pk)
    contact = loaded(Contact, ContactFactory(customer=customer, name="Zhang Wei", attitude="neutral").pk)
    with acting_as(rep):
        contact.attitude = "supportive"
        contact.save()
        customer.region = "north"
        customer.save()
    body = text(rep_client.get(reverse("customers:detail", args=[customer.pk])).content.decode())
    assert "Contact Zhang Wei · Changed" in body and "Attitude Neutral → Supportive" in body
    assert "Region East China → North China" in body


def test_history_is_seen_only_with_the_record(rep, rep_client, outsider_client, leader_client):
    deal = loaded(Opportunity, OpportunityFactory(owner=rep, amount=Decimal("300000")).pk)
    deal.amount = Decimal("450000")
    deal.save()
    lead = loaded(Lead, LeadFactory(owner=rep).pk)
    lead.company = "Secret Co"
    lead.save()
    pages = [
        reverse("opportunities:detail", args=[deal.pk]),
        reverse("leads:detail", args=[lead.pk]),
        reverse("customers:detail", args=[deal.customer_id]),
    ]
    for url in pages:
        assert outsider_client.get(url).status_code == 404
        assert leader_client.get(url).status_code == 200
    assert "¥450,000" in leader_client.get(pages[0]).content.decode()


def test_the_admin_history_page_of_a_user_shows_the_field_history(admin_client_, admin_user, rep, team):
    user = User.objects.get(pk=rep.pk)
    with acting_as(admin_user):
        user.team = None
        user.is_active = False
        user.save()
    response = admin_client_.get(reverse("admin:accounts_user_history", args=[rep.pk]))
    body = text(response.content.decode())
    assert response.status_code == 200, body
    assert "Team: East → —" in body and "Active: yes → no" in body and str(admin_user) in body


@pytest.mark.parametrize(
    "url_name", ["admin:leads_lead_history", "admin:customers_customer_history", "admin:opportunities_stage_history"]
)
def test_admin_history_pages_load_for_tracked_models(admin_client_, rep, stages, url_name):
    record = {
        "admin:leads_lead_history": lambda: LeadFactory(owner=rep),
        "admin:customers_customer_history": lambda: CustomerFactory(owner=rep),
        "admin:opportunities_stage_history": lambda: stages[1],
    }[url_name]()
    response = admin_client_.get(reverse(url_name, args=[record.pk]))
    assert response.status_code == 200 and "Field history" in response.content.decode()


def test_the_history_admin_cannot_add_change_or_delete_rows(admin_client_, rep):
    deal = loaded(Opportunity, OpportunityFactory(owner=rep).pk)
    deal.amount = Decimal("1")
    deal.save()
    row = FieldChange.objects.filter(field="amount").get()
    assert admin_client_.get(reverse("admin:audit_fieldchange_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:audit_fieldchange_add")).status_code == 403
    assert admin_client_.post(
        reverse("admin:audit_fieldchange_delete", args=[row.pk]), {"post": "yes"}
    ).status_code in (
        403,
        302,
    )
    assert FieldChange.objects.filter(pk=row.pk, new_value="1").exists()


def test_the_deal_page_keeps_its_query_count_with_5_or_50_history_rows(rep, teammate, leader_client):
    def page_queries(rows: int) -> int:
        deal = loaded(Opportunity, OpportunityFactory(owner=rep).pk)
        for i in range(rows):
            deal.amount = Decimal(1000 + i)
            deal.owner = teammate if i % 2 else rep
            deal.save()
        assert FieldChange.objects.for_object(deal).filter(action="changed").count() == 2 * rows - 1
        with CaptureQueriesContext(connection) as queries:
            assert leader_client.get(reverse("opportunities:detail", args=[deal.pk])).status_code == 200
        return len(queries)

    assert page_queries(5) == page_queries(50)
