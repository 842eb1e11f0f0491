"""Sane bounds for what people type: dates within 1900-2200, amounts up to the admin's ceiling,
text of a bounded length. Forms apply them through `crm.forms.BoundedInputMixin`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FIRST_YEAR = 1900
LAST_YEAR = 2200
# Free text without a narrower limit of its own (notes, descriptions, SPIN notes).
TEXT_MAX_LENGTH = 10_000
# Whole numbers typed into a form (company size, scores): a PostgreSQL integer column's range.
INTEGER_MAX = 2_147_483_647


def validate_year_in_range(value: date | datetime | None) -> None:
    """A date or date-time between 1900 and 2200: year 1 or 9999 is a typing mistake, and
    would overflow the time-zone conversion of a date-time."""
    if value is None:
        return
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="date_out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )


def validate_amount_ceiling(value: Decimal | None) -> None:
    """An amount no larger than the ceiling the admin set (default ¥10,000,000,000)."""
    if value is None:
        return
    from crm.models import InputLimits

    ceiling = InputLimits.current().max_amount
    if abs(value) > ceiling:
        raise ValidationError(
            _("Enter an amount of at most %(ceiling)s."),
            code="amount_too_large",
            params={"ceiling": f"{ceiling:,.0f}"},
        )
