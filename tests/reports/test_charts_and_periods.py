"""The pure parts: rows to plotly figures, and period keys to dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import plotly.graph_objects as go
import pytest

from reports import charts
from reports.bench import REPORTS
from reports.periods import resolve_period
from reports.queries.forecast import _row, forecast_months


def test_funnel_figure_is_a_plotly_funnel_of_the_open_amount_per_stage():
    rows = [
        {"stage": "A", "count": 2, "amount": Decimal("300.00"), "weighted": Decimal("60.00")},
        {"stage": "B", "count": 1, "amount": Decimal("100.00"), "weighted": Decimal("50.00")},
    ]
    figure = go.Figure(charts.funnel_figure(rows).to_plotly_json())  # validates against plotly's schema
    trace = figure.data[0]
    assert trace.type == "funnel"
    assert list(trace.y) == ["A", "B"] and list(trace.x) == [300.0, 100.0]
    assert [list(c) for c in trace.customdata] == [[2, 60.0], [1, 50.0]]


def test_forecast_figure_stacks_won_and_weighted_under_the_target_line():
    months = [
        {
            "month": date(2025, 5, 1),
            "won": Decimal("10"),
            "weighted": Decimal("5"),
            "commit": Decimal("13"),
            "best_case": Decimal("30"),
            "target": Decimal("40"),
        },
    ]
    figure = go.Figure(charts.forecast_figure(months).to_plotly_json())
    names = [t.name for t in figure.data]
    assert names == ["Won", "Weighted pipeline", "Commit", "Best case", "Target"]
    assert figure.layout.barmode == "stack"
    assert figure.data[2].y == (13.0,) and figure.data[3].y == (30.0,) and figure.data[4].y == (40.0,)
    assert figure.data[0].x == ("May 2025",)
    assert figure.layout.xaxis.type == "category"


def test_openers_figure_draws_quadrant_lines_at_the_averages():
    rows = [
        {"rep": "A", "new_count": 10, "conversion_rate": Decimal("20.0")},
        {"rep": "B", "new_count": 2, "conversion_rate": Decimal("80.0")},
    ]
    figure = go.Figure(charts.openers_converters_figure(rows).to_plotly_json())
    vertical, horizontal = figure.layout.shapes
    assert vertical.x0 == 6 and horizontal.y0 == 50
    assert list(figure.data[0].text) == ["A", "B"]


def test_openers_figure_without_reps_has_no_lines():
    assert go.Figure(charts.openers_converters_figure([]).to_plotly_json()).layout.shapes == ()


def test_ranked_bars_put_the_first_row_on_top():
    figure = go.Figure(
        charts.loss_reasons_figure([{"reason": "Price", "count": 3}, {"reason": "Timing", "count": 1}]).to_plotly_json()
    )
    assert list(figure.data[0].y) == ["Timing", "Price"]


def test_forecast_verdict_answers_seed_004s_question():
    def verdict(won, weighted, pipeline, target):
        return _row(
            month=None,
            is_past=False,
            weighted=Decimal(weighted),
            pipeline=Decimal(pipeline),
            best_case=Decimal(won),
            commit=Decimal(0),
            won=Decimal(won),
            target=Decimal(target),
        )["verdict"]

    assert verdict(0, 0, 0, 0) == "no_target"
    assert verdict(100, 0, 0, 100) == "made"
    assert verdict(50, 50, 60, 100) == "on_track"
    assert verdict(50, 20, 60, 100) == "push"  # enough if the deals move down the funnel
    assert verdict(50, 20, 40, 100) == "new_deals"  # not enough even if everything closes


def test_periods_are_calendar_ranges_with_an_exclusive_end():
    today = date(2025, 5, 15)
    assert (resolve_period("this_quarter", today).start, resolve_period("this_quarter", today).end) == (
        date(2025, 4, 1),
        date(2025, 7, 1),
    )
    assert resolve_period("last_quarter", today).start == date(2025, 1, 1)
    assert resolve_period("last_month", today).end == date(2025, 5, 1)
    assert resolve_period("last_12_months", today).start == date(2024, 6, 1)
    assert resolve_period("this_year", date(2025, 12, 31)).end == date(2026, 1, 1)
    assert resolve_period("bogus", today).key == "this_quarter"
    assert resolve_period("all", today).months() == []
    assert resolve_period("this_quarter", today).months() == [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]


def test_forecast_covers_the_quarter_and_six_months_ahead():
    assert forecast_months(date(2025, 5, 15))[0] == date(2025, 4, 1)
    assert forecast_months(date(2025, 5, 15))[-1] == date(2025, 10, 1)
    assert len(forecast_months(date(2025, 4, 2))) == 6


@pytest.mark.parametrize("name", REPORTS)
def test_every_chart_of_every_report_is_a_figure_plotly_accepts(name, history, admin_client_):
    """The charts are built as plain data: plotly's own figure class checks each against its schema."""
    from .helpers import page

    figures = [s.figure_json() for s in page(admin_client_, name).context["sections"] if s.figure is not None]
    assert figures, "every report draws at least one chart"
    for figure in figures:
        checked = go.Figure(figure)  # raises on any property plotly.js would not know
        assert checked.data and checked.layout.template.layout.colorway  # plotly's look, as before
