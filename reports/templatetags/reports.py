"""Formatting of report table cells by column kind (the CSV gets the raw values)."""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe

from crm.templatetags.crm import money

register = template.Library()


def _deal_url(pk) -> str:
    try:
        return reverse("opportunities:detail", args=[pk])
    except NoReverseMatch:  # the deal pages are built in another part of the app
        return ""


@register.simple_tag
def report_cell(column, value, row) -> str:
    kind = column.kind
    if value is None or value == "":
        return "—"
    if kind == "money":
        return money(value)
    if kind == "percent":
        return f"{number_format(value, 1 if value % 1 else 0)} %"
    if kind == "int":
        return number_format(value, 0, force_grouping=True)
    if kind == "days":
        return number_format(value, 1)
    if kind == "month" and isinstance(value, date):
        return value.strftime("%Y-%m")
    if kind == "date":
        if isinstance(value, datetime):
            value = timezone.localtime(value).date()
        return date_format(value, "SHORT_DATE_FORMAT") if isinstance(value, date) else str(value)
    if kind == "deal":
        url = _deal_url(row.get("deal_id"))
        return format_html('<a href="{}">{}</a>', url, value) if url else str(value)
    return str(value)


@register.simple_tag
def is_numeric(column) -> bool:
    return column.kind in NUMERIC_KINDS


NUMERIC_KINDS = ("money", "percent", "int", "days")


@register.simple_tag
def report_cells(row) -> str:
    """The <td> cells of one table row, in one call (a page can hold thousands of cells).

    The same markup as one `report_cell` per cell in the template: the classes, then the
    formatted value, escaped (written out directly: `format_html` per cell cost more than the
    rest of a 100-row table).
    """
    cells = []
    for column, value, data in row:
        text = report_cell(column, value, data)
        cells.append(
            f'<td class="{_CLASSES[column.kind in NUMERIC_KINDS, column.kind == "wrap", bool(data.get("is_total"))]}">'
            f"{text if isinstance(text, SafeData) else escape(str(text))}</td>"
        )
    return mark_safe("".join(cells))


# The class attribute of a cell by (numeric, wrapping, in a total row).
_CLASSES = {
    (numeric, wrap, total): " ".join(
        ["text-end" if numeric else "", "wrap" if wrap else "", "fw-semibold border-top" if total else ""]
    )
    for numeric in (False, True)
    for wrap in (False, True)
    for total in (False, True)
}
