"""Every CSV the application exports goes through one writer: formula-safe (a name such as
`=HYPERLINK("x")` is shown as text by Excel and WPS, never run), UTF-8 with a byte-order mark,
and the deal export streamed from the database with the same rows and headers as before."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, format_person_name
from crm.csv_export import FORMULA_STARTS, safe_cell
from customers.models import Customer
from leads.models import LeadSource
from opportunities.models import LossReason, Opportunity
from opportunities.views.lists import CSV_COLUMNS, opportunity_rows, ordered
from reports.urls import urlpatterns as report_urls
from tests.conftest import client_for
from tests.factories import OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("x")'
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def report_exports(client) -> list[str]:
    """Every CSV link on every report page (what a user can download), plus the overview's headline."""
    urls = []
    for pattern in report_urls:
        if not hasattr(pattern.callback, "view_class"):
            continue  # an action (accepting a calibration), not a report page
        page = reverse(f"reports:{pattern.name}")
        html = client.get(page).content.decode()
        links = sorted(set(re.findall(r'href="\?([^"]*csv=[^"]+)"', html)))
        assert links, f"{page} offers no CSV"
        urls += [f"{page}?{unescape(link)}" for link in links]
    return urls + [reverse("reports:overview") + "?csv=headline"]


def all_exports(client) -> list[str]:
    return [reverse("opportunities:export") + "?status=all", *report_exports(client)]


@pytest.fixture
def formulas(history, rep, teammate, team):
    """Names people and admins typed that a spreadsheet would read as formulas."""
    for key, deal in history.items():
        Opportunity.objects.filter(pk=deal.pk).update(name=f"{PAYLOAD} {key}")
    for customer in Customer.objects.all():
        Customer.objects.filter(pk=customer.pk).update(name=f"+SUM(1) {customer.pk}")
    rep.first_name, rep.last_name = PAYLOAD, ""
    rep.save()
    teammate.first_name, teammate.last_name = "@cmd", ""
    teammate.save()
    Team.objects.filter(pk=team.pk).update(name="=TEAM()")
    LossReason.objects.filter(name_en="Price").update(name="-2+3", name_en="-2+3")
    LeadSource.objects.filter(code="referral").update(name="\tTAB", name_en="\tTAB")
    LeadSource.objects.filter(code="website").update(name="\rCR", name_en="\rCR")
    return history


def test_a_formula_in_a_cell_is_written_as_text_and_numbers_stay_numbers():
    assert safe_cell(PAYLOAD) == "'" + PAYLOAD
    for start in FORMULA_STARTS:
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("-5") == "'-5"  # text that looks like a number is still text
    assert safe_cell(Decimal("-5.50")) == "-5.50" and safe_cell(-3) == -3
    assert safe_cell("Acme = best") == "Acme = best" and safe_cell(None) == ""


@pytest.mark.parametrize("who", ["admin", "leader"])
def test_no_export_holds_a_cell_a_spreadsheet_would_run(who, formulas, admin_user, leader):
    client = client_for(admin_user if who == "admin" else leader)
    seen: set[str] = set()
    exports = all_exports(client)
    assert len(exports) > 20
    for url in exports:
        for row in read(client.get(url)):
            for cell in row:
                assert not (cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)), (url, cell)
                if cell.startswith("'"):
                    seen.add(cell)
    neutralised = {cell.split(" ")[0] for cell in seen}
    assert {"'" + PAYLOAD, "'+SUM(1)", "'@cmd", "'-2+3", "'\tTAB", "'\rCR"} <= neutralised
    if who == "admin":  # the team breakdowns are the admin's
        assert "'=TEAM()" in neutralised


def test_the_deal_export_neutralises_deal_customer_and_owner_names(formulas, admin_client_):
    rows = read(admin_client_.get(reverse("opportunities:export"), {"status": "all"}))
    d2 = next(row for row in rows if row[1] == f"'{PAYLOAD} D2")
    assert d2[2].startswith("'+SUM(1) ") and d2[3] == "'" + PAYLOAD


def test_the_leaderboard_neutralises_rep_names(formulas, admin_client_):
    rows = read(admin_client_.get(reverse("reports:team"), {"csv": "leaderboard"}))
    assert "'" + PAYLOAD in [row[0] for row in rows[1:]]


