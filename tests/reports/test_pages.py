"""Every number on every report page and CSV, against figures worked out by hand from the
history in conftest.py ("today" 2025-05-15; this quarter April to June 2025)."""

from __future__ import annotations

import pytest

from .helpers import assert_report, csv_table, days, m, page, page_table, pct, section

pytestmark = pytest.mark.django_db

STAGE1, STAGE2, STAGE3 = "Purchase plan confirmed", "Inquiry / bidding", "Contract terms"


# --- funnel -----------------------------------------------------------------------------


def test_funnel_shows_a_reps_open_deals_per_stage(history, rep_client):
    assert_report(
        rep_client,
        "funnel",
        "funnel",
        ("Stage", "Deals", "Amount", "Weighted"),
        [
            (STAGE1, "1", m(100000), m(20000)),  # D1
            (STAGE2, "1", m(200000), m(100000)),  # D2
            (STAGE3, "1", m(300000), m(240000)),  # D3
        ],
    )


def test_funnel_for_a_leader_adds_the_team_and_splits_by_rep(history, leader_client, rep, teammate):
    assert_report(
        leader_client,
        "funnel",
        "funnel",
        ("Stage", "Deals", "Amount", "Weighted"),
        [(STAGE1, "2", m(180000), m(36000)), (STAGE2, "1", m(200000), m(100000)), (STAGE3, "1", m(300000), m(240000))],
    )
    assert_report(
        leader_client,
        "funnel",
        "funnel_by_rep",
        ("Rep", "Deals", STAGE1, STAGE2, STAGE3, "Amount", "Weighted"),
        [
            (str(rep), "3", m(100000), m(200000), m(300000), m(600000), m(360000)),
            (str(teammate), "1", m(80000), m(0), m(0), m(80000), m(16000)),
        ],
    )


def test_funnel_period_keeps_deals_expected_to_close_in_it(history, rep_client):
    # This quarter: D1 (06-20) and D2 (05-10); D3 closes in July.
    assert_report(
        rep_client,
        "funnel",
        "funnel",
        ("Stage", "Deals", "Amount"),
        [(STAGE1, "1", m(100000)), (STAGE2, "1", m(200000)), (STAGE3, "0", m(0))],
        period="this_quarter",
    )


def test_admin_funnel_covers_every_team(history, admin_client_):
    response = page(admin_client_, "funnel")
    row = next(r for r in page_table(response, "funnel") if r["Stage"] == STAGE2)
    assert (row["Deals"], row["Amount"], row["Weighted"]) == ("2", m(1199000), m(599500))


# --- forecast ---------------------------------------------------------------------------

FORECAST_COLUMNS = (
    "Month",
    "Weighted pipeline",
    "Pipeline",
    "Best case",
    "Commit",
    "Won",
    "Target",
    "Gap",
    "Pipeline coverage",
)


def test_forecast_for_a_rep_against_their_quota(history, rep_client):
    response = assert_report(
        rep_client,
        "forecast",
        "forecast",
        FORECAST_COLUMNS,
        [
            # April is past: D4 won 400k against 200k; commit and best case include the won amount.
            ("2025-04", m(0), m(0), m(400000), m(400000), m(400000), m(200000), m(0), ""),
            # May: D2 (50 %, Best case) open; D6 150k + quick win D7 30k won; target 500k; gap 320k.
            (
                "2025-05",
                m(100000),
                m(200000),
                m(380000),
                m(180000),
                m(180000),
                m(500000),
                m(320000),
                pct(200000, 320000),
            ),
            # June: D1 (20 %, Pipeline); target 100k.
            ("2025-06", m(20000), m(100000), m(0), m(0), m(0), m(100000), m(100000), pct(100000, 100000)),
            # July: D3 at 80 % is in Commit.
            ("2025-07", m(240000), m(300000), m(300000), m(300000), m(0), m(0), m(0), ""),
            ("2025-08", m(0), m(0), m(0), m(0), m(0), m(0), m(0), ""),
            ("2025-09", m(0), m(0), m(0), m(0), m(0), m(0), m(0), ""),
            ("2025-10", m(0), m(0), m(0), m(0), m(0), m(0), m(0), ""),
            (
                "Quarter 2025 Q2",
                m(120000),
                m(300000),
                m(780000),
                m(580000),
                m(580000),
                m(800000),
                m(220000),
                pct(300000, 220000),
            ),
        ],
    )
    verdicts = [r["Verdict"] for r in page_table(response, "forecast")]
    assert verdicts[0] == "Target made"
    assert verdicts[1].startswith("Not enough pipeline")  # 180k + 200k < 500k: open new deals
    assert verdicts[2].startswith("Enough pipeline")  # 0 + 100k covers 100k only if all closes: push
    assert verdicts[-1].startswith("Enough pipeline")  # 580k + 300k >= 800k, 580k + 120k < 800k
    assert "Enough pipeline, too little weight" in response.content.decode()


