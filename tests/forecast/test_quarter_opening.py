"""The quarter's opening: every deal as it stood when the quarter opened, recorded once by a job,
which the pipeline inspection since the start of the quarter compares with.

"Now" is 2025-05-15 (tests/reports/conftest.py): the quarter opened on 2025-04-01 00:00, when
D2, D4, D6 and D9 existed (D4 in stage 2, the others in stage 1); the rest came later.
"""

from __future__ import annotations

import importlib
import random
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from crm.celery import app
from opportunities.models import Opportunity, StageMoveRefused
from reports import openings
from reports.models import OpeningDeal, QuarterOpening
from reports.openings import record_opening
from reports.periods import aware, resolve_period
from reports.queries import inspection
from reports.queries.asof import field_changes_after, rewind, stage_changes_after
from reports.queries.base import build_scope
from tests.conftest import client_for
from tests.factories import OpportunityFactory
from tests.threads import at_once

pytestmark = pytest.mark.django_db

POINT_DAY = date(2025, 4, 1)
VALUES = ("stage_id", "amount", "expected_close_date", "forecast_category_override", "manager_category")


def recorded() -> dict[int, tuple]:
    return {row["opportunity_id"]: tuple(row[v] for v in VALUES) for row in OpeningDeal.objects.values()}


def from_scratch() -> dict[int, tuple]:
    """Every deal put back to the quarter's opening from the whole history, one by one."""
    point = aware(POINT_DAY)
    deals = {d["pk"]: d for d in Opportunity.all_objects.filter(created_at__lte=point).values("pk", *VALUES)}
    rewind(deals, field_changes_after(point, fields=VALUES), stage_changes_after(point, everyone=True))
    return {
        pk: (
            d["stage_id"],
            d["amount"],
            d["expected_close_date"],
            d["forecast_category_override"] or "",
            d["manager_category"] or "",
        )
        for pk, d in deals.items()
        if d["stage_id"] is not None
    }


def since_the_quarter(user) -> dict:
    scope = build_scope(user, None, resolve_period("this_quarter", date(2025, 5, 15)))
    return inspection.inspection_rows(scope, "quarter")


def test_the_opening_holds_each_deal_as_it_stood_when_the_quarter_opened(history, stages):
    result = record_opening()
    assert (result.quarter, result.recorded, result.deals) == (POINT_DAY, True, 4)
    opening = QuarterOpening.objects.get()
    assert opening.point == aware(POINT_DAY) and opening.deals == 4 and str(opening) == "2025-Q2"
    rows = recorded()
    stage_then = {name: rows[deal.pk][0] for name, deal in history.items() if deal.pk in rows}
    assert stage_then == {"D2": stages[1].pk, "D4": stages[2].pk, "D6": stages[1].pk, "D9": stages[1].pk}
    assert rows[history["D4"].pk][1] == Decimal("400000.00")
    assert rows == from_scratch()


def test_changes_made_after_recording_leave_the_opening_as_a_rebuild_from_history_finds_it(
    history, stages, leader, admin_user
):
    """The precomputed rows equal the ones rebuilt from the history after random edits, moves and
    a deal binned and restored: what a deal was when the quarter opened never changes."""
    record_opening()
    before = recorded()
    header = QuarterOpening.objects.get()
    rng = random.Random(11)
    deals = list(Opportunity.objects.order_by("pk"))
    moved = 0
    for _ in range(60):
        deal = rng.choice(deals)
        deal.refresh_from_db()
        if rng.random() < 0.5:
            try:
                deal.move_to(rng.choice(list(stages.values())), by=admin_user, note="random")
            except StageMoveRefused:
                continue
        else:
            deal.amount = Decimal(rng.randrange(0, 500)) * 1000
            deal.expected_close_date = date(2025, rng.randrange(4, 13), rng.randrange(1, 29))
            deal.save()
        moved += deal.pk in before
    history["D2"].move_to_bin(by=admin_user)
    Opportunity.all_objects.get(pk=history["D2"].pk).restore(by=admin_user)
    assert moved > 10  # deals that existed when the quarter opened did change since
    result = record_opening(rebuild=True)
    assert result.recorded and result.deals == 4
    assert recorded() == before == from_scratch()
    assert QuarterOpening.objects.get().pk == header.pk  # rewritten under the same header