def todays_deal_export(user, params) -> bytes:
    """The deal export written the plain way (model instances, one row at a time), with the
    columns added since (close date pushed, evaluation score) and owners named by
    `format_person_name` (a Chinese name family name first)."""
    filterset = opportunity_rows(user, params)
    rows = ordered(filterset) if filterset.is_valid() else filterset.queryset.none()
    out = io.StringIO()
    writer = csv.writer(out)
    tz = timezone.get_current_timezone()

    def when(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    out.write("\ufeff")
    writer.writerow([str(label) for _key, label in CSV_COLUMNS])
    for deal in rows:
        writer.writerow(
            [
                deal.pk,
                deal.name,
                deal.customer.name,
                format_person_name(deal.owner.first_name, deal.owner.last_name, deal.owner.username),
                str(deal.stage),
                deal.probability,
                deal.amount,
                Decimal(deal.weighted).quantize(Decimal("0.01")),
                deal.expected_close_date or "",
                deal.close_date_push_count,
                when(deal.last_activity_at),
                when(deal.next_follow_up_at),
                deal.get_urgency_display(),
                deal.get_value_tier_display(),
                "yes" if deal.is_stale() else "",
                "" if deal.evaluation_score is None else deal.evaluation_score,
            ]
        )
    return out.getvalue().encode()


@pytest.mark.parametrize("params", [{"status": "all"}, {}, {"stale": "on"}, {"sort": "-close"}, {"q": "D1"}])
def test_the_streamed_deal_export_has_the_same_headers_and_rows_as_before(
    params, history, admin_user, leader, rep, outsider
):
    OpportunityFactory(owner=rep, name='Comma, "quoted" 名称', next_follow_up_at=timezone.now(), urgency="urgent")
    wang = UserFactory(username="wang_wei", first_name="伟", last_name="王", team=rep.team)
    OpportunityFactory(owner=wang, name="D1 王伟的商机", close_date_push_count=2)
    for user in (admin_user, leader, rep, outsider):
        response = client_for(user).get(reverse("opportunities:export"), params)
        assert response.streaming
        assert body(response) == todays_deal_export(user, params)
    if "stale" not in params:
        rows = read(client_for(admin_user).get(reverse("opportunities:export"), params))
        assert rows[0][9] == "Close date pushed" and rows[0][-1] == "Evaluation score"
        wangs = [row for row in rows if row[1] == "D1 王伟的商机"]
        assert [(row[3], row[9]) for row in wangs] == [("王伟", "2")]  # family name first, no space


def todays_report_csv(table, filename: str) -> HttpResponse:
    """A report table's CSV as it was written before."""
    from reports.tables import csv_value

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(c.label) for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(row.get(c.key), c.kind) for c in table.columns])
    return response


def test_every_report_export_has_the_same_headers_and_rows_as_before(history, admin_user, leader, monkeypatch):
    import reports.views

    for user in (admin_user, leader):
        client = client_for(user)
        urls = report_exports(client)
        now = [body(client.get(url)) for url in urls]
        with monkeypatch.context() as patched:
            patched.setattr(reports.views, "csv_response", todays_report_csv)
            before = [body(client.get(url)) for url in urls]
        assert now == before


def test_a_bad_filter_on_the_export_is_a_clear_400_not_an_empty_file(rep_client):
    response = rep_client.get(reverse("opportunities:export"), {"close_month": "9999-12"})
    assert response.status_code == 400
    assert "Enter a month as YYYY-MM between 1900-01 and 2200-12." in response.content.decode()


def test_the_deal_export_reads_plain_values_not_model_instances(history, admin_client_):
    from django.db.models.signals import post_init

    built: list[object] = []

    def count(sender, **kwargs):
        if sender is Opportunity:
            built.append(sender)

    post_init.connect(count)
    try:
        rows = read(admin_client_.get(reverse("opportunities:export"), {"status": "all"}))
    finally:
        post_init.disconnect(count)
    assert len(rows) == 1 + len(history) and built == []


@pytest.mark.parametrize("server_side_cursors", [True, False])
def test_the_deal_export_is_the_same_with_and_without_server_side_cursors(
    server_side_cursors, history, admin_user, monkeypatch
):
    """Behind PgBouncer in transaction mode DISABLE_SERVER_SIDE_CURSORS is on; the file is the same."""
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", not server_side_cursors)
    response = client_for(admin_user).get(reverse("opportunities:export"), {"status": "all"})
    assert body(response) == todays_deal_export(admin_user, {"status": "all"})


def test_exporting_a_selection_writes_the_list_exports_columns_through_the_one_writer(formulas, admin_client_, rep):
    from tests.factories import LeadFactory

    ids = [deal.pk for deal in formulas.values()]
    deals = read(admin_client_.post(reverse("workspace:bulk_deals"), {"action": "export", "ids": ids}))
    lead = LeadFactory(owner=rep, name=f"{PAYLOAD} lead", company="@corp")
    leads = read(admin_client_.post(reverse("workspace:bulk_leads"), {"action": "export", "ids": [lead.pk]}))
    assert deals[0] == [str(label) for _key, label in CSV_COLUMNS] and len(deals) == 1 + len(ids)
    for row in deals + leads:
        for cell in row:
            assert not (cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)), cell
    assert {f"'{PAYLOAD} D2", "'+SUM(1)"} <= {
        cell.rsplit(" ", 1)[0] if cell.startswith("'+") else cell for row in deals for cell in row
    }
    assert leads[1][1:3] == [f"'{PAYLOAD} lead", "'@corp"]
