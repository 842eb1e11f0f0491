"""Stage-probability calibration against hand-computed figures, and accepting a suggestion.

"Now" is 2025-05-15; the default window is June 2024 to May 2025. Forty deals entered stage 1
(20 %) in the window and have closed: 10 won (6 of them through stage 2), 30 lost (4 of them
through stage 2). Stage 2 (50 %) therefore has 10 closed deals, 6 won. Left out: three quick
wins that entered stage 1, two deals that entered it before the window, and three open deals.

Stage 1: 10 / 40 = 25.0 %; Wilson 90 %: 15.6 % to 37.6 %; Brier (10·0.8² + 30·0.2²) / 40 =
0.1900; 40 closed deals, so suggest 25 %.
Stage 2: 6 / 10 = 60.0 %; Wilson 90 %: 35.2 % to 80.6 %; Brier (6·0.5² + 4·0.5²) / 10 = 0.2500;
too few to suggest.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import FieldChange
from opportunities.models import LossReason, Opportunity, Stage
from reports.queries.calibration import suggested_probability, wilson_interval
from tests.conftest import client_for
from tests.reports.helpers import csv_table, page

from .conftest import at, make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_deals(frozen, rep, teammate, outsider, stages):
    price = LossReason.objects.get(name_en="Price")
    owners = [rep, teammate]
    n = 0

    def deal(path, **extra):
        nonlocal n
        n += 1
        owner = owners[n % 2]
        history = [(order, at(1 + (i % 4), 1 + n % 27), 0) for i, order in enumerate(path)]
        if path[-1] == 5:
            extra.setdefault("loss_reason", price)
        return make_deal(f"C{n}", owner, stages, history, amount=1000 * n, **extra)

    for i in range(10):
        deal([1, 2, 4] if i < 6 else [1, 4])
    for i in range(30):
        deal([1, 2, 5] if i < 4 else [1, 5])
    for _ in range(3):
        deal([1, 4], is_quick_win=True)
    for i in range(2):
        make_deal(
            f"OLD{i}",
            rep,
            stages,
            [(1, at(3, 1, year=2024), 0), (5, at(3, 9, year=2024), 0)],
            amount=1,
            loss_reason=price,
        )
    open_deals = [
        make_deal(f"OPEN{i}", rep, stages, [(1, at(4, 1), 0)], amount=5000, expected_close_date=date(2025, 6, 30))
        for i in range(3)
    ]
    make_deal("OUT", outsider, stages, [(1, at(4, 2), 0), (4, at(4, 20), 0)], amount=1)
    return open_deals


COLUMNS = ("Stage", "Closed deals", "Won", "Win rate", "90 % interval from", "90 % interval to", "Brier score")


def test_the_wilson_interval_and_the_suggestion_rounding():
    low, high = wilson_interval(10, 40)
    assert (round(low, 4), round(high, 4)) == (0.1557, 0.376)
    assert wilson_interval(0, 0) is None
    assert suggested_probability(10, 40) == 25
    assert suggested_probability(27, 40) == 70  # 67.5 % rounds half up to 70
    assert suggested_probability(26, 40) == 65
    assert suggested_probability(6, 29) is None


def test_a_leader_sees_realised_win_rates_per_stage(closed_deals, leader):
    rows = csv_table(client_for(leader), "calibration", "calibration")
    stage1, stage2, stage3 = (tuple(r[c] for c in COLUMNS) for r in rows)
    assert stage1[1:] == ("40", "10", "25.0", "15.6", "37.6", "0.1900")
    assert stage2[1:] == ("10", "6", "60.0", "35.2", "80.6", "0.2500")
    assert stage3[1:] == ("0", "0", "", "", "", "")
    assert rows[0]["Configured probability"] == "20" and rows[0]["Suggestion"] == "Suggest 25 %."
    assert rows[1]["Suggestion"] == "Too few closed deals (10 of 30) to suggest anything."


def test_only_an_admin_is_offered_the_one_click_change(closed_deals, leader, admin_client_):
    assert "Set to 25 %" not in page(client_for(leader), "calibration").content.decode()
    html = page(admin_client_, "calibration").content.decode()
    assert "Set to 25 %" in html and "Set to 60 %" not in html


def test_accepting_a_suggestion_sets_the_stage_and_its_open_deals(closed_deals, admin_user, admin_client_, stages):
    response = admin_client_.post(reverse("reports:accept_calibration"), {"stage": stages[1].pk, "probability": 25})
    assert response.status_code == 302
    stage = Stage.objects.get(pk=stages[1].pk)
    assert stage.probability == 25
    assert {d.probability for d in Opportunity.objects.filter(pk__in=[d.pk for d in closed_deals])} == {25}
    deal_rows = FieldChange.objects.for_object(closed_deals[0]).filter(field="probability")
    assert [(r.old_value, r.new_value, r.changed_by_id) for r in deal_rows] == [("20", "25", admin_user.pk)]
    record = FieldChange.objects.for_object(stage).get(field="probability")
    assert (record.old_value, record.new_value, record.changed_by_id) == ("20", "25", admin_user.pk)
    recalibrations = csv_table(admin_client_, "calibration", "recalibrations")
    assert [(r["Old probability"], r["New probability"], r["By"]) for r in recalibrations] == [
        ("20", "25", str(admin_user))
    ]


def test_a_leader_cannot_accept_a_suggestion(closed_deals, leader, stages):
    response = client_for(leader).post(
        reverse("reports:accept_calibration"), {"stage": stages[1].pk, "probability": 25}
    )
    assert response.status_code == 403
    assert Stage.objects.get(pk=stages[1].pk).probability == 20


def test_too_few_deals_or_a_stale_suggestion_changes_nothing(closed_deals, admin_client_, stages):
    for stage, probability in ((stages[2], 60), (stages[1], 40), (stages[1], "abc")):
        response = admin_client_.post(
            reverse("reports:accept_calibration"), {"stage": stage.pk, "probability": probability}, follow=True
        )
        assert response.status_code == 200
        assert "The suggestion has changed" in response.content.decode()
    assert [Stage.objects.get(pk=stages[o].pk).probability for o in (1, 2)] == [20, 50]
    assert not FieldChange.objects.filter(field="probability").exists()


def test_anonymous_users_are_sent_to_sign_in(closed_deals, client, stages):
    response = client.post(reverse("reports:accept_calibration"), {"stage": stages[1].pk, "probability": 25})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Stage.objects.get(pk=stages[1].pk).probability == 20


def test_a_rep_sees_only_their_own_deals_rates(closed_deals, rep):
    rows = csv_table(client_for(rep), "calibration", "calibration")
    # The rep owns every other deal: C2, C4, ... (5 of the 10 won, 15 of the 30 lost).
    assert (rows[0]["Closed deals"], rows[0]["Won"]) == ("20", "5")
    assert Decimal(rows[0]["Win rate"]) == Decimal("25.0")
