"""A quick win stays out of the stage statistics even when it was reopened and has a history.

The report queries leave quick wins out by their ids (`ReportScope.history`) rather than by
joining every stage change to its deal; these deals have stage changes into and out of the
open stages, skips and a long first stage, and must change none of the figures of the
hand-made history (the same expected figures as in test_pages.py).
"""

from __future__ import annotations

import pytest

from opportunities.models import LossReason

from .conftest import at, make_deal
from .helpers import assert_report, days, page, page_table, pct, section
from .test_pages import STAGE1, STAGE2, STAGE3

pytestmark = pytest.mark.django_db


@pytest.fixture
def reopened(history, rep, stages):
    price = LossReason.objects.get(name_en="Price")
    return [
        # Won at once in January, reopened into stage 1, won again in May by a skip after 123 days.
        make_deal(
            "Q1", rep, stages, [(4, at(1, 2), 0), (1, at(1, 3), 0), (4, at(5, 6), 2)], amount=70000, is_quick_win=True
        ),
        # Won at once, reopened into stage 1 in April, stage 2, then lost in May.
        make_deal(
            "Q2",
            rep,
            stages,
            [(4, at(3, 2), 0), (1, at(4, 6), 0), (2, at(4, 9), 0), (5, at(5, 6), 0)],
            amount=60000,
            is_quick_win=True,
            loss_reason=price,
        ),
    ]


def test_conversion_velocity_and_cycle_leave_reopened_quick_wins_out(reopened, rep_client):
    assert_report(
        rep_client,
        "conversion",
        "conversion",
        ("Stage", "Entered", "Went on", "Went on %", "Won", "Won %"),
        [
            (STAGE1, "3", "1", pct(1, 3), "0", pct(0, 3)),
            (STAGE2, "2", "1", pct(1, 2), "0", pct(0, 2)),
            (STAGE3, "2", "1", pct(1, 2), "1", pct(1, 2)),
        ],
    )
    assert_report(
        rep_client,
        "conversion",
        "velocity",
        ("Stage", "Moves out", "Average days", "Median days"),
        [
            (STAGE1, "4", days(40, 10, 23, 124), days(23, 40)),
            (STAGE2, "2", days(16, 31), days(16, 31)),
            (STAGE3, "1", days(19), days(19)),
        ],
    )
    assert_report(
        rep_client,
        "conversion",
        "outcomes",
        ("Won", "Lost", "Win rate", "Average sales cycle (days)"),
        [("2", "1", pct(2, 3), days(100, 124))],
    )


def test_quality_flags_leave_reopened_quick_wins_out(reopened, leader_client, rep, teammate):
    response = page(leader_client, "quality")
    assert [r["Opportunity"] for r in page_table(response, "skips")] == ["D6"]
    assert section(response, "long_first_stage").extra["threshold"] == pytest.approx(63)
    assert [r["Opportunity"] for r in page_table(response, "long_first_stage")] == ["D6"]
    per_rep = {
        r["Rep"]: (r["Stage skips"], r["Long in first stage, then won"]) for r in page_table(response, "per_rep")
    }
    assert per_rep == {str(rep): ("1", "1"), str(teammate): ("0", "0")}
