"""The REST API: tokens, scopes, and writes through the same rules as the web pages."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from audit.models import FieldChange
from leads.models import Lead
from notifications.models import Notification
from opportunities.models import Activity, Opportunity
from tests.conftest import client_for
from tests.factories import CustomerFactory, LeadFactory, OpportunityFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client: Client, url: str, body: dict):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# --- Tokens -------------------------------------------------------------------------------


def test_a_user_creates_a_token_on_the_profile_page_and_sees_it_once(rep):
    client = client_for(rep)
    response = client.post(reverse("api_tokens:token_create"), {"name": "Zapier"})
    key = response.context["key"]
    assert response.status_code == 200 and key.startswith("crm_")
    token = ApiToken.objects.get(user=rep)
    assert token.key_digest != key and key not in token.key_digest  # only a digest is kept
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "Zapier" in profile and key not in profile
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/leads/").status_code == 200


def test_a_revoked_token_is_refused(rep):
    token, key = ApiToken.issue(rep, "old")
    client = client_for(rep)
    client.post(reverse("api_tokens:token_revoke", args=[token.pk]))
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/opportunities/")
    assert response.status_code == 401


def test_no_token_or_a_wrong_one_gets_401_not_a_login_page():
    assert Client().get("/api/opportunities/").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer crm_nonsense").get("/api/opportunities/").status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(rep, teammate):
    token, _key = ApiToken.issue(teammate, "theirs")
    assert client_for(rep).post(reverse("api_tokens:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.is_active


# --- Scopes -------------------------------------------------------------------------------


def test_each_token_lists_only_what_its_user_may_see(rep, teammate, outsider, leader, admin_user):
    mine, theirs, other_team = (OpportunityFactory(owner=u).pk for u in (rep, teammate, outsider))
    assert ids(token_client(rep).get("/api/opportunities/")) == {mine}
    assert ids(token_client(leader).get("/api/opportunities/")) == {mine, theirs}
    assert ids(token_client(admin_user).get("/api/opportunities/")) == {mine, theirs, other_team}


@pytest.mark.parametrize("kind", ["opportunities", "leads", "customers", "follow-ups"])
def test_another_reps_record_is_a_404(rep_api, teammate, kind):
    deal = OpportunityFactory(owner=teammate)
    record = {
        "opportunities": deal,
        "leads": LeadFactory(owner=teammate),
        "customers": deal.customer,
        "follow-ups": Activity.log(by=teammate, opportunity=deal, summary="Called"),
    }[kind]
    assert rep_api.get(f"/api/{kind}/{record.pk}/").status_code == 404


def test_notifications_are_the_recipients_own_and_can_be_marked_read(rep_api, rep, teammate):
    mine = Notification.objects.create(recipient=rep, kind="stale", title="Mine", dedup_key="a")
    theirs = Notification.objects.create(recipient=teammate, kind="stale", title="Theirs", dedup_key="b")
    assert ids(rep_api.get("/api/notifications/")) == {mine.pk}
    assert rep_api.post(f"/api/notifications/{theirs.pk}/mark-read/").status_code == 404
    response = rep_api.post(f"/api/notifications/{mine.pk}/mark-read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_lists_page_by_cursor_and_filter_with_the_lists_filters(rep_api, rep):
    big = OpportunityFactory(owner=rep, amount=Decimal("900000"))
    for _ in range(3):
        OpportunityFactory(owner=rep, amount=Decimal("1000"))
    first = rep_api.get("/api/opportunities/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = rep_api.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert ids(rep_api.get("/api/opportunities/?amount_min=500000")) == {big.pk}
    assert rep_api.get("/api/opportunities/?close_month=abc").status_code in (200, 400)


# --- Writes through the rules ---------------------------------------------------------------


def test_a_stage_move_the_rules_refuse_is_a_409_with_the_requirements(rep_api, rep, stages):
    deal = OpportunityFactory(owner=rep)
    response = post(rep_api, f"/api/opportunities/{deal.pk}/move/", {"stage": stages[3].pk})
    assert response.status_code == 409
    assert any("decision maker" in r for r in response.json()["requirements"])
    deal.refresh_from_db()
    assert deal.stage == stages[1]


def test_a_refusal_comes_in_the_token_owners_language(rep, stages):
    rep.language = "zh-hans"
    rep.save(update_fields=["language"])
    deal = OpportunityFactory(owner=rep)
    response = post(token_client(rep), f"/api/opportunities/{deal.pk}/move/", {"stage": stages[3].pk})
    assert response.status_code == 409
    assert any("决策" in r for r in response.json()["requirements"])


def test_an_allowed_move_moves_and_writes_the_stage_history(rep_api, rep, stages):
    deal = OpportunityFactory(owner=rep, budget_amount=Decimal("1"), budget_confirmed=True)
    stages[2].requires_follow_up = stages[2].requires_need = False
    stages[2].save()
    response = post(rep_api, f"/api/opportunities/{deal.pk}/move/", {"stage": stages[2].pk, "note": "via API"})
    assert response.status_code == 200 and response.json()["result"] == "moved"
    assert response.json()["opportunity"]["probability"] == 50
    assert deal.stage_changes.get(to_stage=stages[2]).changed_by == rep


def test_a_large_deal_files_an_approval_request_instead(rep_api, rep, stages):
    from customers.models import Contact

    deal = OpportunityFactory(owner=rep, stage=stages[2], amount=Decimal("5000000"))
    deal.contacts.add(Contact.objects.create(customer=deal.customer, name="CIO", buying_role="decision_maker"))
    response = post(rep_api, f"/api/opportunities/{deal.pk}/move/", {"stage": stages[3].pk})
    assert response.status_code == 202 and response.json()["result"] == "approval_requested"
    deal.refresh_from_db()
    assert deal.stage == stages[2]


def test_an_edit_needs_the_version_and_a_stale_one_is_a_409(rep_api, rep):
    deal = OpportunityFactory(owner=rep, amount=Decimal("300000"))
    url = f"/api/opportunities/{deal.pk}/"
    assert patch(rep_api, url, {"amount": "450000"}).status_code == 400
    assert patch(rep_api, url, {"amount": "450000", "version": deal.version + 5}).status_code == 409
    deal.refresh_from_db()
    assert deal.amount == Decimal("300000")
    response = patch(rep_api, url, {"amount": "450000", "version": deal.version})
    assert response.status_code == 200 and response.json()["amount"] == "450000.00"
    row = FieldChange.objects.for_object(deal).get(field="amount")
    assert (row.old_value, row.new_value, row.changed_by) == ("300000", "450000", rep)


def test_an_edit_with_bad_input_says_what_is_wrong_and_changes_nothing(rep_api, rep):
    deal = OpportunityFactory(owner=rep, amount=Decimal("300000"))
    response = patch(rep_api, f"/api/opportunities/{deal.pk}/", {"amount": "-5", "version": deal.version})
    assert response.status_code == 400 and "amount" in response.json()
    deal.refresh_from_db()
    assert deal.amount == Decimal("300000")


def test_a_new_deal_enters_the_first_stage_with_its_history(rep_api, rep, stages):
    customer = CustomerFactory(owner=rep)
    response = post(rep_api, "/api/opportunities/", {"customer": customer.pk, "name": "API deal", "amount": "1000"})
    assert response.status_code == 201
    deal = Opportunity.objects.get(pk=response.json()["id"])
    assert deal.owner == rep and deal.stage == stages[1] and deal.stage_changes.count() == 1


def test_a_field_a_new_deal_does_not_take_is_refused_not_dropped(rep_api, rep):
    customer = CustomerFactory(owner=rep)
    body = {"customer": customer.pk, "name": "Reviewed", "amount": "1000", "review_notes": "Lost on price"}
    response = post(rep_api, "/api/opportunities/", body)
    assert response.status_code == 400
    assert "once the record exists" in response.json()["review_notes"][0]
    assert not Opportunity.objects.filter(name="Reviewed").exists()


def test_a_stage_or_a_misspelt_field_in_an_edit_is_refused_and_changes_nothing(rep_api, rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1], amount=Decimal("300000"))
    url = f"/api/opportunities/{deal.pk}/"
    moved = patch(rep_api, url, {"stage": stages[3].pk, "amount": "1", "version": deal.version})
    assert moved.status_code == 400 and "/move/" in moved.json()["stage"][0]
    misspelt = patch(rep_api, url, {"amonut": "1", "version": deal.version})
    assert misspelt.status_code == 400 and misspelt.json() == {"amonut": ["Unknown field."]}
    deal.refresh_from_db()
    assert (deal.stage, deal.amount) == (stages[1], Decimal("300000"))


def test_a_deal_read_and_sent_back_whole_with_one_change_is_saved(rep_api, rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1], amount=Decimal("300000"))
    url = f"/api/opportunities/{deal.pk}/"
    body = rep_api.get(url).json()
    # As another client may write it back: ids as text, nothing as "", figures re-formatted.
    body.update(amount="450000.00", stage=str(body["stage"]), closed_at="", weighted_amount="1", id=str(deal.pk))
    response = rep_api.put(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.json()
    deal.refresh_from_db()
    assert (deal.amount, deal.stage) == (Decimal("450000"), stages[1])


def test_a_whole_body_read_before_a_colleagues_save_is_a_409_not_a_field_error(rep_api, rep):
    deal = OpportunityFactory(owner=rep, amount=Decimal("300000"))
    url = f"/api/opportunities/{deal.pk}/"
    body = rep_api.get(url).json()
    assert patch(rep_api, url, {"next_step": "Call the CFO", "version": deal.version}).status_code == 200
    body["amount"] = "1.00"
    response = rep_api.put(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 409
    deal.refresh_from_db()
    assert deal.amount == Decimal("300000")


def test_a_lead_read_and_sent_back_whole_with_one_change_is_saved(rep_api, rep):
    lead = LeadFactory(owner=rep)
    url = f"/api/leads/{lead.pk}/"
    body = rep_api.get(url).json()
    body["company"] = "Acme Group"
    response = rep_api.put(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert Lead.objects.get(pk=lead.pk).company == "Acme Group"


def test_a_new_deal_may_send_the_fields_it_does_not_take_empty(rep_api, rep):
    customer = CustomerFactory(owner=rep)
    body = {"customer": customer.pk, "name": "Blank notes", "amount": "1000", "review_notes": "", "stage": None}
    assert post(rep_api, "/api/opportunities/", body).status_code == 201


def test_a_follow_up_or_a_move_with_an_unknown_field_is_refused(rep_api, rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    logged = post(rep_api, "/api/follow-ups/", {"opportunity": deal.pk, "kind": "call", "summary": "x", "mood": "good"})
    assert logged.status_code == 400 and logged.json() == {"mood": ["Unknown field."]}
    moved = post(rep_api, f"/api/opportunities/{deal.pk}/move/", {"stage": stages[2].pk, "reason": "x"})
    assert moved.status_code == 400 and moved.json() == {"reason": ["Unknown field."]}
    assert not Activity.objects.filter(opportunity=deal).exists()
    deal.refresh_from_db()
    assert deal.stage == stages[1]


def test_a_deal_for_a_customer_out_of_scope_is_refused(rep_api, outsider):
    customer = CustomerFactory(owner=outsider)
    response = post(rep_api, "/api/opportunities/", {"customer": customer.pk, "name": "x", "amount": "1"})
    assert response.status_code == 400
    assert not Opportunity.objects.filter(name="x").exists()


def test_a_follow_up_is_logged_through_the_model_and_moves_last_activity(rep_api, rep):
    deal = OpportunityFactory(owner=rep)
    response = post(rep_api, "/api/follow-ups/", {"opportunity": deal.pk, "kind": "call", "summary": "Talked"})
    assert response.status_code == 201
    deal.refresh_from_db()
    assert deal.last_activity_at is not None


def test_a_follow_up_in_the_future_is_refused_with_the_reason(rep_api, rep):
    deal = OpportunityFactory(owner=rep)
    later = (timezone.now() + timezone.timedelta(days=3)).isoformat()
    response = post(rep_api, "/api/follow-ups/", {"opportunity": deal.pk, "summary": "x", "occurred_at": later})
    assert response.status_code == 400 and "occurred_at" in response.json()
    assert not Activity.objects.filter(opportunity=deal).exists()


def test_a_lead_is_created_and_edited_through_the_lead_form(rep_api, rep):
    response = post(rep_api, "/api/leads/", {"name": "Han Meimei", "company": "Acme", "source": None, "owner": rep.pk})
    if response.status_code == 400:  # the form says which field it wants, in words
        assert all(isinstance(v, list) and v for v in response.json().values())
        lead = LeadFactory(owner=rep)
    else:
        assert response.status_code == 201
        lead = Lead.objects.get(pk=response.json()["id"])
    edit = patch(rep_api, f"/api/leads/{lead.pk}/", {"company": "Acme Group", "version": lead.version})
    assert edit.status_code == 200 and edit.json()["company"] == "Acme Group"


def test_requests_are_throttled_per_token(rep, settings):
    from rest_framework.settings import api_settings

    cache.clear()
    original = api_settings.DEFAULT_THROTTLE_RATES
    api_settings.DEFAULT_THROTTLE_RATES = {"token": "3/min"}
    try:
        from api.throttling import TokenRateThrottle

        TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        first, second = token_client(rep), token_client(rep)
        codes = [first.get("/api/stages/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert second.get("/api/stages/").status_code == 200  # another token has its own budget
    finally:
        api_settings.DEFAULT_THROTTLE_RATES = original
        TokenRateThrottle.THROTTLE_RATES = original
        cache.clear()


# --- Schema ---------------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_3_and_the_docs_are_served_locally():
    from drf_spectacular.validation import validate_schema

    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert "/api/opportunities/{id}/move/" in schema["paths"]
    docs = Client().get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower() and "//unpkg" not in docs