def test_a_deal_in_the_bin_when_the_quarter_was_recorded_is_no_newcomer_once_restored(history, admin_user):
    d2 = history["D2"]
    d2.move_to_bin(by=admin_user)
    record_opening()
    Opportunity.all_objects.get(pk=d2.pk).restore(by=admin_user)
    new = [row["deal"] for row in since_the_quarter(admin_user)["rows"] if row["group_key"] == "new"]
    assert new and "D2" not in new


def test_a_second_run_records_nothing_and_a_quarter_not_begun_is_refused(history):
    assert record_opening().recorded
    assert not record_opening().recorded
    assert record_opening(date(2025, 6, 30)).recorded is False  # the same quarter
    with pytest.raises(ValueError):
        record_opening(date(2025, 7, 1))
    assert QuarterOpening.objects.count() == 1 and OpeningDeal.objects.count() == 4


def test_the_command_records_a_quarter_once_rebuilds_it_and_refuses_what_it_cannot_read(history, capsys):
    call_command("record_quarter_opening", "--quarter", "2025-05-15")
    assert "2025-Q2: 4 deals" in capsys.readouterr().out
    call_command("record_quarter_opening", "--quarter", "2025-Q2")
    assert "already recorded" in capsys.readouterr().out
    call_command("record_quarter_opening", "--rebuild")
    assert "2025-Q2: 4 deals" in capsys.readouterr().out
    call_command("record_quarter_opening", "--quarter", "2025-Q1")
    assert "2025-Q1: 0 deals" in capsys.readouterr().out  # D6 came at 10:00 on 1 January
    for bad in ("2025-Q5", "2025-Q0", "yesterday", "\x00", "9" * 100_000, "2025-13-01", "2025-Q3"):
        with pytest.raises(CommandError):
            call_command("record_quarter_opening", "--quarter", bad)
    with pytest.raises(CommandError):
        call_command("record_quarter_opening", "--batch-size", "0")
    assert list(QuarterOpening.objects.values_list("quarter", "deals")) == [
        (date(2025, 4, 1), 4),
        (date(2025, 1, 1), 0),
    ]


def test_a_job_killed_mid_batch_leaves_nothing_and_the_inspection_undoes_the_history(history, admin_user, monkeypatch):
    calls = []
    real = OpeningDeal.objects.bulk_create

    def dies_on_the_second_batch(rows, **kwargs):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(rows, **kwargs)

    monkeypatch.setattr(OpeningDeal.objects, "bulk_create", dies_on_the_second_batch)
    with pytest.raises(RuntimeError):
        record_opening(batch_size=2)
    assert not QuarterOpening.objects.exists() and not OpeningDeal.objects.exists()
    monkeypatch.undo()
    undone = since_the_quarter(admin_user)
    assert undone["total"] > 0
    assert record_opening(batch_size=2).batches == 2  # the 4 deals there were, two at a time
    assert since_the_quarter(admin_user) == undone


def test_the_job_runs_a_constant_number_of_queries_per_batch(history, rep, stages):
    with CaptureQueriesContext(connection) as four_deals:
        record_opening(batch_size=1000)
    for i in range(20):  # twenty more deals that existed when the quarter opened
        OpportunityFactory(owner=rep, stage=stages[1 + i % 3], created_at=aware(date(2025, 3, 1)))
    with CaptureQueriesContext(connection) as more_deals:
        assert record_opening(batch_size=1000, rebuild=True).deals == 24
    # As many queries for 24 deals as for 4 (the rebuild deletes the old rows where the first
    # run wrote the header).
    assert len(more_deals) == len(four_deals)
    with CaptureQueriesContext(connection) as many_batches:
        result = record_opening(batch_size=5, rebuild=True)
    assert result.batches == 5  # each further batch reads three times and inserts once
    assert len(many_batches) - len(more_deals) == 4 * (result.batches - 1)


