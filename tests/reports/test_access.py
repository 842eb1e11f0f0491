"""Reps see their own deals, leaders their team, admins everything: on the page and in the CSV."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .helpers import csv_table, m, page, page_table

pytestmark = pytest.mark.django_db

REPORTS = ["overview", "funnel", "forecast", "conversion", "winloss", "team", "quality"]


def test_reports_need_a_signed_in_user(history, client):
    for name in REPORTS:
        response = client.get(reverse(f"reports:{name}"))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_rep_sees_only_their_own_deals_even_when_asking_for_a_colleague(history, rep_client, teammate):
    funnel = page_table(page(rep_client, "funnel", rep=teammate.pk), "funnel")
    assert [r["Amount"] for r in funnel] == [m(100000), m(200000), m(300000)]  # D1, D2, D3: no D8
    assert [r["Amount"] for r in csv_table(rep_client, "funnel", "funnel", rep=teammate.pk)] == [
        m(100000),
        m(200000),
        m(300000),
    ]
    assert "rep" not in page(rep_client, "funnel").context["filter"].form.fields


def test_a_rep_has_no_people_tables(history, rep_client):
    assert [s.key for s in page(rep_client, "funnel").context["sections"]] == ["funnel"]
    assert "by_rep" not in [s.key for s in page(rep_client, "winloss").context["sections"]]
    assert rep_client.get(reverse("reports:funnel"), {"csv": "funnel_by_rep"}).status_code == 404


def test_a_leader_never_sees_another_team(history, leader_client, other_team, outsider):
    for params in ({}, {"team": other_team.pk}, {"rep": outsider.pk}):
        funnel = page_table(page(leader_client, "funnel", **params), "funnel")
        assert m(999000) not in [r["Amount"] for r in funnel]
        stage2 = csv_table(leader_client, "funnel", "funnel", **params)[1]
        assert stage2["Amount"] == m(200000)  # D2 only, never the other team's D10
    response = page(leader_client, "funnel", team=other_team.pk)
    assert "team" in response.context["filter"].form.errors
    leaderboard = csv_table(leader_client, "team", "leaderboard")
    assert str(outsider) not in [r["Rep"] for r in leaderboard]
    winloss = csv_table(leader_client, "winloss", "by_rep")
    assert str(outsider) not in [r["Rep"] for r in winloss]


def test_the_other_teams_leader_sees_only_their_team(history, other_leader, outsider):
    from tests.conftest import client_for

    client = client_for(other_leader)
    assert [r["Rep"] for r in csv_table(client, "team", "leaderboard")][0] == str(outsider)
    assert csv_table(client, "team", "leaderboard")[0]["Won amount"] == m(777000)
    assert page_table(page(client, "forecast"), "forecast")[1]["Target"] == m(2000000)


def test_an_admin_can_pick_any_team(history, admin_client_, other_team):
    funnel = page_table(page(admin_client_, "funnel", team=other_team.pk), "funnel")
    assert [r["Amount"] for r in funnel] == [m(0), m(999000), m(0)]


def test_an_unknown_csv_table_is_not_found(history, rep_client):
    assert rep_client.get(reverse("reports:funnel"), {"csv": "nope"}).status_code == 404


def test_chart_data_is_json_not_markup(history, leader_client, rep):
    rep.first_name = '</script><script>alert("x")</script>'
    rep.save(update_fields=["first_name"])
    html = page(leader_client, "team").content.decode()
    assert '<script>alert("x")' not in html
    assert '<script id="fig-leaderboard" type="application/json">' in html
    assert "cdn" not in html.lower()
    assert "/static/vendor/plotly/plotly.min.js" in html


@pytest.mark.parametrize("multiple", ["nan", "inf", "-1", "abc", "1e999"])
def test_a_nonsense_multiple_on_the_quality_page_falls_back_to_the_default(leader_client, multiple):
    response = leader_client.get(reverse("reports:quality"), {"multiple": multiple})
    assert response.status_code == 200
