"""The customer pool (公海): recall with a warning, claims up to the cap, the record, the pages."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, PoolEvent, PoolRule
from customers.pool import recall_idle_customers
from customers.tasks import recall_pool_customers
from notifications.models import Notification
from tests.factories import CustomerFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def idle_customer(owner, days: int, *, stage=None, name="Idle Co") -> Customer:
    """A customer of `owner` whose last follow-up (on its one deal) was `days` ago."""
    customer = CustomerFactory(owner=owner, name=name)
    Customer.objects.filter(pk=customer.pk).update(created_at=NOW - timedelta(days=200))
    if stage is not None:
        OpportunityFactory(owner=owner, customer=customer, stage=stage, last_activity_at=NOW - timedelta(days=days))
    else:
        Customer.objects.filter(pk=customer.pk).update(created_at=NOW - timedelta(days=days))
    customer.refresh_from_db()
    return customer


@pytest.fixture
def rule(team) -> PoolRule:
    return PoolRule.objects.create(team=team)  # 30 days, warn 3 days before, cap 50


def test_an_idle_customer_goes_back_to_its_teams_pool_and_it_is_recorded(rule, rep, team, stages):
    customer = idle_customer(rep, 31, stage=stages[1])
    result = recall_idle_customers(now=NOW)
    assert (result.recalled, result.warned) == (1, 0)
    customer.refresh_from_db()
    assert customer.owner is None and customer.team == team and customer.pooled_at == NOW
    event = PoolEvent.objects.get(customer=customer)
    assert (event.kind, event.user, event.team) == (PoolEvent.Kind.RECALL, rep, team)


def test_a_second_run_changes_nothing(rule, rep, stages):
    idle_customer(rep, 31, stage=stages[1], name="Old")
    idle_customer(rep, 28, stage=stages[1], name="Soon")
    first = recall_idle_customers(now=NOW)
    assert (first.recalled, first.warned) == (1, 1)
    events, notes = PoolEvent.objects.count(), Notification.objects.count()
    second = recall_idle_customers(now=NOW + timedelta(hours=1))
    assert (second.recalled, second.warned) == (0, 0)
    assert (PoolEvent.objects.count(), Notification.objects.count()) == (events, notes)


def test_the_owner_is_warned_three_days_before(rule, rep, stages):
    customer = idle_customer(rep, 28, stage=stages[1])
    assert recall_idle_customers(now=NOW).warned == 1
    customer.refresh_from_db()
    assert customer.owner == rep
    note = Notification.objects.get(recipient=rep)
    assert "goes back to the pool" in note.title and note.url == reverse("customers:detail", args=[customer.pk])
    warning = PoolEvent.objects.get(kind=PoolEvent.Kind.WARNING)
    assert warning.due_at.date() == (NOW + timedelta(days=2)).date()


def test_recent_follow_ups_keep_the_customer(rule, rep, stages):
    customer = idle_customer(rep, 10, stage=stages[1])
    assert recall_idle_customers(now=NOW).scanned == 0
    customer.refresh_from_db()
    assert customer.owner == rep and not PoolEvent.objects.exists()


def test_an_open_deal_past_the_first_stage_keeps_the_customer(rule, rep, stages):
    customer = idle_customer(rep, 90, stage=stages[2])
    recall_idle_customers(now=NOW)
    customer.refresh_from_db()
    assert customer.owner == rep and not PoolEvent.objects.exists()


def test_a_team_without_a_pool_rule_keeps_its_customers(rep, stages):
    customer = idle_customer(rep, 90, stage=stages[1])
    recall_idle_customers(now=NOW)
    customer.refresh_from_db()
    assert customer.owner == rep


def test_the_scan_runs_in_batches(rule, rep, stages, settings):
    settings.POOL_BATCH_SIZE = 2
    for i in range(5):
        idle_customer(rep, 40, stage=stages[1], name=f"C{i}")
    result = recall_idle_customers(now=NOW)
    assert (result.recalled, result.batches) == (5, 3)
    assert not Customer.objects.filter(owner=rep).exists()


def test_the_command_and_the_beat_task_run_the_recall(rule, rep, stages):
    idle_customer(rep, 40, stage=stages[1], name="A")
    out = StringIO()
    call_command("recall_pool_customers", stdout=out)
    assert "1 returned to the pool" in out.getvalue()
    idle_customer(rep, 40, stage=stages[1], name="B")
    assert recall_pool_customers() == {"scanned": 1, "recalled": 1, "warned": 0}


def test_the_recall_is_scheduled_in_celery_beat():
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.get(name="Customer pool recall").task == "customers.recall_pool_customers"


def pool_customer(team, name="Pool Co") -> Customer:
    customer = CustomerFactory(owner=None, team=team, name=name)
    return customer


def test_a_rep_claims_from_the_pool_and_it_is_recorded(rep, rep_client, team):
    customer = pool_customer(team)
    response = rep_client.post(reverse("customers:claim", args=[customer.pk]))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner == rep and customer.claimed_at is not None
    event = PoolEvent.objects.get()
    assert (event.kind, event.user, event.by) == (PoolEvent.Kind.CLAIM, rep, rep)


def test_claims_stop_at_the_cap(rep, rep_client, team):
    PoolRule.objects.create(team=team, claim_cap=1)
    first, second = pool_customer(team, "One"), pool_customer(team, "Two")
    rep_client.post(reverse("customers:claim", args=[first.pk]))
    response = rep_client.post(reverse("customers:claim", args=[second.pk]), follow=True)
    assert "the cap is 1" in response.content.decode()
    second.refresh_from_db()
    assert second.owner is None and PoolEvent.objects.count() == 1


def test_returning_a_customer_frees_a_claim(rep, rep_client, team):
    customer = pool_customer(team)
    customer.claim(rep)
    response = rep_client.post(reverse("customers:release", args=[customer.pk]))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner is None and customer.team == team
    assert list(PoolEvent.objects.order_by("at", "pk").values_list("kind", flat=True)) == ["claim", "return"]


def test_the_pool_page_lists_the_teams_pool_only(rep, rep_client, team, other_team):
    pool_customer(team, "Ours")
    pool_customer(other_team, "Theirs")
    response = rep_client.get(reverse("customers:pool"))
    assert response.status_code == 200
    assert [c.name for c in response.context["customers"]] == ["Ours"]
    assert "You hold 0 of at most 50 customers" in response.content.decode()


def test_leaders_and_admins_see_their_pools(leader_client, admin_client_, team, other_team):
    pool_customer(team, "Ours")
    pool_customer(other_team, "Theirs")
    assert [c.name for c in leader_client.get(reverse("customers:pool")).context["customers"]] == ["Ours"]
    names = {c.name for c in admin_client_.get(reverse("customers:pool")).context["customers"]}
    assert names == {"Ours", "Theirs"}


def test_an_outsider_cannot_claim_another_teams_pool_customer(outsider_client, team):
    customer = pool_customer(team)
    assert outsider_client.post(reverse("customers:claim", args=[customer.pk])).status_code == 404
    customer.refresh_from_db()
    assert customer.owner is None and not PoolEvent.objects.exists()


def test_an_outsider_cannot_return_a_customer(outsider_client, rep):
    customer = CustomerFactory(owner=rep)
    assert outsider_client.post(reverse("customers:release", args=[customer.pk])).status_code == 404
    customer.refresh_from_db()
    assert customer.owner == rep


def test_a_teammate_cannot_return_a_colleagues_customer(teammate, rep):
    from django.core.exceptions import ValidationError

    customer = CustomerFactory(owner=rep)
    with pytest.raises(ValidationError):
        customer.release(teammate)
    customer.refresh_from_db()
    assert customer.owner == rep


def test_the_pool_page_needs_a_login(client):
    response = client.get(reverse("customers:pool"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("rows", [3, 60])
def test_the_pool_page_keeps_a_fixed_number_of_queries(rows, rep_client, team, django_assert_max_num_queries):
    for i in range(rows):
        pool_customer(team, f"P{i:03d}")
    with django_assert_max_num_queries(9):
        assert rep_client.get(reverse("customers:pool")).status_code == 200