def test_forecast_for_a_leader_uses_the_team_target(history, leader_client):
    rows = page_table(page(leader_client, "forecast"), "forecast")
    by_month = {r["Month"]: r for r in rows}
    # May has a team quota (1,000,000) that replaces the members' quotas; April and June have
    # none, so the members' quotas add up (rep 200k, 100k).
    assert [by_month[k]["Target"] for k in ("2025-04", "2025-05", "2025-06")] == [m(200000), m(1000000), m(100000)]
    assert by_month["2025-08"]["Weighted pipeline"] == m(16000)  # D8
    assert by_month["Quarter 2025 Q2"]["Target"] == m(1300000)


# --- conversion -------------------------------------------------------------------------


def test_conversion_from_the_stage_history(history, rep_client):
    # Entries in Q2: stage 1: D1, D3, D5 (only D3 went on); stage 2: D2, D3 (D3 went on);
    # stage 3: D3, D4 (D4 went on and won). D6 and the quick win D7 entered no open stage in Q2.
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


def test_days_per_stage_average_and_median(history, rep_client):
    # Moves out in Q2: stage 1: D2 40, D3 10, D5 23, D6 124 days; stage 2: D3 16, D4 31;
    # stage 3: D4 19.
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


def test_win_rate_and_sales_cycle_leave_quick_wins_out(history, rep_client):
    # Closed in Q2 through the process: D4 won, D6 won, D5 lost. Cycles: D4 50+31+19, D6 124.
    assert_report(
        rep_client,
        "conversion",
        "outcomes",
        ("Won", "Lost", "Win rate", "Average sales cycle (days)"),
        [("2", "1", pct(2, 3), days(100, 124))],
    )


# --- win / loss -------------------------------------------------------------------------


def test_loss_reasons_ranked_for_a_leader(history, leader_client):
    assert_report(
        leader_client,
        "winloss",
        "loss_reasons",
        ("Loss reason", "Deals", "Amount"),
        [("Competitor", "1", m(120000)), ("Price", "1", m(50000))],
    )


def test_win_rate_by_source_industry_customer_type_and_rep(history, leader_client, rep, teammate):
    columns = ("Won", "Lost", "Win rate", "Won amount")
    assert_report(
        leader_client,
        "winloss",
        "by_source",
        ("Lead source", *columns),
        [("Referral", "1", "0", pct(1, 1), m(400000)), ("Website form", "1", "2", pct(1, 3), m(150000))],
    )
    assert_report(
        leader_client,
        "winloss",
        "by_industry",
        ("Industry", *columns),
        [("IT and software", "2", "2", pct(2, 4), m(550000))],
    )
    assert_report(
        leader_client,
        "winloss",
        "by_customer_type",
        ("Customer type", *columns),
        [("Enterprise", "2", "1", pct(2, 3), m(550000)), ("Government", "0", "1", pct(0, 1), m(0))],
    )
    assert_report(
        leader_client,
        "winloss",
        "by_rep",
        ("Rep", *columns),
        [(str(rep), "2", "1", pct(2, 3), m(550000)), (str(teammate), "0", "1", pct(0, 1), m(0))],
    )


def test_filters_narrow_every_figure(history, leader_client, teammate, stages):
    assert_report(
        leader_client, "winloss", "loss_reasons", ("Loss reason", "Deals"), [("Price", "1")], customer_type="enterprise"
    )
    assert_report(
        leader_client,
        "funnel",
        "funnel",
        ("Stage", "Deals", "Amount"),
        [(STAGE1, "1", m(80000)), (STAGE2, "0", m(0)), (STAGE3, "0", m(0))],
        rep=teammate.pk,
    )
    referral = page_table(page(leader_client, "winloss", source=history["D4"].source_id), "by_source")
    assert [r["Lead source"] for r in referral] == ["Referral"]


# --- team -------------------------------------------------------------------------------