def test_a_quarter_recorded_for_another_time_zone_is_recorded_again(history, settings):
    record_opening()
    settings.TIME_ZONE = "UTC"  # its midnight is eight hours after Shanghai's
    result = record_opening()
    assert result.recorded
    opening = QuarterOpening.objects.get()
    assert opening.point == aware(POINT_DAY) and opening.point.utcoffset().total_seconds() == 0


def test_nothing_is_recorded_while_a_transaction_begun_before_the_quarter_opened_is_open(history, monkeypatch):
    monkeypatch.setattr(openings, "_open_since_before", lambda point: True)
    result = record_opening()
    assert (result.recorded, result.reason) == (False, openings.WAITING)
    assert not QuarterOpening.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_still_open_since_before_the_point_is_seen_on_postgresql():
    from django.db import connections as all_connections
    from django.utils import timezone

    if connection.vendor != "postgresql":
        assert openings._open_since_before(timezone.now()) is False
        return
    other = all_connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")  # the transaction begins
        later = timezone.now() + timezone.timedelta(minutes=1)
        assert openings._open_since_before(later)
        other.rollback()
        assert not openings._open_since_before(later)
    finally:
        other.close()


def test_the_job_is_scheduled_daily_and_registered_with_the_worker():
    # The data migration's schedule, written again (a transactional test elsewhere may have
    # emptied the table this database was migrated with).
    PeriodicTask.objects.filter(name="Quarter opening").delete()
    importlib.import_module("reports.migrations.0002_quarter_openings").schedule_opening(apps, None)
    task = PeriodicTask.objects.get(name="Quarter opening")
    assert task.enabled and task.task == "reports.record_quarter_opening"
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_month) == ("10", "0", "*")
    app.loader.import_default_modules()
    assert "reports.record_quarter_opening" in app.tasks


def test_a_wide_scope_compares_with_the_opening_once_it_is_recorded_on_postgresql(history, admin_user, monkeypatch):
    used = []
    real = inspection._then_from_opening
    monkeypatch.setattr(inspection, "_then_from_opening", lambda *args: used.append(args[0]) or real(*args))
    client = client_for(admin_user)
    client.get("/reports/inspection/", {"since": "quarter"})
    assert used == []
    record_opening()
    client.get("/reports/inspection/", {"since": "quarter"})
    client.get("/reports/inspection/")  # since last week: another point, no opening
    # PostgreSQL's one-statement comparison reads it; other databases undo the history in Python.
    assert used == ([QuarterOpening.objects.get().pk] if connection.vendor == "postgresql" else [])


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_two_concurrent_runs_record_the_quarter_once(rep, stages, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.fail("run the concurrency tests on PostgreSQL")
    from django.utils import timezone

    for i in range(30):
        OpportunityFactory(owner=rep, stage=stages[1 + i % 3], created_at=timezone.now() - timezone.timedelta(days=400))
    # Both runs find no header before either writes one: one creates it, the other waits on
    # the unique key and then finds it recorded.
    barrier = threading.Barrier(2)
    create = QuarterOpening.objects.create

    def create_together(**fields):
        barrier.wait(timeout=10)
        return create(**fields)

    monkeypatch.setattr(QuarterOpening.objects, "create", create_together)
    outcomes = at_once(lambda: openings.record_opening(batch_size=7).reason or "recorded", start_together=False)
    assert sorted(outcomes) == sorted(["recorded", openings.BY_ANOTHER_RUN])
    assert QuarterOpening.objects.get().deals == 30 == OpeningDeal.objects.count()
