"""The demo data a newcomer sees, and the scaled data the benchmarks run on."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import F, Max, OuterRef, Subquery

from accounts.models import User
from leads.models import Lead
from opportunities.models import Activity, Opportunity, Quota, StageChange

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_demo_organisation_and_prints_the_accounts():
    output = seed()
    assert "demo12345" in output and "rep1" in output and "leader1" in output
    for username in ["admin", "leader1", "leader2", *[f"rep{i}" for i in range(1, 7)]]:
        assert authenticate(username=username, password="demo12345") is not None
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    leader1 = User.objects.get(username="leader1")
    assert leader1.is_leader and set(leader1.led_teams.get().members.values_list("username", flat=True)) == {
        "leader1",
        "rep1",
        "rep2",
        "rep3",
    }
    assert Opportunity.objects.count() >= 200
    assert Lead.objects.count() == 300
    assert set(Lead.objects.values_list("status", flat=True)) == {
        "new",
        "working",
        "qualified",
        "disqualified",
        "converted",
    }
    assert set(Opportunity.objects.values_list("stage__outcome", flat=True)) == {"open", "won", "lost"}
    assert Opportunity.objects.filter(is_quick_win=True).exists()
    assert Quota.objects.filter(user__username="rep1").count() == 6


def test_demo_histories_are_consistent_with_the_deals():
    seed()
    last_change = StageChange.objects.filter(opportunity=OuterRef("pk")).order_by("-changed_at", "-pk")[:1]
    deals = Opportunity.objects.filter(is_quick_win=False).annotate(last_to=Subquery(last_change.values("to_stage")))
    assert not deals.exclude(last_to=F("stage")).exists()
    assert not Opportunity.objects.exclude(probability=F("stage__probability")).exists()
    assert not Opportunity.objects.lost().filter(loss_reason__isnull=True).exists()
    assert not Opportunity.objects.open().filter(closed_at__isnull=False).exists()
    latest = Opportunity.objects.annotate(latest=Max("activities__occurred_at")).filter(activities__isnull=False)
    assert not latest.exclude(last_activity_at=F("latest")).exists()


def test_seed_demo_refuses_to_seed_twice_but_if_empty_is_quiet():
    seed()
    count = Opportunity.objects.count()
    with pytest.raises(CommandError):
        seed()
    assert "nothing to do" in seed("--if-empty")
    assert Opportunity.objects.count() == count


def test_scale_generates_n_deals_ten_follow_ups_each_and_half_as_many_leads():
    seed("--scale", "120")
    assert Opportunity.objects.count() == 120
    assert Activity.objects.filter(opportunity__isnull=False).count() == 1200
    assert Lead.objects.count() == 60


def test_scale_rejects_a_non_positive_number():
    with pytest.raises(CommandError):
        seed("--scale", "0")
    assert not User.objects.exists()
