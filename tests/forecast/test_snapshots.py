"""Weekly forecast snapshots: hand-computed figures, backfill from history, idempotence, the
job's query budget, the trend on the forecast page and who sees it.

"Now" is Thursday 2025-05-15 (tests/reports/conftest.py), so this week starts Monday
2025-05-12 and a snapshot covers April to September (this quarter and the next).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from reports.models import ForecastSnapshot
from reports.snapshots import take_snapshot
from tests.conftest import client_for
from tests.reports.helpers import csv_table, m, page, page_table
from tests.threads import at_once

pytestmark = pytest.mark.django_db

FIGURES = ("weighted", "pipeline", "commit", "best_case", "won", "open_count")


def figures(owner, week: date) -> dict[str, tuple]:
    rows = ForecastSnapshot.objects.filter(owner=owner, week=week).order_by("month")
    return {r.month.strftime("%Y-%m"): tuple(getattr(r, f) for f in FIGURES) for r in rows}


def D(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def test_this_weeks_snapshot_holds_each_reps_forecast_per_close_month(history, rep, teammate, outsider, team):
    result = take_snapshot()
    assert result.week == date(2025, 5, 12)
    assert figures(rep, date(2025, 5, 12)) == {
        # weighted, pipeline, commit (won + Commit), best case (commit + Best case), won, open deals
        "2025-04": (D(0), D(0), D(400000), D(400000), D(400000), 0),  # D4 won
        "2025-05": (D(100000), D(200000), D(180000), D(380000), D(180000), 1),  # D2 open; D6 + D7 won
        "2025-06": (D(20000), D(100000), D(0), D(0), D(0), 1),  # D1
        "2025-07": (D(240000), D(300000), D(300000), D(300000), D(0), 1),  # D3 in Commit
    }
    assert figures(teammate, date(2025, 5, 12)) == {"2025-08": (D(16000), D(80000), D(0), D(0), D(0), 1)}
    assert ForecastSnapshot.objects.filter(owner=rep).first().team == team
    assert figures(outsider, date(2025, 5, 12))["2025-06"][3] == D(999000)


def test_a_change_made_after_the_week_began_is_not_in_its_snapshot(history, rep):
    d1 = history["D1"]
    d1.amount = Decimal("120000")
    d1.save()  # now, Thursday: after Monday 00:00
    take_snapshot()
    assert figures(rep, date(2025, 5, 12))["2025-06"][1] == D(100000)


def test_a_past_week_is_rebuilt_from_the_history(history, rep):
    """Week 17 began on Monday 2025-04-21: D3 was still in stage 2, D6 still open in stage 1,
    D5 and D9 open without a close date, D7 not created yet; D4 had been won the day before."""
    call_command("snapshot_forecast", "--week", "2025-W17")
    assert figures(rep, date(2025, 4, 21)) == {
        "2025-04": (D(0), D(0), D(400000), D(400000), D(400000), 0),
        # D2 at 50 % (Best case) and D6 still at 20 %, closing 05-10 and 05-05
        "2025-05": (D(130000), D(350000), D(0), D(200000), D(0), 2),
        "2025-06": (D(20000), D(100000), D(0), D(0), D(0), 1),
        "2025-07": (D(150000), D(300000), D(0), D(300000), D(0), 1),  # D3 at 50 %: Best case
    }


def test_a_second_run_in_the_same_week_changes_nothing(history, rep):
    first = take_snapshot()
    assert first.created == ForecastSnapshot.objects.count() > 0
    before = list(ForecastSnapshot.objects.order_by("pk").values())
    history["D3"].judge_forecast_category("omitted", "changed my mind", by=history["D3"].owner.team.leader)
    second = take_snapshot()
    assert second.created == 0
    assert list(ForecastSnapshot.objects.order_by("pk").values()) == before


def test_the_database_refuses_a_second_row_for_the_same_week_rep_and_month(history, rep):
    take_snapshot()
    existing = ForecastSnapshot.objects.filter(owner=rep).first()
    with pytest.raises(IntegrityError):
        ForecastSnapshot.objects.create(week=existing.week, owner=rep, month=existing.month)


def test_the_job_runs_a_constant_number_of_queries_per_batch(history, rep):
    with CaptureQueriesContext(connection) as one_batch:
        take_snapshot(date(2025, 4, 21), batch_size=1000)
    with CaptureQueriesContext(connection) as many_batches:
        result = take_snapshot(date(2025, 4, 28), batch_size=2)
    assert result.batches == 5  # the 10 deals created by then (D7 came later), two at a time
    assert len(many_batches) - len(one_batch) == 3 * (result.batches - 1)


def test_a_future_week_is_refused(history):
    with pytest.raises(CommandError):
        call_command("snapshot_forecast", "--week", "2025-W30")
    with pytest.raises(CommandError):
        call_command("snapshot_forecast", "--week", "yesterday")
    assert not ForecastSnapshot.objects.exists()


def test_the_forecast_page_shows_the_month_week_by_week(history, rep, leader):
    for week in ("2025-W17", "2025-W18", "2025-W19", "2025-W20"):
        call_command("snapshot_forecast", "--week", week)
    rows = page_table(page(client_for(leader), "forecast", month="2025-07"), "trend")
    assert [(r["Week"], r["Commit"], r["Best case"], r["Weighted pipeline"]) for r in rows] == [
        ("2025-W17", m(0), m(300000), m(150000)),  # D3 in stage 2
        ("2025-W18", m(0), m(300000), m(150000)),
        ("2025-W19", m(300000), m(300000), m(240000)),  # D3 entered stage 3 on 05-01
        ("2025-W20", m(300000), m(300000), m(240000)),
    ]
    assert csv_table(client_for(leader), "forecast", "trend", month="2025-07")[2]["Commit"] == m(300000)


def test_a_rep_sees_only_their_own_trend_and_a_leader_only_their_team(history, rep, leader, other_leader):
    take_snapshot()
    mine = page_table(page(client_for(rep), "forecast", month="2025-06"), "trend")
    assert [r["Pipeline"] for r in mine] == [m(100000)]  # D1 only, never the outsider's D10
    team = page_table(page(client_for(leader), "forecast", month="2025-06"), "trend")
    assert [r["Pipeline"] for r in team] == [m(100000)]
    other = page_table(page(client_for(other_leader), "forecast", month="2025-06"), "trend")
    assert [r["Pipeline"] for r in other] == [m(999000)]
    # An unknown month falls back to this month.
    assert page(client_for(rep), "forecast", month="1999-01").context["month"] == "2025-05"


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_two_concurrent_runs_record_the_week_once(rep, teammate, stages):
    if connection.vendor != "postgresql":
        pytest.fail("run the concurrency tests on PostgreSQL")
    from django.utils import timezone

    from tests.factories import OpportunityFactory

    today = timezone.localdate()
    for i in range(30):
        OpportunityFactory(
            owner=(rep, teammate)[i % 2],
            stage=stages[1 + i % 3],
            amount=Decimal(1000 * (i + 1)),
            expected_close_date=today,
            created_at=timezone.now() - timezone.timedelta(days=30),
        )
    outcomes = at_once(lambda: take_snapshot(batch_size=7).created >= 0)
    assert outcomes == [True, True]
    assert ForecastSnapshot.objects.count() == 2  # one row per rep for this month
    assert ForecastSnapshot.objects.filter(owner=rep).get().open_count == 15
