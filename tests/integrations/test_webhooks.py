"""Outgoing webhooks: signed JSON after commit, retries with backoff, one delivery per event."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from tests.factories import ActivityFactory, OpportunityFactory
from webhooks.delivery import attempt
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(fake_server, settings):
    settings.WEBHOOK_MAX_RETRIES = 2
    return WebhookEndpoint.objects.create(
        name="ERP",
        url=f"{fake_server.url}/hooks/crm",
        secret="s3cret",
        events=["deal.created", "deal.stage_changed", "deal.won", "deal.lost", "approval.requested"],
    )


def expected_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_opening_a_deal_posts_a_signed_json_body_after_commit(
    rep, endpoint, fake_server, django_capture_on_commit_callbacks
):
    from opportunities.models import Opportunity

    customer = OpportunityFactory(owner=rep).customer
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deal = Opportunity.open_new(by=rep, name="Cloud ERP rollout", customer=customer, amount=250000)
    assert fake_server.requests == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    [received] = fake_server.requests
    assert received.path == "/hooks/crm"
    assert received.headers["X-CRM-Signature"] == expected_signature("s3cret", received.body)
    body = received.json()
    assert body["event"] == "deal.created"
    assert body["data"]["id"] == deal.pk
    assert body["data"]["name"] == "Cloud ERP rollout"
    assert body["data"]["amount"] == "250000.00"
    assert body["data"]["owner"]["username"] == rep.username
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.response_code, delivery.attempts) == (200, 1)
    assert body["id"] == str(delivery.event.event_id) == received.headers["X-CRM-Event-Id"]


def test_winning_a_deal_sends_stage_changed_and_won(
    leader, team, rep, stages, endpoint, fake_server, django_capture_on_commit_callbacks
):
    from datetime import date

    deal = OpportunityFactory(owner=rep, stage=stages[3], expected_close_date=date(2026, 12, 1), amount=1000)
    ActivityFactory(opportunity=deal)
    with django_capture_on_commit_callbacks(execute=True):
        deal.move_to(stages[4], rep)
    events = sorted(r.json()["event"] for r in fake_server.requests)
    assert events == ["deal.stage_changed", "deal.won"]
    changed = next(r.json() for r in fake_server.requests if r.json()["event"] == "deal.stage_changed")
    assert changed["data"]["from_stage"]["id"] == stages[3].pk
    assert changed["data"]["stage"]["outcome"] == "won"


def test_a_rolled_back_move_sends_nothing(rep, stages, endpoint, fake_server, django_capture_on_commit_callbacks):
    from django.db import transaction

    deal = OpportunityFactory(owner=rep)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            from opportunities.models import LossReason

            deal.move_to(stages[5], rep, loss_reason=LossReason.objects.first())
            raise RuntimeError("abort")
    assert fake_server.requests == []
    assert not WebhookEvent.objects.exists()


def test_events_nobody_subscribed_to_are_not_recorded(rep, stages, fake_server):
    WebhookEndpoint.objects.create(name="Only leads", url=fake_server.url, events=["lead.assigned"])
    OpportunityFactory(owner=rep)
    from opportunities.models import Opportunity

    Opportunity.open_new(by=rep, name="x", customer=OpportunityFactory(owner=rep).customer)
    assert not WebhookEvent.objects.exists()


def test_a_failing_endpoint_is_retried_with_backoff_then_marked_failed(
    rep, endpoint, fake_server, django_capture_on_commit_callbacks, monkeypatch
):
    from crm.celery import app as celery_app
    from opportunities.models import Opportunity

    # In-process Celery runs each retry at once (the broker would wait for the countdown).
    celery_app.conf.task_eager_propagates = False  # restored by the celery_eager fixture
    countdowns = []
    original = deliver_webhook.retry

    def spy_retry(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(deliver_webhook, "retry", spy_retry)
    fake_server.answers = [(500, {"error": "down"})]
    customer = OpportunityFactory(owner=rep).customer
    with django_capture_on_commit_callbacks(execute=True):
        Opportunity.open_new(by=rep, name="Down", customer=customer)
    delivery = WebhookDelivery.objects.get()
    assert len(fake_server.requests) == 3  # the first attempt and WEBHOOK_MAX_RETRIES = 2 retries
    assert countdowns == [30, 60]  # exponential backoff from WEBHOOK_RETRY_BASE_SECONDS
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert (delivery.attempts, delivery.response_code) == (3, 500)
    assert "500" in delivery.last_error
    # A failed delivery stays failed: a stray retry sends nothing more.
    deliver_webhook.apply(args=[delivery.pk], retries=1)
    assert len(fake_server.requests) == 3


def test_a_retried_task_never_delivers_an_event_twice(rep, endpoint, fake_server, django_capture_on_commit_callbacks):
    from opportunities.models import Opportunity

    customer = OpportunityFactory(owner=rep).customer
    with django_capture_on_commit_callbacks(execute=True):
        Opportunity.open_new(by=rep, name="Once", customer=customer)
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.delay(delivery.pk)  # the broker redelivers the message
    deliver_webhook.apply(args=[delivery.pk], retries=1)  # a late retry
    assert len(fake_server.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_delivery_claimed_by_a_live_worker_is_not_sent_by_another(rep, endpoint, fake_server):
    from django.utils import timezone

    event = WebhookEvent.objects.create(event="deal.created", payload={"id": "x", "event": "deal.created", "data": {}})
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event, claimed_at=timezone.now())
    assert attempt(delivery.pk, final=False) is None
    assert fake_server.requests == []


def test_one_event_has_one_delivery_per_endpoint(endpoint):
    from django.db import IntegrityError, transaction

    event = WebhookEvent.objects.create(event="deal.created", payload={})
    WebhookDelivery.objects.create(endpoint=endpoint, event=event)
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookDelivery.objects.create(endpoint=endpoint, event=event)


def test_the_receiver_can_verify_the_signature_with_the_documented_snippet(
    rep, endpoint, fake_server, django_capture_on_commit_callbacks
):
    from opportunities.models import Opportunity

    customer = OpportunityFactory(owner=rep).customer
    with django_capture_on_commit_callbacks(execute=True):
        Opportunity.open_new(by=rep, name="签名 check", customer=customer)
    received = fake_server.requests[0]

    # The README's receiver snippet:
    def verify(secret: str, body: bytes, header: str) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, header)

    assert verify("s3cret", received.body, received.headers["X-CRM-Signature"])
    assert not verify("wrong", received.body, received.headers["X-CRM-Signature"])
    assert json.loads(received.body)["data"]["name"] == "签名 check"


def test_approval_request_and_decision_are_sent(
    leader, team, rep, stages, fake_server, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from opportunities.models import ApprovalRequest
    from tests.factories import ContactFactory

    WebhookEndpoint.objects.create(
        name="BPM", url=fake_server.url, secret="k", events=["approval.requested", "approval.decided"]
    )
    stage = stages[3]
    stage.approval_threshold = Decimal("500000")
    stage.save()
    deal = OpportunityFactory(owner=rep, stage=stages[2], amount=Decimal("900000"))
    contact = ContactFactory(customer=deal.customer, buying_role="decision_maker")
    deal.contacts.add(contact)
    with django_capture_on_commit_callbacks(execute=True):
        request = deal.request_approval(stage, by=rep)
    with django_capture_on_commit_callbacks(execute=True):
        ApprovalRequest.objects.get(pk=request.pk).reject(leader, "Too risky")
    events = [r.json() for r in fake_server.requests]
    assert [e["event"] for e in events] == ["approval.requested", "approval.decided"]
    assert events[1]["data"]["status"] == "rejected"
    assert events[1]["data"]["decided_by"] == leader.username


def test_assigning_a_lead_sends_lead_assigned(other_team, outsider, fake_server, django_capture_on_commit_callbacks):
    from leads.assignment import assign_lead
    from leads.models import LeadAutomationSettings
    from tests.factories import LeadFactory

    WebhookEndpoint.objects.create(name="Marketing", url=fake_server.url, secret="m", events=["lead.assigned"])
    settings_row = LeadAutomationSettings.load()
    settings_row.default_team = other_team
    settings_row.save()
    lead = LeadFactory(owner=None, company="Gamma")
    with django_capture_on_commit_callbacks(execute=True):
        assert assign_lead(lead) == outsider
    [received] = fake_server.requests
    body = received.json()
    assert body["event"] == "lead.assigned"
    assert body["data"]["owner"]["username"] == outsider.username
    assert body["data"]["company"] == "Gamma"
    assert received.headers["X-CRM-Signature"] == expected_signature("m", received.body)


def test_the_sweep_sends_a_delivery_whose_message_was_lost_once(endpoint, fake_server):
    from datetime import timedelta

    from django.utils import timezone

    from webhooks.tasks import send_pending_webhooks

    event = WebhookEvent.objects.create(event="deal.created", payload={"id": "e1", "event": "deal.created", "data": {}})
    lost = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, created_at=timezone.now() - timedelta(hours=1)
    )
    fresh_event = WebhookEvent.objects.create(event="deal.created", payload={})
    WebhookDelivery.objects.create(endpoint=endpoint, event=fresh_event)  # its own task is still on the way
    assert send_pending_webhooks.delay().get() == 1
    assert send_pending_webhooks.delay().get() == 0
    assert len(fake_server.requests) == 1
    lost.refresh_from_db()
    assert lost.status == WebhookDelivery.Status.DELIVERED
