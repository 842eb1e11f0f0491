"""Two pipelines side by side in every report: the history of conftest.py in "新业务 / New business",
and a two-stage "续约 / Renewal" pipeline with two deals of the rep:

| deal | now in        | amount | history (entered)       | notes                          |
| R1   | renewal talks | 10,000 | talks 04-10             | close 06-30, active 05-14      |
| R2   | renewed (won) | 20,000 | talks 04-01, won 05-06  | 35 days in talks               |
"""

from __future__ import annotations

from datetime import date

import pytest

from opportunities.models import Pipeline, Stage

from .conftest import at, make_deal
from .helpers import assert_report, days, m, page, page_table, pct

pytestmark = pytest.mark.django_db

STAGE1, STAGE2, STAGE3 = "Purchase plan confirmed", "Inquiry / bidding", "Contract terms"
TALKS = "Renewal talks"
FORECAST_COLUMNS = ("Month", "Weighted pipeline", "Best case", "Won")
TEAM_COLUMNS = ("Rep", "Won amount", "Won", "Target", "New opportunities", "Weighted pipeline", "Stale")


@pytest.fixture
def renewal(db) -> Pipeline:
    pipeline = Pipeline.objects.create(name="续约", name_en="Renewal", order=2, is_renewal_default=True)
    Stage.objects.create(pipeline=pipeline, order=1, name="续约沟通", name_en=TALKS, probability=60)
    Stage.objects.create(pipeline=pipeline, order=2, name="续约成功", name_en="Renewed", probability=100, outcome="won")
    Stage.objects.create(
        pipeline=pipeline, order=3, name="未续约", name_en="Not renewed", probability=0, outcome="lost"
    )
    return pipeline


@pytest.fixture
def renewals(history, renewal, rep):
    stages = {s.order: s for s in renewal.stages.all()}
    return {
        "R1": make_deal(
            "R1",
            rep,
            stages,
            [(1, at(4, 10), 0)],
            amount=10000,
            expected_close_date=date(2025, 6, 30),
            last_activity_at=at(5, 14),
        ),
        "R2": make_deal("R2", rep, stages, [(1, at(4, 1), 0), (2, at(5, 6), 0)], amount=20000),
    }


def test_the_funnel_shows_one_pipeline_at_a_time_and_remembers_the_last(renewals, renewal, rep, rep_client):
    default_rows = [
        (STAGE1, "1", m(100000), m(20000)),
        (STAGE2, "1", m(200000), m(100000)),
        (STAGE3, "1", m(300000), m(240000)),
    ]
    # No choice yet: the default pipeline, as before there were two.
    assert_report(rep_client, "funnel", "funnel", ("Stage", "Deals", "Amount", "Weighted"), default_rows)
    assert_report(
        rep_client,
        "funnel",
        "funnel",
        ("Stage", "Deals", "Amount", "Weighted"),
        [(TALKS, "1", m(10000), m(6000))],
        pipeline=renewal.pk,
    )
    rep.refresh_from_db()
    assert rep.last_pipeline == renewal
    # Next visit without a choice: the renewal pipeline again.
    response = page(rep_client, "funnel")
    assert [r["Stage"] for r in page_table(response, "funnel")] == [TALKS]
    assert 'id="pipeline-switcher"' in response.content.decode()


def test_conversion_per_pipeline_and_across_them(renewals, renewal, rep_client):
    columns = ("Stage", "Entered", "Went on", "Won")
    default_rows = [(STAGE1, "3", "1", "0"), (STAGE2, "2", "1", "0"), (STAGE3, "2", "1", "1")]
    default = Pipeline.objects.default()
    assert_report(rep_client, "conversion", "conversion", columns, default_rows, pipeline=default.pk)
    # R1 and R2 entered talks in Q2; R2 went on to renewed.
    assert_report(rep_client, "conversion", "conversion", columns, [(TALKS, "2", "1", "1")], pipeline=renewal.pk)
    # Unfiltered: every pipeline's stages, named with their pipeline.
    assert_report(
        rep_client,
        "conversion",
        "conversion",
        columns,
        [(f"New business · {name}", *rest) for name, *rest in default_rows] + [(f"Renewal · {TALKS}", "2", "1", "1")],
    )


def test_win_rate_and_cycle_per_pipeline_and_summed(renewals, renewal, rep_client):
    columns = ("Won", "Lost", "Win rate", "Average sales cycle (days)")
    # D4, D6 and R2 won, D5 lost; cycles D4 100, D6 124, R2 35 days.
    assert_report(rep_client, "conversion", "outcomes", columns, [("3", "1", pct(3, 4), days(100, 124, 35))])
    assert_report(rep_client, "conversion", "outcomes", columns, [("1", "0", pct(1, 1), days(35))], pipeline=renewal.pk)


