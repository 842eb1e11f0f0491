"""The table beside every chart, and its CSV export (the same rows, unformatted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from crm.csv_export import csv_response as write_csv


@dataclass
class Column:
    key: str
    label: Any
    kind: str = "text"  # text, int, money, percent, days, date, month, deal


@dataclass
class Table:
    key: str
    columns: list[Column]
    rows: list[dict]
    total: int | None = None  # set when `rows` is the first part of a longer list

    @property
    def is_wide(self) -> bool:
        """Too many columns to sit beside a chart: goes under it instead."""
        return len(self.columns) > 5

    @property
    def is_truncated(self) -> bool:
        return self.total is not None and self.total > len(self.rows)

    def cells(self) -> list[list[tuple[Column, Any, dict]]]:
        return [[(c, row.get(c.key), row) for c in self.columns] for row in self.rows]


@dataclass
class Section:
    """One chart with its numbers: what a report page is made of."""

    key: str
    title: Any
    table: Table
    figure: Any = None  # a plotly Figure, or None for a table on its own
    note: Any = ""
    link: str = ""  # the full report (used on the overview)
    extra: dict = field(default_factory=dict)

    def figure_json(self) -> dict | None:
        return None if self.figure is None else self.figure.to_plotly_json()


def csv_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "month" and isinstance(value, date):
        return value.strftime("%Y-%m")
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def csv_cell(value: Any, kind: str) -> Any:
    """A cell for the CSV writer: numbers stay numbers (a negative gap is not a formula), the
    rest in `csv_value`'s spelling."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    return csv_value(value, kind)


def csv_response(table: Table, filename: str) -> HttpResponse:
    """The table as CSV, through the application's one formula-safe CSV writer."""
    rows = ([csv_cell(row.get(c.key), c.kind) for c in table.columns] for row in table.rows)
    return write_csv(filename, [c.label for c in table.columns], rows)
