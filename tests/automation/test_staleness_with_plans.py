"""A deal with a follow-up planned within its stage's stale threshold is not stale: the rep has a
plan. The scan, the list's flag and filter, the board, my day, the deal page and the data-quality
report all follow the one rule (`stale_q` / `Opportunity.is_stale`), so they keep agreeing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from opportunities.models import Opportunity
from opportunities.reminders import scan_stale
from tests.reports.helpers import page, page_table

from .conftest import idle_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(rep, stages):
    """Four deals idle 10 days in stage 1 (threshold 7 days), differing only in their plan."""
    now = timezone.now()
    limit = stages[1].stale_after_days
    assert limit == 7
    return {
        "planned": idle_deal(rep, days=10, stage=stages[1], name="Planned", next_follow_up_at=now + timedelta(days=3)),
        "no plan": idle_deal(rep, days=10, stage=stages[1], name="No plan"),
        "overdue plan": idle_deal(
            rep, days=10, stage=stages[1], name="Overdue plan", next_follow_up_at=now - timedelta(hours=2)
        ),
        "far plan": idle_deal(
            rep, days=10, stage=stages[1], name="Far plan", next_follow_up_at=now + timedelta(days=limit, hours=1)
        ),
    }


STALE = ["Far plan", "No plan", "Overdue plan"]


def test_the_scan_leaves_a_deal_with_a_plan_within_the_threshold_alone(deals, rep):
    scan_stale()
    reminded = Notification.objects.filter(kind="stale", recipient=rep).values_list("opportunity__name", flat=True)
    assert sorted(reminded) == STALE


def test_the_plan_stops_counting_once_its_date_passes(deals, rep):
    import time_machine

    with time_machine.travel(timezone.now() + timedelta(days=3, hours=1), tick=False):
        scan_stale()
    assert Notification.objects.filter(kind="stale", opportunity=deals["planned"]).exists()


def test_the_list_flag_and_the_stale_filter_agree_with_the_scan(deals, rep_client):
    response = rep_client.get(reverse("opportunities:list"))
    assert response.status_code == 200
    flagged = sorted(d.name for d in response.context["deals"] if d.stale)
    assert flagged == STALE
    filtered = rep_client.get(reverse("opportunities:list"), {"stale": "on"})
    assert sorted(d.name for d in filtered.context["deals"]) == STALE


def test_the_board_card_of_a_planned_deal_carries_no_stale_mark(deals, rep_client):
    response = rep_client.get(reverse("opportunities:board"))
    assert response.status_code == 200
    html = response.content.decode()
    planned_card = html.split(f'id="card-{deals["planned"].pk}"')[1].split("</article>")[0]
    stale_card = html.split(f'id="card-{deals["no plan"].pk}"')[1].split("</article>")[0]
    assert "Stale" not in planned_card
    assert "Stale" in stale_card


def test_my_day_and_the_deal_page_agree(deals, rep_client):
    home = rep_client.get(reverse("home"))
    assert sorted(d.name for d in home.context["stale"]) == STALE
    assert home.context["stale_count"] == 3
    planned = Opportunity.objects.get(pk=deals["planned"].pk)
    assert planned.is_stale() is False
    assert all(Opportunity.objects.get(pk=d.pk).is_stale() for name, d in deals.items() if name != "planned")
    assert rep_client.get(reverse("opportunities:detail", args=[planned.pk])).context["is_stale"] is False


def test_the_data_quality_report_lists_the_same_stale_deals(deals, leader_client):
    rows = page_table(page(leader_client, "quality"), "stale")
    assert sorted(r["Opportunity"] for r in rows) == STALE
