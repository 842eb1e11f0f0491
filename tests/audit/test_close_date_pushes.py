"""Close-date pushes: counted by the save that moves the date, shown wherever the deal is, and a
deal pushed three times or more is flagged on the data-quality report ("the close date is fiction")."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from opportunities.models import Opportunity
from tests.factories import OpportunityFactory
from tests.reports.helpers import csv_table, page, page_table, section

from .conftest import text

pytestmark = pytest.mark.django_db


def pushed(owner, times: int, name: str, stage=None) -> Opportunity:
    deal = OpportunityFactory(
        owner=owner, name=name, expected_close_date=datetime.date(2026, 12, 1), **({"stage": stage} if stage else {})
    )
    deal = Opportunity.objects.get(pk=deal.pk)
    for _ in range(times):
        deal.expected_close_date += datetime.timedelta(days=30)
        deal.save()
    assert deal.close_date_push_count == times
    return deal


def test_the_push_count_shows_on_the_card_the_list_and_the_deal_page(rep, rep_client):
    deal = pushed(rep, 3, "Slipping deal")
    calm = pushed(rep, 0, "Calm deal")
    board = text(rep_client.get(reverse("opportunities:board")).content.decode())
    listing = text(rep_client.get(reverse("opportunities:list")).content.decode())
    detail = text(rep_client.get(reverse("opportunities:detail", args=[deal.pk])).content.decode())
    assert board.count("Pushed 3×") == 1 and listing.count("Pushed 3×") == 1
    assert "Close date pushed 3 times The close date is fiction" in detail
    assert "Close date pushed 0 times" in text(rep_client.get(calm.get_absolute_url()).content.decode())
    assert (
        "The expected close date was pushed later 3 times."
        in rep_client.get(reverse("opportunities:board")).content.decode()
    )


def test_the_list_csv_carries_the_push_count(rep, rep_client):
    pushed(rep, 2, "Twice")
    body = b"".join(rep_client.get(reverse("opportunities:export")).streaming_content).decode("utf-8-sig")
    header, row = body.splitlines()[:2]
    column = header.split(",").index("Close date pushed")
    assert row.split(",")[column] == "2"


def test_the_quality_report_lists_open_deals_pushed_three_times_within_the_viewers_scope(
    rep, teammate, outsider, leader_client, rep_client, stages
):
    pushed(rep, 4, "Rita four")
    pushed(teammate, 3, "Tom three")
    pushed(teammate, 2, "Tom two")
    pushed(outsider, 5, "Olga five")
    pushed(rep, 3, "Rita won", stage=stages[4])
    response = page(leader_client, "quality")
    assert section(response, "pushed").title == "The close date is fiction"
    rows = page_table(response, "pushed")
    assert [(r["Opportunity"], r["Times pushed"]) for r in rows] == [("Rita four", "4"), ("Tom three", "3")]
    assert [(r["Opportunity"], r["Times pushed"]) for r in csv_table(leader_client, "quality", "pushed")] == [
        ("Rita four", "4"),
        ("Tom three", "3"),
    ]
    per_rep = {r["Rep"]: r["Close date pushed 3+ times"] for r in page_table(response, "per_rep")}
    assert per_rep["Rita"] == "1" and per_rep["Tom"] == "1" and "Olga" not in per_rep
    assert [r["Opportunity"] for r in page_table(page(rep_client, "quality"), "pushed")] == ["Rita four"]
