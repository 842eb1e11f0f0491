"""Pure functions: report rows in, plotly figures out. No database access here.

Figures are sized by the page (responsive), keep their legends under the plot and their
margins small, so they stay readable on a phone.
"""

from __future__ import annotations

import math
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import figures as go

PALETTE = {
    "won": "#198754",
    "weighted": "#0d6efd",
    "best_case": "#6ea8fe",
    "commit": "#fd7e14",
    "target": "#212529",
    "lost": "#dc3545",
    "muted": "#adb5bd",
    "warn": "#ffc107",
}


def _num(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def _layout(fig: go.Figure, *, height: int = 340, **extra) -> go.Figure:
    fig.update_layout(
        height=height,
        autosize=True,
        margin={"l": 8, "r": 8, "t": 16, "b": 8},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0},
        font={"size": 12},
        plot_bgcolor="white",
        paper_bgcolor="white",
        **extra,
    )
    fig.update_xaxes(automargin=True, gridcolor="#eee")
    fig.update_yaxes(automargin=True, gridcolor="#eee")
    return fig


def funnel_figure(rows: list[dict]) -> go.Figure:
    """Open amount per stage as a funnel; hover shows the count and the weighted amount."""
    fig = go.Figure(
        go.Funnel(
            y=[r["stage"] for r in rows],
            x=[_num(r["amount"]) for r in rows],
            customdata=[[r["count"], _num(r["weighted"])] for r in rows],
            texttemplate="%{value:,.0f}",
            hovertemplate=_("%{y}: %{value:,.0f} · %{customdata[0]} deals · weighted %{customdata[1]:,.0f}")
            + "<extra></extra>",
            marker={"color": PALETTE["weighted"]},
            connector={"fillcolor": "#e7f1ff"},
        )
    )
    return _layout(fig, height=300)


def funnel_by_rep_figure(rows: list[dict], stages: list[dict]) -> go.Figure:
    """Each rep's open amount stacked by stage (who holds what, and how far along)."""
    reps = [r["rep"] for r in rows][::-1]
    fig = go.Figure()
    for stage in stages:
        fig.add_trace(
            go.Bar(
                name=stage["stage"],
                y=reps,
                x=[_num(r["by_stage"].get(stage["stage_id"], 0)) for r in rows][::-1],
                orientation="h",
                hovertemplate="%{y} · " + stage["stage"] + ": %{x:,.0f}<extra></extra>",
            )
        )
    return _layout(fig, height=max(240, 60 + 32 * len(rows)), barmode="stack")


def forecast_figure(months: list[dict]) -> go.Figure:
    """Won plus weighted pipeline stacked per month, against the target; best case and commit as markers."""
    # Month labels written by Django in the page's language (2026年1月 / January 2026) on a
    # category axis: plotly would otherwise parse dates and name the months in English.
    x = [date_format(r["month"], "YEAR_MONTH_FORMAT") for r in months]
    fig = go.Figure()
    fig.add_trace(go.Bar(name=_("Won"), x=x, y=[_num(r["won"]) for r in months], marker={"color": PALETTE["won"]}))
    fig.add_trace(
        go.Bar(
            name=_("Weighted pipeline"),
            x=x,
            y=[_num(r["weighted"]) for r in months],
            marker={"color": PALETTE["weighted"]},
        )
    )
    fig.add_trace(
        go.Scatter(
            name=pgettext("forecast category", "Commit"),
            x=x,
            y=[_num(r["commit"]) for r in months],
            mode="markers",
            marker={"color": PALETTE["commit"], "symbol": "diamond", "size": 9},
        )
    )
    fig.add_trace(
        go.Scatter(
            name=_("Best case"),
            x=x,
            y=[_num(r["best_case"]) for r in months],
            mode="markers",
            marker={"color": PALETTE["best_case"], "symbol": "triangle-up", "size": 9},
        )
    )
    fig.add_trace(
        go.Scatter(
            name=_("Target"),
            x=x,
            y=[_num(r["target"]) for r in months],
            mode="lines+markers",
            line={"color": PALETTE["target"], "dash": "dash"},
        )
    )
    return _layout(fig, barmode="stack", xaxis={"type": "category"}, yaxis={"tickformat": "~s"})