TEAM_COLUMNS = (
    "Rep",
    "Won amount",
    "Won",
    "Target",
    "Attainment",
    "New opportunities",
    "Conversion rate",
    "Weighted pipeline",
    "Stale",
)


def test_leaderboard_against_each_reps_target(history, leader_client, leader, rep, teammate):
    assert_report(
        leader_client,
        "team",
        "leaderboard",
        TEAM_COLUMNS,
        [
            # Won D4 400k + D6 150k + quick win D7 30k; target 200k+500k+100k; new D1, D3, D5;
            # converted 2 of 3 closed (D4, D6 won, D5 lost); open D1+D2+D3 weighted; D2 stale.
            (str(rep), m(580000), "3", m(800000), pct(580000, 800000), "3", pct(2, 3), m(360000), "1"),
            # The leader owns no deal: not a rep at ¥0 on their own team's board.
            (str(teammate), m(0), "0", m(300000), pct(0, 300000), "1", pct(0, 1), m(16000), "1"),
        ],
    )


def test_admin_compares_teams(history, admin_client_, team, other_team):
    assert_report(
        admin_client_,
        "team",
        "teams",
        ("Team", "Won amount", "Won", "Target", "Weighted pipeline"),
        [
            (team.name, m(580000), "3", m(1300000), m(376000)),
            (other_team.name, m(777000), "1", m(2000000), m(499500)),
        ],
    )


def test_leader_gets_no_team_comparison(history, leader_client):
    keys = [s.key for s in page(leader_client, "team").context["sections"]]
    assert "teams" not in keys and "leaderboard" in keys


# --- quality ----------------------------------------------------------------------------


def test_quality_flags_per_rep(history, leader_client, rep, teammate):
    assert_report(
        leader_client,
        "quality",
        "per_rep",
        (
            "Rep",
            "Stage skips",
            "Long in first stage, then won",
            "Past expected close",
            "Stale",
            "Quick wins",
            "Quick-win amount",
        ),
        [(str(rep), "1", "1", "1", "1", "1", m(30000)), (str(teammate), "0", "0", "0", "1", "0", m(0))],
    )


def test_quality_lists_name_the_deals(history, leader_client):
    response = page(leader_client, "quality")
    assert [r["Opportunity"] for r in page_table(response, "skips")] == ["D6"]
    # Median time in stage 1 (all history): 10, 17, 23, 40, 50, 124 -> 31.5 days; D6 sat 124 > 2 x 31.5.
    assert section(response, "long_first_stage").extra["threshold"] == pytest.approx(63)
    assert [r["Opportunity"] for r in page_table(response, "long_first_stage")] == ["D6"]
    past_due = page_table(response, "past_due")
    assert [(r["Opportunity"], r["Days overdue"]) for r in past_due] == [("D2", "5")]
    assert sorted(r["Opportunity"] for r in page_table(response, "stale")) == ["D2", "D8"]
    assert [(r["Opportunity"], r["Amount"]) for r in csv_table(leader_client, "quality", "quick_wins")] == [
        ("D7", m(30000))
    ]


def test_a_higher_multiple_clears_the_long_first_stage_flag(history, leader_client):
    response = page(leader_client, "quality", multiple="4")
    assert page_table(response, "long_first_stage") == []


# --- overview ---------------------------------------------------------------------------


def test_overview_headline_figures(history, rep_client):
    response = page(rep_client, "overview")
    h = response.context["headline"]
    assert (h["open_count"], m(h["open_amount"]), m(h["weighted"])) == (3, m(600000), m(360000))
    assert (m(h["won_amount"]), m(h["target"]), str(h["attainment"])) == (m(580000), m(800000), pct(580000, 800000))
    assert (str(h["win_rate"]), str(h["average_cycle_days"])) == (pct(2, 3), days(100, 124))
    html = response.content.decode()
    assert "¥600,000" in html and "¥580,000" in html
    rows = csv_table(rep_client, "overview", "headline")
    assert rows == [
        {
            "Open deals": "3",
            "Open pipeline": m(600000),
            "Weighted pipeline": m(360000),
            "Won in period": m(580000),
            "Target for period": m(800000),
            "Attainment": pct(580000, 800000),
            "Win rate": pct(2, 3),
            "Average sales cycle (days)": days(100, 124),
        }
    ]


def test_overview_links_to_every_report(history, leader_client):
    html = page(leader_client, "overview").content.decode()
    for path in ("funnel", "forecast", "conversion", "winloss", "team", "quality"):
        assert f'href="/reports/{path}/' in html
