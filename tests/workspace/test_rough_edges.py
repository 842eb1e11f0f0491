"""Rough edges a new user found: each test fails on the code before its fix."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import plotly.graph_objects as go
import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from opportunities.models import Opportunity
from reports import charts
from tests.conftest import client_for
from tests.factories import LeadFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


# -- the sort box shows the sort applied -----------------------------------------------------
def test_the_deal_lists_sort_box_shows_the_order_the_list_has(rep, rep_client, stages):
    OpportunityFactory(owner=rep, name="Small one", amount=Decimal("1000"))
    OpportunityFactory(owner=rep, name="Big one", amount=Decimal("900000"))
    for query in ("", "?stage=" + str(stages[1].pk)):
        page = rep_client.get(reverse("opportunities:list") + query).content.decode()
        assert '<option value="-weighted" selected>' in page
        assert page.index("Big one") < page.index("Small one")


def test_pressing_filter_keeps_the_order(rep, rep_client):
    OpportunityFactory(owner=rep, name="Small one", amount=Decimal("1000"))
    OpportunityFactory(owner=rep, name="Big one", amount=Decimal("900000"))
    page = rep_client.get(reverse("opportunities:list"), {"sort": "-weighted", "stage": ""}).content.decode()
    assert page.index("Big one") < page.index("Small one")


def test_the_lead_lists_sort_box_shows_newest_first(rep, rep_client):
    LeadFactory(owner=rep)
    page = rep_client.get(reverse("leads:list")).content.decode()
    assert '<option value="-created" selected>' in page


def test_the_sort_box_is_wide_enough_for_its_english_labels(rep_client):
    page = rep_client.get(reverse("opportunities:list")).content.decode()
    assert 'class="col-12 col-md-6 col-xl-3 filter-sort"' in page


# -- the board's stage menu and columns -------------------------------------------------------
def test_the_board_stage_menu_opens_outside_the_columns_clipping(rep, rep_client):
    OpportunityFactory(owner=rep)
    page = rep_client.get(reverse("opportunities:board")).content.decode()
    assert """data-bs-popper-config='{"strategy":"fixed"}'""" in page
    css = open(finders.find("css/crm.css"), encoding="utf-8").read()
    assert ".board-column-cards { flex: 1 1 auto; overflow-y: auto;" in css


# -- the next-stage box refreshes after a follow-up logged in place ---------------------------
def test_logging_a_follow_up_in_place_refreshes_what_the_next_stage_needs(rep, rep_client, stages):
    stages[2].requires_follow_up = True
    stages[2].save()
    deal = OpportunityFactory(owner=rep, need_description="CRM", budget_confirmed=True, timeline_confirmed=True)
    page = rep_client.get(deal.get_absolute_url()).content.decode()
    assert "Log at least one follow-up" in page
    response = rep_client.post(
        reverse("opportunities:log_follow_up", args=[deal.pk]),
        {"kind": "call", "occurred_at": "2026-01-02T10:00", "summary": "Discussed the rollout"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert '<div id="next-stage-box" hx-swap-oob="outerHTML">' in body
    assert "Log at least one follow-up" not in body


# -- names in their own order ------------------------------------------------------------------
def test_a_chinese_name_is_family_name_first_without_a_space():
    from accounts.models import format_person_name

    assert format_person_name("伟", "王", "rep1") == "王伟"
    assert format_person_name("Wei", "Wang", "rep1") == "Wei Wang"
    assert format_person_name("", "", "rep1") == "rep1"
    assert str(User(first_name="伟", last_name="王", username="w")) == "王伟"


def test_a_chinese_name_shows_as_such_in_the_header_owner_fields_and_csvs(leader, team):
    wang = UserFactory(username="wang", first_name="伟", last_name="王", team=team)
    OpportunityFactory(owner=wang, name="Wang deal")
    client = client_for(wang)
    assert "王伟" in client.get(reverse("home")).content.decode()
    leader_client = client_for(leader)
    listing = leader_client.get(reverse("opportunities:list")).content.decode()
    assert "王伟" in listing and "伟 王" not in listing
    export = b"".join(leader_client.get(reverse("opportunities:export")).streaming_content).decode("utf-8-sig")
    assert "王伟" in export
    report = leader_client.get(reverse("reports:team"), {"csv": "leaderboard"}).content.decode("utf-8-sig")
    assert "王伟" in report and "伟 王" not in report


# -- team scatter labels -------------------------------------------------------------------------
def test_reps_at_the_same_spot_of_the_scatter_get_labels_on_different_sides():
    rows = [
        {"rep": "A", "new_count": 3, "conversion_rate": Decimal("50.0")},
        {"rep": "B", "new_count": 3, "conversion_rate": Decimal("50.0")},
        {"rep": "C", "new_count": 3, "conversion_rate": Decimal("51.0")},
        {"rep": "D", "new_count": 20, "conversion_rate": Decimal("10.0")},
    ]
    positions = go.Figure(charts.openers_converters_figure(rows).to_plotly_json()).data[0].textposition
    assert isinstance(positions, tuple | list), positions  # one position per point
    assert len(set(positions[:3])) == 3


# -- the Lost dialog's review notes are the deal's review ----------------------------------------
def test_review_notes_typed_when_marking_lost_show_on_the_review_card(rep, rep_client, stages, loss_reason):
    deal = OpportunityFactory(owner=rep)
    rep_client.post(
        reverse("opportunities:move", args=[deal.pk]),
        {"stage": stages[5].pk, "loss_reason": loss_reason.pk, "note": "Lost on price to a local vendor"},
    )
    deal = Opportunity.objects.get(pk=deal.pk)
    assert deal.stage == stages[5]
    assert deal.review_notes == "Lost on price to a local vendor"
    page = rep_client.get(deal.get_absolute_url()).content.decode()
    review = page[page.index('id="review"') :]
    review = review[: review.index("</div>\n    </div>")]
    assert "Lost on price to a local vendor" in review and "No review notes yet" not in review


# -- language ------------------------------------------------------------------------------------
def test_the_header_language_switch_is_kept_on_the_profile(rep, rep_client):
    rep_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    rep.refresh_from_db()
    assert rep.language == "en"
    rep_client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    rep.refresh_from_db()
    assert rep.language == "en"


def test_the_language_menu_names_each_language_in_itself(rep_client):
    with translation.override("zh-hans"):
        page = rep_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<option value="en" lang="en">English</option>' in page
    assert "英语" not in page


def test_forecast_months_are_written_in_the_pages_language():
    months = [
        {
            "month": date(2025, 5, 1),
            "won": Decimal("1"),
            "weighted": Decimal("1"),
            "commit": Decimal("0"),
            "best_case": Decimal("0"),
            "target": Decimal("1"),
        }
    ]
    with translation.override("zh-hans"):
        figure = go.Figure(charts.forecast_figure(months).to_plotly_json())
    assert figure.data[0].x == ("2025年5月",)
    assert figure.layout.xaxis.type == "category"


# -- reports: a bad parameter shows the period used ---------------------------------------------
def test_a_bad_period_shows_the_period_actually_used(leader_client):
    page = leader_client.get(reverse("reports:winloss"), {"period": "bogus"}).content.decode()
    assert '<option value="this_quarter" selected>' in page
    assert '<option value="this_month" selected>' not in page


# -- favicon ---------------------------------------------------------------------------------------
def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.ico")
    assert finders.find("favicon.ico")


# -- the leader on their own team's leaderboard -----------------------------------------------------
def test_a_leader_without_deals_is_not_on_their_teams_leaderboard(leader, leader_client, rep):
    OpportunityFactory(owner=rep)
    board = leader_client.get(reverse("reports:team"), {"csv": "leaderboard"}).content.decode("utf-8-sig")
    assert "Rita" in board and "Lena" not in board
    OpportunityFactory(owner=leader)
    board = leader_client.get(reverse("reports:team"), {"csv": "leaderboard"}).content.decode("utf-8-sig")
    assert "Lena" in board


def test_signing_in_switches_to_the_language_on_the_profile(client):
    UserFactory(username="eng", language="en")
    response = client.post(reverse("login"), {"username": "eng", "password": "pw-12345-secret"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