def conversion_figure(rows: list[dict]) -> go.Figure:
    """Per stage: share of the deals that entered it and went on, and share that were won."""
    x = [r["stage"] for r in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(name=_("Went on"), x=x, y=[_num(r["advance_rate"]) for r in rows], marker={"color": PALETTE["weighted"]})
    )
    fig.add_trace(go.Bar(name=_("Won"), x=x, y=[_num(r["win_rate"]) for r in rows], marker={"color": PALETTE["won"]}))
    return _layout(fig, barmode="group", yaxis={"ticksuffix": " %", "range": [0, 100]})


def duration_figure(rows: list[dict]) -> go.Figure:
    """Average days per stage as bars, the median as a marker."""
    x = [r["stage"] for r in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            name=_("Average days"),
            x=x,
            y=[_num(r["average_days"]) for r in rows],
            marker={"color": PALETTE["best_case"]},
        )
    )
    fig.add_trace(
        go.Scatter(
            name=_("Median days"),
            x=x,
            y=[_num(r["median_days"]) for r in rows],
            mode="markers",
            marker={"color": PALETTE["target"], "symbol": "line-ew-open", "size": 24, "line": {"width": 3}},
        )
    )
    return _layout(fig)


def ranked_bar_figure(labels: list[str], values: list, *, color: str = "weighted", suffix: str = "") -> go.Figure:
    """A horizontal bar per label, the first row on top."""
    fig = go.Figure(
        go.Bar(
            y=labels[::-1],
            x=[_num(v) for v in values][::-1],
            orientation="h",
            marker={"color": PALETTE[color]},
            hovertemplate="%{y}: %{x:,}" + suffix + "<extra></extra>",
        )
    )
    return _layout(fig, height=max(200, 60 + 30 * len(labels)), xaxis={"ticksuffix": suffix})


def loss_reasons_figure(rows: list[dict]) -> go.Figure:
    return ranked_bar_figure([r["reason"] for r in rows], [r["count"] for r in rows], color="lost")


def win_rate_figure(rows: list[dict]) -> go.Figure:
    fig = ranked_bar_figure([r["label"] for r in rows], [r["win_rate"] for r in rows], color="won", suffix=" %")
    fig.update_xaxes(range=[0, 100])
    return fig


def leaderboard_figure(rows: list[dict]) -> go.Figure:
    """Won amount per rep, with the rep's target as a marker."""
    reps = [r["rep"] for r in rows][::-1]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            name=_("Won"),
            y=reps,
            x=[_num(r["won_amount"]) for r in rows][::-1],
            orientation="h",
            marker={"color": PALETTE["won"]},
        )
    )
    if any(r["target"] is not None for r in rows):
        fig.add_trace(
            go.Scatter(
                name=_("Target"),
                y=reps,
                x=[_num(r["target"]) for r in rows][::-1],
                mode="markers",
                marker={"color": PALETTE["target"], "symbol": "line-ns-open", "size": 18, "line": {"width": 3}},
            )
        )
    return _layout(fig, height=max(220, 70 + 32 * len(rows)), xaxis={"tickformat": "~s"})


LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right", "bottom left")


