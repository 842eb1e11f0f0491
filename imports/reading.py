"""Reading a spreadsheet into a header row and data rows of text.

CSV goes through the standard `csv` module (UTF-8 with or without a BOM, else GB18030, which is
what Excel in Chinese saves as "CSV"); .xlsx through openpyxl in read-only mode, which streams
the sheet instead of building it in memory. Every cell becomes text exactly as written: a cell
holding `=HYPERLINK(...)` stays those characters (openpyxl reads formulas as their text, not
their result), so nothing in a file is ever evaluated.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.utils.translation import gettext as _


class UnreadableFile(ValueError):
    """The file is not a CSV or .xlsx we can read; the message says why, for the user."""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value == value else ""
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("The file is not UTF-8 or GB18030 text; save it as CSV UTF-8 or as .xlsx."))


def is_xlsx(file_name: str, content: bytes) -> bool:
    return file_name.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04"


def read_table(file_name: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    """(headers, rows): the first non-empty row is the header; wholly empty rows are dropped
    but keep their place in the line numbers (row i of the result is line `lines[i]`)."""
    rows = list(_rows(file_name, content))
    while rows and not any(rows[0][1]):
        rows.pop(0)
    if not rows:
        raise UnreadableFile(_("The file has no header row."))
    header_line, headers = rows[0]
    width = len(headers)
    while width and not headers[width - 1]:
        width -= 1
    headers = headers[:width]
    data = []
    for line, cells in rows[1:]:
        if not any(cells):
            continue
        cells = (cells + [""] * width)[:width] if len(cells) < width else cells[:width]
        data.append((line, cells))
    return headers, data


def _rows(file_name: str, content: bytes):
    if is_xlsx(file_name, content):
        yield from _xlsx_rows(content)
    elif file_name.lower().endswith((".xls",)):
        raise UnreadableFile(_("Old .xls workbooks are not supported; save the sheet as .xlsx or CSV."))
    else:
        text = _decode(content)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        try:
            for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1):
                yield number, [cell.strip() for cell in row]
        except csv.Error as exc:
            raise UnreadableFile(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc


def _xlsx_rows(content: bytes):
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(_("The Excel file cannot be read; save it again as .xlsx.")) from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_text(v) for v in row]
    finally:
        workbook.close()
