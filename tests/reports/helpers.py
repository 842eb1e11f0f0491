"""Reading report pages the way a user does: the table on the page and its CSV."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse

from crm.templatetags.crm import money
from reports.tables import csv_value


def pct(part, whole) -> str:
    """Independent percentage as the CSV shows it: one decimal, half up."""
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def days(*values) -> str:
    return str((Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def m(amount) -> str:
    return f"{Decimal(amount):.2f}"


def page(client, name: str, **params):
    response = client.get(reverse(f"reports:{name}"), params)
    assert response.status_code == 200
    return response


def section(response, key: str):
    return next(s for s in response.context["sections"] if s.key == key)


def page_table(response, key: str) -> list[dict[str, str]]:
    """The table as shown on the page, values in their CSV spelling."""
    table = section(response, key).table
    return [{str(c.label): csv_value(row.get(c.key), c.kind) for c in table.columns} for row in table.rows]


def csv_table(client, name: str, key: str, **params) -> list[dict[str, str]]:
    response = client.get(reverse(f"reports:{name}"), {**params, "csv": key})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def pick(rows: list[dict], *columns: str) -> list[tuple]:
    return [tuple(r[c] for c in columns) for r in rows]


def assert_report(client, name: str, key: str, columns: tuple[str, ...], expected: list[tuple], **params):
    """The page's table and its CSV both hold exactly `expected`; money shows formatted in the HTML."""
    response = page(client, name, **params)
    shown = pick(page_table(response, key), *columns)
    assert shown == expected
    assert pick(csv_table(client, name, key, **params), *columns) == expected
    html = response.content.decode()
    for row in expected:
        for value in row:
            if isinstance(value, str) and value.endswith(".00") and value != "0.00":
                assert money(Decimal(value)) in html, f"{money(Decimal(value))} not on the page"
    return response