def label_positions(xs: list, ys: list) -> list[str]:
    """A label position per point so that points at (or near) the same place do not print
    their names on top of each other: each point near an earlier one takes the next position.

    Earlier points are looked up in a grid of cells one "near" distance wide, so a point is
    compared with those in its own and the adjacent cells only (a few hundred reps: no
    comparison of every pair)."""
    fx, fy = [float(x) for x in xs], [float(y) for y in ys]
    span_x = (max(fx) - min(fx)) if fx else 0
    span_y = (max(fy) - min(fy)) if fy else 0
    near_x, near_y = max(span_x * 0.08, 0.5), max(span_y * 0.08, 4.0)
    grid: dict[tuple[int, int], list[int]] = {}
    positions: list[str] = []
    for i, (x, y) in enumerate(zip(fx, fy, strict=True)):
        cx, cy = math.floor(x / near_x), math.floor(y / near_y)
        taken = {
            positions[j]
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for j in grid.get((cx + dx, cy + dy), ())
            if abs(fx[j] - x) <= near_x and abs(fy[j] - y) <= near_y
        }
        positions.append(
            next((p for p in LABEL_POSITIONS if p not in taken), LABEL_POSITIONS[i % len(LABEL_POSITIONS)])
        )
        grid.setdefault((cx, cy), []).append(i)
    return positions


