"""Sections of the forecast-truth pages: inspection, accuracy and calibration (each a list of
chart + table + CSV, like `sections`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import charts
from .queries import ReportScope
from .queries.accuracy import METHODS, POINTS, accuracy_data
from .queries.calibration import MIN_CLOSED, calibration_rows, recent_acceptances
from .queries.inspection import inspection_rows
from .tables import Column, Section, Table

C = Column
LIST_LIMIT = 100


# --- inspection -----------------------------------------------------------------------


def inspection_sections(scope: ReportScope, full: bool = False, since: str = "last_week") -> list[Section]:
    data = inspection_rows(scope, since, limit=None if full else LIST_LIMIT)
    shown = data["rows"]
    summary = [
        {"group": _("Pipeline then"), "count": None, "effect": data["pipeline_then"], "is_total": True},
        *data["groups"],
        {"group": _("Pipeline now"), "count": None, "effect": data["pipeline_now"], "is_total": True},
    ]
    return [
        Section(
            "waterfall",
            _("From the pipeline then to the pipeline now"),
            Table(
                "waterfall",
                [C("group", _("Change")), C("count", _("Deals"), "int"), C("effect", _("Pipeline change"), "money")],
                summary,
            ),
            charts.waterfall_figure(data["pipeline_then"], data["groups"], data["pipeline_now"]),
            note=_(
                "Pipeline = open amount expected to close in the period. Each deal's change to it counts once, in "
                "its first group; a deal is listed under every group that describes it. Compared with %(point)s."
            )
            % {"point": data["point"].strftime("%Y-%m-%d %H:%M")},
        ),
        Section(
            "changes",
            _("What changed, deal by deal"),
            Table(
                "changes",
                [
                    C("group", _("Change")),
                    C("deal", _("Opportunity"), "deal"),
                    C("rep", _("Rep")),
                    C("stage_then", _("Stage then")),
                    C("stage_now", _("Stage now")),
                    C("amount_then", _("Amount then"), "money"),
                    C("amount_now", _("Amount now"), "money"),
                    C("close_then", _("Close then"), "date"),
                    C("close_now", _("Close now"), "date"),
                    C("category_then", _("Category then")),
                    C("category_now", _("Category now")),
                    C("effect", _("Pipeline change"), "money"),
                ],
                shown,
                total=data["total"],
            ),
        ),
    ]


# --- accuracy -------------------------------------------------------------------------


def _accuracy_columns(first: Column) -> list[Column]:
    columns = [first, C("month", _("Month"), "month"), C("point", _("Forecast as of")), C("actual", _("Won"), "money")]
    for key, label in METHODS:
        columns += [
            C(key, label, "money"),
            C(f"{key}_accuracy", _("%(method)s accuracy") % {"method": label}, "percent"),
            C(f"{key}_difference", _("%(method)s − won") % {"method": label}, "money"),
        ]
    return columns


def accuracy_sections(scope: ReportScope, full: bool = False) -> list[Section]:
    data = accuracy_data(scope)
    chart_point = POINTS[1][0]
    total_at_point = [r for r in data["total"] if r["point_key"] == chart_point]
    sections = [
        Section(
            "accuracy",
            _("Forecast against won, month by month"),
            Table("accuracy", _accuracy_columns(C("label", _("Scope"))), data["total"]),
            charts.accuracy_figure(total_at_point),
            note=_(
                "From the weekly snapshots: the forecast for each month as it stood 4 weeks and 2 weeks before it "
                "and at its start, against the amount won in it. Accuracy = 1 − |forecast − won| ÷ won. The chart "
                "shows the forecasts 2 weeks before each month."
            ),
        )
    ]
    if scope.shows_people:
        if scope.user.is_admin and scope.team is None and scope.rep is None:
            sections.append(
                Section(
                    "accuracy_by_team",
                    _("Accuracy per team"),
                    Table("accuracy_by_team", _accuracy_columns(C("label", _("Team"))), data["by_team"]),
                )
            )
        by_rep = data["by_rep"]
        sections.append(
            Section(
                "accuracy_by_rep",
                _("Accuracy per rep"),
                Table(
                    "accuracy_by_rep",
                    _accuracy_columns(C("label", _("Rep"))),
                    by_rep if full else by_rep[:LIST_LIMIT],
                    total=len(by_rep),
                ),
            )
        )
    best = data["best"]
    sections.append(
        Section(
            "best_predictor",
            _("Which forecast predicted best over the last six months"),
            Table(
                "best_predictor",
                [
                    C("rep", _("Rep")),
                    *[
                        C(f"{key}_mean", _("%(method)s mean accuracy") % {"method": label}, "percent")
                        for key, label in METHODS
                    ],
                    C("samples", _("Months × points"), "int"),
                    C("best", _("Predicted best")),
                ],
                best,
            ),
            charts.best_predictor_figure(best),
            note=_("Mean accuracy over the months with a won amount and a snapshot, at all three points."),
        )
    )
    return sections


# --- calibration ----------------------------------------------------------------------


def calibration_sections(scope: ReportScope, full: bool = False) -> list[Section]:
    rows = calibration_rows(scope)
    return [
        Section(
            "calibration",
            _("Realised win rate per stage"),
            Table(
                "calibration",
                [
                    C("stage", _("Stage")),
                    C("closed", _("Closed deals"), "int"),
                    C("won", _("Won"), "int"),
                    C("win_rate", _("Win rate"), "percent"),
                    # xgettext:no-python-format
                    C("low", _("90 % interval from"), "percent"),
                    # xgettext:no-python-format
                    C("high", _("90 % interval to"), "percent"),
                    C("configured", _("Configured probability"), "percent"),
                    C("brier", _("Brier score")),
                    C("advice", _("Suggestion"), "wrap"),
                ],
                rows,
            ),
            charts.calibration_figure(rows),
            note=_(
                "Deals that entered each stage in the period (quick wins left out) and have closed since: won ÷ "
                "(won + lost), with its 90 %% Wilson interval. The Brier score is the mean of (configured "
                "probability − outcome)² over those deals (0 is perfect, 0.25 is a coin toss). A suggestion needs "
                "%(min)s closed deals."
            )
            % {"min": MIN_CLOSED},
            extra={"rows": rows},
        ),
        Section(
            "recalibrations",
            _("Probability changes"),
            Table(
                "recalibrations",
                [
                    C("when", _("When"), "date"),
                    C("stage", _("Stage")),
                    C("old", _("Old probability")),
                    C("new", _("New probability")),
                    C("by", _("By")),
                    C("note", _("Note"), "wrap"),
                ],
                recent_acceptances(scope),
            ),
        ),
    ]
