"""Forecast categories: stage defaults, the rep's override, the leader's judgement, and the
forecast page's sums (hand-computed from tests/reports/conftest.py's history)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import FieldChange
from crm.choices import ForecastCategory
from opportunities.models import Opportunity, category_expression
from tests.conftest import client_for
from tests.reports.helpers import csv_table, m, page, page_table

pytestmark = pytest.mark.django_db


def by_month(rows):
    return {r["Month"]: r for r in rows}


def test_the_default_process_maps_each_stage_to_a_category(stages):
    assert [stages[o].forecast_category for o in (1, 2, 3, 4, 5)] == [
        ForecastCategory.PIPELINE,
        ForecastCategory.BEST_CASE,
        ForecastCategory.COMMIT,
        ForecastCategory.CLOSED,
        ForecastCategory.OMITTED,
    ]


def test_a_rep_commits_a_deal_with_a_note_and_it_counts_in_commit(history, rep, rep_client):
    d1 = history["D1"]  # stage 1 (Pipeline), 100,000, closes in June
    response = rep_client.post(
        reverse("opportunities:forecast_category", args=[d1.pk]),
        {"rep-category": "commit", "rep-note": "Verbal yes from the CFO"},
    )
    assert response.status_code == 302
    d1.refresh_from_db()
    assert (d1.forecast_category_override, d1.forecast_category_note) == ("commit", "Verbal yes from the CFO")
    assert d1.effective_category == ForecastCategory.COMMIT
    row = FieldChange.objects.for_object(d1).get(field="forecast_category_override")
    assert (row.old_value, row.new_value, row.changed_by_id) == ("", "commit", rep.pk)
    june = by_month(page_table(page(rep_client, "forecast"), "forecast"))["2025-06"]
    # Commit = won (0) + D1 100k; best case = commit + nothing in Best case; pipeline all open.
    assert (june["Commit"], june["Best case"], june["Pipeline"], june["Weighted pipeline"]) == (
        m(100000),
        m(100000),
        m(100000),
        m(20000),
    )


def test_an_override_without_a_note_is_refused_at_the_field(history, rep_client):
    d1 = history["D1"]
    response = rep_client.post(reverse("opportunities:forecast_category", args=[d1.pk]), {"rep-category": "commit"})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    d1.refresh_from_db()
    assert d1.forecast_category_override == ""
    assert not FieldChange.objects.for_object(d1).filter(field="forecast_category_override").exists()


def test_a_closed_deal_keeps_closed_or_omitted(history, rep_client):
    d4 = history["D4"]  # won
    response = rep_client.post(
        reverse("opportunities:forecast_category", args=[d4.pk]), {"rep-category": "omitted", "rep-note": "x"}
    )
    assert response.status_code == 400
    d4.refresh_from_db()
    assert d4.forecast_category_override == "" and d4.effective_category == ForecastCategory.CLOSED
    assert history["D5"].effective_category == ForecastCategory.OMITTED


def test_an_invented_category_is_refused(history, rep_client):
    d1 = history["D1"]
    response = rep_client.post(
        reverse("opportunities:forecast_category", args=[d1.pk]), {"rep-category": "closed", "rep-note": "x"}
    )
    assert response.status_code == 400
    d1.refresh_from_db()
    assert d1.forecast_category_override == ""


def test_a_colleague_cannot_touch_a_deals_category(history, outsider_client, client):
    d1 = history["D1"]
    url = reverse("opportunities:forecast_category", args=[d1.pk])
    assert outsider_client.post(url, {"rep-category": "commit", "rep-note": "x"}).status_code == 404
    assert client.post(url, {"rep-category": "commit", "rep-note": "x"}).status_code == 302  # to the login
    d1.refresh_from_db()
    assert d1.forecast_category_override == ""


def test_the_leaders_judgement_drives_the_team_forecast_but_not_the_reps(history, rep, leader, rep_client):
    d3 = history["D3"]  # stage 3 (Commit), 300,000, closes in July
    leader_client = client_for(leader)
    response = leader_client.post(
        reverse("opportunities:forecast_judgement", args=[d3.pk]),
        {"leader-category": "omitted", "leader-note": "No budget signed yet"},
    )
    assert response.status_code == 302
    d3.refresh_from_db()
    assert (d3.manager_category, d3.manager_category_by_id) == ("omitted", leader.pk)
    assert d3.effective_category == ForecastCategory.OMITTED and d3.rep_category == ForecastCategory.COMMIT
    team_july = by_month(page_table(page(leader_client, "forecast"), "forecast"))["2025-07"]
    assert (team_july["Commit"], team_july["Best case"], team_july["Pipeline"]) == (m(0), m(0), m(300000))
    rep_july = by_month(page_table(page(rep_client, "forecast"), "forecast"))["2025-07"]
    assert (rep_july["Commit"], rep_july["Best case"]) == (m(300000), m(300000))
    assert FieldChange.objects.for_object(d3).filter(field="manager_category", new_value="omitted").count() == 1


def test_a_rep_cannot_judge_their_own_deal(history, rep_client):
    d3 = history["D3"]
    response = rep_client.post(
        reverse("opportunities:forecast_judgement", args=[d3.pk]), {"leader-category": "commit", "leader-note": "x"}
    )
    assert response.status_code == 403
    d3.refresh_from_db()
    assert d3.manager_category == ""


def test_another_teams_leader_cannot_judge(history, other_leader):
    d3 = history["D3"]
    response = client_for(other_leader).post(
        reverse("opportunities:forecast_judgement", args=[d3.pk]), {"leader-category": "commit", "leader-note": "x"}
    )
    assert response.status_code == 404
    d3.refresh_from_db()
    assert d3.manager_category == ""


def test_best_case_is_cumulative_over_commit_and_won(history, rep, leader):
    d2 = history["D2"]  # stage 2 (Best case), 200,000, May; May has 180,000 won
    d2.override_forecast_category("commit", "PO in the post", by=rep)
    may = by_month(page_table(page(client_for(leader), "forecast"), "forecast"))["2025-05"]
    assert (may["Won"], may["Commit"], may["Best case"], may["Pipeline"]) == (
        m(180000),
        m(380000),
        m(380000),
        m(200000),
    )


def test_leaders_see_overrides_and_judgements_with_their_notes(history, rep, leader, other_leader):
    history["D1"].override_forecast_category("best_case", "Demo went well", by=rep)
    history["D3"].judge_forecast_category("pipeline", "Legal is slow", by=leader)
    history["D10"].judge_forecast_category("commit", "Signed", by=other_leader)
    rows = csv_table(client_for(leader), "forecast", "overrides")
    assert [(r["Opportunity"], r["Rep's category"], r["Leader's judgement"], r["Counted as"]) for r in rows] == [
        ("D3", "", "Pipeline", "Pipeline"),
        ("D1", "Best case", "", "Best case"),
    ]
    assert rows[1]["Rep's note"] == "Demo went well" and rows[0]["Leader's note"] == "Legal is slow"
    html = page(client_for(leader), "forecast").content.decode()
    assert "Legal is slow" in html and "Signed" not in html


def test_the_sql_rule_agrees_with_the_model_property(history, rep, leader, stages):
    history["D1"].override_forecast_category("commit", "a", by=rep)
    history["D2"].judge_forecast_category("omitted", "b", by=leader)
    history["D3"].override_forecast_category("best_case", "c", by=rep)
    history["D3"].judge_forecast_category("commit", "d", by=leader)
    annotated = dict(Opportunity.objects.annotate(c=category_expression(stages.values())).values_list("pk", "c"))
    for deal in Opportunity.objects.select_related("stage"):
        assert annotated[deal.pk] == deal.effective_category, deal.name
    assert [Opportunity.objects.get(pk=history[k].pk).effective_category for k in ("D1", "D2", "D3")] == [
        "commit",
        "omitted",
        "commit",
    ]


def test_clearing_an_override_returns_the_deal_to_its_stage(history, rep):
    d1 = history["D1"]
    d1.override_forecast_category("commit", "a", by=rep)
    assert d1.override_forecast_category("", "", by=rep) is True
    assert d1.effective_category == ForecastCategory.PIPELINE
    assert d1.override_forecast_category("", "", by=rep) is False  # nothing changed, no history
    assert FieldChange.objects.for_object(d1).filter(field="forecast_category_override").count() == 2


def test_the_deal_page_offers_the_rep_and_the_leader_their_forms(history, rep_client, leader):
    d1 = history["D1"]
    html = rep_client.get(d1.get_absolute_url()).content.decode()
    assert "Your forecast category" in html and "Your judgement" not in html
    html = client_for(leader).get(d1.get_absolute_url()).content.decode()
    assert "Your judgement (team forecast)" in html


def test_an_admin_sets_a_stages_default_category(admin_client_, stages):
    stage = stages[2]
    response = admin_client_.get(reverse("admin:opportunities_stage_change", args=[stage.pk]))
    assert response.status_code == 200 and 'name="forecast_category"' in response.content.decode()
    form = response.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({k: "on" for k, v in form.initial.items() if v is True})
    for k, v in list(data.items()):
        if v is False:
            del data[k]
    data["forecast_category"] = "commit"
    response = admin_client_.post(reverse("admin:opportunities_stage_change", args=[stage.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stage.refresh_from_db()
    assert stage.forecast_category == "commit"
