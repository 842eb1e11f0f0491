"""Web-to-lead intake: public, validated, spam-resistant, and silent about everything else."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from leads.models import AssignmentRule, Lead, LeadAutomationSettings, LeadEvent, ScoringRule

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Wang Fang",
    "company": "Hangzhou Robotics",
    "email": "wang@robotics.example",
    "phone": "+86 571 1234 5678",
    "customer_type": "enterprise",
    "industry": "manufacturing",
    "region": "east",
    "message": "We need a CRM for 40 reps",
    "website": "",
}


@pytest.fixture
def anon():
    return Client(REMOTE_ADDR="203.0.113.7")


def test_the_form_page_is_public_and_embeddable(anon):
    response = anon.get(reverse("intake:form"))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert b'name="company"' in response.content


def test_a_valid_submission_creates_a_website_lead_ready_for_routing(
    anon, team, rep, django_capture_on_commit_callbacks
):
    ScoringRule.objects.all().delete()
    ScoringRule.objects.create(name="Form", criterion="event", value="form_submission", points=20)
    ScoringRule.objects.create(name="Enterprise", criterion="customer_type", value="enterprise", points=10)
    LeadAutomationSettings.objects.update_or_create(pk=1, defaults={"ready_threshold": 30})
    AssignmentRule.objects.create(name="Website → East", team=team)
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.post(reverse("intake:form"), GOOD)
    assert response.status_code == 302 and response.url == reverse("intake:thanks")
    lead = Lead.objects.get()
    assert (lead.name, lead.company, lead.source.code) == ("Wang Fang", "Hangzhou Robotics", "website")
    assert lead.notes == "We need a CRM for 40 reps"
    assert list(lead.events.values_list("kind", flat=True)) == [LeadEvent.Kind.FORM_SUBMISSION]
    # form submission 20 + enterprise 10 reach the threshold of 30
    assert lead.score == 30 and lead.ready_for_sales_at is not None
    assert (lead.team, lead.owner) == (team, rep)


def test_bad_input_is_refused_with_clear_errors_and_nothing_stored(anon):
    response = anon.post(reverse("intake:form"), {**GOOD, "name": "", "email": "not-an-email", "company_size": "-3"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Enter a valid email address." in html
    assert "greater than or equal to 1" in html
    assert not Lead.objects.exists()


def test_a_way_to_reach_the_prospect_is_required(anon):
    response = anon.post(reverse("intake:form"), {**GOOD, "email": "", "phone": ""})
    assert response.status_code == 400
    assert "email address or a phone number" in response.content.decode()
    assert not Lead.objects.exists()


def test_a_filled_honeypot_is_thanked_and_dropped(anon):
    response = anon.post(reverse("intake:form"), {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not Lead.objects.exists()


def test_one_address_is_rate_limited(anon, settings):
    settings.INTAKE_RATE_LIMIT = 3
    for i in range(3):
        assert anon.post(reverse("intake:form"), {**GOOD, "email": f"p{i}@x.example"}).status_code == 302
    response = anon.post(reverse("intake:form"), {**GOOD, "email": "p9@x.example"})
    assert response.status_code == 429
    assert "Too many submissions" in response.content.decode()
    assert Lead.objects.count() == 3
    other = Client(REMOTE_ADDR="198.51.100.1")
    assert other.post(reverse("intake:form"), {**GOOD, "email": "q@x.example"}).status_code == 302


def test_behind_a_proxy_a_forged_forwarded_for_does_not_escape_the_limit(settings):
    settings.INTAKE_RATE_LIMIT = 2
    settings.TRUSTED_PROXY_HOPS = 1
    client = Client(REMOTE_ADDR="10.0.0.2")  # the proxy
    codes = [
        client.post(
            reverse("intake:form"),
            {**GOOD, "email": f"f{i}@x.example"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 203.0.113.9",  # forged first entry, real client last
        ).status_code
        for i in range(4)
    ]
    assert codes == [302, 302, 429, 429]
    assert Lead.objects.count() == 2


def test_the_json_endpoint_answers_without_revealing_any_record(anon):
    response = anon.post(reverse("intake:submit"), json.dumps(GOOD), content_type="application/json")
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert set(body) == {"ok", "message"} and body["ok"] is True
    lead = Lead.objects.get()
    assert str(lead.pk) not in response.content.decode()


def test_the_json_endpoint_lists_field_errors(anon):
    response = anon.post(reverse("intake:submit"), {"name": "X"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "company" in errors and "__all__" in errors
    assert anon.post(reverse("intake:submit"), "[1, 2]", content_type="application/json").status_code == 400
    assert not Lead.objects.exists()


def test_the_endpoint_only_accepts_posts(anon):
    assert anon.get(reverse("intake:submit")).status_code == 405
    assert anon.options(reverse("intake:submit")).status_code == 204


def test_a_returning_prospect_adds_to_their_lead_instead_of_duplicating_it(anon):
    anon.post(reverse("intake:form"), GOOD)
    anon.post(reverse("intake:form"), {**GOOD, "message": "Any news?"})
    lead = Lead.objects.get()
    assert lead.events.count() == 2


def test_a_returning_prospect_without_an_email_is_known_by_their_phone_number(anon):
    phone_only = {**GOOD, "email": "", "phone": "+86 138 0013 8000"}
    anon.post(reverse("intake:form"), phone_only)
    # The same number written another way, a second time: the same lead.
    anon.post(reverse("intake:form"), {**phone_only, "phone": "138-0013-8000 ", "message": "Any news?"})
    lead = Lead.objects.get()
    assert lead.events.count() == 2 and lead.phone == "+86 138 0013 8000"
    # Another number is another prospect.
    anon.post(reverse("intake:form"), {**phone_only, "phone": "139 0013 8000"})
    assert Lead.objects.count() == 2


def test_a_prospect_whose_lead_was_deleted_gets_a_new_lead_and_the_purge_keeps_no_address(anon, leader):
    anon.post(reverse("intake:form"), GOOD)
    anon.post(reverse("intake:form"), {**GOOD, "email": "", "phone": "138 0000 1111"})
    for lead in Lead.objects.all():
        lead.move_to_bin(by=None)

    assert anon.post(reverse("intake:form"), GOOD).status_code == 302
    assert anon.post(reverse("intake:form"), {**GOOD, "email": "", "phone": "13800001111"}).status_code == 302

    assert Lead.objects.count() == 2 and Lead.all_objects.count() == 4
    for lead in Lead.all_objects.filter(deleted_at__isnull=False):
        assert lead.purge() in ("erased", "anonymised")
    assert not Lead.all_objects.filter(deleted_at__isnull=False, intake_email__isnull=False).exists()
    assert not Lead.all_objects.filter(deleted_at__isnull=False, intake_phone__isnull=False).exists()


def test_a_website_lead_restored_from_the_bin_is_found_by_its_phone_again(anon, admin_user):
    phone_only = {**GOOD, "email": "", "phone": "+86 138 0013 8000"}
    anon.post(reverse("intake:form"), phone_only)
    lead = Lead.objects.get()
    lead.move_to_bin(by=None)
    lead = Lead.all_objects.get(pk=lead.pk)
    lead.restore(by=admin_user)

    anon.post(reverse("intake:form"), {**phone_only, "message": "Still interested"})

    assert Lead.objects.get().pk == lead.pk and lead.events.count() == 2


def test_a_restored_lead_leaves_its_key_to_the_lead_that_took_it_meanwhile(anon, admin_user):
    anon.post(reverse("intake:form"), GOOD)
    first = Lead.objects.get()
    first.move_to_bin(by=None)
    anon.post(reverse("intake:form"), GOOD)  # a new lead takes the key
    second = Lead.objects.get()
    Lead.all_objects.get(pk=first.pk).restore(by=admin_user)

    anon.post(reverse("intake:form"), {**GOOD, "message": "Third"})

    assert second.events.count() == 2 and Lead.all_objects.get(pk=first.pk).intake_email is None


def test_a_key_still_held_by_a_lead_in_the_bin_does_not_stop_a_new_submission(anon):
    """A lead binned before leads let go of their keys: the submission still makes a lead."""
    anon.post(reverse("intake:form"), GOOD)
    binned = Lead.objects.get()
    binned.move_to_bin(by=None)
    Lead.all_objects.filter(pk=binned.pk).update(intake_email=GOOD["email"])  # as such a lead was left

    assert anon.post(reverse("intake:form"), {**GOOD, "message": "Hello again"}).status_code == 302

    fresh = Lead.objects.get()
    assert fresh.pk != binned.pk and fresh.email == GOOD["email"] and fresh.events.count() == 1


def test_a_bad_stage_in_an_approval_request_is_a_clear_error_not_a_crash(rep_client, rep, stages):
    from tests.factories import OpportunityFactory

    deal = OpportunityFactory(owner=rep)
    response = rep_client.post(reverse("opportunities:request_approval", args=[deal.pk]), {"stage": "abc"}, follow=True)
    assert response.status_code == 200
    assert "Choose the stage to request approval for." in response.content.decode()
