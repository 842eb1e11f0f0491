"""History cannot be rewritten, and it outlives the deal it describes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import FieldChange
from opportunities.models import ApprovalRequest, Opportunity, StageChange
from tests.factories import ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")


def moved_deal(rep, stages) -> Opportunity:
    deal = Opportunity.open_new(by=rep, customer=OpportunityFactory(owner=rep).customer, name="Moved", amount=1)
    deal.expected_close_date = None
    deal.activities.create(summary="Call", created_by=rep)
    deal.need_description = "Needs"
    deal.save()
    deal.move_to(stages[2], rep)
    return deal


@postgres_only
def test_the_database_refuses_to_update_or_delete_stage_changes(rep, stages):
    deal = moved_deal(rep, stages)
    changes = StageChange.objects.filter(opportunity=deal)
    for statement in (
        lambda: changes.update(note="rewritten"),
        lambda: changes.update(changed_at=None),
        lambda: changes._raw_delete(connection.alias),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    assert changes.count() == 2 and not changes.filter(note="rewritten").exists()


@postgres_only
def test_a_bulk_update_of_field_history_fails(rep, stages):
    deal = moved_deal(rep, stages)
    with pytest.raises(DatabaseError), transaction.atomic():
        FieldChange.objects.for_object(deal).update(changed_by=None)
    assert FieldChange.objects.for_object(deal).filter(changed_by=rep).exists()


def test_the_models_refuse_to_rewrite_history_on_every_database(rep, stages):
    deal = moved_deal(rep, stages)
    change = deal.stage_changes.last()
    row = FieldChange.objects.for_object(deal).first()
    for attempt in (change.save, change.delete, row.save, row.delete):
        with pytest.raises(ValidationError):
            attempt()


def test_deleting_a_deal_keeps_its_stage_changes_approvals_and_field_history(rep, stages):
    stages[3].approval_threshold = Decimal("1")
    stages[3].save()
    deal = moved_deal(rep, stages)
    deal.contacts.add(ContactFactory(customer=deal.customer, buying_role="decision_maker"))
    request = deal.request_approval(stages[3], by=rep)
    pk = deal.pk
    counts = (
        StageChange.objects.filter(opportunity_id=pk).count(),
        FieldChange.objects.for_object(deal).count(),
    )
    Opportunity.objects.filter(pk=pk).delete()
    assert not Opportunity.objects.filter(pk=pk).exists()
    assert StageChange.objects.filter(opportunity_id=pk).count() == counts[0] == 2
    assert FieldChange.objects.filter(content_type__model="opportunity", object_id=pk).count() == counts[1]
    assert ApprovalRequest.objects.filter(pk=request.pk, opportunity_id=pk).exists()


def test_reports_never_count_the_stage_changes_of_a_deleted_deal(admin_user, admin_client_, rep, leader_client, stages):
    kept = moved_deal(rep, stages)
    gone = moved_deal(rep, stages)

    def entered_first_stage(client) -> int:
        sections = client.get(reverse("reports:conversion")).context["sections"]
        first = next(r for r in sections[0].table.rows if r["stage_id"] == stages[1].pk)
        return first["entered"]

    assert entered_first_stage(admin_client_) == entered_first_stage(leader_client) == 2
    Opportunity.objects.filter(pk=gone.pk).delete()
    assert entered_first_stage(admin_client_) == entered_first_stage(leader_client) == 1
    assert set(StageChange.objects.visible_to(admin_user).values_list("opportunity_id", flat=True)) == {kept.pk}
    assert not ApprovalRequest.objects.visible_to(admin_user).filter(opportunity_id=gone.pk).exists()
