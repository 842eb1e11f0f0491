"""Forecast accuracy against hand-computed figures.

"Now" is 2025-05-15, so the months are November 2024 to April 2025. For April the snapshots
that count are those of the weeks holding 03-04 (Monday 03-03), 03-18 (03-17) and 04-01
(03-31). The rep won 400,000 in April (D4, tests/reports/conftest.py) and nothing in the
other months; the outsider won 777,000 (D11).

| rep's forecast for April | weighted | commit  | best case |
| 4 weeks before (03-03)   | 300,000  | 200,000 | 500,000   |
| 2 weeks before (03-17)   | 350,000  | 400,000 | 600,000   |
| start (03-31)            | 380,000  | 390,000 | 450,000   |

accuracy = 1 - |forecast - 400,000| / 400,000: weighted 75.0 / 87.5 / 95.0, commit 50.0 / 100.0
/ 97.5, best case 75.0 / 50.0 / 87.5; means 85.8, 82.5 and 70.8: weighted predicted best.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reports.models import ForecastSnapshot
from reports.queries.accuracy import accuracy
from tests.conftest import client_for
from tests.reports.helpers import csv_table, m, page, page_table

pytestmark = pytest.mark.django_db

APRIL = date(2025, 4, 1)


@pytest.fixture
def snapshots(history, rep, teammate, outsider, team, other_team):
    def snap(owner, week, weighted, commit, best_case, month=APRIL):
        ForecastSnapshot.objects.create(
            owner=owner,
            team=owner.team,
            week=week,
            month=month,
            weighted=Decimal(weighted),
            commit=Decimal(commit),
            best_case=Decimal(best_case),
        )

    snap(rep, date(2025, 3, 3), 300000, 200000, 500000)
    snap(rep, date(2025, 3, 17), 350000, 400000, 600000)
    snap(rep, date(2025, 3, 31), 380000, 390000, 450000)
    snap(rep, date(2025, 3, 24), 1, 1, 1)  # a week no point reads
    snap(rep, date(2025, 1, 27), 90000, 0, 90000, month=date(2025, 3, 1))  # 4 weeks before March (02-01)
    snap(teammate, date(2025, 3, 31), 50000, 0, 50000)
    snap(outsider, date(2025, 3, 31), 700000, 777000, 800000)


def row(rows, label, month, point):
    return next(r for r in rows if r[0] == label and r[1] == month and r[2] == point)


COLUMNS = (
    "Rep",
    "Month",
    "Forecast as of",
    "Won",
    "Weighted",
    "Weighted accuracy",
    "Weighted − won",
    "Commit",
    "Commit accuracy",
    "Commit − won",
    "Best case",
    "Best case accuracy",
    "Best case − won",
)


def test_the_accuracy_formula():
    assert accuracy(Decimal(300), Decimal(400)) == Decimal("75.0")
    assert accuracy(Decimal(500), Decimal(400)) == Decimal("75.0")
    assert accuracy(Decimal(900), Decimal(400)) == Decimal("-25.0")
    assert accuracy(Decimal(100), Decimal(0)) is None


def test_a_leader_sees_each_reps_forecast_against_what_was_won(snapshots, leader, rep):
    rows = [tuple(r[c] for c in COLUMNS) for r in csv_table(client_for(leader), "accuracy", "accuracy_by_rep")]
    name = str(rep)
    assert row(rows, name, "2025-04", "4 weeks before") == (
        name, "2025-04", "4 weeks before", m(400000),
        m(300000), "75.0", m(-100000), m(200000), "50.0", m(-200000), m(500000), "75.0", m(100000),
    )  # fmt: skip
    assert row(rows, name, "2025-04", "2 weeks before")[4:] == (
        m(350000), "87.5", m(-50000), m(400000), "100.0", m(0), m(600000), "50.0", m(200000),
    )  # fmt: skip
    assert row(rows, name, "2025-04", "Start of the month")[4:] == (
        m(380000), "95.0", m(-20000), m(390000), "97.5", m(-10000), m(450000), "87.5", m(50000),
    )  # fmt: skip
    # March: a forecast but nothing won, so no accuracy; January: no snapshot at all.
    assert row(rows, name, "2025-03", "4 weeks before")[3:7] == (m(0), m(90000), "", m(90000))
    assert row(rows, name, "2025-01", "Start of the month")[4:7] == ("", "", "")


def test_the_team_total_adds_the_reps(snapshots, leader):
    rows = page_table(page(client_for(leader), "accuracy"), "accuracy")
    start = next(r for r in rows if r["Month"] == "2025-04" and r["Forecast as of"] == "Start of the month")
    # rep 380k + teammate 50k weighted; won 400k (the teammate won nothing); never the outsider.
    assert (start["Won"], start["Weighted"], start["Weighted accuracy"]) == (m(400000), m(430000), "92.5")


def test_which_forecast_predicted_best_per_rep(snapshots, leader, rep, teammate):
    rows = {r["Rep"]: r for r in csv_table(client_for(leader), "accuracy", "best_predictor")}
    mine = rows[str(rep)]
    assert (
        mine["Weighted mean accuracy"],
        mine["Commit mean accuracy"],
        mine["Best case mean accuracy"],
        mine["Predicted best"],
    ) == ("85.8", "82.5", "70.8", "Weighted")
    assert rows[str(teammate)]["Predicted best"] == ""  # won nothing: nothing to measure


def test_a_rep_sees_only_their_own_accuracy(snapshots, rep, outsider):
    response = page(client_for(rep), "accuracy")
    assert [s.key for s in response.context["sections"]] == ["accuracy", "best_predictor"]
    start = next(
        r
        for r in page_table(response, "accuracy")
        if r["Month"] == "2025-04" and r["Forecast as of"] == "Start of the month"
    )
    assert start["Weighted"] == m(380000)
    assert str(outsider) not in response.content.decode()


def test_an_admin_compares_the_teams(snapshots, admin_client_, team, other_team):
    rows = csv_table(admin_client_, "accuracy", "accuracy_by_team")
    north = next(
        r
        for r in rows
        if r["Team"] == other_team.name and r["Month"] == "2025-04" and r["Forecast as of"] == "Start of the month"
    )
    assert (north["Won"], north["Commit"], north["Commit accuracy"]) == (m(777000), m(777000), "100.0")
