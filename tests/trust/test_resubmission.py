"""A form sent twice (a double click, the browser's "resubmit", a retry after a timeout) creates
one record, and the second submission gets the first one's result, not an error."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import Submission
from customers.models import Contact, Customer
from leads.models import Lead
from opportunities.models import Activity, ApprovalRequest, Objection, Opportunity
from tests.factories import CustomerFactory, LeadFactory, OpportunityFactory
from tests.threads import at_once

from .pages import form_posting_to


def _deal(rep, stages, **fields):
    customer = CustomerFactory(owner=rep, name="Acme Ltd")
    return OpportunityFactory(owner=rep, customer=customer, name="ERP rollout", **fields)


def _send_twice(client, page_url: str, action: str, **overrides):
    """Render the page, fill its form, and send that same form twice."""
    page = client.get(page_url)
    assert page.status_code == 200
    form = form_posting_to(page.content.decode(), page_url, action)
    assert form.fields.get("idempotency_key"), f"the form posting to {action} carries no idempotency key"
    data = form.data(**overrides)
    return client.post(action, data), client.post(action, data)


# Each case: how to set it up, and what to count. `setup(rep, stages)` returns
# (page url, form action, field values, queryset whose count must grow by exactly one).
def _follow_up_on_deal(rep, stages):
    deal = _deal(rep, stages)
    action = reverse("opportunities:log_follow_up", args=[deal.pk])
    return deal.get_absolute_url(), action, {"summary": "Called the CFO"}, Activity.objects.filter(opportunity=deal)


def _follow_up_on_lead(rep, stages):
    lead = LeadFactory(owner=rep)
    action = reverse("leads:log_follow_up", args=[lead.pk])
    return lead.get_absolute_url(), action, {"summary": "Called back"}, Activity.objects.filter(lead=lead)


def _objection(rep, stages):
    deal = _deal(rep, stages)
    action = reverse("opportunities:add_objection", args=[deal.pk])
    data = {"kind": "price", "description": "Too expensive"}
    return deal.get_absolute_url(), action, data, Objection.objects.filter(opportunity=deal)


def _contact(rep, stages):
    deal = _deal(rep, stages)
    action = reverse("opportunities:add_contact", args=[deal.pk])
    data = {"name": "Li Lei", "email": "li@acme.example"}
    return deal.get_absolute_url(), action, data, Contact.objects.filter(customer=deal.customer)


def _new_deal(rep, stages):
    customer = CustomerFactory(owner=rep)
    action = reverse("opportunities:new_for_customer", args=[customer.pk])
    return action, action, {"name": "Second line", "amount": "20000"}, Opportunity.objects.filter(customer=customer)


def _follow_on(rep, stages):
    won = _deal(rep, stages, stage=stages[4])
    action = reverse("opportunities:follow_on", args=[won.pk])
    return won.get_absolute_url(), action, {"kind": "renewal"}, Opportunity.objects.filter(parent=won)


def _lead(rep, stages):
    action = reverse("leads:new")
    data = {"name": "Wang Fang", "company": "Hangzhou Tea Co", "email": "wang@tea.example", "owner": str(rep.pk)}
    return action, action, data, Lead.objects.filter(company="Hangzhou Tea Co")


def _conversion(rep, stages):
    lead = LeadFactory(owner=rep, qualified=True)
    action = reverse("leads:convert", args=[lead.pk])
    return action, action, {}, Opportunity.objects.filter(customer__name=lead.company)


def _quick_win(rep, stages):
    lead = LeadFactory(owner=rep)
    action = reverse("leads:convert_as_won", args=[lead.pk])
    return lead.get_absolute_url(), action, {"amount": "5000"}, Opportunity.objects.filter(customer__name=lead.company)


def _approval_request(rep, stages):
    deal = _deal(rep, stages, stage=stages[2], amount=Decimal("2000000"))
    deal.need_description = "ERP"
    deal.save()
    from tests.factories import ContactFactory

    contact = ContactFactory(customer=deal.customer, buying_role=Contact.BuyingRole.DECISION_MAKER)
    deal.contacts.add(contact)
    action = reverse("opportunities:request_approval", args=[deal.pk])
    data = {"stage": str(stages[3].pk), "note": "Big one"}
    return deal.get_absolute_url(), action, data, ApprovalRequest.objects.filter(opportunity=deal)


CREATES = {
    "follow-up on a deal": _follow_up_on_deal,
    "follow-up on a lead": _follow_up_on_lead,
    "objection": _objection,
    "contact on a deal": _contact,
    "new deal for a customer": _new_deal,
    "follow-on deal": _follow_on,
    "lead": _lead,
    "conversion": _conversion,
    "conversion straight to won": _quick_win,
    "approval request": _approval_request,
}


@pytest.mark.django_db
@pytest.mark.parametrize("create", CREATES.values(), ids=CREATES.keys())
def test_a_form_sent_twice_creates_one_record_and_both_answers_agree(create, rep, leader, rep_client, stages):
    page, action, values, created = create(rep, stages)
    before = created.count()
    first, second = _send_twice(rep_client, page, action, **values)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert created.count() == before + 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]


@pytest.mark.django_db
def test_a_follow_up_sent_twice_through_htmx_is_logged_once_and_answered_alike(rep, rep_client, stages):
    page, action, values, created = _follow_up_on_deal(rep, stages)
    form = form_posting_to(rep_client.get(page).content.decode(), page, action)
    data = form.data(**values)
    first = rep_client.post(action, data, headers={"HX-Request": "true"})
    second = rep_client.post(action, data, headers={"HX-Request": "true"})
    assert first.status_code == second.status_code == 200
    assert created.count() == 1
    assert "Called the CFO" in second.content.decode()
    # the form that comes back for the next follow-up carries a fresh key
    assert f'value="{data["idempotency_key"]}"' not in second.content.decode()


@pytest.mark.django_db
def test_an_edit_sent_twice_is_saved_once_and_not_reported_as_a_conflict(rep, rep_client, stages):
    deal = _deal(rep, stages)
    url = reverse("opportunities:edit", args=[deal.pk])
    first, second = _send_twice(rep_client, url, url, amount="750000")
    assert first.status_code == second.status_code == 302
    assert second["Location"] == deal.get_absolute_url()
    deal.refresh_from_db()
    assert deal.amount == Decimal("750000") and deal.version == 2


@pytest.mark.django_db
def test_a_refused_submission_does_not_use_up_its_key(rep, rep_client, stages):
    deal = _deal(rep, stages)
    page, action = deal.get_absolute_url(), reverse("opportunities:add_objection", args=[deal.pk])
    form = form_posting_to(rep_client.get(page).content.decode(), page, action)
    refused = rep_client.post(action, form.data(kind="price", description=""))
    assert refused.status_code == 200 and not Objection.objects.exists()
    corrected = rep_client.post(action, form.data(kind="price", description="Too expensive"))
    assert corrected.status_code == 302 and Objection.objects.count() == 1


@pytest.mark.django_db
def test_another_users_key_is_not_a_way_to_see_their_result(rep, teammate, rep_client, stages):
    mine = _deal(rep, stages)
    theirs = OpportunityFactory(owner=teammate)
    action = reverse("opportunities:add_objection", args=[mine.pk])
    Submission.objects.create(
        key="6f1c1a5e-8a51-4a7d-9d55-2b7f0c1e2d3a",
        action="opportunities:add_objection",
        user=teammate,
        result_url=theirs.get_absolute_url(),
    )
    data = {"kind": "price", "description": "Too expensive", "idempotency_key": "6f1c1a5e-8a51-4a7d-9d55-2b7f0c1e2d3a"}
    response = rep_client.post(action, data)
    assert response["Location"] == f"{mine.get_absolute_url()}#objections"
    assert Objection.objects.filter(opportunity=mine).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_two_simultaneous_submissions_of_one_follow_up_form_log_it_once(rep, stages):
    if connection.vendor != "postgresql":
        pytest.fail("run the concurrency tests on PostgreSQL (SQLite has no row locks)")
    deal = _deal(rep, stages)
    action = reverse("opportunities:log_follow_up", args=[deal.pk])
    data = {
        "kind": "call",
        "summary": "Called",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "idempotency_key": "0b7e7c1e-1d2a-4a86-9d4b-3f7d8f6a9e10",
    }
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(rep)

    statuses = at_once(lambda: clients.pop().post(action, data).status_code)
    assert statuses == [302, 302]
    assert Activity.objects.filter(opportunity=deal).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
@pytest.mark.parametrize("reach", [{"email": "Wang@Robotics.example"}, {"email": "", "phone": "+86 138 0013 8000"}])
def test_ten_simultaneous_website_submissions_for_one_address_make_one_lead(reach):
    if connection.vendor != "postgresql":
        pytest.fail("run the concurrency tests on PostgreSQL (SQLite has no row locks)")
    from leads.intake import create_web_lead

    barrier = threading.Barrier(10)
    errors: list[str] = []

    def submit(i: int):
        try:
            barrier.wait()
            create_web_lead(
                {
                    "name": "Wang Fang",
                    "company": "Hangzhou Robotics",
                    **reach,
                    "message": str(i),
                }
            )
        except Exception as exc:  # anything else is a bug this test must show
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    lead = Lead.objects.get()
    assert lead.events.count() == 10
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_old_submission_keys_are_forgotten_and_recent_ones_kept(rep):
    from datetime import timedelta

    from django.core.management import call_command

    old = Submission.objects.create(key="11111111-1111-4111-8111-111111111111", action="x", user=rep)
    Submission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    Submission.objects.create(key="22222222-2222-4222-8222-222222222222", action="x", user=rep)
    call_command("purge_submissions", "--days", "30")
    assert [str(key) for key in Submission.objects.values_list("key", flat=True)] == [
        "22222222-2222-4222-8222-222222222222"
    ]
