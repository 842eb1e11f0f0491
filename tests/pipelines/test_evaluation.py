"""Opportunity evaluation (seed 002): five factors rated 1-5, a weighted score, and the band table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.models import EvaluationWeights
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

ALL_FOURS = {"need_fit": 4, "budget_fit": 4, "decision_cycle": 4, "purchase_intent": 4, "competition": 4}


def test_the_score_is_the_weighted_mean_of_the_five_ratings_out_of_100(rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    # Default weights 25/20/15/25/15: (25*5 + 20*3 + 15*2 + 25*4 + 15*1) / 100 = 3.3 -> 66.
    deal.evaluate(
        rep,
        ratings={"need_fit": 5, "budget_fit": 3, "decision_cycle": 2, "purchase_intent": 4, "competition": 1},
        notes={"need_fit": "Exactly our product"},
    )
    deal.refresh_from_db()
    assert deal.evaluation_score == Decimal("66.0")
    assert deal.rating_need_fit_note == "Exactly our product"


def test_no_score_until_all_five_factors_are_rated(rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    deal.evaluate(rep, ratings={"need_fit": 5})
    assert deal.evaluation_score is None and deal.rating_need_fit == 5


def test_new_weights_rescore_every_evaluated_deal(rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    deal.evaluate(
        rep, ratings={"need_fit": 5, "budget_fit": 1, "decision_cycle": 1, "purchase_intent": 1, "competition": 1}
    )
    weights = EvaluationWeights.current()
    weights.need_fit, weights.budget_fit, weights.decision_cycle = 1, 0, 0
    weights.purchase_intent, weights.competition = 0, 0
    weights.save()
    deal.refresh_from_db()
    assert deal.evaluation_score == Decimal("100.0")


def test_the_deal_page_saves_the_evaluation_and_the_swot(rep, rep_client, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    data = {f"rating_{c}": "4" for c in ALL_FOURS} | {
        "rating_budget_fit_note": "Budget approved",
        "swot_threats": "用友",
    }
    response = rep_client.post(reverse("opportunities:evaluate", args=[deal.pk]), data)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.evaluation_score == Decimal("80.0") and deal.swot_threats == "用友"
    page = rep_client.get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    assert "80/100" in page and "Budget approved" in page


def test_a_rating_outside_1_to_5_is_refused_at_the_field(rep, rep_client, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    response = rep_client.post(reverse("opportunities:evaluate", args=[deal.pk]), {"rating_need_fit": "9"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    deal.refresh_from_db()
    assert deal.rating_need_fit is None


def test_an_outsider_cannot_evaluate_a_deal(outsider_client, rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    response = outsider_client.post(reverse("opportunities:evaluate", args=[deal.pk]), {"rating_need_fit": "5"})
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.rating_need_fit is None


def test_the_list_sorts_by_score_with_unrated_deals_last_and_the_board_shows_it(rep, rep_client, stages):
    low = OpportunityFactory(owner=rep, stage=stages[1], name="Low")
    high = OpportunityFactory(owner=rep, stage=stages[1], name="High")
    OpportunityFactory(owner=rep, stage=stages[1], name="Unrated")
    low.evaluate(rep, ratings=dict.fromkeys(ALL_FOURS, 2))
    high.evaluate(rep, ratings=dict.fromkeys(ALL_FOURS, 5))
    names = [d.name for d in rep_client.get(reverse("opportunities:list"), {"sort": "-score"}).context["deals"]]
    assert names == ["High", "Low", "Unrated"]
    names = [d.name for d in rep_client.get(reverse("opportunities:list"), {"sort": "score"}).context["deals"]]
    assert names == ["Low", "High", "Unrated"]
    assert "100/100" in rep_client.get(reverse("opportunities:board")).content.decode()


def test_admin_cannot_set_every_weight_to_zero(admin_client_):
    weights = EvaluationWeights.current()
    response = admin_client_.post(
        reverse("admin:opportunities_evaluationweights_change", args=[weights.pk]),
        {"need_fit": "0", "budget_fit": "0", "decision_cycle": "0", "purchase_intent": "0", "competition": "0"},
    )
    assert response.status_code == 200
    assert "At least one factor needs a weight above zero." in response.content.decode()
    weights.refresh_from_db()
    assert weights.need_fit == 25
