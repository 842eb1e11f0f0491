"""A rep's or a small team's history is read by the ids of their deals, a team's deal by deal
(on PostgreSQL), a wider scope's by joining the deals: every way gives every report the same
figures."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from customers.models import Customer
from opportunities.models import Opportunity
from reports import sections
from reports.filters import ReportFilter
from reports.periods import resolve_period
from reports.queries import base, build_scope, winloss
from reports.queries.calibration import calibration_rows

pytestmark = pytest.mark.django_db

PAGES = ["overview", "conversion", "quality", "winloss", "team", "funnel", "forecast"]


def figures(user, period: str) -> dict:
    request = RequestFactory().get("/")
    request.user = user
    filterset = ReportFilter({"period": period}, request=request, queryset=Opportunity.objects.none())
    assert filterset.form.is_valid(), filterset.form.errors
    scope = build_scope(user, filterset, resolve_period(period))
    tables = {
        (page, section.table.key): section.table.rows
        for page in PAGES
        for section in getattr(sections, f"{page}_sections")(scope, True)
    }
    tables["headline"] = sections.headline_figures(scope)
    tables["calibration"] = calibration_rows(scope)
    return scope, tables


@pytest.mark.parametrize("period", ["this_quarter", "all"])
def test_reports_give_the_same_figures_whether_the_history_is_read_by_deal_or_by_join(
    history, rep, leader, monkeypatch, period
):
    # Two industries; a won deal whose customer is in the recycle bin (it keeps its industry and
    # type, as the join gives them); a deal in the recycle bin (left out every way).
    Customer.all_objects.filter(pk=history["D4"].customer_id).update(industry="manufacturing")
    Customer.all_objects.filter(pk=history["D6"].customer_id).update(
        industry="finance", customer_type="government", deleted_at=timezone.now()
    )
    Opportunity.all_objects.filter(pk=history["D2"].pk).update(deleted_at=timezone.now())
    for user in (rep, leader):
        by_id_scope, by_id = figures(user, period)
        assert by_id_scope.own_deal_ids() is not None  # a rep's and this team's deals are few
        monkeypatch.setattr(base, "FEW_DEALS", 0)
        monkeypatch.setattr(base, "TEAM_DEALS", 0)
        joined_scope, joined = figures(user, period)
        assert joined_scope.own_deal_ids() is None and joined_scope.team_deal_ids() is None
        monkeypatch.setattr(base, "TEAM_DEALS", 10_000)
        team_scope, deal_by_deal = figures(user, period)
        # Deal by deal is PostgreSQL's way; SQLite joins.
        assert (team_scope.team_deal_ids() is not None) == (connection.vendor == "postgresql")
        monkeypatch.setattr(winloss, "looks_customers_up", lambda scope: False)
        _scope, customers_joined = figures(user, period)
        monkeypatch.undo()
        assert by_id == joined
        assert deal_by_deal == joined
        assert customers_joined == by_id  # the win rate by industry and customer type too
        # The tables hold real figures: the conversion counted entries, the quality flags a skip,
        # the calibration counted closed deals, the win rate by industry has rows.
        assert any(row["entered"] for row in by_id["conversion", "conversion"])
        assert any(row["closed"] for row in by_id["calibration"])
        industries = {row["label"] for row in by_id["winloss", "by_industry"] if row["won"] + row["lost"]}
        assert {"Manufacturing", "Finance"} <= industries