def test_forecast_sums_across_pipelines_unless_filtered(renewals, renewal, rep_client):
    def months(**params):
        rows = page_table(page(rep_client, "forecast", **params), "forecast")
        return {r["Month"]: tuple(r[c] for c in FORECAST_COLUMNS) for r in rows}

    both = months()
    # Best case = won + open deals in the Commit and Best case categories (not all open deals).
    # May: D2 200k open at 50 % (Best case) -> weighted 100k; won D6 150k + D7 30k + R2 20k = 200k;
    # best case 200k won + D2 200k = 400k.
    assert both["2025-05"] == ("2025-05", m(100000), m(400000), m(200000))
    # June: D1 100k at 20 % and R1 10k at 60 % -> weighted 20k + 6k = 26k; both stages are in the
    # Pipeline category (the renewal stage keeps the default), so best case 0; nothing won.
    assert both["2025-06"] == ("2025-06", m(26000), m(0), m(0))
    only = months(pipeline=renewal.pk)
    # Renewal only: May R2 20k won (best case = won = 20k); June R1 weighted 6k, Pipeline category.
    assert only["2025-05"] == ("2025-05", m(0), m(20000), m(20000))
    assert only["2025-06"] == ("2025-06", m(6000), m(0), m(0))


def test_leaderboard_sums_across_pipelines_unless_filtered(renewals, renewal, leader_client, rep):
    def rep_row(**params):
        rows = page_table(page(leader_client, "team", **params), "leaderboard")
        return next(tuple(r[c] for c in TEAM_COLUMNS) for r in rows if r["Rep"] == str(rep))

    # Won D4 400k + D6 150k + D7 30k + R2 20k; new D1, D3, D5, R1, R2; open weighted 360k + 6k; D2 stale.
    assert rep_row() == (str(rep), m(600000), "4", m(800000), "5", m(366000), "1")
    assert rep_row(pipeline=renewal.pk) == (str(rep), m(20000), "1", m(800000), "2", m(6000), "0")


def test_win_loss_and_quality_take_the_pipeline_filter(renewals, renewal, leader_client):
    # Renewal has no losses and no skips; the default pipeline keeps D5 and D9 lost, D6 skipping.
    assert page_table(page(leader_client, "winloss", pipeline=renewal.pk), "loss_reasons") == []
    default = Pipeline.objects.default()
    reasons = page_table(page(leader_client, "winloss", pipeline=default.pk), "loss_reasons")
    assert len(reasons) == 2
    assert page_table(page(leader_client, "quality", pipeline=renewal.pk), "skips") == []
    assert len(page_table(page(leader_client, "quality", pipeline=default.pk), "skips")) == 1


@pytest.mark.parametrize("name", ["overview", "funnel", "forecast", "conversion", "winloss", "team", "quality"])
def test_every_report_and_its_csv_take_a_pipeline(renewals, renewal, leader_client, name):
    response = page(leader_client, name, pipeline=renewal.pk)
    assert f'value="{renewal.pk}" selected' in response.content.decode()
    for section in response.context["sections"]:
        csv = leader_client.get(response.request["PATH_INFO"], {"pipeline": renewal.pk, "csv": section.table.key})
        assert csv.status_code == 200
    # A pipeline id that does not exist is ignored, never a 500.
    assert leader_client.get(response.request["PATH_INFO"], {"pipeline": "999999"}).status_code == 200


def test_win_rate_by_evaluation_score_band(history, rep_client, rep):
    from opportunities.models import Opportunity

    # Closed in Q2 through the process: D4 won (rated 5s: 100), D6 won (rated 3s: 60), D5 lost (rated 3s: 60).
    deals = {d.name: d for d in Opportunity.objects.filter(name__in=["D4", "D5", "D6"])}
    factors = ("need_fit", "budget_fit", "decision_cycle", "purchase_intent", "competition")
    deals["D4"].evaluate(rep, ratings=dict.fromkeys(factors, 5))
    for name in ("D5", "D6"):
        deals[name].evaluate(rep, ratings=dict.fromkeys(factors, 3))
    assert_report(
        rep_client,
        "winloss",
        "by_score",
        ("Evaluation score", "Won", "Lost", "Win rate"),
        [
            ("80–100", "1", "0", pct(1, 1)),
            ("60–79", "1", "1", pct(1, 2)),
            ("40–59", "0", "0", ""),
            ("Below 40", "0", "0", ""),
            ("Not rated", "0", "0", ""),
        ],
    )


def test_a_pipeline_change_leaves_one_pipeline_and_enters_the_other(frozen, rep, rep_client, stages, renewal):
    # Entered stage 1 on 04-01, moved to the renewal pipeline's talks on 04-21 (20 days later).
    deal = make_deal("X", rep, stages, [(1, at(4, 1), 0)], amount=1000)
    talks = renewal.stages.get(order=1)
    deal.change_pipeline(talks, rep, now=at(4, 21))
    columns = ("Stage", "Entered", "Went on", "Won")
    default = Pipeline.objects.default()
    assert_report(
        rep_client,
        "conversion",
        "conversion",
        columns,
        [(STAGE1, "1", "0", "0"), (STAGE2, "0", "0", "0"), (STAGE3, "0", "0", "0")],
        pipeline=default.pk,
    )
    assert_report(rep_client, "conversion", "conversion", columns, [(TALKS, "1", "0", "0")], pipeline=renewal.pk)
    # The 20 days in stage 1 count as a move out of it; the funnel shows the deal in its new pipeline.
    assert_report(
        rep_client,
        "conversion",
        "velocity",
        ("Stage", "Moves out", "Average days"),
        [(STAGE1, "1", days(20)), (STAGE2, "0", ""), (STAGE3, "0", "")],
        pipeline=default.pk,
    )
    assert_report(
        rep_client, "funnel", "funnel", ("Stage", "Deals", "Amount"), [(TALKS, "1", m(1000))], pipeline=renewal.pk
    )
