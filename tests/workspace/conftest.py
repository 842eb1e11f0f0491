"""Builders for the workspace page tests: a rep's book of deals, leads and follow-ups."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Contact
from notifications.models import Notification
from opportunities.models import Activity, Opportunity, Stage

from ..factories import ActivityFactory, ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory


def make_book(owner, count: int, *, stages: dict[int, Stage]) -> list[Opportunity]:
    """`count` deals spread over the stages, with follow-ups, overdue and stale ones among them."""
    now = timezone.now()
    customer = CustomerFactory(owner=owner)
    deals = []
    for i in range(count):
        stage = stages[1 + i % 5]
        deal = OpportunityFactory(
            owner=owner,
            customer=customer if i % 2 else CustomerFactory(owner=owner),
            name=f"{owner.username} deal {i}",
            amount=Decimal(10000 * (i + 1)),
            stage=stage,
            stage_entered_at=now - timedelta(days=i % 30),
            next_follow_up_at=now - timedelta(hours=i + 1) if i % 3 == 0 else None,
        )
        deals.append(deal)
    Activity.objects.bulk_create(
        [
            Activity(opportunity=deal, summary=f"Call {j}", created_by=owner, occurred_at=now - timedelta(days=j))
            for deal in deals[: min(count, 20)]
            for j in range(2)
        ]
    )
    for i in range(min(count, 50)):
        LeadFactory(owner=owner, company=f"{owner.username} prospect {i}", next_follow_up_at=now - timedelta(hours=i))
        Notification.objects.create(recipient=owner, kind="other", title=f"Note {i}", dedup_key=f"{owner.pk}:{i}")
    return deals


@pytest.fixture
def book(rep, teammate, stages):
    """Build `n` deals for the rep and a few for the teammate; returns the rep's."""

    def build(n: int) -> list[Opportunity]:
        make_book(teammate, 3, stages=stages)
        return make_book(rep, n, stages=stages)

    return build


@pytest.fixture
def deal(rep, stages) -> Opportunity:
    contact = ContactFactory(customer=CustomerFactory(owner=rep, name="Acme Ltd"), buying_role=Contact.BuyingRole.USER)
    deal = Opportunity.open_new(by=rep, name="ERP rollout", customer=contact.customer, amount=Decimal("500000"))
    deal.contacts.add(contact)
    deal.primary_contact = contact
    deal.save(update_fields=["primary_contact"])
    return deal


@pytest.fixture
def teammates_deal(teammate, stages) -> Opportunity:
    return OpportunityFactory(owner=teammate, name="Teammate's deal")


@pytest.fixture
def outsiders_deal(outsider, stages) -> Opportunity:
    return OpportunityFactory(owner=outsider, name="Outsider's deal")


__all__ = ["ActivityFactory", "LeadFactory", "make_book"]
