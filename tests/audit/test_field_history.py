"""Every change of a deal's fields is history, written by the save that makes it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import FieldChange
from audit.tracking import acting_as
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def rows(deal, field=None):
    qs = FieldChange.objects.for_object(deal).filter(action=FieldChange.Action.CHANGED)
    return list(qs.filter(field=field) if field else qs)


def test_an_amount_edit_writes_one_row_with_who_and_what(rep):
    deal = OpportunityFactory(owner=rep, amount=Decimal("300000"))
    deal = Opportunity.objects.get(pk=deal.pk)
    with acting_as(rep):
        deal.amount = Decimal("450000")
        deal.save()
    [row] = rows(deal)
    assert (row.field, row.old_value, row.new_value, row.changed_by) == ("amount", "300000", "450000", rep)


def test_saving_unchanged_fields_writes_nothing(rep):
    deal = Opportunity.objects.get(pk=OpportunityFactory(owner=rep).pk)
    deal.save()
    assert rows(deal) == []


def test_a_stage_move_records_stage_and_probability_once_each(rep, stages):
    deal = Opportunity.objects.get(pk=OpportunityFactory(owner=rep, budget_amount=1, budget_confirmed=True).pk)
    stages[2].requires_follow_up = stages[2].requires_need = False
    stages[2].save()
    deal.move_to(stages[2], rep)
    changed = {r.field: (r.old_value, r.new_value, r.changed_by) for r in rows(deal)}
    assert changed == {
        "stage_id": (str(stages[1].pk), str(stages[2].pk), rep),
        "probability": ("20", "50", rep),
    }


def test_a_save_costs_one_history_query_however_many_fields_change(rep):
    deal = Opportunity.objects.get(pk=OpportunityFactory(owner=rep).pk)
    deal.amount = Decimal("1")
    with CaptureQueriesContext(connection) as one:
        deal.save()
    deal.amount, deal.name, deal.next_step = Decimal("2"), "Renamed", "Call back"
    with CaptureQueriesContext(connection) as three:
        deal.save()
    assert len(three) == len(one)
    assert len(rows(deal)) == 4


@pytest.mark.parametrize(
    ("dates", "pushes"),
    [
        ([datetime.date(2026, 12, 1), datetime.date(2027, 1, 15)], 1),  # later: a push
        ([datetime.date(2026, 12, 1), datetime.date(2026, 11, 20)], 0),  # earlier: a pull-in
        ([datetime.date(2026, 12, 1), None, datetime.date(2027, 3, 1)], 0),  # cleared then set
        ([datetime.date(2026, 12, 1), datetime.date(2027, 1, 1), datetime.date(2027, 2, 1)], 2),
    ],
)
def test_close_date_pushes_count_only_moves_later(rep, dates, pushes):
    deal = Opportunity.objects.get(pk=OpportunityFactory(owner=rep, expected_close_date=dates[0]).pk)
    for date in dates[1:]:
        deal.expected_close_date = date
        deal.save(update_fields=["expected_close_date"])
    deal.refresh_from_db()
    assert deal.close_date_push_count == pushes
    assert len(rows(deal, "expected_close_date")) == len(dates) - 1


def test_a_stage_probability_change_is_history_on_every_deal_in_it(rep, admin_user, stages):
    deals = [OpportunityFactory(owner=rep) for _ in range(3)]
    with acting_as(admin_user):
        stages[1].probability = 25
        stages[1].save()
    for deal in deals:
        [row] = rows(deal, "probability")
        assert (row.old_value, row.new_value, row.changed_by) == ("20", "25", admin_user)


def test_field_history_is_newest_first(rep):
    deal = Opportunity.objects.get(pk=OpportunityFactory(owner=rep).pk)
    for amount in (1, 2, 3):
        deal.amount = Decimal(amount)
        deal.save()
    assert [r.new_value for r in deal.field_history() if r.field == "amount"] == ["3", "2", "1"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_history(rep):
    deal = Opportunity.objects.get(pk=OpportunityFactory(owner=rep).pk)
    deal.amount = Decimal("5")
    deal.save()
    for statement in (
        lambda: FieldChange.objects.filter(object_id=deal.pk).update(new_value="6"),
        lambda: FieldChange.objects.filter(object_id=deal.pk)._raw_delete(connection.alias),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    assert FieldChange.objects.filter(object_id=deal.pk, new_value="5").exists()


def test_a_list_changed_in_place_after_loading_is_still_history(stages):
    from opportunities.models import Stage

    stage = Stage.objects.get(pk=stages[3].pk)
    loaded = stage.required_criteria
    assert isinstance(loaded, list)
    before = list(loaded)
    loaded.append("metrics" if "metrics" not in before else "champion")  # changed where it lies
    stage.save()
    [row] = rows(stage, "required_criteria")
    assert row.old_value == str(before) and row.new_value == str(loaded)


def test_a_loaded_record_edited_twice_records_each_save_against_the_one_before(rep):
    deal = Opportunity.objects.get(pk=OpportunityFactory(owner=rep, amount=Decimal("100")).pk)
    deal.amount = Decimal("200")
    deal.save()
    deal.amount = Decimal("300")
    deal.save()
    assert [(r.old_value, r.new_value) for r in sorted(rows(deal, "amount"), key=lambda r: r.pk)] == [
        ("100", "200"),
        ("200", "300"),
    ]
