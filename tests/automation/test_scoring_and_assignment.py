"""Lead scoring by admin rules, and routing of ready leads to a team and a rep."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connections

from accounts.models import User
from leads.assignment import assign_lead
from leads.models import AssignmentRule, Lead, LeadAutomationSettings, LeadEvent, LeadSource, ScoringRule
from leads.scoring import record_event, rescore_lead
from notifications.models import Notification
from tests.factories import LeadFactory, UserFactory

from .conftest import requires_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(db):
    """A small, explicit rule set instead of the shipped defaults."""
    ScoringRule.objects.all().delete()
    ScoringRule.objects.create(name="IT", criterion="industry", value="it", points=15)
    ScoringRule.objects.create(name="Big budget", criterion="budget_at_least", value="100000", points=20)
    ScoringRule.objects.create(name="Large company", criterion="company_size_at_least", value="500", points=5)
    ScoringRule.objects.create(name="Download", criterion="event", value="download", points=10, max_points=20)
    ScoringRule.objects.create(name="Visit", criterion="event", value="site_visit", points=1)
    settings = LeadAutomationSettings.load()
    settings.ready_threshold = 40
    settings.save()
    return settings


def website():
    return LeadSource.objects.get(code="website")


def test_profile_and_behaviour_add_up_with_caps(rules):
    lead = LeadFactory(owner=None, industry="it", budget_amount=Decimal("150000"), company_size=100)
    for _ in range(3):
        LeadEvent.objects.create(lead=lead, kind="download")
    LeadEvent.objects.create(lead=lead, kind="site_visit")
    rescore_lead(lead.pk)
    lead.refresh_from_db()
    assert lead.score == 15 + 20 + 20 + 1


def test_saving_a_lead_rescores_it_after_commit(rules, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lead = LeadFactory(owner=None, industry="retail")
    lead.refresh_from_db()
    assert lead.score == 0
    with django_capture_on_commit_callbacks(execute=True):
        lead.industry = "it"
        lead.save()
    lead.refresh_from_db()
    assert lead.score == 15
    with django_capture_on_commit_callbacks(execute=True):
        record_event(lead, "download")
    lead.refresh_from_db()
    assert lead.score == 25


def test_below_the_threshold_a_lead_is_neither_ready_nor_assigned(rules, team, rep):
    AssignmentRule.objects.create(name="All to East", team=team)
    lead = LeadFactory(owner=None, industry="it")
    rescore_lead(lead.pk)
    lead.refresh_from_db()
    assert lead.ready_for_sales_at is None and lead.owner is None


def test_at_the_threshold_the_lead_is_ready_and_assigned_by_the_first_matching_rule(
    rules, team, rep, other_team, outsider
):
    AssignmentRule.objects.create(name="Website IT → North", order=1, source=website(), industry="it", team=other_team)
    AssignmentRule.objects.create(name="Everything → East", order=2, team=team)
    lead = LeadFactory(owner=None, industry="it", budget_amount=Decimal("100000"), company_size=500, region="south")
    assert 15 + 20 + 5 == rules.ready_threshold
    rescore_lead(lead.pk)
    lead.refresh_from_db()
    assert lead.ready_for_sales_at is not None
    assert (lead.team, lead.owner) == (other_team, outsider)
    note = Notification.objects.get(recipient=outsider)
    assert note.kind == Notification.Kind.LEAD_ASSIGNED and note.lead == lead
    assert lead.company in note.title


def test_a_rule_naming_a_rep_gives_them_every_match(rules, team, rep, teammate):
    AssignmentRule.objects.create(name="Gov → Tom", customer_type="government", team=team, rep=teammate)
    for _ in range(3):
        lead = LeadFactory(owner=None, customer_type="government")
        assign_lead(lead)
    assert set(Lead.objects.values_list("owner", flat=True)) == {teammate.pk}


def test_a_lead_no_rule_matches_goes_to_the_default_team(rules, team, rep, other_team, outsider):
    AssignmentRule.objects.create(name="Finance only", industry="finance", team=team)
    rules.default_team = other_team
    rules.save()
    lead = LeadFactory(owner=None, industry="retail")
    assert assign_lead(lead) == outsider
    lead.refresh_from_db()
    assert lead.team == other_team


def test_without_a_rule_or_default_team_the_lead_waits_unassigned(rules, team, rep):
    lead = LeadFactory(owner=None)
    assert assign_lead(lead) is None
    lead.refresh_from_db()
    assert lead.owner is None and lead.team is None


def test_round_robin_is_fair_and_skips_the_leader_and_inactive_reps(rules, team, leader, rep, teammate):
    third = UserFactory(team=team)
    UserFactory(team=team, is_active=False)
    AssignmentRule.objects.create(name="All → East", team=team)
    for _ in range(30):
        assign_lead(LeadFactory(owner=None))
    counts = Counter(Lead.objects.values_list("owner", flat=True))
    assert counts == {rep.pk: 10, teammate.pk: 10, third.pk: 10}
    assert Notification.objects.filter(kind="lead_assigned").count() == 30


def test_an_already_owned_lead_is_not_reassigned(rules, team, rep, teammate):
    AssignmentRule.objects.create(name="All → East", team=team)
    lead = LeadFactory(owner=teammate)
    assert assign_lead(lead) is None
    lead.refresh_from_db()
    assert lead.owner == teammate


def test_scoring_rules_validate_their_value(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ScoringRule(name="x", criterion="industry", value="space", points=1).full_clean()
    with pytest.raises(ValidationError):
        ScoringRule(name="x", criterion="budget_at_least", value="lots", points=1).full_clean()
    ScoringRule(name="ok", criterion="event", value="download", points=1, max_points=5).full_clean()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_share_the_round_robin_fairly(rules, team, rep, teammate):
    AssignmentRule.objects.create(name="All → East", team=team)
    leads = [LeadFactory(owner=None) for _ in range(24)]
    barrier = threading.Barrier(6)
    errors = []

    def worker(chunk):
        try:
            barrier.wait()
            for lead in chunk:
                assign_lead(lead)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(leads[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = Counter(Lead.objects.values_list("owner", flat=True))
    assert counts == {rep.pk: 12, teammate.pk: 12}
    assert User.objects.get(pk=rep.pk).leads.count() == 12


def test_the_shipped_defaults_make_an_enterprise_web_form_ready_at_once(db):
    """The data migration's rules (re-applied here: a flushed test database may lack them)."""
    import importlib

    from django.apps import apps

    importlib.import_module("leads.migrations.0005_default_scoring").create(apps, None)
    lead = LeadFactory(owner=None, customer_type="enterprise")
    record_event(lead, "form_submission")
    rescore_lead(lead.pk)
    lead.refresh_from_db()
    assert lead.score == 30 and lead.ready_for_sales_at is not None
