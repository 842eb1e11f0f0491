"""Reporting periods: calendar ranges in the installation's time zone, half-open [start, end)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PERIOD_CHOICES = [
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("this_quarter", _("This quarter")),
    ("last_quarter", _("Last quarter")),
    ("this_year", _("This year")),
    ("last_year", _("Last year")),
    ("last_12_months", _("Last 12 months")),
    ("all", _("All time")),
]
DEFAULT_PERIOD = "this_quarter"


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(first_day: date) -> str:
    """`2025-Q2` for a quarter's first day."""
    return f"{first_day:%Y}-Q{(first_day.month - 1) // 3 + 1}"


def aware(day: date) -> datetime:
    """Midnight at the start of `day` in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date | None  # None: no lower bound ("all time")
    end: date | None  # exclusive

    @property
    def start_at(self) -> datetime | None:
        return aware(self.start) if self.start else None

    @property
    def end_at(self) -> datetime | None:
        return aware(self.end) if self.end else None

    def q(self, field: str):
        """A Q keeping rows whose datetime `field` falls in the period."""
        from django.db.models import Q

        q = Q()
        if self.start_at:
            q &= Q(**{f"{field}__gte": self.start_at})
        if self.end_at:
            q &= Q(**{f"{field}__lt": self.end_at})
        return q

    def date_q(self, field: str):
        """The same for a date field (expected close date)."""
        from django.db.models import Q

        q = Q()
        if self.start:
            q &= Q(**{f"{field}__gte": self.start})
        if self.end:
            q &= Q(**{f"{field}__lt": self.end})
        return q

    def months(self) -> list[date]:
        """First days of the months in the period (empty for "all time")."""
        if not (self.start and self.end):
            return []
        months, month = [], month_start(self.start)
        while month < self.end:
            months.append(month)
            month = add_months(month, 1)
        return months


def resolve_period(key: str | None, today: date | None = None) -> Period:
    """Turn a period key into dates; an unknown or empty key falls back to the default."""
    today = today or timezone.localdate()
    labels = dict(PERIOD_CHOICES)
    if key not in labels:
        key = DEFAULT_PERIOD
    this_month = month_start(today)
    this_quarter = quarter_start(today)
    this_year = date(today.year, 1, 1)
    ranges = {
        "this_month": (this_month, add_months(this_month, 1)),
        "last_month": (add_months(this_month, -1), this_month),
        "this_quarter": (this_quarter, add_months(this_quarter, 3)),
        "last_quarter": (add_months(this_quarter, -3), this_quarter),
        "this_year": (this_year, date(today.year + 1, 1, 1)),
        "last_year": (date(today.year - 1, 1, 1), this_year),
        "last_12_months": (add_months(this_month, -11), add_months(this_month, 1)),
        "all": (None, None),
    }
    start, end = ranges[key]
    return Period(key=key, label=str(labels[key]), start=start, end=end)
