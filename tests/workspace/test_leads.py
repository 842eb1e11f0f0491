"""Leads: list, new and edit, BANT checklist, follow-ups, conversion, quick win, disqualify."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from leads.models import Lead
from opportunities.models import Activity, Opportunity

from ..factories import LeadFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def lead_data(**overrides) -> dict:
    data = {
        "name": "Wang Fang",
        "company": "Hangzhou Tea Co",
        "email": "wang@example.com",
        "customer_type": "enterprise",
        "source": "",
        "owner": "",
        "status": "new",
    }
    data.update(overrides)
    return data


@pytest.fixture
def source():
    from leads.models import LeadSource

    return LeadSource.objects.get(code="website")


# --- list --------------------------------------------------------------------------------


def test_the_list_shows_only_my_leads_and_searches_them(rep_client, rep, teammate, outsider):
    LeadFactory(owner=rep, name="Li Lei", company="Alpha Co")
    LeadFactory(owner=rep, name="Han Meimei", company="Beta Co", phone="13800001111")
    LeadFactory(owner=teammate, name="Teammate lead")
    LeadFactory(owner=outsider, name="Outsider lead")
    response = rep_client.get(reverse("leads:list"))
    assert {lead.name for lead in response.context["leads"]} == {"Li Lei", "Han Meimei"}
    found = rep_client.get(reverse("leads:list"), {"q": "13800001111"})
    assert [lead.name for lead in found.context["leads"]] == ["Han Meimei"]


def test_the_list_filters_by_status_and_score(rep_client, rep):
    LeadFactory(owner=rep, name="Hot", score=80, status=Lead.Status.WORKING)
    LeadFactory(owner=rep, name="Cold", score=10)
    response = rep_client.get(reverse("leads:list"), {"status": "working", "score_min": 50})
    assert [lead.name for lead in response.context["leads"]] == ["Hot"]


def test_a_leader_can_filter_the_team_by_owner_but_not_outside_it(leader_client, rep, teammate, outsider):
    LeadFactory(owner=rep, name="Rita's lead")
    LeadFactory(owner=teammate, name="Tom's lead")
    LeadFactory(owner=outsider, name="Olga's lead")
    by_rep = leader_client.get(reverse("leads:list"), {"owner": rep.pk})
    assert [lead.name for lead in by_rep.context["leads"]] == ["Rita's lead"]
    sneaky = leader_client.get(reverse("leads:list"), {"owner": outsider.pk})
    assert list(sneaky.context["leads"]) == []
    assert "Olga's lead" not in sneaky.content.decode()


@pytest.mark.parametrize("rows", [5, 200])
def test_the_lead_list_keeps_a_fixed_number_of_queries(
    rows, rep, leader, rep_client, leader_client, django_assert_max_num_queries
):
    LeadFactory.create_batch(rows, owner=rep)
    with django_assert_max_num_queries(9):
        assert len(rep_client.get(reverse("leads:list")).context["leads"]) == min(rows, 25)
    with django_assert_max_num_queries(11):
        assert leader_client.get(reverse("leads:list")).status_code == 200


# --- new and edit ------------------------------------------------------------------------


def test_a_rep_creates_a_lead_owned_by_them_in_their_team(rep_client, rep, source):
    response = rep_client.post(reverse("leads:new"), lead_data(source=source.pk, owner=rep.pk))
    lead = Lead.objects.get(name="Wang Fang")
    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    assert lead.owner == rep and lead.team == rep.team


def test_an_invalid_lead_shows_errors_next_to_the_fields_and_saves_nothing(rep_client, rep, source):
    response = rep_client.post(
        reverse("leads:new"), lead_data(name="", email="not-an-email", source=source.pk, owner=rep.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"name", "email"}
    assert 'id="error_1_id_name"' in response.content.decode()
    assert not Lead.objects.exists()


def test_a_rep_cannot_hand_a_lead_to_someone_outside_their_scope(rep_client, outsider, teammate, source):
    for stranger in (outsider, teammate):
        response = rep_client.post(reverse("leads:new"), lead_data(source=source.pk, owner=stranger.pk))
        assert "owner" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_editing_confirms_bant_and_bumps_the_version(rep_client, rep, source):
    lead = LeadFactory(owner=rep)
    data = lead_data(
        name=lead.name,
        company=lead.company,
        source=source.pk,
        owner=rep.pk,
        version=lead.version,
        budget_amount="300000",
        budget_confirmed="on",
        is_decision_maker="on",
        authority_confirmed="on",
        need_description="CRM for 50 reps",
        need_confirmed="on",
        timeline_date="2030-01-15",
        timeline_confirmed="on",
    )
    response = rep_client.post(reverse("leads:edit", args=[lead.pk]), data)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.is_qualified and lead.version == 2


def test_a_stale_edit_is_refused_with_a_clear_message(rep_client, rep, source):
    lead = LeadFactory(owner=rep, company="Original Co")
    Lead.objects.filter(pk=lead.pk).update(version=2, company="Changed by a colleague")
    data = lead_data(name=lead.name, company="My overwrite", source=source.pk, owner=rep.pk, version=1)
    response = rep_client.post(reverse("leads:edit", args=[lead.pk]), data)
    assert response.status_code == 200
    assert "Someone else saved this record after you opened it" in response.content.decode()
    lead.refresh_from_db()
    assert lead.company == "Changed by a colleague" and lead.version == 2


# --- detail, follow-ups ------------------------------------------------------------------


def test_the_detail_page_shows_the_bant_checklist_with_what_is_missing(rep_client, rep):
    lead = LeadFactory(owner=rep, budget_amount=Decimal("1000"), budget_confirmed=True)
    body = rep_client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "Authority: confirm who makes the decision." in body
    assert "Budget: confirm" not in body


def test_logging_a_follow_up_in_place_updates_the_timeline(rep_client, rep):
    lead = LeadFactory(owner=rep)
    response = rep_client.post(
        reverse("leads:log_follow_up", args=[lead.pk]),
        {"kind": "call", "occurred_at": "2026-01-02T10:00", "summary": "Asked about the budget"},
        **HTMX,
    )
    body = response.content.decode()
    assert "Follow-up logged." in body and "Asked about the budget" in body and "hx-swap-oob" in body
    lead.refresh_from_db()
    assert lead.activities.get().summary == "Asked about the budget" and lead.last_activity_at is not None


def test_an_empty_follow_up_shows_the_error_and_saves_nothing(rep_client, rep):
    lead = LeadFactory(owner=rep)
    response = rep_client.post(
        reverse("leads:log_follow_up", args=[lead.pk]), {"kind": "call", "occurred_at": "", "summary": ""}, **HTMX
    )
    assert "This field is required." in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.parametrize("rows", [5, 200])
def test_the_lead_page_keeps_a_fixed_number_of_queries(rows, rep, rep_client, django_assert_max_num_queries):
    lead = LeadFactory(owner=rep)
    Activity.objects.bulk_create([Activity(lead=lead, summary=f"Note {i}", created_by=rep) for i in range(rows)])
    # Measured flat at 5 and 200 notes: session, user, lead, automation settings, the pipeline whose
    # framework applies, notes, the history card, bell, leader check, team, contacts and the
    # quick-win form's pipelines = 12.
    with django_assert_max_num_queries(12):
        assert rep_client.get(reverse("leads:detail", args=[lead.pk])).status_code == 200


# --- conversion --------------------------------------------------------------------------


def test_converting_an_unqualified_lead_is_refused_with_the_missing_criteria(rep_client, rep):
    lead = LeadFactory(owner=rep)
    response = rep_client.post(reverse("leads:convert", args=[lead.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Need: describe and confirm the customer&#x27;s need." in body
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW and not Opportunity.objects.exists()


def test_converting_a_qualified_lead_opens_the_new_opportunity(rep_client, rep, stages):
    lead = LeadFactory(owner=rep, qualified=True)
    response = rep_client.post(reverse("leads:convert", args=[lead.pk]), {"name": "Tea CRM"})
    deal = Opportunity.objects.get()
    assert response["Location"] == deal.get_absolute_url()
    assert deal.name == "Tea CRM" and deal.stage == stages[1] and deal.owner == rep
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED


def test_convert_as_won_needs_a_positive_amount(rep_client, rep):
    lead = LeadFactory(owner=rep)
    response = rep_client.post(reverse("leads:convert_as_won", args=[lead.pk]), {"amount": "0"})
    assert "amount" in response.context["won_form"].errors
    assert not Opportunity.objects.exists()
    response = rep_client.post(reverse("leads:convert_as_won", args=[lead.pk]), {"amount": "8800"})
    deal = Opportunity.objects.get()
    assert deal.is_quick_win and deal.stage.outcome == "won" and deal.amount == Decimal("8800")


def test_disqualifying_needs_a_reason_and_keeps_it(rep_client, rep):
    lead = LeadFactory(owner=rep)
    response = rep_client.post(reverse("leads:disqualify", args=[lead.pk]), {"reason": "  "})
    assert "reason" in response.context["disqualify_form"].errors
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW
    rep_client.post(reverse("leads:disqualify", args=[lead.pk]), {"reason": "Student project, no budget"})
    lead.refresh_from_db()
    assert lead.status == Lead.Status.DISQUALIFIED and lead.disqualify_reason == "Student project, no budget"


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("stranger", ["teammate", "outsider"])
def test_a_rep_gets_404_on_someone_elses_lead_and_nothing_changes(stranger, request, rep_client, source):
    owner = request.getfixturevalue(stranger)
    lead = LeadFactory(owner=owner, qualified=True, company="Theirs")
    for name in ("leads:detail", "leads:edit", "leads:convert"):
        assert rep_client.get(reverse(name, args=[lead.pk])).status_code == 404
    posts = {
        "leads:edit": lead_data(company="Mine now", source=source.pk, version=1),
        "leads:log_follow_up": {"kind": "call", "summary": "x", "occurred_at": "2030-01-01T10:00"},
        "leads:convert": {},
        "leads:convert_as_won": {"amount": "100"},
        "leads:disqualify": {"reason": "x"},
    }
    for name, data in posts.items():
        assert rep_client.post(reverse(name, args=[lead.pk]), data).status_code == 404
    lead.refresh_from_db()
    assert lead.company == "Theirs" and lead.status == Lead.Status.QUALIFIED and lead.version == 1
    assert not Activity.objects.exists() and not Opportunity.objects.exists()


def test_a_leader_opens_a_team_members_lead_but_not_another_teams(leader_client, rep, outsider):
    assert leader_client.get(reverse("leads:detail", args=[LeadFactory(owner=rep).pk])).status_code == 200
    assert leader_client.get(reverse("leads:detail", args=[LeadFactory(owner=outsider).pk])).status_code == 404


def test_a_rep_cannot_leave_a_lead_without_an_owner(rep_client, rep):
    from leads.models import LeadSource

    response = rep_client.post(
        reverse("leads:new"),
        {
            "name": "Ann",
            "company": "Orphan Co",
            "source": LeadSource.objects.first().pk,
            "owner": "",
            "status": "new",
            "customer_type": "enterprise",
        },
    )
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    assert not Lead.objects.filter(company="Orphan Co").exists()


def test_a_leaders_unowned_lead_goes_to_the_teams_pool(leader_client, leader, team):
    from leads.models import LeadSource

    leader_client.post(
        reverse("leads:new"),
        {
            "name": "Ann",
            "company": "Pool Co",
            "source": LeadSource.objects.first().pk,
            "owner": "",
            "status": "new",
            "customer_type": "enterprise",
        },
    )
    lead = Lead.objects.get(company="Pool Co")
    assert lead.owner is None and lead.team == team
    assert leader_client.get(reverse("leads:detail", args=[lead.pk])).status_code == 200
