"""Each report page as a list of sections: the rows from `queries`, the figure from `charts`,
and the table (which is also the CSV)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from opportunities.models.opportunity import FICTION_PUSHES

from . import charts
from .queries import ReportScope
from .queries.conversion import conversion_rows, outcome_summary, stage_duration_rows
from .queries.forecast import forecast_rows, override_rows
from .queries.funnel import funnel_by_rep_rows, funnel_rows
from .queries.quality import (
    long_first_stage_rows,
    long_first_stage_threshold,
    past_due_rows,
    per_rep_rows,
    pushed_rows,
    quick_win_rows,
    skip_rows,
    stale_rows,
)
from .queries.team import leaderboard_rows, team_rows
from .queries.winloss import (
    loss_reason_rows,
    win_rate_by_customer_type,
    win_rate_by_industry,
    win_rate_by_rep,
    win_rate_by_score_band,
    win_rate_by_source,
)
from .tables import Column, Section, Table


def C(key: str, label, kind: str = "text") -> Column:
    return Column(key, label, kind)


# --- funnel ---------------------------------------------------------------------------


def funnel_table(rows: list[dict]) -> Table:
    return Table(
        "funnel",
        [
            C("stage", _("Stage")),
            C("probability", _("Probability"), "percent"),
            C("count", _("Deals"), "int"),
            C("amount", _("Amount"), "money"),
            C("weighted", _("Weighted"), "money"),
        ],
        rows,
    )


def funnel_sections(scope: ReportScope, full: bool = False) -> list[Section]:
    rows = funnel_rows(scope)
    sections = [Section("funnel", _("Open opportunities per stage"), funnel_table(rows), charts.funnel_figure(rows))]
    if scope.shows_people:
        by_rep = funnel_by_rep_rows(scope)
        columns = [C("rep", _("Rep")), C("count", _("Deals"), "int")]
        columns += [C(f"stage_{r['stage_id']}", r["stage"], "money") for r in rows]
        columns += [C("amount", _("Amount"), "money"), C("weighted", _("Weighted"), "money")]
        for rep in by_rep:
            for r in rows:
                rep[f"stage_{r['stage_id']}"] = rep["by_stage"].get(r["stage_id"], Decimal("0.00"))
        sections.append(
            Section(
                "funnel_by_rep",
                _("Open amount per rep and stage"),
                Table("funnel_by_rep", columns, by_rep),
                charts.funnel_by_rep_figure(by_rep, rows),
            )
        )
    return sections


# --- forecast -------------------------------------------------------------------------


def verdict_label(key: str) -> str:
    labels = {
        "no_target": _("No target set"),
        "made": _("Target made"),
        "on_track": _("On track: won plus weighted pipeline covers the target"),
        "push": _("Enough pipeline, too little weight: push the deals you have down the funnel"),
        "new_deals": _("Not enough pipeline even if everything closes: open new deals"),
    }
    return labels[key]


def forecast_table(months: list[dict], quarter: dict) -> Table:
    rows = []
    for r in months:
        rows.append({**r, "label": r["month"].strftime("%Y-%m"), "verdict_text": verdict_label(r["verdict"])})
    q = quarter["month"]
    rows.append(
        {
            **quarter,
            "label": _("Quarter %(year)s Q%(quarter)s") % {"year": q.year, "quarter": (q.month - 1) // 3 + 1},
            "verdict_text": verdict_label(quarter["verdict"]),
            "is_total": True,
        }
    )
    return Table(
        "forecast",
        [
            C("label", _("Month")),
            C("weighted", _("Weighted pipeline"), "money"),
            C("pipeline", pgettext("forecast category", "Pipeline"), "money"),
            C("best_case", _("Best case"), "money"),
            C("commit", pgettext("forecast category", "Commit"), "money"),
            C("won", _("Won"), "money"),
            C("target", _("Target"), "money"),
            C("gap", _("Gap"), "money"),
            C("coverage", _("Pipeline coverage"), "percent"),
            C("verdict_text", _("Verdict"), "wrap"),
        ],
        rows,
    )


def trend_section(scope: ReportScope, month, months: list[dict]) -> Section:
    from .queries.snapshots import trend_rows

    rows = trend_rows(scope, month)
    target = next((r["target"] for r in months if r["month"] == month), None)
    return Section(
        "trend",
        _("Week by week: the forecast for %(month)s") % {"month": month.strftime("%Y-%m")},
        Table(
            "trend",
            [
                C("label", _("Week")),
                C("weighted", _("Weighted pipeline"), "money"),
                C("commit", pgettext("forecast category", "Commit"), "money"),
                C("best_case", _("Best case"), "money"),
                C("pipeline", pgettext("forecast category", "Pipeline"), "money"),
                C("won", _("Won"), "money"),
                C("open_count", _("Open deals"), "int"),
            ],
            rows,
        ),
        charts.trend_figure(rows, target),
        note=_(
            "From the weekly snapshots: each figure as it stood at the start of each ISO week. Snapshots follow "
            "the team and rep filters only."
        ),
    )


def forecast_sections(scope: ReportScope, full: bool = False, month=None) -> list[Section]:
    data = forecast_rows(scope)
    month = month or data["this_month"]
    return [
        Section(
            "forecast",
            _("Forecast by expected close month"),
            forecast_table(data["months"], data["quarter"]),
            charts.forecast_figure(data["months"]),
            note=_(
                "Weighted = amount × probability of the open deals; pipeline = all open amount; commit = won + "
                "open deals in Commit; best case = commit + open deals in Best case (forecast categories: the "
                "stage's default, the rep's override, a leader's judgement). Gap = target − won; coverage = "
                "pipeline ÷ gap."
            ),
            extra={"quarter": data["quarter"], "verdict": verdict_label(data["quarter"]["verdict"])},
        ),
        trend_section(scope, month, data["months"]),
        overrides_section(scope, full),
    ]


def overrides_section(scope: ReportScope, full: bool = False) -> Section:
    rows, total = override_rows(scope, None if full else 50)
    return Section(
        "overrides",
        _("Forecast category overrides and judgements"),
        Table(
            "overrides",
            [
                C("deal", _("Opportunity"), "deal"),
                C("rep", _("Rep")),
                C("stage", _("Stage")),
                C("amount", _("Amount"), "money"),
                C("expected_close_date", _("Expected close"), "date"),
                C("stage_category", _("Stage default")),
                C("rep_category", _("Rep's category")),
                C("rep_note", _("Rep's note"), "wrap"),
                C("leader_category", _("Leader's judgement")),
                C("leader_note", _("Leader's note"), "wrap"),
                C("category", _("Counted as")),
            ],
            rows,
            total,
        ),
        note=_("Open deals whose rep or leader put them in another category than their stage's."),
    )


# --- conversion -----------------------------------------------------------------------


def conversion_table(rows: list[dict]) -> Table:
    return Table(
        "conversion",
        [
            C("stage", _("Stage")),
            C("entered", _("Entered"), "int"),
            C("advanced", _("Went on"), "int"),
            C("advance_rate", _("Went on %"), "percent"),
            C("won", _("Won"), "int"),
            C("win_rate", _("Won %"), "percent"),
        ],
        rows,
    )


def conversion_sections(scope: ReportScope, full: bool = False) -> list[Section]:
    rows = conversion_rows(scope)
    durations = stage_duration_rows(scope)
    summary = outcome_summary(scope)
    return [
        Section(
            "conversion",
            _("Stage-to-stage conversion"),
            conversion_table(rows),
            charts.conversion_figure(rows),
            note=_(
                "Deals that entered each stage in the period; “went on” = later entered a stage further along "
                "(or won); “won” = won now. Quick wins are left out."
            ),
        ),
        Section(
            "velocity",
            _("Days per stage"),
            Table(
                "velocity",
                [
                    C("stage", _("Stage")),
                    C("moves", _("Moves out"), "int"),
                    C("average_days", _("Average days"), "days"),
                    C("median_days", _("Median days"), "days"),
                ],
                durations,
            ),
            charts.duration_figure(durations),
            note=_("From the moves out of each stage in the period."),
        ),
        Section(
            "outcomes",
            _("Win rate and sales cycle"),
            Table(
                "outcomes",
                [
                    C("won", _("Won"), "int"),
                    C("lost", _("Lost"), "int"),
                    C("win_rate", _("Win rate"), "percent"),
                    C("average_cycle_days", _("Average sales cycle (days)"), "days"),
                ],
                [summary],
            ),
            note=_("Deals closed in the period, quick wins left out; the cycle runs from creation to the win."),
        ),
    ]


# --- win / loss -----------------------------------------------------------------------


def win_rate_table(key: str, label, rows: list[dict]) -> Table:
    return Table(
        key,
        [
            C("label", label),
            C("won", _("Won"), "int"),
            C("lost", _("Lost"), "int"),
            C("win_rate", _("Win rate"), "percent"),
            C("won_amount", _("Won amount"), "money"),
        ],
        rows,
    )


def loss_reason_table(rows: list[dict]) -> Table:
    return Table(
        "loss_reasons",
        [C("reason", _("Loss reason")), C("count", _("Deals"), "int"), C("amount", _("Amount"), "money")],
        rows,
    )


def winloss_sections(scope: ReportScope, full: bool = False) -> list[Section]:
    losses = loss_reason_rows(scope)
    sections = [
        Section("loss_reasons", _("Loss reasons"), loss_reason_table(losses), charts.loss_reasons_figure(losses)),
    ]
    breakdowns = [
        ("by_source", _("Win rate by lead source"), _("Lead source"), win_rate_by_source),
        ("by_industry", _("Win rate by industry"), _("Industry"), win_rate_by_industry),
        ("by_customer_type", _("Win rate by customer type"), _("Customer type"), win_rate_by_customer_type),
        ("by_score", _("Win rate by evaluation score"), _("Evaluation score"), win_rate_by_score_band),
    ]
    if scope.shows_people:
        breakdowns.append(("by_rep", _("Win rate by rep"), _("Rep"), win_rate_by_rep))
    for key, title, label, query in breakdowns:
        rows = query(scope)
        sections.append(Section(key, title, win_rate_table(key, label, rows), charts.win_rate_figure(rows)))
    return sections


# --- team -----------------------------------------------------------------------------


def _team_columns(first: Column) -> list[Column]:
    return [
        first,
        C("won_amount", _("Won amount"), "money"),
        C("won_count", _("Won"), "int"),
        C("target", _("Target"), "money"),
        C("attainment", _("Attainment"), "percent"),
        C("new_count", _("New opportunities"), "int"),
        C("conversion_rate", _("Conversion rate"), "percent"),
        C("weighted", _("Weighted pipeline"), "money"),
        C("stale", _("Stale"), "int"),
    ]


def leaderboard_table(rows: list[dict], total: int | None = None) -> Table:
    return Table("leaderboard", _team_columns(C("rep", _("Rep"))), rows, total=total)


def team_sections(scope: ReportScope, full: bool = False) -> list[Section]:
    rows = leaderboard_rows(scope)
    sections = [
        Section("leaderboard", _("Leaderboard"), leaderboard_table(rows), charts.leaderboard_figure(rows)),
        Section(
            "openers",
            _("Openers and converters"),
            Table(
                "openers",
                [
                    C("rep", _("Rep")),
                    C("new_count", _("New opportunities"), "int"),
                    C("conversion_rate", _("Conversion rate"), "percent"),
                    C("weighted", _("Weighted pipeline"), "money"),
                    C("stale", _("Stale"), "int"),
                ],
                rows,
            ),
            charts.openers_converters_figure(rows),
            note=_(
                "New opportunities created in the period against the share of deals closed in the period that "
                "were won. The dotted lines are the averages: some reps open well and convert poorly, others the reverse."
            ),
        ),
    ]
    if scope.user.is_admin:
        teams = team_rows(scope)
        sections.append(
            Section(
                "teams",
                _("Teams compared"),
                Table("teams", _team_columns(C("team", _("Team"))), teams),
                charts.teams_figure(teams),
            )
        )
    return sections


# --- quality --------------------------------------------------------------------------


def _change_columns() -> list[Column]:
    return [
        C("deal", _("Opportunity"), "deal"),
        C("rep", _("Rep")),
        C("from_stage", _("From")),
        C("to_stage", _("To")),
        C("skipped", _("Stages skipped"), "int"),
        C("days", _("Days in previous stage"), "days"),
        C("changed_at", _("When"), "date"),
        C("amount", _("Amount"), "money"),
    ]


def quality_sections(scope: ReportScope, full: bool = False, multiple: Decimal = Decimal("2")) -> list[Section]:
    limit = None if full else 50
    threshold = long_first_stage_threshold(scope, multiple)
    per_rep = per_rep_rows(scope, threshold)
    skips, skips_total = skip_rows(scope, limit)
    long_rows, long_total = long_first_stage_rows(scope, threshold, limit)
    past_due, past_due_total = past_due_rows(scope, limit)
    pushed, pushed_total = pushed_rows(scope, limit)
    stale, stale_total = stale_rows(scope, limit)
    quick, quick_total = quick_win_rows(scope, limit)
    deal_columns = [
        C("deal", _("Opportunity"), "deal"),
        C("rep", _("Rep")),
        C("stage", _("Stage")),
        C("amount", _("Amount"), "money"),
    ]
    return [
        Section(
            "per_rep",
            _("Flags per rep"),
            Table(
                "per_rep",
                [
                    C("rep", _("Rep")),
                    C("skips", _("Stage skips"), "int"),
                    C("long_first_stage", _("Long in first stage, then won"), "int"),
                    C("reopens", _("Reopened closed deals"), "int"),
                    C("past_due", _("Past expected close"), "int"),
                    C("pushed", _("Close date pushed %(n)s+ times") % {"n": FICTION_PUSHES}, "int"),
                    C("stale", _("Stale"), "int"),
                    C("quick_wins", _("Quick wins"), "int"),
                    C("quick_win_amount", _("Quick-win amount"), "money"),
                ],
                per_rep,
            ),
            charts.quality_figure(per_rep),
            note=_(
                "Skips, long first stages, reopened closed deals and quick wins in the period; past-due and "
                "stale deals as of now."
            ),
        ),
        Section(
            "skips",
            _("Stage skips"),
            Table("skips", _change_columns(), skips, skips_total),
            note=_("Moves that jumped over stages, for example from the first stage straight to won."),
        ),
        Section(
            "long_first_stage",
            _("Long in the first stage, then won at once"),
            Table("long_first_stage", _change_columns(), long_rows, long_total),
            note=(
                _(
                    "Won straight from the first stage after more than %(multiple)s × the median time there (%(threshold)s days)."
                )
                % {"multiple": multiple.normalize(), "threshold": threshold if threshold is not None else "—"}
            ),
            extra={"threshold": threshold},
        ),
        Section(
            "past_due",
            _("Open deals past their expected close date"),
            Table(
                "past_due",
                deal_columns
                + [C("expected_close_date", _("Expected close"), "date"), C("days_overdue", _("Days overdue"), "int")],
                past_due,
                past_due_total,
            ),
        ),
        Section(
            "pushed",
            _("The close date is fiction"),
            Table(
                "pushed",
                deal_columns
                + [
                    C("expected_close_date", _("Expected close"), "date"),
                    C("pushes", _("Times pushed"), "int"),
                ],
                pushed,
                pushed_total,
            ),
            note=_("Open deals whose expected close date was moved later %(n)s times or more.") % {"n": FICTION_PUSHES},
        ),
        Section(
            "stale",
            _("Stale deals"),
            Table("stale", deal_columns + [C("idle_days", _("Idle days"), "int")], stale, stale_total),
            note=_("No follow-up and no stage change for longer than the stage allows."),
        ),
        Section(
            "quick_wins",
            _("Quick wins (converted straight to won)"),
            Table(
                "quick_wins",
                [
                    C("deal", _("Opportunity"), "deal"),
                    C("rep", _("Rep")),
                    C("amount", _("Amount"), "money"),
                    C("closed_on", _("Won on"), "date"),
                ],
                quick,
                quick_total,
            ),
            note=_("Counted in won amounts, kept out of the stage statistics."),
        ),
    ]


# --- overview -------------------------------------------------------------------------


def headline_figures(scope: ReportScope) -> dict:
    """Open and weighted pipeline now; won in the period against its target; win rate; cycle.

    The sums of the per-owner figures the overview reads anyway (`owners.owner_figures`), so
    the headline costs no scan of its own."""
    from .queries.base import money, ratio
    from .queries.owners import totals_of
    from .queries.targets import targets_by_month

    totals = totals_of(
        scope,
        *("open_count", "open_amount", "weighted", "won_amount", "closed_won", "closed_lost"),
        *("won_cycle_days", "won_cycle_deals"),
    )
    months = scope.period.months()
    target = sum(targets_by_month(scope, months).values(), Decimal("0.00")) if months else None
    won_amount = money(totals["won_amount"])
    summary = outcome_summary(
        scope,
        counts={"won": int(totals["closed_won"]), "lost": int(totals["closed_lost"])},
        cycle={"days": totals["won_cycle_days"], "deals": int(totals["won_cycle_deals"])},
    )
    return {
        "open_count": int(totals["open_count"]),
        "open_amount": money(totals["open_amount"]),
        "weighted": money(totals["weighted"]),
        "won_amount": won_amount,
        "target": target,
        "attainment": ratio(won_amount, target) if target else None,
        "win_rate": summary["win_rate"],
        "average_cycle_days": summary["average_cycle_days"],
    }


def headline_table(figures: dict) -> Table:
    return Table(
        "headline",
        [
            C("open_count", _("Open deals"), "int"),
            C("open_amount", _("Open pipeline"), "money"),
            C("weighted", _("Weighted pipeline"), "money"),
            C("won_amount", _("Won in period"), "money"),
            C("target", _("Target for period"), "money"),
            C("attainment", _("Attainment"), "percent"),
            C("win_rate", _("Win rate"), "percent"),
            C("average_cycle_days", _("Average sales cycle (days)"), "days"),
        ],
        [figures],
    )


OVERVIEW_PEOPLE = 10  # rows per person-by-person table on the overview


def overview_sections(scope: ReportScope, full: bool = False) -> list[Section]:
    """Small versions of each report's main chart, each linking to its page."""
    from django.urls import reverse

    funnel = funnel_rows(scope)
    forecast = forecast_rows(scope)
    conversion = conversion_rows(scope)
    losses = loss_reason_rows(scope)
    sections = [
        Section(
            "funnel", _("Funnel"), funnel_table(funnel), charts.funnel_figure(funnel), link=reverse("reports:funnel")
        ),
        Section(
            "forecast",
            _("Forecast"),
            forecast_table(forecast["months"], forecast["quarter"]),
            charts.forecast_figure(forecast["months"]),
            link=reverse("reports:forecast"),
            extra={"verdict": verdict_label(forecast["quarter"]["verdict"])},
        ),
        Section(
            "conversion",
            _("Conversion"),
            conversion_table(conversion),
            charts.conversion_figure(conversion),
            link=reverse("reports:conversion"),
        ),
        Section(
            "loss_reasons",
            _("Loss reasons"),
            loss_reason_table(losses),
            charts.loss_reasons_figure(losses),
            link=reverse("reports:winloss"),
        ),
    ]
    threshold = long_first_stage_threshold(scope, Decimal("2"))
    flags = per_rep_rows(scope, threshold)
    flags_total = len(flags)
    if not full:
        # The overview is a summary: the reps with the most flags; the page and the CSV list all.
        flags = sorted(flags, key=lambda r: -(r["skips"] + r["long_first_stage"] + r["past_due"] + r["stale"]))
        flags = flags[:OVERVIEW_PEOPLE]
    sections.append(
        Section(
            "quality",
            _("Data quality"),
            Table(
                "quality",
                [
                    C("rep", _("Rep")),
                    C("skips", _("Stage skips"), "int"),
                    C("long_first_stage", _("Long in first stage, then won"), "int"),
                    C("past_due", _("Past expected close"), "int"),
                    C("stale", _("Stale"), "int"),
                ],
                flags,
                total=flags_total,
            ),
            charts.quality_figure(flags),
            link=reverse("reports:quality"),
        )
    )
    if scope.shows_people:
        everyone = leaderboard_rows(scope)  # best first
        board = everyone if full else everyone[:OVERVIEW_PEOPLE]
        sections.append(
            Section(
                "leaderboard",
                _("Team"),
                leaderboard_table(board, total=len(everyone)),
                # the scatter keeps every rep: its quadrant lines are the team's averages
                charts.openers_converters_figure(everyone),
                link=reverse("reports:team"),
            )
        )
    return sections
