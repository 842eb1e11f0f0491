"""The deal list: scoped rows, filters, sorting, SQL totals and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import CustomerFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [deal.name for deal in response.context["deals"]]


def test_the_list_shows_my_open_deals_ranked_by_weighted_value(rep_client, rep, teammate, stages):
    OpportunityFactory(owner=rep, name="1M at 20%", amount=Decimal("1000000"), stage=stages[1])
    OpportunityFactory(owner=rep, name="500k at 50%", amount=Decimal("500000"), stage=stages[2])
    OpportunityFactory(owner=rep, name="Won already", stage=stages[4])
    OpportunityFactory(owner=teammate, name="Teammate's")
    response = rep_client.get(reverse("opportunities:list"))
    assert names(response) == ["500k at 50%", "1M at 20%"]
    totals = response.context["totals"]
    assert totals["total_count"] == 2
    assert totals["total_amount"] == Decimal("1500000")
    assert totals["total_weighted"] == Decimal("450000")
    assert "¥450,000" in response.content.decode()


def test_the_list_marks_idle_deals_stale_unless_a_follow_up_is_planned(rep_client, rep, stages):
    now = timezone.now()
    idle = now - timedelta(days=40)
    OpportunityFactory(owner=rep, name="Idle", stage_entered_at=idle, last_activity_at=idle)
    OpportunityFactory(
        owner=rep, name="Idle with a plan", stage_entered_at=idle, next_follow_up_at=now + timedelta(days=2)
    )
    OpportunityFactory(owner=rep, name="Fresh", stage_entered_at=now - timedelta(days=1))
    response = rep_client.get(reverse("opportunities:list"))
    flagged = {deal.name for deal in response.context["deals"] if deal.stale}
    assert flagged == {"Idle"}
    assert response.content.decode().count(">Stale</span>") == 1
    # The stale filter and the badge follow the same rule.
    assert names(rep_client.get(reverse("opportunities:list"), {"stale": "on"})) == ["Idle"]


def test_sorting_by_amount_and_close_date(rep_client, rep, stages):
    OpportunityFactory(owner=rep, name="Small soon", amount=Decimal("10"), expected_close_date=date(2030, 1, 1))
    OpportunityFactory(owner=rep, name="Big late", amount=Decimal("99"), expected_close_date=date(2031, 1, 1))
    assert names(rep_client.get(reverse("opportunities:list"), {"sort": "-amount"})) == ["Big late", "Small soon"]
    assert names(rep_client.get(reverse("opportunities:list"), {"sort": "close"})) == ["Small soon", "Big late"]


def test_filters_narrow_the_rows_and_the_totals(rep_client, rep, stages):
    now = timezone.now()
    gov = CustomerFactory(owner=rep, customer_type="government", industry="education")
    OpportunityFactory(
        owner=rep, customer=gov, name="School", amount=Decimal("300"), expected_close_date=date(2030, 5, 9)
    )
    OpportunityFactory(owner=rep, name="Stale one", stage_entered_at=now - timedelta(days=40), urgency="urgent")
    OpportunityFactory(owner=rep, name="Overdue call", next_follow_up_at=now - timedelta(days=1), value_tier="high")
    OpportunityFactory(owner=rep, name="In stage 2", stage=stages[2])
    url = reverse("opportunities:list")
    assert names(rep_client.get(url, {"customer_type": "government"})) == ["School"]
    assert names(rep_client.get(url, {"industry": "education"})) == ["School"]
    assert names(rep_client.get(url, {"close_month": "2030-05"})) == ["School"]
    assert names(rep_client.get(url, {"amount_max": "500"})) == ["School"]
    assert names(rep_client.get(url, {"stale": "on"})) == ["Stale one"]
    assert names(rep_client.get(url, {"urgency": "urgent"})) == ["Stale one"]
    assert names(rep_client.get(url, {"overdue": "on"})) == ["Overdue call"]
    assert names(rep_client.get(url, {"value_tier": "high"})) == ["Overdue call"]
    assert names(rep_client.get(url, {"stage": stages[2].pk})) == ["In stage 2"]
    assert names(rep_client.get(url, {"q": "school"})) == ["School"]
    response = rep_client.get(url, {"stale": "on"})
    assert response.context["totals"]["total_count"] == 1


def test_won_and_lost_deals_are_one_status_filter_away(rep_client, rep, stages):
    OpportunityFactory(owner=rep, name="Open")
    OpportunityFactory(owner=rep, name="Won", stage=stages[4])
    OpportunityFactory(owner=rep, name="Lost", stage=stages[5])
    url = reverse("opportunities:list")
    assert names(rep_client.get(url, {"status": "won"})) == ["Won"]
    assert sorted(names(rep_client.get(url, {"status": "all"}))) == ["Lost", "Open", "Won"]


def test_a_leader_filters_by_team_member_but_never_sees_another_team(leader_client, rep, teammate, outsider, stages):
    OpportunityFactory(owner=rep, name="Rita's")
    OpportunityFactory(owner=teammate, name="Tom's")
    OpportunityFactory(owner=outsider, name="Olga's")
    url = reverse("opportunities:list")
    assert sorted(names(leader_client.get(url))) == ["Rita's", "Tom's"]
    assert names(leader_client.get(url, {"owner": teammate.pk})) == ["Tom's"]
    assert names(leader_client.get(url, {"owner": outsider.pk})) == []


def test_the_csv_export_holds_the_filtered_scoped_set(rep_client, rep, teammate, stages):
    OpportunityFactory(owner=rep, name="Export me", amount=Decimal("1234"), stage=stages[2])
    OpportunityFactory(owner=rep, name="Filtered out", stage=stages[1])
    OpportunityFactory(owner=teammate, name="Not mine", stage=stages[2])
    response = rep_client.get(reverse("opportunities:export"), {"stage": stages[2].pk})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["ID", "Opportunity", "Customer"]
    assert [row[1] for row in rows[1:]] == ["Export me"]
    assert rows[1][6] == "1234.00" and rows[1][7] == "617.00"


@pytest.mark.parametrize("rows", [5, 200])
def test_the_list_and_export_keep_a_fixed_number_of_queries(
    rows, book, rep_client, leader_client, django_assert_max_num_queries
):
    book(rows)
    # + saved views and whether there are several pipelines; the stage and pipeline boxes list
    # the page's own active stages (no query of their own)
    with django_assert_max_num_queries(9):
        assert rep_client.get(reverse("opportunities:list"), {"status": "all"}).status_code == 200
    # Leader, stale filter: session, user, active stages, leader check, stale stages' thresholds,
    # totals, bell, team, saved views, pipeline count, owner and team choices, the page's rows =
    # 13. Flat: with 5 deals none is stale, so the page is empty and its rows query is skipped.
    with django_assert_max_num_queries(13):
        assert leader_client.get(reverse("opportunities:list"), {"stale": "on", "sort": "-amount"}).status_code == 200
    with django_assert_max_num_queries(8):
        b"".join(rep_client.get(reverse("opportunities:export"), {"status": "all"}).streaming_content)


def test_the_list_loads_only_the_rows_of_the_page(rep_client, rep, stages):
    from django.db.models.signals import post_init

    from opportunities.models import Opportunity

    for i in range(40):
        OpportunityFactory(owner=rep, amount=Decimal(1000 + i))
    loaded = []

    def count(sender, **kwargs):
        loaded.append(sender)

    post_init.connect(count, sender=Opportunity)
    try:
        response = rep_client.get(reverse("opportunities:list"), {"page": 2})
    finally:
        post_init.disconnect(count, sender=Opportunity)
    assert len(response.context["deals"]) == 15
    assert response.context["page_obj"].paginator.num_pages == 2
    assert len(loaded) == 15


@pytest.mark.parametrize("sort", ["", "-amount", "amount", "close", "-close", "-activity", "score", "-score"])
def test_paging_through_the_list_gives_every_deal_once_in_the_chosen_order(
    leader_client, leader, rep, teammate, outsider, stages, sort
):
    """A page sorts the matching ids, then reads those rows: page after page, the deals come in
    the order of the whole sorted list, ties (equal values) broken the same way, none twice."""
    from opportunities.views.lists import PAGE_SIZE, opportunity_rows, ordered

    now = timezone.now()
    for i in range(2 * PAGE_SIZE + 7):
        OpportunityFactory(
            owner=(rep, teammate, outsider)[i % 3],
            name=f"Deal {i}",
            amount=Decimal(1000 * (i % 4)),  # many ties on amount and weighted value
            stage=stages[1 + i % 3],
            expected_close_date=date(2030, 1, 1 + i % 5),
            last_activity_at=now - timedelta(days=i % 6),
            evaluation_score=None if i % 5 == 0 else i % 7 * 10,
        )
    data = {"sort": sort} if sort else {}
    whole = [deal.name for deal in ordered(opportunity_rows(leader, data))]
    assert len(whole) > PAGE_SIZE and not any(d.startswith("Deal") and int(d[5:]) % 3 == 2 for d in whole)
    paged: list[str] = []
    page = 1
    while True:
        response = leader_client.get(reverse("opportunities:list"), {**data, "page": page})
        paged += names(response)
        if not response.context["page_obj"].has_next():
            break
        page += 1
    assert page > 1
    assert paged == whole


def test_a_row_shows_every_column_with_names_escaped_and_a_late_follow_up_marked(
    rep_client, leader_client, rep, stages
):
    now = timezone.now()
    customer = CustomerFactory(owner=rep, name='<i>Acme</i> & "Sons"')
    deal = OpportunityFactory(
        owner=rep,
        customer=customer,
        name="<script>alert(1)</script> deal",
        stage=stages[2],
        amount=Decimal("200000"),
        evaluation_score=Decimal("63.6"),
        expected_close_date=None,
        close_date_push_count=2,
        last_activity_at=now - timedelta(days=1),
        next_follow_up_at=now - timedelta(hours=2),
    )
    page = rep_client.get(reverse("opportunities:list")).content.decode()
    row = page[page.index(f'name="ids" value="{deal.pk}"') :]
    row = row[: row.index("</tr>")]

    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; deal" in row
    assert "&lt;i&gt;Acme&lt;/i&gt; &amp; &quot;Sons&quot;" in row
    assert f'href="{deal.get_absolute_url()}"' in row and f'href="{customer.get_absolute_url()}"' in row
    assert 'aria-label="Select &lt;script&gt;alert(1)&lt;/script&gt; deal"' in row
    assert "¥200,000" in row and "¥100,000" in row and "50 %" in row  # amount, weighted, probability
    assert ">64<" in row  # the score, rounded
    assert "Pushed 2×" in row  # the close date moved twice (and is not set now: a dash)
    assert '<span class="text-danger fw-semibold">' in row  # the follow-up is past
    assert f"<td>{rep}</td>" not in row  # a rep's own list has no owner column

    leader_page = leader_client.get(reverse("opportunities:list")).content.decode()
    assert f"<td>{rep}</td>" in leader_page