def openers_converters_figure(rows: list[dict]) -> go.Figure:
    """Seed 004: new deals opened (x) against conversion rate (y); the lines are the averages,
    so the quadrants read: strong at both, openers, converters, and those who need help."""
    points = [r for r in rows if r["conversion_rate"] is not None or r["new_count"]]
    xs = [r["new_count"] for r in points]
    ys = [_num(r["conversion_rate"]) or 0.0 for r in points]
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=[r["rep"] for r in points],
            textposition=label_positions(xs, ys),
            marker={"size": 12, "color": PALETTE["weighted"]},
            hovertemplate="%{text}: %{x} · %{y} %<extra></extra>",
        )
    )
    shapes = []
    if points:
        mean_x = sum(xs) / len(xs)
        mean_y = sum(ys) / len(ys)
        line = {"color": PALETTE["muted"], "dash": "dot", "width": 1}
        shapes = [
            {"type": "line", "xref": "x", "yref": "paper", "x0": mean_x, "x1": mean_x, "y0": 0, "y1": 1, "line": line},
            {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": mean_y, "y1": mean_y, "line": line},
        ]
    return _layout(
        fig,
        shapes=shapes,
        xaxis={"title": {"text": _("New opportunities")}, "rangemode": "tozero"},
        yaxis={"title": {"text": _("Conversion rate")}, "ticksuffix": " %", "range": [-5, 105]},
    )


def teams_figure(rows: list[dict]) -> go.Figure:
    x = [r["team"] for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(name=_("Won"), x=x, y=[_num(r["won_amount"]) for r in rows], marker={"color": PALETTE["won"]}))
    fig.add_trace(
        go.Bar(
            name=_("Weighted pipeline"),
            x=x,
            y=[_num(r["weighted"]) for r in rows],
            marker={"color": PALETTE["weighted"]},
        )
    )
    fig.add_trace(
        go.Bar(name=_("Target"), x=x, y=[_num(r["target"] or 0) for r in rows], marker={"color": PALETTE["muted"]})
    )
    return _layout(fig, barmode="group", yaxis={"tickformat": "~s"})


def quality_figure(rows: list[dict]) -> go.Figure:
    """Flags per rep, stacked: who needs a word at the pipeline meeting."""
    reps = [r["rep"] for r in rows][::-1]
    series = [
        ("skips", _("Stage skips"), PALETTE["commit"]),
        ("long_first_stage", _("Long in first stage, then won"), PALETTE["lost"]),
        ("past_due", _("Past expected close"), PALETTE["warn"]),
        ("stale", _("Stale"), PALETTE["muted"]),
    ]
    fig = go.Figure()
    for key, name, color in series:
        fig.add_trace(
            go.Bar(name=name, y=reps, x=[r[key] for r in rows][::-1], orientation="h", marker={"color": color})
        )
    return _layout(fig, height=max(220, 70 + 32 * len(rows)), barmode="stack")


def trend_figure(rows: list[dict], target=None) -> go.Figure:
    """How each forecast figure for one month moved week by week (is commit growing toward the
    target or eroding?), with the month's target as a dashed line."""
    x = [r["label"] for r in rows]
    series = [
        ("won", _("Won"), PALETTE["won"]),
        ("commit", pgettext("forecast category", "Commit"), PALETTE["commit"]),
        ("best_case", _("Best case"), PALETTE["best_case"]),
        ("weighted", _("Weighted pipeline"), PALETTE["weighted"]),
        ("pipeline", pgettext("forecast category", "Pipeline"), PALETTE["muted"]),
    ]
    fig = go.Figure()
    for key, name, color in series:
        fig.add_trace(
            go.Scatter(name=name, x=x, y=[_num(r[key]) for r in rows], mode="lines+markers", line={"color": color})
        )
    if target:
        fig.add_trace(
            go.Scatter(
                name=_("Target"),
                x=x,
                y=[_num(target)] * len(x),
                mode="lines",
                line={"color": PALETTE["target"], "dash": "dash"},
            )
        )
    return _layout(fig, yaxis={"tickformat": "~s"})


def waterfall_figure(start, groups: list[dict], end) -> go.Figure:
    """From the pipeline at the comparison point, through what each group of changes added or
    took away, to the pipeline now."""
    steps = [g for g in groups if g["effect"]]
    fig = go.Figure(
        go.Waterfall(
            x=[_("Pipeline then")] + [g["group"] for g in steps] + [_("Pipeline now")],
            y=[_num(start)] + [_num(g["effect"]) for g in steps] + [_num(end)],
            measure=["absolute"] + ["relative"] * len(steps) + ["total"],
            increasing={"marker": {"color": PALETTE["won"]}},
            decreasing={"marker": {"color": PALETTE["lost"]}},
            totals={"marker": {"color": PALETTE["weighted"]}},
            connector={"line": {"color": PALETTE["muted"]}},
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
        )
    )
    return _layout(fig, showlegend=False, yaxis={"tickformat": "~s"})


def accuracy_figure(rows: list[dict]) -> go.Figure:
    """Won per month as bars, each forecast (as it stood at one point before the month) as a line."""
    x = [r["month"].strftime("%Y-%m") for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(name=_("Won"), x=x, y=[_num(r["actual"]) for r in rows], marker={"color": PALETTE["won"]}))
    for key, name in (
        ("weighted", _("Weighted")),
        ("commit", pgettext("forecast category", "Commit")),
        ("best_case", _("Best case")),
    ):
        fig.add_trace(
            go.Scatter(
                name=name, x=x, y=[_num(r[key]) for r in rows], mode="lines+markers", line={"color": PALETTE[key]}
            )
        )
    return _layout(fig, yaxis={"tickformat": "~s"})


def best_predictor_figure(rows: list[dict]) -> go.Figure:
    """Each rep's mean accuracy per forecast method, side by side."""
    reps = [r["rep"] for r in rows]
    fig = go.Figure()
    for key, name in (
        ("weighted", _("Weighted")),
        ("commit", pgettext("forecast category", "Commit")),
        ("best_case", _("Best case")),
    ):
        fig.add_trace(
            go.Bar(name=name, x=reps, y=[_num(r[f"{key}_mean"]) for r in rows], marker={"color": PALETTE[key]})
        )
    return _layout(fig, barmode="group", yaxis={"ticksuffix": " %"})


def calibration_figure(rows: list[dict]) -> go.Figure:
    """Realised win rate per stage with its 90 % interval, against the configured probability."""
    x = [r["stage"] for r in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            name=_("Win rate"),
            x=x,
            y=[_num(r["win_rate"]) for r in rows],
            marker={"color": PALETTE["won"]},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [_num(r["high"] - r["win_rate"]) if r["win_rate"] is not None else 0 for r in rows],
                "arrayminus": [_num(r["win_rate"] - r["low"]) if r["win_rate"] is not None else 0 for r in rows],
            },
        )
    )
    fig.add_trace(
        go.Scatter(
            name=_("Configured probability"),
            x=x,
            y=[r["configured"] for r in rows],
            mode="markers",
            marker={"color": PALETTE["target"], "symbol": "line-ew-open", "size": 28, "line": {"width": 3}},
        )
    )
    return _layout(fig, yaxis={"ticksuffix": " %", "range": [0, 100]})
